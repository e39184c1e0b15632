// Package knowledge holds the help articles a chat's visitors can search
// and read themselves, in the widget's Help tab.
//
// The entry points are:
//
//   - [Base], what the chat needs of a knowledge base: [Base.Search] with
//     a [Query] (text, visitor language, limit) returning ranked [Result]s
//     with snippets, and [Base.Article] returning one [Article] or an
//     error wrapping [ErrNotFound]; a host with its own help centre
//     implements it;
//   - [Index], the built-in Base the host fills with [Index.Add]: ranked
//     full-text search in memory, folding case and diacritics ("oversikt"
//     finds "Översikt"), matching the last word as a prefix as the visitor
//     types, and preferring articles in the visitor's language;
//   - [Sanitize], which reduces HTML to the small safe subset article
//     bodies may use; Index.Add applies it, so bodies from an Index can be
//     inserted as HTML, and [Article.PlainText] gives the text searched.
//
// The package is a leaf: it depends on the standard library,
// golang.org/x/text and the invalid package only, never on the root
// livechat package, and starts no goroutines.
package knowledge
