package knowledge

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Ranking: BM25 over one field in which a title word counts as titleBoost
// body words (BM25F with fixed weights).
const (
	bm25K1       = 1.2
	bm25B        = 0.75
	titleBoost   = 3
	prefixWeight = 0.9 // a word completed from a prefix scores a little below the word typed in full
)

var _ Base = (*Index)(nil)

// Index is the built-in [Base]: articles held in memory with an inverted
// index over their folded words. The zero Index is empty and ready to use;
// it is safe for concurrent use, searches running in parallel with each
// other.
//
// # Matching
//
// Titles and bodies (as [Article.PlainText]) are split into words: runs
// of Unicode letters, digits and marks. Words are folded: compatibility
// decomposition (NFKD, so "ﬁ" is "fi"), nonspacing marks removed
// ("Översikt" is "oversikt", "Café" is "cafe", "über" is "uber"), lower
// case, and ß, æ, œ, ø, ł, đ, ð, þ and ı respelled as ss, ae, oe, o, l, d,
// d, th and i ("strasse" finds "Straße"). Query words are folded alike and
// must all occur in an article (title or body); the last one also matches
// as a prefix, so results follow typing ("över" finds "översikt"), unless
// the query ends with a space or punctuation. Words are cut to 64
// characters. Scripts written without spaces between words (Chinese,
// Japanese, Thai) are matched only by whole runs; a host serving them
// implements [Base] over a search engine that segments words.
//
// # Ranking
//
// Results are ranked by BM25 (k1 = 1.2, b = 0.75) over title and body,
// where a word in the title counts as three in the body, so a match in
// the title ranks above the same match in the body, and a word completed
// from the typed prefix scores 0.9 of a word typed in full. Ties are
// broken by ID, so the order is deterministic.
//
// # Language
//
// Languages match by their base language: a query in "sv" matches articles
// in "sv", "sv-SE" and "sv-FI", and a query in "sv-SE" matches "sv". When
// the query has a language and any article in that language, or without a
// language, matches, the results are only those articles; otherwise the
// results are the matches in every language, so a visitor gets an
// article in another language rather than none.
type Index struct {
	mu       sync.RWMutex
	docs     map[string]*entry
	postings map[string]map[string]*entry // term → article ID → article
	totalLen int                          // sum of entry.length
	sorted   []string                     // distinct terms in order, for prefixes; nil when stale
}

// entry is an indexed article.
type entry struct {
	article Article
	text    string          // body as plain text on one line, for snippets
	terms   map[string]stat // folded term → its occurrences
	length  int             // weighted number of words
	lang    string          // base language, "" for any
}

// stat is one term of one article.
type stat struct {
	tf    int32 // occurrences, title ones counted titleBoost times
	first int32 // byte offset in entry.text of the first occurrence, -1 when only in the title
}

// NewIndex returns an empty Index.
func NewIndex() *Index {
	return &Index{docs: map[string]*entry{}, postings: map[string]map[string]*entry{}}
}

// Add indexes a, replacing the article with the same ID. The body is
// stored sanitised (see [Sanitize]).
//
// It returns an error wrapping [ErrInvalidArticle] and [Errors], which
// names every problem, when a.ID is not 1 to 64 characters of A-Z, a-z,
// 0-9, '_' and '-'; the title is blank, invalid UTF-8 or longer than
// [MaxTitleLen] bytes; the body is longer than [MaxBodyLen] bytes; the URL
// is longer than [MaxURLLen] bytes or not an absolute http or https URL
// or a path starting with "/"; or the language is not a BCP 47 tag.
func (x *Index) Add(a Article) error {
	if err := validate(a); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArticle, err)
	}
	a.Body = Sanitize(a.Body)
	e := newEntry(a)

	x.mu.Lock()
	defer x.mu.Unlock()
	if x.docs == nil {
		x.docs = map[string]*entry{}
		x.postings = map[string]map[string]*entry{}
	}
	if old, ok := x.docs[a.ID]; ok {
		x.remove(old)
	}
	x.docs[a.ID] = e
	x.totalLen += e.length
	for t := range e.terms {
		p, ok := x.postings[t]
		if !ok {
			p = map[string]*entry{}
			x.postings[t] = p
			x.sorted = nil
		}
		p[a.ID] = e
	}
	return nil
}

// Remove removes the article with the given ID and reports whether there
// was one.
func (x *Index) Remove(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.docs[id]
	if ok {
		x.remove(e)
	}
	return ok
}

