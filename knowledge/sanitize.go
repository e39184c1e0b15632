package knowledge

import (
	"html"
	"strings"
)

// allowed are the elements Sanitize keeps. Only a keeps an attribute.
var allowed = map[string]bool{
	"p": true, "br": true, "ul": true, "ol": true, "li": true,
	"strong": true, "em": true, "b": true, "i": true, "code": true,
	"pre": true, "h2": true, "h3": true, "blockquote": true, "a": true,
}

// dropped are the elements whose contents are removed with them: raw
// text (script, style, ...) and elements whose contents are never article
// text.
var dropped = map[string]bool{
	"script": true, "style": true, "iframe": true, "noembed": true,
	"noframes": true, "noscript": true, "xmp": true, "textarea": true,
	"title": true, "template": true, "plaintext": true, "object": true,
	"svg": true, "math": true, "select": true,
}

// blocks are the elements that break a line in PlainText.
var blocks = map[string]bool{
	"p": true, "br": true, "div": true, "ul": true, "ol": true, "li": true,
	"pre": true, "blockquote": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "hr": true, "table": true,
	"tr": true, "section": true, "article": true, "header": true,
	"footer": true, "dl": true, "dt": true, "dd": true, "figure": true,
}

// maxDepth bounds the nesting Sanitize keeps; deeper start tags are
// dropped (their text stays).
const maxDepth = 32

// anchorAttrs follow every href Sanitize keeps: links open in a new tab,
// without access to the chat's window, and give the target no ranking.
const anchorAttrs = ` rel="noopener noreferrer nofollow" target="_blank">`

// Sanitize returns html reduced to a small safe subset, for article
// bodies: the elements p, br, ul, ol, li, strong, em, b, i, code, pre, h2,
// h3, blockquote and a, written in lower case without attributes, except
// for a, which keeps an href that is an absolute http, https or mailto URL
// or a path starting with "/", and gets rel="noopener noreferrer
// nofollow" target="_blank"; an a without such an href is removed, its
// text kept.
//
// Everything else is removed: other elements (their text is kept, except
// in script, style, iframe, noscript, textarea, template, object, svg,
// math, select and the like, which go whole), attributes, comments,
// doctypes and processing instructions. Text is decoded and escaped
// again, so plain text comes out as HTML that shows the same text ("a < b"
// becomes "a &lt; b"); control characters other than tab and line breaks
// are removed, invalid UTF-8 becomes U+FFFD, and a colon after
// "javascript" is written as "&#58;" even in text, so the output never
// contains "javascript:". Open elements are closed at the end and
// mismatched end tags dropped, so the output is balanced.
//
// Sanitize is idempotent: Sanitize(Sanitize(s)) == Sanitize(s). It parses
// with its own forgiving tokenizer, so input that a browser would read
// differently can lose text but never yields markup outside the subset.
func Sanitize(html string) string {
	var out strings.Builder
	out.Grow(len(html))
	var text strings.Builder // decoded text since the last tag written
	flush := func() {
		writeEscaped(&out, text.String(), false)
		text.Reset()
	}
	var open []string
	z := tokenizer{s: strings.ToValidUTF8(html, "\uFFFD")}
	for {
		tok, ok := z.next()
		if !ok {
			break
		}
		switch tok.kind {
		case textToken:
			text.WriteString(unescape(tok.data))
		case startTagToken:
			if !allowed[tok.name] {
				continue
			}
			if tok.name == "br" {
				flush()
				out.WriteString("<br>")
				continue
			}
			if len(open) == maxDepth {
				continue
			}
			if tok.name == "a" {
				href, ok := safeHref(tok.attr("href"))
				if !ok {
					continue
				}
				flush()
				out.WriteString(`<a href="`)
				writeEscaped(&out, href, true)
				out.WriteString(`"`)
				out.WriteString(anchorAttrs)
			} else {
				flush()
				out.WriteString("<" + tok.name + ">")
			}
			open = append(open, tok.name)
		case endTagToken:
			i := len(open) - 1
			for i >= 0 && open[i] != tok.name {
				i--
			}
			if i < 0 {
				continue
			}
			flush()
			for j := len(open) - 1; j >= i; j-- {
				out.WriteString("</" + open[j] + ">")
			}
			open = open[:i]
		}
	}
	flush()
	for j := len(open) - 1; j >= 0; j-- {
		out.WriteString("</" + open[j] + ">")
	}
	return out.String()
}

