package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) readMarks(t *testing.T) {
	t.Run("SetThenListReturnsEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		mustAppend(t, st, c.ID, 5)
		mark := livechat.ReadMark{ConversationID: c.ID, Participant: "visitor", Seq: 3, UpdatedAt: at(20)}
		got, err := st.SetReadMark(ctx, mark)
		require.NoError(t, err)
		requireReadMark(t, mark, got)
		marks, err := st.ReadMarks(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, marks, 1)
		requireReadMark(t, mark, marks[0])
	})
	t.Run("EmptyConversationListsNone", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		marks, err := st.ReadMarks(ctx, c.ID)
		require.NoError(t, err)
		require.Empty(t, marks)
	})
	t.Run("MarkOnlyMovesForward", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		mustAppend(t, st, c.ID, 7)
		five := livechat.ReadMark{ConversationID: c.ID, Participant: "agent:a1", Seq: 5, UpdatedAt: at(20)}
		got, err := st.SetReadMark(ctx, five)
		require.NoError(t, err)
		requireReadMark(t, five, got)

		got, err = st.SetReadMark(ctx, livechat.ReadMark{ConversationID: c.ID, Participant: "agent:a1", Seq: 3, UpdatedAt: at(30)})
		require.NoError(t, err)
		requireReadMark(t, five, got)
		marks, err := st.ReadMarks(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, marks, 1)
		requireReadMark(t, five, marks[0])

		seven := livechat.ReadMark{ConversationID: c.ID, Participant: "agent:a1", Seq: 7, UpdatedAt: at(40)}
		got, err = st.SetReadMark(ctx, seven)
		require.NoError(t, err)
		requireReadMark(t, seven, got)
		marks, err = st.ReadMarks(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, marks, 1)
		requireReadMark(t, seven, marks[0])
	})
	t.Run("ListHasOneMarkPerParticipant", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		mustAppend(t, st, c.ID, 5)
		for _, m := range []livechat.ReadMark{
			{ConversationID: c.ID, Participant: "visitor", Seq: 2, UpdatedAt: at(1)},
			{ConversationID: c.ID, Participant: "agent:a1", Seq: 4, UpdatedAt: at(2)},
			{ConversationID: c.ID, Participant: "agent:a2", Seq: 1, UpdatedAt: at(3)},
			{ConversationID: c.ID, Participant: "visitor", Seq: 3, UpdatedAt: at(4)},
		} {
			_, err := st.SetReadMark(ctx, m)
			require.NoError(t, err)
		}
		marks, err := st.ReadMarks(ctx, c.ID)
		require.NoError(t, err)
		byParticipant := make(map[string]livechat.ReadMark)
		for _, m := range marks {
			require.NotContains(t, byParticipant, m.Participant, "participant listed twice")
			byParticipant[m.Participant] = normReadMark(m)
		}
		require.Equal(t, map[string]livechat.ReadMark{
			"visitor":  normReadMark(livechat.ReadMark{ConversationID: c.ID, Participant: "visitor", Seq: 3, UpdatedAt: at(4)}),
			"agent:a1": normReadMark(livechat.ReadMark{ConversationID: c.ID, Participant: "agent:a1", Seq: 4, UpdatedAt: at(2)}),
			"agent:a2": normReadMark(livechat.ReadMark{ConversationID: c.ID, Participant: "agent:a2", Seq: 1, UpdatedAt: at(3)}),
		}, byParticipant)
	})
	t.Run("MarksArePerConversation", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		a := mustCreateConversation(t, st, "conv-a")
		b := mustCreateConversation(t, st, "conv-b")
		mustAppend(t, st, a.ID, 3)
		mustAppend(t, st, b.ID, 3)
		_, err := st.SetReadMark(ctx, livechat.ReadMark{ConversationID: a.ID, Participant: "visitor", Seq: 3, UpdatedAt: at(1)})
		require.NoError(t, err)
		got, err := st.SetReadMark(ctx, livechat.ReadMark{ConversationID: b.ID, Participant: "visitor", Seq: 1, UpdatedAt: at(2)})
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Seq, "a mark in another conversation must not hold this one back")
		marks, err := st.ReadMarks(ctx, b.ID)
		require.NoError(t, err)
		require.Len(t, marks, 1)
		require.Equal(t, b.ID, marks[0].ConversationID)
		require.EqualValues(t, 1, marks[0].Seq)
	})
	t.Run("SetOnMissingConversationIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.SetReadMark(ctx, livechat.ReadMark{ConversationID: "missing", Participant: "visitor", Seq: 1, UpdatedAt: at(1)})
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("ListOfMissingConversationIsNotFoundOrEmpty", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		marks, err := st.ReadMarks(ctx, "missing")
		if err != nil {
			require.ErrorIs(t, err, livechat.ErrNotFound)
		}
		require.Empty(t, marks)
	})
	t.Run("ConcurrentMarksKeepHighest", s.concurrentReadMarks)
}

func (s *suite) concurrentReadMarks(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	c := mustCreateConversation(t, ss.setup, "conv-1")
	const n = 20
	mustAppend(t, ss.setup, c.ID, n)
	got := make([]livechat.ReadMark, n)
	errs := make([]error, n)
	concurrently(t, n, func(i int) {
		got[i], errs[i] = ss.on(i).SetReadMark(ctx, livechat.ReadMark{
			ConversationID: c.ID, Participant: "visitor", Seq: int64(i + 1), UpdatedAt: at(i),
		})
	})
	for i := range n {
		require.NoError(t, errs[i], "goroutine %d", i)
		require.GreaterOrEqual(t, got[i].Seq, int64(i+1), "goroutine %d: returned mark", i)
	}
	marks, err := ss.check.ReadMarks(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, marks, 1)
	requireReadMark(t, livechat.ReadMark{ConversationID: c.ID, Participant: "visitor", Seq: n, UpdatedAt: at(n - 1)}, marks[0])
}
