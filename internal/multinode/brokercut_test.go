package multinode_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/transport"
)

// stateLog records what a broker reports of its connection.
type stateLog struct {
	mu     sync.Mutex
	states []transport.State
}

func (l *stateLog) add(s transport.State) {
	l.mu.Lock()
	l.states = append(l.states, s)
	l.mu.Unlock()
}

func (l *stateLog) last() transport.State {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.states) == 0 {
		return 0
	}
	return l.states[len(l.states)-1]
}

// Node 1 loses its broker for a few seconds in the middle of the
// exchange (every connection to the broker's server is cut and new ones
// are refused), while its clients stay connected to it and keep sending.
// Once the broker is back, delivery resumes for every client, node 1
// catches its own clients up from the Storage, and the messages of the
// outage reach every client too, without duplicates.
func TestBrokerCut(t *testing.T) {
	forEachBroker(t, func(t *testing.T, kind brokerKind) {
		c := newCluster(t, kind, 3, clusterOptions{})
		n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
		a := newPair(t, "a", []*node{n1}, []*node{n3})
		b := newPair(t, "b", []*node{n2}, []*node{n1})
		a.inbox.follow(b.conv())
		b.inbox.follow(a.conv())
		pairs := []*pair{a, b}

		notifier, ok := n1.broker.(transport.StateNotifier)
		require.True(t, ok, "the %s broker reports its connection", kind)
		var states stateLog
		defer notifier.OnState(states.add)()

		// A quarter of the messages before the outage, half during it,
		// the last quarter once the broker is back.
		exchangeRange(t, pairs, 0, messagesEachWay/4, 0, nil)
		began := time.Now()
		require.NotZero(t, n1.proxy.down(), "node 1 had connections to its broker")
		waitFor(t, 10*time.Second, func() bool { return states.last() == transport.StateDisconnected },
			func() string { return "node 1's broker reports the lost connection" })
		exchangeRange(t, pairs, messagesEachWay/4, 3*messagesEachWay/4, 0, nil)
		// The outage lasts a few seconds, however fast the messages went.
		if rest := 2*time.Second - time.Since(began); rest > 0 {
			time.Sleep(rest)
		}
		n1.proxy.up()
		waitFor(t, 10*time.Second, func() bool { return states.last() == transport.StateConnected },
			func() string { return "node 1's broker reports the connection back" })
		outage := time.Since(began)
		// Everything stored from now on is published on a working broker.
		lastBeforeUp := map[string]int64{}
		for _, p := range pairs {
			lastBeforeUp[p.conv()] = int64(len(c.messages(p.conv())))
		}
		exchangeRange(t, pairs, 3*messagesEachWay/4, messagesEachWay, 0, nil)
		t.Logf("node 1 was off the broker for %v; the broker reported %v", outage.Round(time.Millisecond), states.states)

		clients := []*client{a.widget, a.inbox, b.widget, b.inbox}
		// Node 1 now sends, one broker round trip each and in order, what
		// its broker kept during the outage and what it publishes again
		// once back; the messages sent since queue behind them. On a busy
		// machine that takes seconds: the wait ends as soon as every client
		// holds every message.
		gaps := checkDelivery(t, c, []string{a.conv(), b.conv()}, clients, 60*time.Second)
		// Delivery resumed: whatever was stored after the broker came
		// back reached every client.
		for _, g := range gaps {
			for _, s := range g.seqs {
				require.LessOrEqual(t, s, lastBeforeUp[g.conv], "delivery did not resume: %v", g)
			}
		}
		// Node 1 caught its own clients up from the Storage once its
		// broker was back.
		for _, g := range gaps {
			require.NotEqual(t, n1.name, g.node, "node 1 did not catch its client up after the outage: %v", g)
		}
		if len(gaps) > 0 {
			lines := make([]string, len(gaps))
			for i, g := range gaps {
				lines[i] = g.String()
			}
			t.Fatalf("messages sent through node 1 during the outage did not reach the clients of other nodes:\n%s", strings.Join(lines, "\n"))
		}
	})
}

// The smallest case of a lost publish: while node 1 is off its broker,
// its visitor sends one message and has it acknowledged; nothing follows
// it. The agent on node 2 still gets it once node 1's broker is back.
func TestBrokerCutLastMessage(t *testing.T) {
	forEachBroker(t, func(t *testing.T, kind brokerKind) {
		c := newCluster(t, kind, 2, clusterOptions{})
		n1, n2 := c.nodes[0], c.nodes[1]
		p := newPair(t, "a", []*node{n1}, []*node{n2})
		require.NoError(t, p.widget.sendMany(p.conv(), "v-a", 0, 1))
		waitFor(t, 5*time.Second, func() bool { return p.inbox.mark(p.conv()) == 1 },
			func() string { return "the agent holds the first message" })

		notifier, ok := n1.broker.(transport.StateNotifier)
		require.True(t, ok, "the %s broker reports its connection", kind)
		var states stateLog
		defer notifier.OnState(states.add)()
		require.NotZero(t, n1.proxy.down(), "node 1 had connections to its broker")
		waitFor(t, 10*time.Second, func() bool { return states.last() == transport.StateDisconnected },
			func() string { return "node 1's broker reports the lost connection" })
		require.NoError(t, p.widget.sendMany(p.conv(), "v-a", 1, 2))
		n1.proxy.up()
		waitFor(t, 10*time.Second, func() bool { return states.last() == transport.StateConnected },
			func() string { return "node 1's broker reports the connection back" })

		deadline := time.Now().Add(5 * time.Second)
		for p.inbox.mark(p.conv()) < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if p.inbox.mark(p.conv()) < 2 {
			t.Fatalf("the agent on node 2 holds %d of the 2 messages 5 s after node 1's broker came back", p.inbox.mark(p.conv()))
		}
		require.Empty(t, checkDelivery(t, c, []string{p.conv()}, []*client{p.widget, p.inbox}, 0))
	})
}
