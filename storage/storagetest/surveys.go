package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) surveys(t *testing.T) {
	t.Run("OncePerConversation", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-1", "visitor-1", 1)))
		_, err := st.Survey(ctx, "conv-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		a := &livechat.SurveyAnswer{ConversationID: "conv-1", Rating: 4, Comment: "Snabbt och vänligt 👍", CreatedAt: at(9)}
		require.NoError(t, st.PutSurvey(ctx, a))
		again := &livechat.SurveyAnswer{ConversationID: "conv-1", Rating: 1, CreatedAt: at(10)}
		require.ErrorIs(t, st.PutSurvey(ctx, again), livechat.ErrConflict)
		got, err := st.Survey(ctx, "conv-1")
		require.NoError(t, err)
		require.Equal(t, 4, got.Rating)
		require.Equal(t, a.Comment, got.Comment)
		require.True(t, normTime(a.CreatedAt).Equal(normTime(got.CreatedAt)))
	})
	t.Run("UnknownConversationIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		err := st.PutSurvey(ctx, &livechat.SurveyAnswer{ConversationID: "missing", Rating: 5, CreatedAt: at(1)})
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
}
