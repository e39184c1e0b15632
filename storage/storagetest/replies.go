package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// replyStore returns st as a livechat.SavedReplyStore, or skips the test
// when st is not one: the interface is optional.
func replyStore(t *testing.T, st livechat.Storage) livechat.SavedReplyStore {
	t.Helper()
	rs, ok := st.(livechat.SavedReplyStore)
	if !ok {
		t.Skipf("%T is not a livechat.SavedReplyStore", st)
	}
	return rs
}

func newReply(id, shortcut string) *livechat.SavedReply {
	return &livechat.SavedReply{ID: id, Shortcut: shortcut, Text: "Text of " + shortcut + "\nwith a second line", UpdatedAt: at(10)}
}

func shortcuts(rs []*livechat.SavedReply) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Shortcut)
	}
	return out
}

func (s *suite) savedReplies(t *testing.T) {
	t.Run("EmptyListsNone", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rs := replyStore(t, st)
		all, err := rs.SavedReplies(ctx)
		require.NoError(t, err)
		require.Empty(t, all)
	})
	t.Run("CreateListsByShortcut", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rs := replyStore(t, st)
		for _, r := range []*livechat.SavedReply{newReply("r1", "thanks"), newReply("r2", "refund_policy"), newReply("r3", "refund-how"), newReply("r4", "bye")} {
			require.NoError(t, rs.CreateSavedReply(ctx, r))
		}
		all, err := rs.SavedReplies(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"bye", "refund-how", "refund_policy", "thanks"}, shortcuts(all), "byte order")
		want := newReply("r1", "thanks")
		got := all[3]
		require.Equal(t, want.ID, got.ID)
		require.Equal(t, want.Text, got.Text)
		require.Equal(t, normTime(want.UpdatedAt), normTime(got.UpdatedAt))
		// The list is the caller's to change.
		all[0].Text = "changed after list"
		again, err := rs.SavedReplies(ctx)
		require.NoError(t, err)
		require.Equal(t, newReply("r4", "bye").Text, again[0].Text)
	})
	t.Run("CreateConflicts", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rs := replyStore(t, st)
		require.NoError(t, rs.CreateSavedReply(ctx, newReply("r1", "thanks")))
		require.ErrorIs(t, rs.CreateSavedReply(ctx, newReply("r1", "other")), livechat.ErrConflict, "id taken")
		require.ErrorIs(t, rs.CreateSavedReply(ctx, newReply("r2", "thanks")), livechat.ErrConflict, "shortcut taken")
		require.ErrorIs(t, rs.CreateSavedReply(ctx, nil), livechat.ErrInvalid)
		require.ErrorIs(t, rs.CreateSavedReply(ctx, newReply("", "empty-id")), livechat.ErrInvalid)
		all, err := rs.SavedReplies(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"thanks"}, shortcuts(all), "nothing stored")
	})
	t.Run("Update", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rs := replyStore(t, st)
		require.NoError(t, rs.CreateSavedReply(ctx, newReply("r1", "thanks")))
		require.NoError(t, rs.CreateSavedReply(ctx, newReply("r2", "bye")))
		r := &livechat.SavedReply{ID: "r1", Shortcut: "thank-you", Text: "Thank you!", UpdatedAt: at(20)}
		require.NoError(t, rs.UpdateSavedReply(ctx, r))
		all, err := rs.SavedReplies(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"bye", "thank-you"}, shortcuts(all))
		require.Equal(t, "Thank you!", all[1].Text)
		require.Equal(t, normTime(at(20)), normTime(all[1].UpdatedAt))

		require.ErrorIs(t, rs.UpdateSavedReply(ctx, &livechat.SavedReply{ID: "r1", Shortcut: "bye", Text: "x", UpdatedAt: at(30)}), livechat.ErrConflict)
		require.ErrorIs(t, rs.UpdateSavedReply(ctx, &livechat.SavedReply{ID: "missing", Shortcut: "new", Text: "x"}), livechat.ErrNotFound)
		require.ErrorIs(t, rs.UpdateSavedReply(ctx, nil), livechat.ErrInvalid)
		again, err := rs.SavedReplies(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"bye", "thank-you"}, shortcuts(again), "nothing changed")
		require.Equal(t, "Thank you!", again[1].Text)
		// Its own shortcut is no conflict.
		require.NoError(t, rs.UpdateSavedReply(ctx, &livechat.SavedReply{ID: "r2", Shortcut: "bye", Text: "Bye!", UpdatedAt: at(40)}))
	})
	t.Run("Delete", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		rs := replyStore(t, st)
		require.NoError(t, rs.CreateSavedReply(ctx, newReply("r1", "thanks")))
		require.NoError(t, rs.CreateSavedReply(ctx, newReply("r2", "bye")))
		require.NoError(t, rs.DeleteSavedReply(ctx, "r1"))
		require.ErrorIs(t, rs.DeleteSavedReply(ctx, "r1"), livechat.ErrNotFound)
		all, err := rs.SavedReplies(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"bye"}, shortcuts(all))
		// The shortcut is free again.
		require.NoError(t, rs.CreateSavedReply(ctx, newReply("r3", "thanks")))
	})
}
