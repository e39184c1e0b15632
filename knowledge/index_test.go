package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/knowledge"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newIndex returns an Index holding articles.
func newIndex(tb testing.TB, articles ...knowledge.Article) *knowledge.Index {
	tb.Helper()
	x := knowledge.NewIndex()
	for _, a := range articles {
		require.NoError(tb, x.Add(a))
	}
	return x
}

// search runs q and returns the IDs found, in order.
func search(tb testing.TB, x *knowledge.Index, q knowledge.Query) []string {
	tb.Helper()
	results, err := x.Search(context.Background(), q)
	require.NoError(tb, err)
	ids := []string{}
	for _, r := range results {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestSearchFolding(t *testing.T) {
	x := newIndex(t,
		knowledge.Article{ID: "priser", Title: "Översikt av priser", Body: "Våra priser för företag.", Language: "sv"},
		knowledge.Article{ID: "cafe", Title: "Café opening hours", Body: "We open at eight."},
		knowledge.Article{ID: "faq", Title: "Häufige Fragen", Body: "Alles über Ihr Konto und die Straße."},
		knowledge.Article{ID: "skane", Title: "Åtkomst i Skåne", Body: "Gäller även Malmö och Øresund."},
		knowledge.Article{ID: "ligature", Title: "Ofﬁce ﬁles", Body: "ＦＵＬＬ width"},
	)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"FindsÖWithoutDiaeresis", "oversikt", []string{"priser"}},
		{"FindsÖWithDiaeresis", "Översikt", []string{"priser"}},
		{"FindsÉInUpperCase", "CAFE", []string{"cafe"}},
		{"FindsPlainEWithAccentTyped", "cafè", []string{"cafe"}},
		{"FindsÅAndÄ", "atkomst skane", []string{"skane"}},
		{"FindsBodyÄAndÖ", "galler malmo", []string{"skane"}},
		{"FindsGermanÜ", "uber", []string{"faq"}},
		{"FindsSharpSAsSS", "strasse", []string{"faq"}},
		{"FindsSharpSTyped", "STRAßE", []string{"faq"}},
		{"FindsStrokedO", "oresund", []string{"skane"}},
		{"FindsFoldedLigature", "office files", []string{"ligature"}},
		{"FindsFullWidth", "full", []string{"ligature"}},
		{"FindsOnlyWholeFoldedWords", "ver ", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, search(t, x, knowledge.Query{Text: tt.query}))
		})
	}
}

func TestSearchPrefix(t *testing.T) {
	x := newIndex(t,
		knowledge.Article{ID: "overview", Title: "Översikt av priser", Body: "Priser per månad."},
		knowledge.Article{ID: "over", Title: "Over the limit", Body: "What happens over quota."},
		knowledge.Article{ID: "refund", Title: "Refunds", Body: "Money back."},
	)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"LastWordMatchesAsPrefix", "övers", []string{"overview"}},
		{"PrefixWithoutDiacritics", "over", []string{"over", "overview"}},
		{"ShortPrefixFindsBothExactFirst", "ove", []string{"over", "overview"}},
		{"OneLetterPrefix", "r", []string{"refund"}},
		{"EarlierWordsMustBeWhole", "prise av", []string{}},
		{"EarlierWordWholeLastPrefix", "priser må", []string{"overview"}},
		{"TrailingSpaceEndsPrefix", "övers ", []string{}},
		{"TrailingPunctuationEndsPrefix", "over?", []string{"over"}},
		{"WholeWordAfterSpaceMatches", "översikt ", []string{"overview"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, search(t, x, knowledge.Query{Text: tt.query}))
		})
	}
}

func TestSearchAllWordsMustMatch(t *testing.T) {
	x := newIndex(t,
		knowledge.Article{ID: "a", Title: "Billing", Body: "Invoices are sent monthly."},
		knowledge.Article{ID: "b", Title: "Invoices", Body: "Download a PDF."},
		knowledge.Article{ID: "c", Title: "Security", Body: "Two-factor login."},
	)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"OneWordMatchesEveryArticleWithIt", "invoices", []string{"b", "a"}},
		{"TwoWordsMatchAcrossTitleAndBody", "billing invoices", []string{"a"}},
		{"MissingWordMatchesNothing", "invoices security", []string{}},
		{"RepeatedWordCountsOnce", "billing billing", []string{"a"}},
		{"PunctuationSeparatesWords", "two-factor", []string{"c"}},
		{"EmptyQueryMatchesNothing", "", []string{}},
		{"QueryWithoutWordsMatchesNothing", " ?!- ", []string{}},
		{"UnknownWordMatchesNothing", "zebra", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, search(t, x, knowledge.Query{Text: tt.query}))
		})
	}
}

