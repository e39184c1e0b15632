package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// isWordRune reports whether r belongs to a word. Marks count so that a
// letter followed by a combining accent stays one word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// words calls fn with the byte offsets of every word of s, in order, until
// fn returns false.
func words(s string, fn func(start, end int) bool) {
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if !fn(start, i) {
				return
			}
			start = -1
		}
	}
	if start >= 0 {
		fn(start, len(s))
	}
}

// foldSpecial spells letters that do not decompose under NFKD with the
// letters a visitor types instead, so "strasse" finds "Straße" and
// "oresund" finds "Øresund".
var foldSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d",
	'ð': "d", 'þ': "th", 'ı': "i", 'ς': "σ",
}

// fold appends to dst the terms of one word: compatibility-decomposed
// (NFKD), without nonspacing marks, lower case, letters of foldSpecial
// respelled, each cut to maxTermRunes. Decomposition can split a word
// ("½" becomes "1⁄2"), hence several terms.
func fold(word string, dst []string) []string {
	if isASCIIWord(word) {
		return append(dst, cut(strings.ToLower(word)))
	}
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			dst = append(dst, cut(b.String()))
			b.Reset()
		}
	}
	for _, r := range norm.NFKD.String(word) {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me):
		case isWordRune(r):
			r = unicode.ToLower(r)
			if s, ok := foldSpecial[r]; ok {
				b.WriteString(s)
			} else {
				b.WriteRune(r)
			}
		default:
			flush()
		}
	}
	flush()
	return dst
}

// terms returns the folded terms of s in order, repeats included.
func terms(s string) []string {
	var out []string
	words(s, func(start, end int) bool {
		out = fold(s[start:end], out)
		return true
	})
	return out
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cut shortens a term to maxTermRunes runes.
func cut(term string) string {
	if len(term) <= maxTermRunes {
		return term
	}
	n := 0
	for i := range term {
		if n == maxTermRunes {
			return term[:i]
		}
		n++
	}
	return term
}

// oneLine collapses every run of white space in s to one space and trims
// it.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// excerpt returns at most snippetRunes runes of text, a single-spaced line,
// around the byte offset at: starting at a word a little before it, with
// "…" where text was left out.
func excerpt(text string, at int) string {
	if len(text) <= snippetRunes || utf8.RuneCountInString(text) <= snippetRunes {
		return text
	}
	start := at
	for n := 0; n < snippetBefore && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	if start > 0 {
		if i := strings.IndexByte(text[start:at], ' '); i >= 0 {
			start += i + 1
		}
	}
	lead := ""
	budget := snippetRunes
	if start > 0 {
		lead = "…"
		budget--
	}
	end := start
	for n := 0; end < len(text) && n < budget; n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	if end >= len(text) {
		// The end of the text is in reach: spend the whole budget, showing
		// more before the match.
		start = len(text)
		for n := 0; n < snippetRunes-1; n++ {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
		}
		if i := strings.IndexByte(text[start:], ' '); i >= 0 && start+i < at {
			start += i + 1
		}
		return "…" + text[start:]
	}
	_, size := utf8.DecodeLastRuneInString(text[start:end])
	end -= size // room for the trailing "…"
	if i := strings.LastIndexByte(text[start:end], ' '); i > (end-start)/2 {
		end = start + i
	}
	return lead + strings.TrimRight(text[start:end], " ") + "…"
}
