// Package targeting decides which chat, if any, a page view gets.
//
// A chat's [Rules] are filter groups of [Rule]s over the page URL, its path
// and query parameters, the visitor (known contact or not, contact
// properties) and the device. Rules inside a [Group] must all match; any
// matching group is enough; any matching exclusion rule hides the chat.
//
// [Compile] validates Rules once, reporting every problem with its path
// as [Errors], and returns a [Matcher]. Per request, [NewView] prepares
// the page view (normalising the URL the way a user reads it) and
// [Matcher.Match] evaluates it without allocating. [NewSelector] and
// [Selector.Select] choose the highest-priority chat that matches.
//
// The package is pure: no I/O, no goroutines, no state beyond its values.
// The caller supplies the visitor it trusts; data sent by the browser is
// never a [Contact].
package targeting
