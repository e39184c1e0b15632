package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// stateChanger returns st as a livechat.StateChanger, or skips the test
// when st is not one: the interface is optional.
func stateChanger(t *testing.T, st livechat.Storage) livechat.StateChanger {
	t.Helper()
	sc, ok := st.(livechat.StateChanger)
	if !ok {
		t.Skipf("%T is not a livechat.StateChanger", st)
	}
	return sc
}

// snoozeUntil is a snooze time of the fixtures: whole seconds, as the
// Handler sets them.
func snoozeUntil(minutes int) livechat.StateChange {
	return livechat.StateChange{To: livechat.StatusSnoozed, SnoozedUntil: at(minutes).Truncate(1e9), At: at(20)}
}

func (s *suite) states(t *testing.T) {
	open, pending, snoozed, closed := livechat.StatusOpen, livechat.StatusPending, livechat.StatusSnoozed, livechat.StatusClosed
	t.Run("ChangesWhenTheStatusIsAllowed", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		sc := stateChanger(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		c.AssigneeID = "agent-1"
		require.NoError(t, st.UpdateConversation(ctx, c))
		mustAppend(t, st, c.ID, 2)
		c.LastSeq, c.UpdatedAt = 2, at(10)

		got, err := sc.ChangeState(ctx, c.ID, livechat.StateChange{From: []livechat.ConversationStatus{open}, To: pending, At: at(11)})
		require.NoError(t, err)
		want := *c
		want.Status, want.UpdatedAt = pending, at(11)
		requireConversation(t, &want, got)
		stored, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		requireConversation(t, &want, stored)

		ch := snoozeUntil(90)
		ch.From = []livechat.ConversationStatus{open, pending}
		got, err = sc.ChangeState(ctx, c.ID, ch)
		require.NoError(t, err)
		want.Status, want.SnoozedUntil, want.UpdatedAt = snoozed, ch.SnoozedUntil, at(20)
		requireConversation(t, &want, got)

		got, err = sc.ChangeState(ctx, c.ID, livechat.StateChange{To: closed, At: at(21)})
		require.NoError(t, err, "an empty From allows any status")
		want.Status, want.SnoozedUntil, want.UpdatedAt, want.ClosedAt = closed, time.Time{}, at(21), at(21)
		requireConversation(t, &want, got)

		got, err = sc.ChangeState(ctx, c.ID, livechat.StateChange{From: []livechat.ConversationStatus{closed}, To: open, At: at(22)})
		require.NoError(t, err)
		require.True(t, got.ClosedAt.IsZero(), "reopening clears ClosedAt")
		require.Equal(t, "agent-1", got.AssigneeID, "the assignee stays")
		require.Equal(t, open, got.Status)
	})
	t.Run("ConflictChangesNothing", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		sc := stateChanger(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		_, err := sc.ChangeState(ctx, c.ID, livechat.StateChange{From: []livechat.ConversationStatus{pending, snoozed}, To: open, At: at(11)})
		require.ErrorIs(t, err, livechat.ErrConflict)
		_, err = sc.ChangeState(ctx, c.ID, livechat.StateChange{DueBy: at(30), To: open, At: at(11)})
		require.ErrorIs(t, err, livechat.ErrConflict, "DueBy requires a snoozed conversation")
		requireUnchanged(t, st, c, 0)
	})
	t.Run("InvalidChangesNothing", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		sc := stateChanger(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		for name, ch := range map[string]livechat.StateChange{
			"UnknownTo":             {To: "archived", At: at(11)},
			"UnknownFrom":           {From: []livechat.ConversationStatus{"archived"}, To: pending, At: at(11)},
			"NoTime":                {To: pending},
			"SnoozeWithoutUntil":    {To: snoozed, At: at(11)},
			"UntilWithoutSnooze":    {To: pending, SnoozedUntil: at(40), At: at(11)},
			"EmptyTo":               {At: at(11)},
			"UnknownFromWithAMatch": {From: []livechat.ConversationStatus{open, ""}, To: pending, At: at(11)},
		} {
			_, err := sc.ChangeState(ctx, c.ID, ch)
			require.ErrorIs(t, err, livechat.ErrInvalid, name)
		}
		requireUnchanged(t, st, c, 0)
	})
	t.Run("UnknownConversationIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		sc := stateChanger(t, st)
		_, err := sc.ChangeState(ctx, "conv-missing", livechat.StateChange{To: pending, At: at(11)})
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("WakeNeedsADueSnooze", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		sc := stateChanger(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		ch := snoozeUntil(30)
		_, err := sc.ChangeState(ctx, c.ID, ch)
		require.NoError(t, err)
		wake := func(now int) (*livechat.Conversation, error) {
			return sc.ChangeState(ctx, c.ID, livechat.StateChange{From: []livechat.ConversationStatus{snoozed}, DueBy: at(now), To: open, At: at(now)})
		}
		_, err = wake(29)
		require.ErrorIs(t, err, livechat.ErrConflict, "not yet due")
		got, err := wake(31)
		require.NoError(t, err)
		require.Equal(t, open, got.Status)
		require.True(t, got.SnoozedUntil.IsZero())
		_, err = wake(32)
		require.ErrorIs(t, err, livechat.ErrConflict, "woken once")
	})
	t.Run("StatusFilterAndUpdateKeepSnoozedUntil", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		sc := stateChanger(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		mustCreateConversation(t, st, "conv-2")
		snoozedConv, err := sc.ChangeState(ctx, c.ID, snoozeUntil(30))
		require.NoError(t, err)
		list, err := st.Conversations(ctx, livechat.ConversationFilter{Status: snoozed})
		require.NoError(t, err)
		require.Len(t, list, 1)
		requireConversation(t, snoozedConv, list[0])
		snoozedConv.Properties = map[string]string{"x": "y"}
		require.NoError(t, st.UpdateConversation(ctx, snoozedConv))
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		requireConversation(t, snoozedConv, got)
	})
	t.Run("DueSnoozesEarliestFirst", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		sc := stateChanger(t, st)
		for i, until := range []int{40, 30, 50, 30, 35} {
			c := mustCreateConversation(t, st, fmt.Sprintf("conv-%d", i))
			_, err := sc.ChangeState(ctx, c.ID, snoozeUntil(until))
			require.NoError(t, err)
		}
		mustCreateConversation(t, st, "conv-open")
		p := mustCreateConversation(t, st, "conv-pending")
		_, err := sc.ChangeState(ctx, p.ID, livechat.StateChange{To: pending, At: at(20)})
		require.NoError(t, err)

		due, err := sc.DueSnoozes(ctx, at(40), 10)
		require.NoError(t, err)
		require.Equal(t, []string{"conv-1", "conv-3", "conv-4", "conv-0"}, ids(due, conversationID))
		require.Equal(t, snoozed, due[0].Status)
		due, err = sc.DueSnoozes(ctx, at(40), 2)
		require.NoError(t, err)
		require.Equal(t, []string{"conv-1", "conv-3"}, ids(due, conversationID))
		due, err = sc.DueSnoozes(ctx, at(29), 10)
		require.NoError(t, err)
		require.Empty(t, due)
		due, err = sc.DueSnoozes(ctx, at(60), 0)
		require.NoError(t, err)
		require.Empty(t, due)
	})
	t.Run("EachSnoozeWakesOnceUnderConcurrency", s.concurrentWakes)
}

