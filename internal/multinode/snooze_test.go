package multinode_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// statusesOf returns the statuses of the conversation events the client
// received for the conversation, in order.
func (c *client) statusesOf(conversationID string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.statuses[conversationID])
}

// TestSnoozeWakesOnce snoozes a conversation through one node for a
// moment: when the time comes, every node's wake-up loop finds it due,
// exactly one of them makes it open, and the agents on both nodes see
// that one change.
func TestSnoozeWakesOnce(t *testing.T) {
	forEachBroker(t, func(t *testing.T, kind brokerKind) {
		c := newCluster(t, kind, 2, clusterOptions{})
		ada := connectAgent(t, "ada", false, c.nodes[0])
		bob := connectAgent(t, "bob", false, c.nodes[1])
		v := newVisitor(t, c.nodes[0])
		require.NoError(t, v.start(c.nodes[0]))

		until := time.Now().Add(1500 * time.Millisecond)
		status, body, err := doJSON(http.DefaultClient, "POST", c.nodes[0].base+"api/v1/agent/conversations/"+v.conv+"/state",
			map[string]any{"status": "snoozed", "snoozedUntil": until}, agentHeader("ada"))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, "%s", body)

		woken := func(cl *client) bool {
			st := cl.statusesOf(v.conv)
			i := slices.Index(st, "snoozed")
			return i >= 0 && slices.Contains(st[i:], "open")
		}
		require.Eventually(t, func() bool { return woken(ada) && woken(bob) }, 15*time.Second, 50*time.Millisecond,
			"ada saw %v, bob saw %v", ada.statusesOf(v.conv), bob.statusesOf(v.conv))
		stored, err := c.store.Conversation(t.Context(), v.conv)
		require.NoError(t, err)
		require.Equal(t, livechat.StatusOpen, stored.Status)
		require.False(t, stored.UpdatedAt.Before(until.Truncate(time.Second)), "woken at its time, not before")

		// Both nodes ran their loop again since: still one wake-up.
		time.Sleep(1200 * time.Millisecond)
		for _, cl := range []*client{ada, bob} {
			st := cl.statusesOf(v.conv)
			after := st[slices.Index(st, "snoozed")+1:]
			require.Equal(t, []string{"open"}, after, "%s saw the wake-up once", cl.name)
			require.Empty(t, cl.problemsSoFar())
		}
	})
}
