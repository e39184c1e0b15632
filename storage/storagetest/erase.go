package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) erase(t *testing.T) {
	t.Run("VisitorLeavesNothing", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for _, id := range []string{"visitor-1", "visitor-2"} {
			require.NoError(t, st.CreateVisitor(ctx, &livechat.Visitor{ID: id, ContactID: "contact-1", CreatedAt: at(0), LastSeenAt: at(0)}))
			conv := "conv-of-" + id
			require.NoError(t, st.CreateConversation(ctx, newConversation(conv, id, 1)))
			mustAppend(t, st, conv, 3)
			_, err := st.SetReadMark(ctx, livechat.ReadMark{ConversationID: conv, Participant: "visitor", Seq: 2, UpdatedAt: at(2)})
			require.NoError(t, err)
			c, err := st.Conversation(ctx, conv)
			require.NoError(t, err)
			c.Status = livechat.StatusClosed
			require.NoError(t, st.UpdateConversation(ctx, c))
			require.NoError(t, st.PutSurvey(ctx, &livechat.SurveyAnswer{ConversationID: conv, Rating: 5, CreatedAt: at(3)}))
			require.NoError(t, st.AddConsent(ctx, &livechat.ConsentRecord{ID: "old-" + id, VisitorID: id, Kind: "processing", Granted: true, TextHash: "aa", At: at(1)}))
			require.NoError(t, st.AddConsent(ctx, &livechat.ConsentRecord{ID: "new-" + id, VisitorID: id, Kind: "cookies", Granted: true, TextHash: "bb", At: at(100)}))
		}
		// Consent records from before minute 50 go; later ones stay as proof.
		require.NoError(t, st.EraseVisitor(ctx, "visitor-1", at(50)))

		_, err := st.Visitor(ctx, "visitor-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = st.Conversation(ctx, "conv-of-visitor-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = st.Messages(ctx, "conv-of-visitor-1", 0, 10)
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = st.Survey(ctx, "conv-of-visitor-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		convs, err := st.Conversations(ctx, livechat.ConversationFilter{VisitorID: "visitor-1"})
		require.NoError(t, err)
		require.Empty(t, convs)
		recs, err := st.Consents(ctx, "visitor-1")
		require.NoError(t, err)
		require.Len(t, recs, 1)
		require.Equal(t, "new-visitor-1", recs[0].ID)
		counts, err := st.OpenCounts(ctx)
		require.NoError(t, err)
		require.Empty(t, counts)

		// The other visitor keeps everything.
		_, err = st.Visitor(ctx, "visitor-2")
		require.NoError(t, err)
		require.Len(t, allMessages(t, st, "conv-of-visitor-2"), 3)
		_, err = st.Survey(ctx, "conv-of-visitor-2")
		require.NoError(t, err)
		recs, err = st.Consents(ctx, "visitor-2")
		require.NoError(t, err)
		require.Len(t, recs, 2)

		// Erasing again, or a visitor never seen, is not an error.
		require.NoError(t, st.EraseVisitor(ctx, "visitor-1", at(200)))
		recs, err = st.Consents(ctx, "visitor-1")
		require.NoError(t, err)
		require.Empty(t, recs)
		require.NoError(t, st.EraseVisitor(ctx, "nobody", at(200)))
	})
	t.Run("ContactLeavesNothing", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.CreateContact(ctx, &livechat.Contact{ID: "contact-1", Email: "Zoe@Example.com", Name: "Zoë", CreatedAt: at(0), UpdatedAt: at(0)}))
		require.NoError(t, st.CreateVisitor(ctx, &livechat.Visitor{ID: "visitor-1", ContactID: "contact-1", CreatedAt: at(0), LastSeenAt: at(0)}))
		require.NoError(t, st.AddConsent(ctx, &livechat.ConsentRecord{ID: "r1", VisitorID: "visitor-1", ContactID: "contact-1", Kind: "processing", Granted: true, TextHash: "aa", At: at(1)}))
		require.NoError(t, st.EraseContact(ctx, "contact-1"))
		_, err := st.Contact(ctx, "contact-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = st.ContactByEmail(ctx, "zoe@example.com")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		v, err := st.Visitor(ctx, "visitor-1")
		require.NoError(t, err)
		require.Empty(t, v.ContactID)
		recs, err := st.Consents(ctx, "visitor-1")
		require.NoError(t, err)
		require.Empty(t, recs[0].ContactID)
		require.ErrorIs(t, st.EraseContact(ctx, "contact-1"), livechat.ErrNotFound)
		// The address is free again.
		require.NoError(t, st.CreateContact(ctx, &livechat.Contact{ID: "contact-2", Email: "zoe@example.com", CreatedAt: at(2), UpdatedAt: at(2)}))
	})
}
