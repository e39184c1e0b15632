package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) claim(t *testing.T) {
	// requireUnchanged checks that a refused claim left the conversation
	// as it was.
	requireUnchanged := func(t *testing.T, st livechat.Storage, before *livechat.Conversation) {
		t.Helper()
		after, err := st.Conversation(testContext(t), before.ID)
		require.NoError(t, err)
		requireConversation(t, before, after)
	}
	t.Run("OK", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "c0")
		got, err := st.ClaimConversation(ctx, c.ID, "agent-1", 2, at(30))
		require.NoError(t, err)
		want := *c
		want.AssigneeID = "agent-1"
		want.UpdatedAt = at(30)
		requireConversation(t, &want, got)
		stored, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		requireConversation(t, &want, stored)
	})
	t.Run("ErrConflictWhenAssigned", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		mustCreateConversation(t, st, "c0")
		before, err := st.ClaimConversation(ctx, "c0", "agent-1", 2, at(30))
		require.NoError(t, err)
		_, err = st.ClaimConversation(ctx, "c0", "agent-2", 2, at(31))
		require.ErrorIs(t, err, livechat.ErrConflict, "claimed by another agent")
		_, err = st.ClaimConversation(ctx, "c0", "agent-1", 2, at(32))
		require.ErrorIs(t, err, livechat.ErrConflict, "claimed again by its assignee")
		requireUnchanged(t, st, before)

		// A conversation assigned by AssignConversation is taken too.
		assigned := mustCreateConversation(t, st, "c1")
		assigned, err = st.AssignConversation(ctx, assigned.ID, "agent-3", 0, at(33))
		require.NoError(t, err)
		_, err = st.ClaimConversation(ctx, assigned.ID, "agent-2", 0, at(34))
		require.ErrorIs(t, err, livechat.ErrConflict)
		requireUnchanged(t, st, assigned)
	})
	t.Run("ErrConflictBeforeErrAtCapacity", func(t *testing.T) {
		// A taken conversation is ErrConflict even for a full agent, so
		// that a router stops trying it rather than trying other agents.
		st, ctx := s.open(t), testContext(t)
		mustCreateConversation(t, st, "c0")
		before, err := st.ClaimConversation(ctx, "c0", "agent-1", 1, at(30))
		require.NoError(t, err)
		_, err = st.ClaimConversation(ctx, "c0", "agent-1", 1, at(31))
		require.ErrorIs(t, err, livechat.ErrConflict)
		require.NotErrorIs(t, err, livechat.ErrAtCapacity)
		requireUnchanged(t, st, before)
	})
	t.Run("ErrConflictWhenClosed", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		closed := newConversation("c0", "visitor-1", 1)
		closed.Status = livechat.StatusClosed
		closed.ClosedAt = at(2)
		require.NoError(t, st.CreateConversation(ctx, closed))
		_, err := st.ClaimConversation(ctx, closed.ID, "agent-1", 2, at(30))
		require.ErrorIs(t, err, livechat.ErrConflict)
		requireUnchanged(t, st, closed)

		// Closed after it was created open: no longer waiting.
		c := mustCreateConversation(t, st, "c1")
		c.Status = livechat.StatusClosed
		c.ClosedAt = at(3)
		c.UpdatedAt = at(3)
		require.NoError(t, st.UpdateConversation(ctx, c))
		_, err = st.ClaimConversation(ctx, c.ID, "agent-1", 0, at(31))
		require.ErrorIs(t, err, livechat.ErrConflict)
		requireUnchanged(t, st, c)
	})
	t.Run("ErrAtCapacity", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for i := range 4 {
			mustCreateConversation(t, st, fmt.Sprint("c", i))
		}
		for i := range 2 {
			_, err := st.ClaimConversation(ctx, fmt.Sprint("c", i), "agent-1", 2, at(30+i))
			require.NoError(t, err)
		}
		before, err := st.Conversation(ctx, "c2")
		require.NoError(t, err)
		_, err = st.ClaimConversation(ctx, "c2", "agent-1", 2, at(32))
		require.ErrorIs(t, err, livechat.ErrAtCapacity)
		requireUnchanged(t, st, before)
		counts, err := st.OpenCounts(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"agent-1": 2}, counts)

		// Another agent has room.
		_, err = st.ClaimConversation(ctx, "c2", "agent-2", 2, at(33))
		require.NoError(t, err)

		// Closed conversations do not count.
		c0, err := st.Conversation(ctx, "c0")
		require.NoError(t, err)
		c0.Status = livechat.StatusClosed
		require.NoError(t, st.UpdateConversation(ctx, c0))
		got, err := st.ClaimConversation(ctx, "c3", "agent-1", 2, at(34))
		require.NoError(t, err)
		require.Equal(t, "agent-1", got.AssigneeID)
	})
	t.Run("NoLimit", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for i := range 3 {
			mustCreateConversation(t, st, fmt.Sprint("c", i))
			_, err := st.ClaimConversation(ctx, fmt.Sprint("c", i), "agent-1", 0, at(30))
			require.NoError(t, err, "capacity 0")
		}
		mustCreateConversation(t, st, "c3")
		_, err := st.ClaimConversation(ctx, "c3", "agent-1", -1, at(30))
		require.NoError(t, err, "capacity -1")
		counts, err := st.OpenCounts(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"agent-1": 4}, counts)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.ClaimConversation(ctx, "missing", "agent-1", 2, at(30))
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = st.ClaimConversation(ctx, "missing", "agent-1", 0, at(30))
		require.ErrorIs(t, err, livechat.ErrNotFound)
		list, err := st.Conversations(ctx, livechat.ConversationFilter{})
		require.NoError(t, err)
		require.Empty(t, list, "a claim of a missing conversation creates none")
	})
	t.Run("ErrInvalidForEmptyAgent", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "c0")
		_, err := st.ClaimConversation(ctx, c.ID, "", 2, at(30))
		require.ErrorIs(t, err, livechat.ErrInvalid)
		requireUnchanged(t, st, c)
	})
	t.Run("EachConversationOnceUnderConcurrency", s.concurrentClaims)
}

