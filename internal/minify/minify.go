// Package minify makes the browser files smaller before they are
// compressed: [JS] drops the comments and the white space of a script that
// the language does not need, [CSS] those of a style sheet.
//
// Both are conservative: they rename nothing and reorder nothing, and they
// keep every line break of a script that could end a statement (automatic
// semicolon insertion), so the output means what the input meant. What
// they cannot read with certainty (an unterminated string, comment,
// template or regular expression) is an error, never a guess.
package minify

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is returned, wrapped with where it happened, for input that
// cannot be minified safely.
var ErrSyntax = errors.New("minify: cannot read the input")

// regexKeywords are the words after which a slash starts a regular
// expression rather than a division.
var regexKeywords = map[string]bool{
	"return": true, "typeof": true, "case": true, "do": true, "else": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "instanceof": true, "yield": true, "await": true,
}

func isWord(c byte) bool {
	return c == '_' || c == '$' || c == '\\' || c >= 0x80 || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

// afterIncDec reports whether the last token written is ++ or -- (out
// keeps "+ +" apart), after which a slash divides.
func afterIncDec(out []byte, lastTok byte, lastWord string) bool {
	n := len(out)
	return lastWord == "" && (lastTok == '+' || lastTok == '-') && n >= 2 && out[n-1] == lastTok && out[n-2] == lastTok
}

// JS returns a script without its comments, indentation, blank lines and
// the spaces between two tokens that need none. A line break stays unless
// it follows one of { [ ( , ; or comes before one of } ] ), where it can
// never end a statement.
func JS(src []byte) ([]byte, error) {
	out := make([]byte, 0, len(src))
	var (
		space, newline bool
		lastWord       string // the last token, when it was a word
		lastTok        byte   // the last character of the last token; 0 at the start
		braces         []int  // the brace depth of each open template substitution
		depth          int
	)
	// emit writes the pending white space that the next token needs.
	emit := func(next byte) {
		if len(out) == 0 {
			space, newline = false, false
			return
		}
		prev := out[len(out)-1]
		if newline && !strings.ContainsRune("{[(,;", rune(prev)) && !strings.ContainsRune("}])", rune(next)) {
			out = append(out, '\n')
		} else if (space || newline) && needSpace(prev, next) {
			out = append(out, ' ')
		}
		space, newline = false, false
	}
	fail := func(i int, what string) error {
		line := 1 + bytes.Count(src[:i], []byte("\n"))
		return fmt.Errorf("%w: %s at line %d", ErrSyntax, what, line)
	}
	// template copies a template literal's text from src[i] (just after
	// the backtick or the closing brace of a substitution) and returns
	// where the code goes on.
	template := func(i int) (int, error) {
		start := i
		for i < len(src) {
			switch src[i] {
			case '\\':
				i += 2
				continue
			case '`':
				out = append(out, src[start:i+1]...)
				return i + 1, nil
			case '$':
				if i+1 < len(src) && src[i+1] == '{' {
					out = append(out, src[start:i+2]...)
					depth++
					braces = append(braces, depth)
					return i + 2, nil
				}
			}
			i++
		}
		return 0, fail(start, "unterminated template")
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			newline = true
			i++
		case isSpace(c):
			space = true
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return nil, fail(i, "unterminated comment")
			}
			if bytes.IndexByte(src[i:i+2+end], '\n') >= 0 {
				newline = true
			} else {
				space = true
			}
			i += end + 4
		case c == '\'' || c == '"':
			emit(c)
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' {
					j++
				} else if src[j] == '\n' {
					return nil, fail(i, "unterminated string")
				}
			}
			if j >= len(src) {
				return nil, fail(i, "unterminated string")
			}
			out = append(out, src[i:j+1]...)
			i, lastTok, lastWord = j+1, c, ""
		case c == '`':
			emit(c)
			out = append(out, c)
			var err error
			if i, err = template(i + 1); err != nil {
				return nil, err
			}
			lastTok, lastWord = '`', ""
		case c == '/' && !afterIncDec(out, lastTok, lastWord) && (lastTok == 0 || lastWord != "" && regexKeywords[lastWord] || lastWord == "" && strings.ContainsRune("(,=:[!&|?{};+-*%<>~^", rune(lastTok))):
			emit(c)
			j, class := i+1, false
			for ; j < len(src); j++ {
				if src[j] == '\\' {
					j++
				} else if src[j] == '\n' {
					return nil, fail(i, "unterminated regular expression")
				} else if src[j] == '[' {
					class = true
				} else if src[j] == ']' {
					class = false
				} else if src[j] == '/' && !class {
					break
				}
			}
			if j >= len(src) {
				return nil, fail(i, "unterminated regular expression")
			}
			j++
			for j < len(src) && isWord(src[j]) {
				j++
			}
			out = append(out, src[i:j]...)
			i, lastTok, lastWord = j, '/', "/re"
		case isWord(c):
			emit(c)
			j := i
			for j < len(src) && (isWord(src[j]) || src[j] == '.' && j > i && '0' <= src[i] && src[i] <= '9') {
				j++
			}
			out = append(out, src[i:j]...)
			lastWord, lastTok = string(src[i:j]), src[j-1]
			i = j
		default:
			emit(c)
			switch c {
			case '{':
				depth++
			case '}':
				if n := len(braces); n > 0 && braces[n-1] == depth {
					braces = braces[:n-1]
					depth--
					out = append(out, c)
					var err error
					if i, err = template(i + 1); err != nil {
						return nil, err
					}
					lastTok, lastWord = '`', ""
					continue
				}
				depth--
			}
			out = append(out, c)
			lastTok, lastWord = c, ""
			i++
		}
	}
	if len(braces) > 0 {
		return nil, fail(len(src), "unterminated template")
	}
	if len(out) > 0 {
		out = append(out, '\n')
	}
	return out, nil
}

// needSpace reports whether two tokens ending and starting with prev and
// next would read differently without the white space between them.
func needSpace(prev, next byte) bool {
	switch {
	case isWord(prev) && isWord(next):
		return true
	case (prev == '+' || prev == '-') && prev == next:
		return true // a + +b, a - -b
	case prev == '/' && (next == '/' || next == '*' || isWord(next)):
		return true // a comment, or a regular expression's flags
	case '0' <= prev && prev <= '9' && next == '.':
		return true // 1 .toString()
	}
	return false
}

// CSS returns a style sheet without its comments and the white space that
// nothing needs: runs of white space become one space, which goes away
// next to { } ; , and after a colon; the last semicolon of a block goes
// too. The spaces of selectors (descendants, ":focus" after a space) and of
// values such as calc() stay.
func CSS(src []byte) ([]byte, error) {
	out := make([]byte, 0, len(src))
	space := false
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated comment", ErrSyntax)
			}
			i += end + 4
			space = true
		case c == '\n' || isSpace(c):
			space = true
			i++
		default:
			if space && len(out) > 0 && !strings.ContainsRune("{};,:", rune(out[len(out)-1])) && !strings.ContainsRune("{};,", rune(c)) {
				out = append(out, ' ')
			}
			space = false
			if c == '"' || c == '\'' {
				j := i + 1
				for ; j < len(src) && src[j] != c; j++ {
					if src[j] == '\\' {
						j++
					}
				}
				if j >= len(src) {
					return nil, fmt.Errorf("%w: unterminated string", ErrSyntax)
				}
				out = append(out, src[i:j+1]...)
				i = j + 1
				continue
			}
			if c == '}' && len(out) > 0 && out[len(out)-1] == ';' {
				out = out[:len(out)-1]
			}
			out = append(out, c)
			i++
		}
	}
	return out, nil
}
