package knowledge

import (
	"context"
	"errors"
	"time"

	"github.com/golivechat/livechat/invalid"
)

// ErrNotFound is returned, wrapped, by [Base.Article] when no article has
// the requested ID.
var ErrNotFound = errors.New("knowledge: article not found")

// ErrInvalidArticle is returned, wrapped together with the [Errors] that
// name every problem, by [Index.Add] for an article it refuses.
var ErrInvalidArticle = errors.New("knowledge: invalid article")

// FieldError is one problem of an article, located by its JSON field name,
// as in "id" or "title".
type FieldError = invalid.Field

// Errors is every problem [Index.Add] found; find it with errors.As.
type Errors = invalid.Fields

// Limits of an [Article], checked by [Index.Add], and of a [Query].
const (
	MaxIDLen       = 64        // bytes of Article.ID
	MaxTitleLen    = 512       // bytes of Article.Title
	MaxBodyLen     = 256 << 10 // bytes of Article.Body, before sanitising
	MaxURLLen      = 2048      // bytes of Article.URL
	MaxLanguageLen = 35        // bytes of Article.Language, the BCP 47 limit
	DefaultLimit   = 10        // results when Query.Limit is 0 or less
	MaxLimit       = 50        // results at most, whatever Query.Limit says
)

const (
	maxQueryLen   = 512 // bytes of Query.Text looked at
	maxQueryTerms = 16  // distinct terms of a query looked at
	maxTermRunes  = 64  // runes of a term; longer words are cut, alike in articles and queries
	snippetRunes  = 160 // runes of Result.Snippet at most
	snippetBefore = 40  // runes of context before the first match
)

// Article is one help article.
type Article struct {
	// ID identifies the article: 1 to 64 characters of A-Z, a-z, 0-9, '_'
	// and '-'.
	ID string `json:"id"`
	// Title is plain text, required; show it escaped.
	Title string `json:"title"`
	// Body is plain text or HTML. [Index.Add] stores it sanitised (see
	// [Sanitize]), so a body read back from an Index is always safe to
	// insert as HTML; plain text keeps its line breaks when shown with
	// CSS white-space: pre-line.
	Body string `json:"body"`
	// URL optionally links to the article on the host's site: an absolute
	// http or https URL, or a path starting with "/".
	URL string `json:"url,omitempty"`
	// Language is the article's BCP 47 tag, as in "sv" or "sv-SE"; empty
	// means the article suits every language.
	Language string `json:"language,omitempty"`
	// UpdatedAt is when the article last changed; the index only stores it.
	UpdatedAt time.Time `json:"updatedAt"`
}

// PlainText returns the article's body as plain text: tags removed,
// entities decoded, the contents of script and style elements dropped, a
// line break between blocks and single spaces elsewhere. It is what an
// [Index] searches and takes snippets from.
func (a Article) PlainText() string {
	return plainText(a.Body)
}

// Query is a search of a [Base].
type Query struct {
	// Text is what the visitor typed. Its words must all match (AND); the
	// last one also matches as a prefix, unless the text ends with a space
	// or punctuation. Case and diacritics do not matter.
	Text string `json:"text"`
	// Language is the visitor's BCP 47 tag; empty means no preference. How
	// it is used is up to the Base; see [Index.Search] for the built-in one.
	Language string `json:"language,omitempty"`
	// Limit is the number of results at most: [DefaultLimit] when 0 or
	// less, never more than [MaxLimit].
	Limit int `json:"limit,omitempty"`
}

// Result is one article found by [Base.Search]. It carries what a list of
// results shows; read the whole article with [Base.Article].
type Result struct {
	ID       string `json:"id"`                 // Article.ID
	Title    string `json:"title"`              // Article.Title, plain text
	URL      string `json:"url,omitempty"`      // Article.URL
	Language string `json:"language,omitempty"` // Article.Language
	// Snippet is a plain-text excerpt of the body around the first match,
	// at most 160 characters; show it escaped.
	Snippet string `json:"snippet"`
	// Score ranks the result: higher is better. Scores of different
	// searches are not comparable.
	Score float64 `json:"score"`
}

// Base is a searchable set of help articles. [Index] is the built-in one;
// a host with its own help centre implements Base over it.
type Base interface {
	// Search returns the articles matching q, best first. An empty query
	// finds nothing and is not an error. It returns ctx's error when ctx
	// is done.
	Search(ctx context.Context, q Query) ([]Result, error)
	// Article returns the article with the given ID, with a body that is
	// safe to insert as HTML. It returns an error wrapping [ErrNotFound]
	// when there is none, or ctx's error when ctx is done.
	Article(ctx context.Context, id string) (*Article, error)
}

// limit applies the defaults and bounds of Query.Limit.
func limit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}
