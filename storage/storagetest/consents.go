package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) consents(t *testing.T) {
	t.Run("AddedInOrderPerVisitor", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		recs := []*livechat.ConsentRecord{
			{ID: "r1", VisitorID: "visitor-1", Kind: "cookies", Granted: true, TextHash: "aa", At: at(1)},
			{ID: "r2", VisitorID: "visitor-2", Kind: "processing", Granted: true, TextHash: "bb", At: at(2)},
			{ID: "r3", VisitorID: "visitor-1", ContactID: "contact-1", Kind: "processing", Granted: true, TextHash: "cc", At: at(3)},
			{ID: "r4", VisitorID: "visitor-1", Kind: "processing", Granted: false, TextHash: "cc", At: at(4)},
		}
		for _, r := range recs {
			require.NoError(t, st.AddConsent(ctx, r))
		}
		require.ErrorIs(t, st.AddConsent(ctx, recs[0]), livechat.ErrConflict)
		got, err := st.Consents(ctx, "visitor-1")
		require.NoError(t, err)
		require.Len(t, got, 3)
		for i, want := range []*livechat.ConsentRecord{recs[0], recs[2], recs[3]} {
			require.Equal(t, want.ID, got[i].ID)
			require.Equal(t, want.Kind, got[i].Kind)
			require.Equal(t, want.Granted, got[i].Granted)
			require.Equal(t, want.TextHash, got[i].TextHash)
			require.Equal(t, want.ContactID, got[i].ContactID)
			require.True(t, normTime(want.At).Equal(normTime(got[i].At)))
		}
		none, err := st.Consents(ctx, "nobody")
		require.NoError(t, err)
		require.Empty(t, none)
	})
}