// concurrentClaims hands out one queue from many routers at once: each
// goroutine claims every waiting conversation for its agent, as a node's
// tick does, starting at a different place in the queue and stopping when
// its agent is full. Three goroutines per agent stand for three nodes.
// The agents' capacity adds up to the queue's length, so every
// conversation must be claimed exactly once and every agent end full.
func (s *suite) concurrentClaims(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	const conversations, agents, capacity, nodes = 40, 4, 10, 3
	convID := func(i int) string { return fmt.Sprintf("q%03d", i%conversations) }
	for i := range conversations {
		require.NoError(t, ss.setup.CreateConversation(ctx, newConversation(convID(i), "visitor-1", i)))
	}

	var mu sync.Mutex
	winners := make(map[string][]string) // conversation -> agents whose claim succeeded
	var unexpected []error
	concurrently(t, agents*nodes, func(g int) {
		st, agent := ss.on(g), fmt.Sprint("agent-", g%agents)
		for k := range conversations {
			id := convID(g*7 + k)
			got, err := st.ClaimConversation(ctx, id, agent, capacity, at(50))
			mu.Lock()
			switch {
			case err == nil && (got == nil || got.ID != id || got.AssigneeID != agent):
				unexpected = append(unexpected, fmt.Errorf("claim of %s for %s returned %+v", id, agent, got))
			case err == nil:
				winners[id] = append(winners[id], agent)
			case errors.Is(err, livechat.ErrConflict), errors.Is(err, livechat.ErrAtCapacity):
			default:
				unexpected = append(unexpected, err)
			}
			mu.Unlock()
			if errors.Is(err, livechat.ErrAtCapacity) {
				return // claims never unassign: the agent stays full
			}
		}
	})
	require.Empty(t, unexpected)

	perAgent := make(map[string]int)
	for i := range conversations {
		id := convID(i)
		require.Len(t, winners[id], 1, "successful claims of %s: %v", id, winners[id])
		c, err := ss.check.Conversation(ctx, id)
		require.NoError(t, err)
		require.Equal(t, winners[id][0], c.AssigneeID, "the stored assignee of %s is the one told", id)
		perAgent[c.AssigneeID]++
	}
	want := make(map[string]int, agents)
	for a := range agents {
		want[fmt.Sprint("agent-", a)] = capacity
	}
	require.Equal(t, want, perAgent)
	counts, err := ss.check.OpenCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, want, counts)
	waiting, err := ss.check.Conversations(ctx, livechat.ConversationFilter{Status: livechat.StatusOpen, Unassigned: true, Limit: 1000})
	require.NoError(t, err)
	require.Empty(t, waiting)
}