// plainText returns the text of html: tags removed, entities decoded,
// dropped elements' contents removed, a line break for each block
// boundary, runs of spaces and of line breaks collapsed.
func plainText(s string) string {
	var b strings.Builder
	z := tokenizer{s: strings.ToValidUTF8(s, "\uFFFD")}
	for {
		tok, ok := z.next()
		if !ok {
			break
		}
		switch tok.kind {
		case textToken:
			b.WriteString(unescape(tok.data))
		case startTagToken, endTagToken:
			if blocks[tok.name] {
				b.WriteByte('\n')
			}
		}
	}
	lines := strings.Split(b.String(), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = oneLine(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// unescape decodes the entities of text and removes NULs, which HTML
// drops too.
func unescape(s string) string {
	if strings.IndexByte(s, '&') < 0 && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(html.UnescapeString(s), "\x00", "")
}

// safeHref returns a link target cleaned the way a browser reads it (tabs
// and line breaks removed, surrounding spaces trimmed, inner spaces
// escaped as %20) and whether it may be kept: an absolute http, https or
// mailto URL, or a path starting with "/". The raw value is decoded
// first, so "&#106;avascript:" is seen as what it is.
func safeHref(raw string) (string, bool) {
	v := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, unescape(raw))
	v = strings.Trim(v, " \f")
	if v == "" || len(v) > MaxURLLen {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] == 0x7f {
			return "", false
		}
	}
	lower := strings.ToLower(v[:min(len(v), len("https://"))])
	if !strings.HasPrefix(v, "/") && !strings.HasPrefix(lower, "http://") &&
		!strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "mailto:") {
		return "", false
	}
	return strings.ReplaceAll(v, " ", "%20"), true
}

// writeEscaped writes s escaped for HTML text or a double-quoted
// attribute value: &, <, >, " and ' as references, control characters
// other than tab and line breaks removed, and the colon of "javascript:"
// as "&#58;".
func writeEscaped(b *strings.Builder, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var rep string
		switch {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '"':
			rep = "&#34;"
		case c == '\'':
			rep = "&#39;"
		case c == ':':
			// Compared with what was written, so that removed control
			// characters cannot split the word.
			b.WriteString(s[last:i])
			last = i
			if w := b.String(); len(w) >= 10 && asciiEqualFold(w[len(w)-10:], "javascript") {
				b.WriteString("&#58;")
				last = i + 1
			}
			continue
		case c < ' ' && (attr || c != '\t' && c != '\n' && c != '\r'), c == 0x7f:
			rep = ""
		case c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] < 0xa0:
			// A C1 control character (U+0080 to U+009F).
			b.WriteString(s[last:i])
			i++
			last = i + 1
			continue
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// asciiEqualFold reports whether s equals the lower-case ASCII word t,
// ignoring ASCII case only.
func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[i] {
			return false
		}
	}
	return true
}

type tokenKind int

const (
	textToken tokenKind = iota
	startTagToken
	endTagToken
)

// token is one piece of HTML. A text token's data is raw (entities not
// decoded); a tag's name is lower case.
type token struct {
	kind  tokenKind
	data  string
	name  string
	attrs []attribute
}

// attribute is a start tag's attribute; name is lower case, value raw.
type attribute struct {
	name, value string
}

// attr returns the raw value of the first attribute named name.
func (t token) attr(name string) string {
	for _, a := range t.attrs {
		if a.name == name {
			return a.value
		}
	}
	return ""
}

// tokenizer splits HTML into tokens, forgiving like a browser but simpler:
// a "<" that starts no tag is text, a tag or comment left open at the end
// is dropped with the rest of the input, and the contents of dropped
// elements are skipped up to their end tag.
type tokenizer struct {
	s   string
	pos int
}

// next returns the next token, or false at the end of the input.
func (z *tokenizer) next() (token, bool) {
	for z.pos < len(z.s) {
		s, start := z.s, z.pos
		if s[start] != '<' {
			end := strings.IndexByte(s[start:], '<')
			if end < 0 {
				end = len(s)
			} else {
				end += start
			}
			z.pos = end
			return token{kind: textToken, data: s[start:end]}, true
		}
		rest := s[start+1:]
		switch {
		case strings.HasPrefix(rest, "!--"):
			z.skipComment()
		case rest != "" && (rest[0] == '!' || rest[0] == '?'):
			z.skipPast(">")
		case len(rest) > 1 && rest[0] == '/' && isASCIILetter(rest[1]):
			z.pos = start + 2
			name := z.tagName()
			if _, ok := z.attributes(); !ok {
				return token{}, false
			}
			return token{kind: endTagToken, name: name}, true
		case strings.HasPrefix(rest, "/>"), rest == "/":
			z.pos = start + 1 + len(rest[:min(len(rest), 2)])
		case strings.HasPrefix(rest, "/"):
			z.skipPast(">")
		case rest != "" && isASCIILetter(rest[0]):
			z.pos = start + 1
			name := z.tagName()
			attrs, ok := z.attributes()
			if !ok {
				return token{}, false
			}
			if dropped[name] {
				z.skipElement(name)
				continue
			}
			return token{kind: startTagToken, name: name, attrs: attrs}, true
		default:
			z.pos = start + 1
			return token{kind: textToken, data: "<"}, true
		}
	}
	return token{}, false
}

