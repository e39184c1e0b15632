package multinode_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// Node 1 dies in the middle of the exchange: its listener and every
// connection close at once, without Shutdown. Its visitor moves to node 2
// and its agent's inbox to node 3, both resuming with their marks; every
// acknowledged message is stored once and reaches every client once. An
// agent whose inbox was on node 1 and does not come back stops counting
// as available within the presence grace, as every other node sees it.
func TestKill(t *testing.T) {
	forEachBroker(t, func(t *testing.T, kind brokerKind) {
		c := newCluster(t, kind, 3, clusterOptions{})
		n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
		a := newPair(t, "a", []*node{n1, n2}, []*node{n3})
		b := newPair(t, "b", []*node{n2}, []*node{n1, n3})
		a.inbox.follow(b.conv())
		b.inbox.follow(a.conv())

		// The only available agent has the inbox open on node 1 alone.
		connectAgent(t, "agent-c", false, n1)
		setPresence(t, n1, "agent-c", "available")
		observer := newVisitor(t, n2)
		require.Equal(t, "available", observer.availability(n2), "agent-c counts as available on node 2")
		require.True(t, c.available(t, "agent-c"))

		var killedAt time.Time
		exchange(t, []*pair{a, b}, messagesEachWay/2, func() {
			killedAt = time.Now()
			n1.kill()
		})

		// Nodes 2 and 3 stop counting agent-c once the grace has passed
		// since node 1 last saw the inbox, which was when it died.
		waitFor(t, presenceGrace+3*time.Second, func() bool {
			return observer.availability(n2) == "away" && observer.availability(n3) == "away"
		}, func() string { return "agent-c still counts as available on node 2 or 3" })
		require.False(t, c.available(t, "agent-c"))
		agent, err := c.store.Agent(context.Background(), "agent-c")
		require.NoError(t, err)
		// Node 1 saw the inbox go when it died (or had seen it one tick
		// before); nothing moved it forward since.
		require.WithinDuration(t, killedAt, agent.LastSeenAt, presenceGrace/2, "agent-c was last seen when node 1 died")
		t.Logf("agent-c stopped counting as available %v after node 1 died (grace %v)",
			agent.LastSeenAt.Add(presenceGrace).Sub(killedAt).Round(time.Millisecond), presenceGrace)

		require.Equal(t, n2, a.widget.node(), "visitor a moved to node 2")
		require.Equal(t, n3, b.inbox.node(), "agent b moved to node 3")
		require.GreaterOrEqual(t, a.widget.connections(), 2)
		require.GreaterOrEqual(t, b.inbox.connections(), 2)

		clients := []*client{a.widget, a.inbox, b.widget, b.inbox}
		gaps := checkDelivery(t, c, []string{a.conv(), b.conv()}, clients, 20*time.Second)
		require.Empty(t, gaps)

		// Every acknowledged message is stored once under its client
		// message id, and every sender had all of theirs acknowledged.
		for _, p := range []*pair{a, b} {
			stored := map[string]int64{}
			for _, m := range c.messages(p.conv()) {
				stored[string(m.Sender)+"/"+m.ClientMsgID] = m.Seq
			}
			for _, side := range []struct {
				cl     *client
				sender livechat.SenderKind
			}{{p.widget, livechat.SenderVisitor}, {p.inbox, livechat.SenderAgent}} {
				acked := map[string]bool{}
				for _, m := range side.cl.ackedOf(p.conv()) {
					seq, ok := stored[string(side.sender)+"/"+m.ClientMessageID]
					require.True(t, ok, "%s: acknowledged %s is not stored", side.cl.name, m.ClientMessageID)
					require.Equal(t, seq, m.Seq, "%s: %s acknowledged with another seq than stored", side.cl.name, m.ClientMessageID)
					acked[m.ClientMessageID] = true
				}
				require.Len(t, acked, messagesEachWay, "%s: acknowledged client message ids", side.cl.name)
			}
		}
	})
}

// available reports whether the stored agent counts as available, as
// every node decides it: presence available, seen within the grace.
func (c *cluster) available(t *testing.T, agentID string) bool {
	t.Helper()
	a, err := c.store.Agent(context.Background(), agentID)
	require.NoError(t, err)
	return a.Presence == livechat.PresenceAvailable && !a.LastSeenAt.IsZero() && time.Since(a.LastSeenAt) <= presenceGrace
}
