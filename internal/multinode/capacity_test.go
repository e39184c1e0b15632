package multinode_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

const (
	capacityAgents   = 5
	agentCapacity    = 10
	conversationsNow = 200
)

// 200 conversations start at once on three nodes, against 5 available
// agents of capacity 10 spread over the nodes: exactly 50 are assigned,
// 10 to each agent, and 150 wait. Every node's ticks then drain the queue
// at the same time: nothing moves while every agent is full, and when 10
// conversations close, exactly 10 waiting ones are assigned, each to one
// agent only, and no agent goes over capacity.
func TestCapacity(t *testing.T) {
	forEachBroker(t, func(t *testing.T, kind brokerKind) {
		c := newCluster(t, kind, 3, clusterOptions{capacity: agentCapacity})
		agents := make([]*client, capacityAgents)
		agentNode := map[string]*node{}
		for i := range agents {
			id := fmt.Sprintf("agent-%d", i+1)
			nd := c.nodes[i%len(c.nodes)]
			agents[i] = connectAgent(t, id, true, nd)
			setPresence(t, nd, id, "available")
			agentNode[id] = nd
		}
		for i := range agents {
			require.True(t, c.available(t, fmt.Sprintf("agent-%d", i+1)))
		}

		// Every visitor has had a page view; then all start at once.
		visitors := make([]*visitor, conversationsNow)
		var wg sync.WaitGroup
		errs := make(chan error, conversationsNow)
		for i := range visitors {
			wg.Go(func() {
				v, err := openVisitor(t, c.nodes[i%len(c.nodes)])
				if err != nil {
					errs <- err
					return
				}
				visitors[i] = v
			})
		}
		wg.Wait()
		require.Empty(t, errs)
		start := make(chan struct{})
		for i, v := range visitors {
			wg.Go(func() {
				<-start
				if err := v.start(c.nodes[i%len(c.nodes)]); err != nil {
					errs <- err
				}
			})
		}
		began := time.Now()
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		require.False(t, t.Failed())
		t.Logf("%d conversations started in %v", conversationsNow, time.Since(began).Round(time.Millisecond))

		c.waitAssigned(t, 50)
		assigned := c.checkQueue(t, 50, conversationsNow-50)
		// Every node ticks a few times (each drains the queue); nothing moves.
		c.waitTicks(t, agents, 3)
		require.Equal(t, assigned, c.checkQueue(t, 50, conversationsNow-50), "assignments after the nodes' ticks")

		// Each agent closes two of theirs, through their own node, at once.
		var closed []string
		for _, id := range slices.Sorted(maps.Keys(agentNode)) {
			n := 0
			for _, conv := range slices.Sorted(maps.Keys(assigned)) {
				if assigned[conv] == id && n < 2 {
					closed = append(closed, conv)
					n++
				}
			}
		}
		errs = make(chan error, len(closed))
		for _, conv := range closed {
			id := assigned[conv]
			wg.Go(func() {
				status, body, err := doJSON(http.DefaultClient, "POST", agentNode[id].base+"api/v1/agent/conversations/"+conv+"/close", map[string]any{}, agentHeader(id))
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("close %s: %d %s", conv, status, body)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		require.False(t, t.Failed())

		c.waitAssigned(t, 50)
		c.waitTicks(t, agents, 3)
		after := c.checkQueue(t, 50, conversationsNow-60)
		for conv, id := range assigned {
			if !slices.Contains(closed, conv) {
				require.Equal(t, id, after[conv], "conversation %s stays with its agent", conv)
			}
		}

		// No agent heard of a conversation given to two agents.
		heard := map[string]map[string]bool{}
		for _, a := range agents {
			a.mu.Lock()
			for conv, ids := range a.assigned {
				if heard[conv] == nil {
					heard[conv] = map[string]bool{}
				}
				for _, id := range ids {
					heard[conv][id] = true
				}
			}
			a.mu.Unlock()
		}
		var doubled []string
		for conv, ids := range heard {
			if len(ids) > 1 {
				state := "waiting after the start"
				if id, ok := assigned[conv]; ok {
					state = "assigned to " + id + " after the start"
				}
				if slices.Contains(closed, conv) {
					state += ", then closed"
				}
				doubled = append(doubled, fmt.Sprintf("%s was given to %v in turn (%s; now %q)", conv, heardOrder(agents[0], conv), state, after[conv]))
			}
		}
		if len(doubled) > 0 {
			slices.Sort(doubled)
			t.Fatalf("%d waiting conversations were given to several agents while the nodes routed and drained the queue at once:\n%s", len(doubled), strings.Join(doubled, "\n"))
		}
	})
}

// heardOrder returns the agents an inbox heard the conversation given to,
// in order.
func heardOrder(inbox *client, conv string) []string {
	inbox.mu.Lock()
	defer inbox.mu.Unlock()
	return slices.Clone(inbox.assigned[conv])
}

// openConversations lists every open conversation.
func (c *cluster) openConversations(t *testing.T) []*livechat.Conversation {
	t.Helper()
	var out []*livechat.Conversation
	f := livechat.ConversationFilter{Status: livechat.StatusOpen, Limit: 100}
	for {
		page, err := c.store.Conversations(context.Background(), f)
		require.NoError(t, err)
		out = append(out, page...)
		if len(page) < f.Limit {
			return out
		}
		f.After = f.CursorAfter(page[len(page)-1])
	}
}

// openAssigned maps every open assigned conversation to its agent.
func (c *cluster) openAssigned(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, conv := range c.openConversations(t) {
		if conv.AssigneeID != "" {
			out[conv.ID] = conv.AssigneeID
		}
	}
	return out
}

// waitAssigned waits until n open conversations are assigned.
func (c *cluster) waitAssigned(t *testing.T, n int) {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool { return len(c.openAssigned(t)) == n },
		func() string {
			return fmt.Sprintf("%d open conversations assigned, want %d", len(c.openAssigned(t)), n)
		})
}

// checkQueue checks that the open conversations are wantAssigned
// assigned, at most agentCapacity to an agent, and wantQueued waiting,
// and returns the assignments.
func (c *cluster) checkQueue(t *testing.T, wantAssigned, wantQueued int) map[string]string {
	t.Helper()
	open := c.openConversations(t)
	assigned := map[string]string{}
	perAgent := map[string]int{}
	for _, conv := range open {
		if conv.AssigneeID != "" {
			assigned[conv.ID] = conv.AssigneeID
			perAgent[conv.AssigneeID]++
		}
	}
	for id, n := range perAgent {
		require.LessOrEqual(t, n, agentCapacity, "%s has %d open conversations", id, n)
	}
	counts, err := c.store.OpenCounts(context.Background())
	require.NoError(t, err)
	require.Equal(t, perAgent, counts, "OpenCounts")
	require.Len(t, assigned, wantAssigned, "assigned: %v", perAgent)
	require.Equal(t, wantQueued, len(open)-len(assigned), "waiting")
	return assigned
}

// waitTicks waits until every node has ticked n more times: each tick
// moves its agents' LastSeenAt, then drains the queue; one more tick
// tells that the last drain is over.
func (c *cluster) waitTicks(t *testing.T, agents []*client, n int) {
	t.Helper()
	every := presenceGrace / 4
	since := time.Now().Add(time.Duration(n+1) * every)
	waitFor(t, time.Duration(n+6)*every, func() bool {
		for _, a := range agents {
			stored, err := c.store.Agent(context.Background(), a.name)
			require.NoError(t, err)
			if stored.LastSeenAt.Before(since) {
				return false
			}
		}
		return true
	}, func() string { return fmt.Sprintf("every node ticks %d times", n) })
}
