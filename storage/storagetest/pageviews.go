package storagetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// pageViewRecorder returns st as a livechat.PageViewRecorder, or skips
// the test when st is not one: the interface is optional.
func pageViewRecorder(t *testing.T, st livechat.Storage) livechat.PageViewRecorder {
	t.Helper()
	pr, ok := st.(livechat.PageViewRecorder)
	if !ok {
		t.Skipf("%T is not a livechat.PageViewRecorder", st)
	}
	return pr
}

func pageURLs(ps []livechat.PageView) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.URL)
	}
	return out
}

func (s *suite) pageViews(t *testing.T) {
	t.Run("OldestFirstPerConversation", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		pr := pageViewRecorder(t, st)
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-1", "visitor-1", 1)))
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-2", "visitor-2", 1)))
		got, err := pr.PageViews(ctx, "conv-1")
		require.NoError(t, err)
		require.Empty(t, got)
		require.NotNil(t, got, "none is an empty list")
		// Added in this order, though the second is earlier.
		require.NoError(t, pr.AddPageView(ctx, "conv-1", livechat.PageView{URL: "https://shop.example/", At: at(5)}, 10))
		require.NoError(t, pr.AddPageView(ctx, "conv-1", livechat.PageView{URL: "https://shop.example/pricing?plan=pro#faq", At: at(4)}, 10))
		require.NoError(t, pr.AddPageView(ctx, "conv-2", livechat.PageView{URL: "https://shop.example/other", At: at(6)}, 10))
		got, err = pr.PageViews(ctx, "conv-1")
		require.NoError(t, err)
		require.Equal(t, []string{"https://shop.example/", "https://shop.example/pricing?plan=pro#faq"}, pageURLs(got))
		require.True(t, normTime(at(5)).Equal(normTime(got[0].At)))
		require.True(t, normTime(at(4)).Equal(normTime(got[1].At)))
	})
	t.Run("KeepsTheNewest", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		pr := pageViewRecorder(t, st)
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-1", "visitor-1", 1)))
		for i := range 8 {
			require.NoError(t, pr.AddPageView(ctx, "conv-1", livechat.PageView{URL: fmt.Sprintf("https://shop.example/%d", i), At: at(i)}, 3))
		}
		got, err := pr.PageViews(ctx, "conv-1")
		require.NoError(t, err)
		require.Equal(t, []string{"https://shop.example/5", "https://shop.example/6", "https://shop.example/7"}, pageURLs(got))
		require.NoError(t, pr.AddPageView(ctx, "conv-1", livechat.PageView{URL: "https://shop.example/last", At: at(9)}, 1))
		got, err = pr.PageViews(ctx, "conv-1")
		require.NoError(t, err)
		require.Equal(t, []string{"https://shop.example/last"}, pageURLs(got))
	})
	t.Run("ErrNotFoundAndErrInvalid", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		pr := pageViewRecorder(t, st)
		require.ErrorIs(t, pr.AddPageView(ctx, "missing", livechat.PageView{URL: "https://shop.example/", At: at(1)}, 10), livechat.ErrNotFound)
		_, err := pr.PageViews(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-1", "visitor-1", 1)))
		require.ErrorIs(t, pr.AddPageView(ctx, "conv-1", livechat.PageView{URL: "https://shop.example/", At: at(1)}, 0), livechat.ErrInvalid)
		got, err := pr.PageViews(ctx, "conv-1")
		require.NoError(t, err)
		require.Empty(t, got, "nothing stored")
	})
	t.Run("ErasedWithTheVisitor", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		pr := pageViewRecorder(t, st)
		require.NoError(t, st.CreateVisitor(ctx, newVisitor("visitor-1")))
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-1", "visitor-1", 1)))
		require.NoError(t, pr.AddPageView(ctx, "conv-1", livechat.PageView{URL: "https://shop.example/secret", At: at(1)}, 10))
		require.NoError(t, st.EraseVisitor(ctx, "visitor-1", at(100)))
		_, err := pr.PageViews(ctx, "conv-1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		// A conversation made again with that id starts without them.
		require.NoError(t, st.CreateConversation(ctx, newConversation("conv-1", "visitor-2", 1)))
		got, err := pr.PageViews(ctx, "conv-1")
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