func TestSearchRanking(t *testing.T) {
	body := "Some words about something else entirely, to give the body a length."
	tests := []struct {
		name     string
		articles []knowledge.Article
		query    string
		want     []string
	}{
		{
			name: "TitleMatchBeatsBodyMatch",
			articles: []knowledge.Article{
				{ID: "a-body", Title: "Account settings", Body: "Change your password here. " + body},
				{ID: "z-title", Title: "Password reset", Body: "Follow the link. " + body},
			},
			query: "password",
			want:  []string{"z-title", "a-body"},
		},
		{
			name: "RareWordOutweighsCommonWord",
			articles: []knowledge.Article{
				{ID: "a", Title: "Guide", Body: "chat chat chat widget"},
				{ID: "b", Title: "Guide", Body: "chat widget widget widget"},
				{ID: "c", Title: "Guide", Body: "chat one two three"},
				{ID: "d", Title: "Guide", Body: "chat four five six"},
			},
			query: "chat widget",
			want:  []string{"b", "a"},
		},
		{
			name: "MoreOccurrencesRankHigher",
			articles: []knowledge.Article{
				{ID: "a", Title: "Guide", Body: "Email once. " + body},
				{ID: "b", Title: "Guide", Body: "Email, email and email again. " + body},
			},
			query: "email",
			want:  []string{"b", "a"},
		},
		{
			name: "EqualScoresOrderedByID",
			articles: []knowledge.Article{
				{ID: "c", Title: "Same", Body: "same"},
				{ID: "a", Title: "Same", Body: "same"},
				{ID: "b", Title: "Same", Body: "same"},
			},
			query: "same",
			want:  []string{"a", "b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newIndex(t, tt.articles...)
			require.Equal(t, tt.want, search(t, x, knowledge.Query{Text: tt.query}))
			results, err := x.Search(context.Background(), knowledge.Query{Text: tt.query})
			require.NoError(t, err)
			for i := 1; i < len(results); i++ {
				require.GreaterOrEqual(t, results[i-1].Score, results[i].Score)
			}
		})
	}
}

func TestSearchLanguage(t *testing.T) {
	x := newIndex(t,
		knowledge.Article{ID: "en-prices", Title: "Prices", Body: "Plans and prices.", Language: "en"},
		knowledge.Article{ID: "sv-prices", Title: "Priser", Body: "Planer och prices.", Language: "sv-SE"},
		knowledge.Article{ID: "any-prices", Title: "Prices table", Body: "prices", Language: ""},
		knowledge.Article{ID: "en-only", Title: "Refund policy", Body: "Refunds.", Language: "en-GB"},
	)
	tests := []struct {
		name     string
		language string
		query    string
		want     []string
	}{
		{"NoLanguageFindsAll", "", "prices", []string{"en-prices", "any-prices", "sv-prices"}},
		{"BaseLanguageMatchesRegion", "sv", "prices", []string{"any-prices", "sv-prices"}},
		{"RegionMatchesBaseLanguage", "en-US", "prices", []string{"en-prices", "any-prices"}},
		{"UnderscoreAndCaseAccepted", "SV_se", "prices", []string{"any-prices", "sv-prices"}},
		{"FallsBackToOtherLanguages", "sv", "refund", []string{"en-only"}},
		{"UnknownLanguageFallsBack", "xx", "refund", []string{"en-only"}},
		{"MalformedLanguageFallsBack", "!!", "refund", []string{"en-only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, search(t, x, knowledge.Query{Text: tt.query, Language: tt.language}))
		})
	}
}

func TestSearchLimit(t *testing.T) {
	x := knowledge.NewIndex()
	for i := range 60 {
		require.NoError(t, x.Add(knowledge.Article{ID: fmt.Sprintf("a%02d", i), Title: "Topic", Body: "help"}))
	}
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"ZeroGivesDefault", 0, knowledge.DefaultLimit},
		{"NegativeGivesDefault", -5, knowledge.DefaultLimit},
		{"SmallLimitKept", 3, 3},
		{"LargeLimitCapped", 1000, knowledge.MaxLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := search(t, x, knowledge.Query{Text: "help", Limit: tt.limit})
			require.Len(t, ids, tt.want)
			require.Equal(t, "a00", ids[0], "ties in ID order")
		})
	}
}