// skipComment moves past a comment starting at pos: up to "-->", or
// "--!>", or the end of input; "<!-->" and "<!--->" are whole comments.
func (z *tokenizer) skipComment() {
	body := z.s[z.pos+4:]
	switch {
	case strings.HasPrefix(body, ">"):
		z.pos += 5
		return
	case strings.HasPrefix(body, "->"):
		z.pos += 6
		return
	}
	end, n := strings.Index(body, "-->"), 3
	within := body // only an earlier "--!>" matters
	if end >= 0 {
		within = body[:end]
	}
	if i := strings.Index(within, "--!>"); i >= 0 {
		end, n = i, 4
	}
	if end < 0 {
		z.pos = len(z.s)
		return
	}
	z.pos += 4 + end + n
}

// skipPast moves past the next occurrence of sep, or to the end.
func (z *tokenizer) skipPast(sep string) {
	i := strings.Index(z.s[z.pos:], sep)
	if i < 0 {
		z.pos = len(z.s)
		return
	}
	z.pos += i + len(sep)
}

// skipElement moves past the end tag of the element name whose start tag
// was just read, skipping its contents, or to the end of input.
func (z *tokenizer) skipElement(name string) {
	for {
		i := strings.Index(z.s[z.pos:], "</")
		if i < 0 {
			z.pos = len(z.s)
			return
		}
		z.pos += i + 2
		end := z.pos + len(name)
		if end <= len(z.s) && asciiEqualFold(z.s[z.pos:end], name) &&
			(end == len(z.s) || isTagEnd(z.s[end])) {
			z.pos = end
			if _, ok := z.attributes(); !ok {
				z.pos = len(z.s)
			}
			return
		}
	}
}

// tagName reads a tag name at pos, lower-cased: everything up to white
// space, "/" or ">".
func (z *tokenizer) tagName() string {
	start := z.pos
	for z.pos < len(z.s) && !isTagEnd(z.s[z.pos]) {
		z.pos++
	}
	return strings.ToLower(z.s[start:z.pos])
}

// attributes reads attributes up to and including the ">" that ends the
// tag; ok is false when the input ends first.
func (z *tokenizer) attributes() (attrs []attribute, ok bool) {
	s := z.s
	for {
		for z.pos < len(s) && (isSpace(s[z.pos]) || s[z.pos] == '/') {
			z.pos++
		}
		if z.pos >= len(s) {
			return nil, false
		}
		if s[z.pos] == '>' {
			z.pos++
			return attrs, true
		}
		start := z.pos
		z.pos++ // a name may start with "="
		for z.pos < len(s) && !isTagEnd(s[z.pos]) && s[z.pos] != '=' {
			z.pos++
		}
		a := attribute{name: strings.ToLower(s[start:z.pos])}
		for z.pos < len(s) && isSpace(s[z.pos]) {
			z.pos++
		}
		if z.pos < len(s) && s[z.pos] == '=' {
			z.pos++
			for z.pos < len(s) && isSpace(s[z.pos]) {
				z.pos++
			}
			if z.pos >= len(s) {
				return nil, false
			}
			if q := s[z.pos]; q == '"' || q == '\'' {
				end := strings.IndexByte(s[z.pos+1:], q)
				if end < 0 {
					return nil, false
				}
				a.value = s[z.pos+1 : z.pos+1+end]
				z.pos += end + 2
			} else {
				vstart := z.pos
				for z.pos < len(s) && !isSpace(s[z.pos]) && s[z.pos] != '>' {
					z.pos++
				}
				a.value = s[vstart:z.pos]
			}
		}
		if len(attrs) < 64 {
			attrs = append(attrs, a)
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isTagEnd(c byte) bool { return isSpace(c) || c == '/' || c == '>' }

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