// remove drops e from the index; x.mu is held for writing.
func (x *Index) remove(e *entry) {
	id := e.article.ID
	delete(x.docs, id)
	x.totalLen -= e.length
	for t := range e.terms {
		p := x.postings[t]
		delete(p, id)
		if len(p) == 0 {
			delete(x.postings, t)
			x.sorted = nil
		}
	}
}

// Len returns the number of articles.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.docs)
}

// Article returns a copy of the article with the given ID. It returns an
// error wrapping [ErrNotFound] when there is none, or ctx's error when ctx
// is done.
func (x *Index) Article(ctx context.Context, id string) (*Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.docs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	a := e.article
	return &a, nil
}

// Search returns the articles matching q, best first, as described on
// [Index]: at most q.Limit of them (see [Query.Limit]), each with a
// snippet of its body around the first match. A query without words
// finds nothing. It returns ctx's error when ctx is done.
func (x *Index) Search(ctx context.Context, q Query) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	qt := parseQuery(q.Text)
	if len(qt) == 0 {
		return nil, nil
	}
	lang := baseLanguage(q.Language)

	unlock := x.lock(qt[len(qt)-1].prefix)
	defer unlock()

	// Score each term, then keep the articles every term matched (AND),
	// walking the smallest set.
	hits := make([]map[string]hit, len(qt))
	smallest := 0
	for i, t := range qt {
		hits[i] = x.score(t)
		if len(hits[i]) == 0 {
			return nil, nil
		}
		if len(hits[i]) < len(hits[smallest]) {
			smallest = i
		}
	}
	type match struct {
		e     *entry
		score float64
		first int32
	}
	var all, preferred []match
	for id := range hits[smallest] {
		m := match{first: -1}
		for _, h := range hits {
			th, ok := h[id]
			if !ok {
				m.e = nil
				break
			}
			m.e, m.score = th.e, m.score+th.score
			if th.first >= 0 && (m.first < 0 || th.first < m.first) {
				m.first = th.first
			}
		}
		if m.e == nil {
			continue
		}
		all = append(all, m)
		if lang != "" && (m.e.lang == lang || m.e.lang == "") {
			preferred = append(preferred, m)
		}
	}
	if len(preferred) > 0 {
		all = preferred
	}
	slices.SortFunc(all, func(a, b match) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.e.article.ID, b.e.article.ID)
	})
	all = all[:min(len(all), limit(q.Limit))]

	results := make([]Result, len(all))
	for i, m := range all {
		a := &m.e.article
		results[i] = Result{
			ID:       a.ID,
			Title:    a.Title,
			URL:      a.URL,
			Language: a.Language,
			Snippet:  excerpt(m.e.text, int(max(m.first, 0))),
			Score:    m.score,
		}
	}
	return results, nil
}

// lock read-locks x and returns the unlock function. When sorted terms are
// needed but stale, it sorts them under the write lock and keeps that
// lock for the search instead.
func (x *Index) lock(needSorted bool) (unlock func()) {
	x.mu.RLock()
	if !needSorted || x.sorted != nil || len(x.postings) == 0 {
		return x.mu.RUnlock
	}
	x.mu.RUnlock()
	x.mu.Lock()
	if x.sorted == nil {
		x.sorted = make([]string, 0, len(x.postings))
		for t := range x.postings {
			x.sorted = append(x.sorted, t)
		}
		slices.Sort(x.sorted)
	}
	return x.mu.Unlock
}

// hit is how well one query term matches one article.
type hit struct {
	e     *entry
	score float64
	first int32 // see stat.first
}

// score returns the articles t matches, by ID. A prefix term takes, in each
// article, the best of the terms it completes to.
func (x *Index) score(t queryTerm) map[string]hit {
	if !t.prefix {
		p := x.postings[t.term]
		out := make(map[string]hit, len(p))
		for id, e := range p {
			s := e.terms[t.term]
			out[id] = hit{e: e, score: x.bm25(s.tf, len(p), e.length), first: s.first}
		}
		return out
	}
	out := map[string]hit{}
	for i := sort.SearchStrings(x.sorted, t.term); i < len(x.sorted) && strings.HasPrefix(x.sorted[i], t.term); i++ {
		term := x.sorted[i]
		weight := prefixWeight
		if term == t.term {
			weight = 1
		}
		p := x.postings[term]
		for id, e := range p {
			s := e.terms[term]
			score := weight * x.bm25(s.tf, len(p), e.length)
			h, seen := out[id]
			if !seen {
				out[id] = hit{e: e, score: score, first: s.first}
				continue
			}
			h.score = max(h.score, score)
			if s.first >= 0 && (h.first < 0 || s.first < h.first) {
				h.first = s.first
			}
			out[id] = h
		}
	}
	return out
}

