package multinode_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// messagesEachWay is how many messages the visitor and the agent of a
// pair each send.
const messagesEachWay = 200

// pair is a visitor and an agent talking in one conversation, each on a
// node of their own.
type pair struct {
	name    string
	visitor *visitor
	widget  *client
	inbox   *client
}

// newPair starts a visitor's conversation on the first of visitorNodes,
// with the widget connected there (and moving to the next node when it
// drops), and connects the agent's inbox to the first of agentNodes.
func newPair(t *testing.T, name string, visitorNodes, agentNodes []*node) *pair {
	t.Helper()
	v := newVisitor(t, visitorNodes[0])
	require.NoError(t, v.start(visitorNodes[0]))
	p := &pair{name: name, visitor: v}
	p.widget = v.connect("visitor-"+name, true, visitorNodes...)
	p.widget.follow(v.conv)
	p.inbox = connectAgent(t, "agent-"+name, true, agentNodes...)
	p.inbox.follow(v.conv)
	return p
}

func (p *pair) conv() string { return p.visitor.conv }

// exchange has every pair's visitor and agent send messagesEachWay
// messages at once; when every visitor has had at least at of theirs
// acknowledged, it runs midway (if not nil) while the sending goes on.
func exchange(t *testing.T, pairs []*pair, at int, midway func()) {
	t.Helper()
	exchangeRange(t, pairs, 0, messagesEachWay, at, midway)
}

// exchangeRange is exchange for the messages from to to-1 of each sender.
func exchangeRange(t *testing.T, pairs []*pair, from, to, at int, midway func()) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(pairs))
	for _, p := range pairs {
		wg.Go(func() {
			if err := p.widget.sendMany(p.conv(), "v-"+p.name, from, to); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			if err := p.inbox.sendMany(p.conv(), "a-"+p.name, from, to); err != nil {
				errs <- err
			}
		})
	}
	if midway != nil {
		waitFor(t, 60*time.Second, func() bool { return visitorsAcked(pairs, at) || len(errs) > 0 },
			func() string { return fmt.Sprintf("%d messages of each visitor acknowledged", at) })
		midway()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// visitorsAcked reports whether every pair's visitor has had at least n
// messages acknowledged.
func visitorsAcked(pairs []*pair, n int) bool {
	for _, p := range pairs {
		if len(p.widget.ackedOf(p.conv())) < n {
			return false
		}
	}
	return true
}

// gap is the seqs of a conversation a client does not hold.
type gap struct {
	client, conv string
	node         string // the node the client is connected to
	seqs         []int64
	last         int64 // the conversation's last seq
}

func (g gap) String() string {
	shown := g.seqs
	if len(shown) > 20 {
		shown = shown[:20]
	}
	return fmt.Sprintf("%s (on %s) lacks %d of the %d messages of %s, seqs %v", g.client, g.node, len(g.seqs), g.last, g.conv, shown)
}

// checkDelivery waits up to wait until every client holds every stored
// message of every conversation it follows, then checks that each holds
// each seq once, as stored, and that the storage holds each client
// message id once. It fails the test for anything but missing messages,
// which it returns.
func checkDelivery(t *testing.T, c *cluster, convs []string, clients []*client, wait time.Duration) []gap {
	t.Helper()
	var gaps []gap
	deadline := time.Now().Add(wait)
	for _, conv := range convs {
		stored := c.messages(conv)
		for i, m := range stored {
			require.EqualValues(t, i+1, m.Seq, "stored seqs of %s are dense", conv)
		}
		last := int64(len(stored))
		ids := map[string]int{}
		for _, m := range stored {
			if m.ClientMsgID != "" {
				ids[string(m.Sender)+"/"+m.ClientMsgID]++
			}
		}
		for id, n := range ids {
			require.Equal(t, 1, n, "client message id %s stored %d times in %s", id, n, conv)
		}
		for _, cl := range clients {
			if !cl.follows(conv) {
				continue
			}
			for cl.mark(conv) < last && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			v := cl.snapshot(conv)
			for _, m := range stored {
				if got, ok := v.have[m.Seq]; ok {
					require.Equal(t, m.ID, got.ID, "%s: seq %d of %s", cl.name, m.Seq, conv)
					require.Equal(t, m.Text, got.Text, "%s: seq %d of %s", cl.name, m.Seq, conv)
				}
			}
			for s := range v.have {
				require.LessOrEqual(t, s, last, "%s holds seq %d of %s, beyond those stored", cl.name, s, conv)
			}
			if v.mark < last {
				g := gap{client: cl.name, conv: conv, node: cl.node().name, last: last}
				for s := int64(1); s <= last; s++ {
					if _, ok := v.have[s]; !ok {
						g.seqs = append(g.seqs, s)
					}
				}
				gaps = append(gaps, g)
			}
			t.Logf("%s: %s: %d of %d messages, %d duplicates dropped, %d arrived after a higher seq (%d of them in message events), %d connections",
				cl.name, conv, len(v.have), last, v.duplicates, v.late, v.lateEvents, cl.connections())
		}
	}
	for _, cl := range clients {
		require.Empty(t, cl.problemsSoFar(), "%s", cl.name)
	}
	return gaps
}

// Two pairs talk across three nodes at once: each visitor and agent sends
// 200 messages, and every client holds every message of both
// conversations once, as stored, with nothing missing.
func TestExchange(t *testing.T) {
	forEachBroker(t, func(t *testing.T, kind brokerKind) {
		c := newCluster(t, kind, 3, clusterOptions{})
		n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
		a := newPair(t, "a", []*node{n1}, []*node{n3})
		b := newPair(t, "b", []*node{n2}, []*node{n1})
		// Each agent's inbox follows both conversations.
		a.inbox.follow(b.conv())
		b.inbox.follow(a.conv())
		began := time.Now()
		exchange(t, []*pair{a, b}, 0, nil)
		sent := time.Since(began)
		gaps := checkDelivery(t, c, []string{a.conv(), b.conv()}, []*client{a.widget, a.inbox, b.widget, b.inbox}, 20*time.Second)
		require.Empty(t, gaps)
		t.Logf("%d messages sent in %v, all delivered after %v", 4*messagesEachWay, sent.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	})
}
