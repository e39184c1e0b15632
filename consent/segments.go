package consent

import (
	"net/url"
	"strings"
	"unicode"
)

// Segment is a run of a text: plain text, or a link when URL is set.
// The widget shows Text with textContent (in an <a href=URL> for a link),
// never as HTML, so a text cannot inject markup.
type Segment struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
}

// Segments splits text into plain text and links, for texts that may hold
// links (the consent texts): a link is written [label](url), like in
// Markdown, and nothing else is special.
//
//   - The label may hold balanced brackets ("[see [1]](/terms)" is
//     labelled "see [1]") and the URL balanced parentheses.
//   - Only a safe URL makes a link: http or https with a host, or a path
//     on the same site starting with a single "/"; without spaces or
//     control characters, up to MaxURLLen bytes. A link with any other
//     URL (javascript:, data:, "//host", an unfilled {privacyPolicyUrl})
//     shows its label as plain text.
//   - A link with an empty label shows its URL.
//   - Brackets that do not form a link are plain text.
//
// Adjacent plain text is one segment; the empty text has no segment.
func Segments(text string) []Segment {
	segs, _ := parse(text)
	return segs
}

// parse returns the segments of text and the URLs of the links it
// refused.
func parse(text string) (segs []Segment, refused []string) {
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			segs = append(segs, Segment{Text: plain.String()})
			plain.Reset()
		}
	}
	brackets, parens := pairs(text, '[', ']'), pairs(text, '(', ')')
	for i := 0; i < len(text); {
		end := brackets[i]
		if end <= 0 || end+1 >= len(text) || text[end+1] != '(' {
			plain.WriteByte(text[i])
			i++
			continue
		}
		urlEnd := parens[end+1]
		if urlEnd <= 0 {
			plain.WriteByte(text[i])
			i++
			continue
		}
		label, link := text[i+1:end], text[end+2:urlEnd]
		i = urlEnd + 1
		if !safeURL(link) {
			refused = append(refused, link)
			plain.WriteString(label)
			continue
		}
		if strings.TrimSpace(label) == "" {
			label = link
		}
		flush()
		segs = append(segs, Segment{Text: label, URL: link})
	}
	flush()
	return segs, refused
}

// pairs returns, at the index of every open byte of s, the index of the
// close byte balancing it; 0 elsewhere (0 is never a closing index). One
// pass keeps Segments linear however many brackets a text has.
func pairs(s string, open, close byte) []int {
	match := make([]int, len(s))
	var stack []int
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case open:
			stack = append(stack, j)
		case close:
			if n := len(stack); n > 0 {
				match[stack[n-1]] = j
				stack = stack[:n-1]
			}
		}
	}
	return match
}

// safeURL reports whether u may be a link's href: http(s) with a host, or
// a path on the same site.
func safeURL(u string) bool {
	if u == "" || len(u) > MaxURLLen || strings.ContainsFunc(u, func(r rune) bool {
		return r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) || r == '\\'
	}) {
		return false
	}
	if u[0] == '/' {
		return len(u) == 1 || u[1] != '/' // "//host" is another site
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	scheme := strings.ToLower(p.Scheme)
	return (scheme == "http" || scheme == "https") && p.Host != ""
}