// bm25 scores a term occurring tf times (weighted) in an article of the
// given weighted length, found in df of the articles.
func (x *Index) bm25(tf int32, df, length int) float64 {
	n := float64(len(x.docs))
	avg := float64(x.totalLen) / n
	if avg == 0 {
		avg = 1
	}
	idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
	f := float64(tf)
	return idf * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(length)/avg))
}

// newEntry folds a for the index.
func newEntry(a Article) *entry {
	e := &entry{
		article: a,
		text:    oneLine(plainText(a.Body)),
		terms:   map[string]stat{},
		lang:    baseLanguage(a.Language),
	}
	for _, t := range terms(a.Title) {
		s, ok := e.terms[t]
		if !ok {
			s.first = -1
		}
		s.tf += titleBoost
		e.terms[t] = s
		e.length += titleBoost
	}
	var buf []string
	words(e.text, func(start, end int) bool {
		buf = fold(e.text[start:end], buf[:0])
		for _, t := range buf {
			s, ok := e.terms[t]
			if !ok || s.first < 0 {
				s.first = int32(start)
			}
			s.tf++
			e.terms[t] = s
			e.length++
		}
		return true
	})
	return e
}

// queryTerm is one folded word of a query.
type queryTerm struct {
	term   string
	prefix bool // matches every term it begins
}

// parseQuery folds the words of text, without repeats, at most
// maxQueryTerms of them; the last is a prefix unless text ends with a
// character outside words.
func parseQuery(text string) []queryTerm {
	if len(text) > maxQueryLen {
		text = text[:maxQueryLen]
		for text != "" {
			if r, size := utf8.DecodeLastRuneInString(text); r != utf8.RuneError || size > 1 {
				break
			}
			text = text[:len(text)-1] // a rune cut in two
		}
	}
	var folded []string
	words(text, func(start, end int) bool {
		folded = fold(text[start:end], folded)
		return true
	})
	var out []queryTerm
	seen := map[string]bool{}
	for _, t := range folded {
		if !seen[t] && len(out) < maxQueryTerms {
			seen[t] = true
			out = append(out, queryTerm{term: t})
		}
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	if n := len(out); n > 0 && isWordRune(last) && out[n-1].term == folded[len(folded)-1] {
		out[n-1].prefix = true
	}
	return out
}

// baseLanguage returns the base language of a BCP 47 tag in lower case
// ("sv" for "sv-SE"), or "" for an empty tag.
func baseLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return ""
	}
	if t, err := language.Parse(tag); err == nil {
		if b, conf := t.Base(); conf == language.Exact {
			return b.String()
		}
	}
	base, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	return strings.ToLower(base)
}

// validate reports every problem of a as Errors.
func validate(a Article) error {
	var errs Errors
	if !validID(a.ID) {
		errs.Add("id", "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
	}
	switch {
	case strings.TrimSpace(a.Title) == "":
		errs.Add("title", "required")
	case len(a.Title) > MaxTitleLen:
		errs.Add("title", fmt.Sprintf("must be at most %d bytes", MaxTitleLen))
	case !utf8.ValidString(a.Title):
		errs.Add("title", "must be valid UTF-8")
	}
	if len(a.Body) > MaxBodyLen {
		errs.Add("body", fmt.Sprintf("must be at most %d bytes", MaxBodyLen))
	}
	if a.URL != "" && !validURL(a.URL) {
		errs.Add("url", fmt.Sprintf("must be an absolute http or https URL or a path starting with \"/\", at most %d bytes", MaxURLLen))
	}
	if a.Language != "" {
		if _, err := language.Parse(a.Language); err != nil || len(a.Language) > MaxLanguageLen {
			errs.Add("language", "must be a BCP 47 language tag such as \"sv\" or \"sv-SE\"")
		}
	}
	return errs.Err()
}

func validID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validURL(s string) bool {
	if len(s) > MaxURLLen || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if strings.HasPrefix(s, "/") {
		return u.Scheme == ""
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