func TestSearchSnippet(t *testing.T) {
	long := strings.Repeat("lorem ipsum dolor ", 30)
	tests := []struct {
		name    string
		body    string
		query   string
		want    string
		prefix  string
		suffix  string
		contain string
	}{
		{name: "ShortBodyWhole", body: "<p>Short <b>body</b>.</p>", query: "body", want: "Short body."},
		{name: "TitleOnlyMatchStartsAtBody", body: long, query: "title", prefix: "lorem ipsum", suffix: "…"},
		{name: "AroundFirstMatch", body: long + "Här är Översikten du söker. " + long, query: "oversikten", prefix: "…", suffix: "…", contain: "Här är Översikten du söker."},
		{name: "AroundPrefixMatch", body: long + "Här är Översikten du söker. " + long, query: "översi", contain: "Översikten"},
		{name: "MatchNearEndFillsBudget", body: long + "the final word", query: "final", prefix: "…", suffix: "final word"},
		{name: "NoMarkup", body: "<script>x()</script><p>a &amp; b &lt;c&gt;</p>", query: "title", want: "a & b <c>"},
		{name: "EmptyBody", body: "", query: "title", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newIndex(t, knowledge.Article{ID: "a", Title: "Title", Body: tt.body})
			results, err := x.Search(context.Background(), knowledge.Query{Text: tt.query})
			require.NoError(t, err)
			require.Len(t, results, 1)
			s := results[0].Snippet
			require.LessOrEqual(t, utf8.RuneCountInString(s), 160)
			require.True(t, utf8.ValidString(s))
			if tt.want != "" || tt.body == "" {
				require.Equal(t, tt.want, s)
			}
			require.True(t, strings.HasPrefix(s, tt.prefix), "%q starts with %q", s, tt.prefix)
			require.True(t, strings.HasSuffix(s, tt.suffix), "%q ends with %q", s, tt.suffix)
			require.Contains(t, s, tt.contain)
		})
	}
}

func TestSearchResultFields(t *testing.T) {
	x := newIndex(t, knowledge.Article{ID: "a", Title: "Prices", Body: "Our prices.", URL: "https://example.com/help/prices", Language: "en"})
	results, err := x.Search(context.Background(), knowledge.Query{Text: "prices"})
	require.NoError(t, err)
	require.Len(t, results, 1)
	r := results[0]
	require.Equal(t, "a", r.ID)
	require.Equal(t, "Prices", r.Title)
	require.Equal(t, "https://example.com/help/prices", r.URL)
	require.Equal(t, "en", r.Language)
	require.Equal(t, "Our prices.", r.Snippet)
	require.Positive(t, r.Score)
}

