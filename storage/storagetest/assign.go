package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) assignment(t *testing.T) {
	t.Run("AssignUnassignAndCount", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for i := range 3 {
			require.NoError(t, st.CreateConversation(ctx, newConversation(fmt.Sprint("c", i), "visitor-1", i)))
		}
		got, err := st.AssignConversation(ctx, "c0", "agent-1", 2, at(30))
		require.NoError(t, err)
		require.Equal(t, "agent-1", got.AssigneeID)
		require.True(t, normTime(at(30)).Equal(normTime(got.UpdatedAt)))
		_, err = st.AssignConversation(ctx, "c1", "agent-1", 2, at(31))
		require.NoError(t, err)
		_, err = st.AssignConversation(ctx, "c2", "agent-1", 2, at(32))
		require.ErrorIs(t, err, livechat.ErrAtCapacity)
		c2, err := st.Conversation(ctx, "c2")
		require.NoError(t, err)
		require.Empty(t, c2.AssigneeID, "a refused assignment changes nothing")

		// Assigning again to the same agent is not a new slot.
		_, err = st.AssignConversation(ctx, "c1", "agent-1", 2, at(33))
		require.NoError(t, err)
		counts, err := st.OpenCounts(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"agent-1": 2}, counts)

		// Closed conversations do not count; unassigning frees a slot.
		c0, err := st.Conversation(ctx, "c0")
		require.NoError(t, err)
		c0.Status = livechat.StatusClosed
		require.NoError(t, st.UpdateConversation(ctx, c0))
		_, err = st.AssignConversation(ctx, "c2", "agent-1", 2, at(34))
		require.NoError(t, err)
		_, err = st.AssignConversation(ctx, "c1", "", 2, at(35))
		require.NoError(t, err)
		counts, err = st.OpenCounts(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"agent-1": 1}, counts)

		// No limit.
		_, err = st.AssignConversation(ctx, "c1", "agent-1", 0, at(36))
		require.NoError(t, err)
		_, err = st.AssignConversation(ctx, "missing", "agent-1", 2, at(36))
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("CapacityHoldsUnderConcurrency", s.concurrentAssign)
	t.Run("OldestFirst", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for i, minute := range []int{5, 1, 3} {
			c := newConversation(fmt.Sprint("q", i), "visitor-1", 60-i)
			c.CreatedAt = at(minute)
			require.NoError(t, st.CreateConversation(ctx, c))
		}
		got, err := st.Conversations(ctx, livechat.ConversationFilter{OldestFirst: true})
		require.NoError(t, err)
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		require.Equal(t, []string{"q1", "q2", "q0"}, ids)
	})
}

func (s *suite) concurrentAssign(t *testing.T) {
	// 100 conversations start at once against 5 agents of capacity 10:
	// each tries the agents in turn; no agent may get more than 10.
	ss, ctx := s.openShared(t), concurrentContext(t)
	const conversations, agents, capacity = 100, 5, 10
	for i := range conversations {
		require.NoError(t, ss.setup.CreateConversation(ctx, newConversation(fmt.Sprintf("c%03d", i), "visitor-1", i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, conversations)
	for i := range conversations {
		wg.Go(func() {
			for a := range agents {
				_, err := ss.on(i).AssignConversation(ctx, fmt.Sprintf("c%03d", i), fmt.Sprint("agent-", (i+a)%agents), capacity, at(50))
				if err == nil {
					return
				}
				if !errors.Is(err, livechat.ErrAtCapacity) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	counts, err := ss.check.OpenCounts(ctx)
	require.NoError(t, err)
	total := 0
	for agent, n := range counts {
		require.LessOrEqual(t, n, capacity, "agent %s over capacity", agent)
		total += n
	}
	require.Equal(t, agents*capacity, total)
	waiting, err := ss.check.Conversations(ctx, livechat.ConversationFilter{Status: livechat.StatusOpen, Unassigned: true, OldestFirst: true, Limit: 1000})
	require.NoError(t, err)
	require.Len(t, waiting, conversations-agents*capacity)
}
