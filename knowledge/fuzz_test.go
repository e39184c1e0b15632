package knowledge_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/knowledge"
)

// FuzzSearch checks, for any article text, query and language, that
// indexing and searching never panic, that results respect the limit and
// come in order with short valid snippets, and that an article is found
// by its own title typed in any case.
func FuzzSearch(f *testing.F) {
	f.Add("Översikt av priser", "<p>Våra priser</p>", "oversikt", "sv-SE", 0)
	f.Add("Café", "straße ﬁ ½", "CAFE", "", 3)
	f.Add("a", strings.Repeat("word ", 100), "w", "en", 60)
	f.Add("\u0301\u0308", "\xff<script>", "\xff", "\x00", -1)
	f.Fuzz(func(t *testing.T, title, body, query, lang string, limit int) {
		x := knowledge.NewIndex()
		_ = x.Add(knowledge.Article{ID: "fuzz", Title: title, Body: body, Language: lang})
		require.NoError(t, x.Add(knowledge.Article{ID: "other", Title: "Other article", Body: body}))
		ctx := context.Background()
		results, err := x.Search(ctx, knowledge.Query{Text: query, Language: lang, Limit: limit})
		require.NoError(t, err)
		want := knowledge.DefaultLimit
		if limit > 0 {
			want = min(limit, knowledge.MaxLimit)
		}
		require.LessOrEqual(t, len(results), min(2, want))
		for i, r := range results {
			require.LessOrEqual(t, utf8.RuneCountInString(r.Snippet), 160)
			require.True(t, utf8.ValidString(r.Snippet))
			if i > 0 {
				require.GreaterOrEqual(t, results[i-1].Score, r.Score)
			}
		}
		if a, err := x.Article(ctx, "fuzz"); err == nil && utf8.ValidString(title) {
			results, err := x.Search(ctx, knowledge.Query{Text: strings.ToUpper(a.Title)})
			require.NoError(t, err)
			//lint:ignore SA6005 the index lower-cases; EqualFold folds more (ſ, K) than that
			if hasWord(a.Title) && strings.ToLower(strings.ToUpper(a.Title)) == strings.ToLower(a.Title) {
				require.Contains(t, ids(results), "fuzz", "title %q", a.Title)
			}
		}
	})
}

func hasWord(s string) bool {
	for _, r := range s {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return true
		}
	}
	return false
}

func ids(results []knowledge.Result) []string {
	out := []string{}
	for _, r := range results {
		out = append(out, r.ID)
	}
	return out
}