func TestSearchCanceledContext(t *testing.T) {
	x := newIndex(t, knowledge.Article{ID: "a", Title: "Prices"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := x.Search(ctx, knowledge.Query{Text: "prices"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = x.Article(ctx, "a")
	require.ErrorIs(t, err, context.Canceled)
}

func TestArticle(t *testing.T) {
	x := newIndex(t, knowledge.Article{ID: "a", Title: "Links", Body: `<p onclick="x()">Read <a href="/docs">docs</a></p><script>evil()</script>`})
	t.Run("ReturnsSanitisedBody", func(t *testing.T) {
		a, err := x.Article(context.Background(), "a")
		require.NoError(t, err)
		require.Equal(t, `<p>Read <a href="/docs" rel="noopener noreferrer nofollow" target="_blank">docs</a></p>`, a.Body)
		require.Equal(t, "Read docs", a.PlainText())
	})
	t.Run("ReturnsCopy", func(t *testing.T) {
		a, err := x.Article(context.Background(), "a")
		require.NoError(t, err)
		a.Title = "changed"
		b, err := x.Article(context.Background(), "a")
		require.NoError(t, err)
		require.Equal(t, "Links", b.Title)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := x.Article(context.Background(), "missing")
		require.ErrorIs(t, err, knowledge.ErrNotFound)
		require.True(t, strings.HasPrefix(err.Error(), "knowledge: "), err.Error())
	})
}

func TestAddReplaceRemove(t *testing.T) {
	t.Run("AddReplacesSameID", func(t *testing.T) {
		x := newIndex(t, knowledge.Article{ID: "a", Title: "Old title", Body: "apples"})
		require.NoError(t, x.Add(knowledge.Article{ID: "a", Title: "New title", Body: "oranges"}))
		require.Equal(t, 1, x.Len())
		require.Empty(t, search(t, x, knowledge.Query{Text: "apples"}))
		require.Empty(t, search(t, x, knowledge.Query{Text: "old"}))
		require.Equal(t, []string{"a"}, search(t, x, knowledge.Query{Text: "oranges"}))
		a, err := x.Article(context.Background(), "a")
		require.NoError(t, err)
		require.Equal(t, "New title", a.Title)
	})
	t.Run("RemoveDropsFromSearchAndArticle", func(t *testing.T) {
		x := newIndex(t,
			knowledge.Article{ID: "a", Title: "Apples"},
			knowledge.Article{ID: "b", Title: "Apricots"},
		)
		require.Equal(t, []string{"a", "b"}, search(t, x, knowledge.Query{Text: "ap"}))
		require.True(t, x.Remove("a"))
		require.Equal(t, []string{"b"}, search(t, x, knowledge.Query{Text: "ap"}))
		_, err := x.Article(context.Background(), "a")
		require.ErrorIs(t, err, knowledge.ErrNotFound)
		require.Equal(t, 1, x.Len())
	})
	t.Run("RemoveMissingReportsFalse", func(t *testing.T) {
		x := knowledge.NewIndex()
		require.False(t, x.Remove("nothing"))
	})
	t.Run("ZeroIndexUsable", func(t *testing.T) {
		var x knowledge.Index
		require.Empty(t, search(t, &x, knowledge.Query{Text: "a"}))
		require.NoError(t, x.Add(knowledge.Article{ID: "a", Title: "Apples"}))
		require.Equal(t, []string{"a"}, search(t, &x, knowledge.Query{Text: "a"}))
	})
}

func TestAddValidation(t *testing.T) {
	valid := knowledge.Article{ID: "ok_1-A", Title: "T", Body: "b", URL: "/help/t", Language: "sv-SE"}
	tests := []struct {
		name   string
		change func(*knowledge.Article)
		paths  []string
	}{
		{"OK", func(*knowledge.Article) {}, nil},
		{"OKAbsoluteURL", func(a *knowledge.Article) { a.URL = "https://example.com/a?b=c#d" }, nil},
		{"OKLongestID", func(a *knowledge.Article) { a.ID = strings.Repeat("x", 64) }, nil},
		{"ErrIDEmpty", func(a *knowledge.Article) { a.ID = "" }, []string{"id"}},
		{"ErrIDTooLong", func(a *knowledge.Article) { a.ID = strings.Repeat("x", 65) }, []string{"id"}},
		{"ErrIDCharacters", func(a *knowledge.Article) { a.ID = "a/b" }, []string{"id"}},
		{"ErrIDNonASCII", func(a *knowledge.Article) { a.ID = "översikt" }, []string{"id"}},
		{"ErrTitleRequired", func(a *knowledge.Article) { a.Title = " \n" }, []string{"title"}},
		{"ErrTitleTooLong", func(a *knowledge.Article) { a.Title = strings.Repeat("x", knowledge.MaxTitleLen+1) }, []string{"title"}},
		{"ErrTitleInvalidUTF8", func(a *knowledge.Article) { a.Title = "a\xff" }, []string{"title"}},
		{"ErrBodyTooLong", func(a *knowledge.Article) { a.Body = strings.Repeat("x", knowledge.MaxBodyLen+1) }, []string{"body"}},
		{"ErrURLJavaScript", func(a *knowledge.Article) { a.URL = "javascript:alert(1)" }, []string{"url"}},
		{"ErrURLRelativeWithoutSlash", func(a *knowledge.Article) { a.URL = "help/t" }, []string{"url"}},
		{"ErrURLWithSpace", func(a *knowledge.Article) { a.URL = "/help t" }, []string{"url"}},
		{"ErrURLTooLong", func(a *knowledge.Article) { a.URL = "/" + strings.Repeat("x", knowledge.MaxURLLen) }, []string{"url"}},
		{"ErrLanguage", func(a *knowledge.Article) { a.Language = "not a tag" }, []string{"language"}},
		{"ErrEveryProblem", func(a *knowledge.Article) { *a = knowledge.Article{URL: "ftp://x"} }, []string{"id", "title", "url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := valid
			tt.change(&a)
			err := knowledge.NewIndex().Add(a)
			if tt.paths == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, knowledge.ErrInvalidArticle)
			var errs knowledge.Errors
			require.True(t, errors.As(err, &errs))
			var paths []string
			for _, e := range errs {
				paths = append(paths, e.Path)
			}
			require.Equal(t, tt.paths, paths)
		})
	}
}

// TestConcurrentUse runs searches and reads against writers; run with
// -race.
func TestConcurrentUse(t *testing.T) {
	x := newIndex(t, knowledge.Article{ID: "base", Title: "Översikt", Body: "priser grund"})
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("w%d-%d", w, i%20)
				if err := x.Add(knowledge.Article{ID: id, Title: fmt.Sprintf("Översikt %d", i), Body: "priser för " + id}); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					x.Remove(id)
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 200 {
				results, err := x.Search(ctx, knowledge.Query{Text: "oversikt pri", Limit: 50})
				if err != nil || len(results) == 0 {
					t.Errorf("search: %v, %d results", err, len(results))
					return
				}
				if _, err := x.Article(ctx, "base"); err != nil {
					t.Error(err)
					return
				}
				x.Len()
			}
		})
	}
	wg.Wait()
	require.Equal(t, []string{"base"}, search(t, x, knowledge.Query{Text: "grund"}))
}
