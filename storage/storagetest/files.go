package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// files checks FileIndex, for a store that has it, and the Attachment of
// a message, for every store.
func (s *suite) files(t *testing.T) {
	t.Run("MessageAttachmentRoundTrips", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		mustCreateConversation(t, st, "conv-1")
		m := newMessage("conv-1", "c-1", "")
		m.Attachment = &livechat.Attachment{ID: "file-1", Name: "Prüfbericht \"final\" <v2>.pdf", Size: 1 << 33, ContentType: "application/pdf"}
		stored, created, err := st.AppendMessage(ctx, m)
		require.NoError(t, err)
		require.True(t, created)
		m.Attachment.Name = "changed after the call"
		want := newMessage("conv-1", "c-1", "")
		want.ID, want.Seq = stored.ID, 1
		want.Attachment = &livechat.Attachment{ID: "file-1", Name: "Prüfbericht \"final\" <v2>.pdf", Size: 1 << 33, ContentType: "application/pdf"}
		requireMessage(t, want, stored)
		plain, _, err := st.AppendMessage(ctx, newMessage("conv-1", "c-2", "no file"))
		require.NoError(t, err)
		require.Nil(t, plain.Attachment)
		got := allMessages(t, st, "conv-1")
		require.Len(t, got, 2)
		requireMessage(t, want, got[0])
		require.Nil(t, got[1].Attachment)
		again, err := st.MessageByClientID(ctx, "conv-1", livechat.SenderVisitor, "visitor-1", "c-1")
		require.NoError(t, err)
		requireMessage(t, want, again)
	})

	index := func(t *testing.T) (livechat.FileIndex, livechat.Storage) {
		t.Helper()
		st := s.open(t)
		fi, ok := st.(livechat.FileIndex)
		if !ok {
			t.Skip("the store is not a livechat.FileIndex")
		}
		return fi, st
	}
	newFile := func(id, convID string, minute int) *livechat.File {
		return &livechat.File{
			Attachment:     livechat.Attachment{ID: id, Name: "Zoë's cat " + id + ".png", Size: 12345, ContentType: "image/png"},
			ConversationID: convID, Sender: livechat.SenderAgent, UploaderID: "agent-1", CreatedAt: at(minute),
		}
	}
	norm := func(f *livechat.File) livechat.File {
		c := *f
		c.CreatedAt = normTime(c.CreatedAt)
		return c
	}
	t.Run("PutGetDelete", func(t *testing.T) {
		fi, st := index(t)
		ctx := testContext(t)
		mustCreateConversation(t, st, "conv-1")
		f := newFile("file-1", "conv-1", 3)
		require.NoError(t, fi.PutFile(ctx, f))
		f.Name = "changed after the call"
		got, err := fi.File(ctx, "file-1")
		require.NoError(t, err)
		require.Equal(t, norm(newFile("file-1", "conv-1", 3)), norm(got))
		got.Name = "changed the copy"
		again, err := fi.File(ctx, "file-1")
		require.NoError(t, err)
		require.Equal(t, newFile("file-1", "conv-1", 3).Name, again.Name)

		require.ErrorIs(t, fi.PutFile(ctx, newFile("file-1", "conv-1", 4)), livechat.ErrConflict)
		require.NoError(t, fi.DeleteFile(ctx, "file-1"))
		_, err = fi.File(ctx, "file-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		require.ErrorIs(t, fi.DeleteFile(ctx, "file-1"), livechat.ErrNotFound)
	})
	t.Run("Errors", func(t *testing.T) {
		fi, _ := index(t)
		ctx := testContext(t)
		require.ErrorIs(t, fi.PutFile(ctx, newFile("file-1", "missing", 1)), livechat.ErrNotFound)
		require.ErrorIs(t, fi.PutFile(ctx, nil), livechat.ErrInvalid)
		require.ErrorIs(t, fi.PutFile(ctx, newFile("", "missing", 1)), livechat.ErrInvalid)
		_, err := fi.File(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("VisitorFilesAndErase", func(t *testing.T) {
		fi, st := index(t)
		ctx := testContext(t)
		require.NoError(t, st.CreateVisitor(ctx, newVisitor("visitor-1")))
		require.NoError(t, st.CreateVisitor(ctx, newVisitor("visitor-2")))
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-1", "visitor-1", 1)))
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-2", "visitor-1", 2)))
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-3", "visitor-2", 3)))
		for _, f := range []*livechat.File{newFile("f-c", "conv-2", 5), newFile("f-b", "conv-1", 4), newFile("f-a", "conv-1", 5), newFile("f-other", "conv-3", 1)} {
			require.NoError(t, fi.PutFile(ctx, f))
		}
		list, err := fi.VisitorFiles(ctx, "visitor-1")
		require.NoError(t, err)
		var ids []string
		for _, f := range list {
			ids = append(ids, f.ID)
		}
		require.Equal(t, []string{"f-b", "f-a", "f-c"}, ids, "oldest first, then by id")
		require.Equal(t, norm(newFile("f-b", "conv-1", 4)), norm(list[0]))
		none, err := fi.VisitorFiles(ctx, "nobody")
		require.NoError(t, err)
		require.Empty(t, none)

		require.NoError(t, st.EraseVisitor(ctx, "visitor-1", at(0)))
		list, err = fi.VisitorFiles(ctx, "visitor-1")
		require.NoError(t, err)
		require.Empty(t, list)
		for _, id := range []string{"f-a", "f-b", "f-c"} {
			_, err := fi.File(ctx, id)
			require.ErrorIs(t, err, livechat.ErrNotFound, "%s is erased with its conversation", id)
		}
		_, err = fi.File(ctx, "f-other")
		require.NoError(t, err, "another visitor's file stays")
	})
}