// concurrentWakes wakes the same due snoozes from many goroutines at once,
// as every node's wake-up loop does: each conversation is woken by exactly
// one of them.
func (s *suite) concurrentWakes(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	sc := stateChanger(t, ss.setup)
	const conversations, nodes = 20, 6
	for i := range conversations {
		c := newConversation(fmt.Sprintf("s%02d", i), "visitor-1", 1)
		require.NoError(t, ss.setup.CreateConversation(ctx, c))
		_, err := sc.ChangeState(ctx, c.ID, snoozeUntil(30))
		require.NoError(t, err)
	}
	var mu sync.Mutex
	wins := make(map[string]int)
	var unexpected []error
	concurrently(t, nodes, func(g int) {
		st := stateChanger(t, ss.on(g))
		due, err := st.DueSnoozes(ctx, at(31), 100)
		if err != nil {
			mu.Lock()
			unexpected = append(unexpected, err)
			mu.Unlock()
			return
		}
		for _, c := range due {
			_, err := st.ChangeState(ctx, c.ID, livechat.StateChange{From: []livechat.ConversationStatus{livechat.StatusSnoozed}, DueBy: at(31), To: livechat.StatusOpen, At: at(31)})
			mu.Lock()
			switch {
			case err == nil:
				wins[c.ID]++
			case !errors.Is(err, livechat.ErrConflict):
				unexpected = append(unexpected, err)
			}
			mu.Unlock()
		}
	})
	require.Empty(t, unexpected)
	for i := range conversations {
		id := fmt.Sprintf("s%02d", i)
		require.Equal(t, 1, wins[id], "wake-ups of %s", id)
		c, err := ss.check.Conversation(ctx, id)
		require.NoError(t, err)
		require.Equal(t, livechat.StatusOpen, c.Status)
	}
}
