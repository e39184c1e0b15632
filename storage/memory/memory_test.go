package memory_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	storagetest.Run(t, func(*testing.T) livechat.Storage { return memory.New() })
}

func TestCloseTwiceIsNoOp(t *testing.T) {
	s := memory.New()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err := s.Agents(context.Background())
	require.ErrorIs(t, err, livechat.ErrClosed)
}

func TestCanceledContextIsRefused(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Visitor(context.Background(), "v1")
	require.ErrorIs(t, err, livechat.ErrNotFound)
}

func TestNilArgumentIsInvalid(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx := context.Background()
	require.ErrorIs(t, s.CreateVisitor(ctx, nil), livechat.ErrInvalid)
	_, _, err := s.AppendMessage(ctx, nil)
	require.ErrorIs(t, err, livechat.ErrInvalid)
	_, err = s.PutChatflow(ctx, nil, 0)
	require.ErrorIs(t, err, livechat.ErrInvalid)
}

func TestAppendLeavesArgumentUnchanged(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx := context.Background()
	require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: "c1"}))
	in := &livechat.Message{ConversationID: "c1", Text: "hi"}
	stored, created, err := s.AppendMessage(ctx, in)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, &livechat.Message{ConversationID: "c1", Text: "hi"}, in)
	require.EqualValues(t, 1, stored.Seq)
	require.NotEmpty(t, stored.ID)
}

// TestCountsFollowChanges: the store's open counts and each visitor's
// conversations stay what a scan of every conversation finds, through
// creates, updates, assignments, claims and erasures in any order.
func TestCountsFollowChanges(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	agents := []string{"", "a1", "a2", "a3"}
	visitors := []string{"v1", "v2", "v3", "v4"}
	statuses := []livechat.ConversationStatus{livechat.StatusOpen, livechat.StatusClosed}
	var ids []string
	now := time.Unix(1780000000, 0)
	for i := range 2000 {
		now = now.Add(time.Second)
		switch op := rng.IntN(6); {
		case op == 0 || len(ids) == 0:
			id := fmt.Sprintf("c%d", i)
			c := &livechat.Conversation{ID: id, VisitorID: visitors[rng.IntN(len(visitors))], Status: statuses[rng.IntN(2)],
				AssigneeID: agents[rng.IntN(len(agents))], CreatedAt: now, UpdatedAt: now}
			require.NoError(t, s.CreateConversation(ctx, c))
			ids = append(ids, id)
		case op == 1:
			c, err := s.Conversation(ctx, ids[rng.IntN(len(ids))])
			if err != nil {
				continue // erased
			}
			c.Status, c.AssigneeID, c.UpdatedAt = statuses[rng.IntN(2)], agents[rng.IntN(len(agents))], now
			require.NoError(t, s.UpdateConversation(ctx, c))
		case op == 2:
			s.AssignConversation(ctx, ids[rng.IntN(len(ids))], agents[rng.IntN(len(agents))], rng.IntN(4), now)
		case op == 3:
			s.ClaimConversation(ctx, ids[rng.IntN(len(ids))], agents[1+rng.IntN(len(agents)-1)], rng.IntN(4), now)
		case op == 4 && rng.IntN(20) == 0:
			require.NoError(t, s.EraseVisitor(ctx, visitors[rng.IntN(len(visitors))], now))
		}
		all, err := s.Conversations(ctx, livechat.ConversationFilter{Limit: 1 << 30})
		require.NoError(t, err)
		want := map[string]int{}
		byVisitor := map[string][]string{}
		for _, c := range all {
			if c.AssigneeID != "" && c.Status == livechat.StatusOpen {
				want[c.AssigneeID]++
			}
			byVisitor[c.VisitorID] = append(byVisitor[c.VisitorID], c.ID)
		}
		got, err := s.OpenCounts(ctx)
		require.NoError(t, err)
		require.Equal(t, want, got, "after step %d", i)
		for _, v := range visitors {
			convs, err := s.Conversations(ctx, livechat.ConversationFilter{VisitorID: v, Limit: 1 << 30})
			require.NoError(t, err)
			var gotIDs []string
			for _, c := range convs {
				gotIDs = append(gotIDs, c.ID)
			}
			require.Equal(t, byVisitor[v], gotIDs, "visitor %s after step %d", v, i)
		}
	}
}
