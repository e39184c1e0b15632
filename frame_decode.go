package livechat

import (
	"encoding/json"
	"reflect"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeFrame decodes a client frame in one pass; unknown fields are
// allowed so that newer clients work with older servers. When a field has
// the wrong type the other fields, ref included, are still decoded.
//
// It decodes exactly as json.Valid followed by json.Unmarshal into an
// inFrame would (keys matched without regard to case, the last of
// duplicate keys winning, null leaving a field as it was, invalid UTF-8
// and lone surrogates in strings read as U+FFFD, at most 10,000 levels of
// nesting), with the same errors, in this order: malformed JSON, invalid
// UTF-8, the first field of the wrong type, no type. FuzzDecodeFrameJSON
// holds it to that.
func decodeFrame(data []byte, f *inFrame) error {
	orig := *f
	s := frameScanner{data: data}
	if !s.frame(f) {
		*f = orig
		return errMalformedFrame
	}
	if s.nonASCII && !utf8.Valid(data) {
		return errFrameNotUTF8
	}
	if s.typeErr != nil {
		return jsonProblem(s.typeErr, errFrameNotObject)
	}
	if f.Type == "" {
		return errFrameNoType
	}
	return nil
}

var (
	errMalformedFrame = publicf(ErrInvalid, "malformed JSON frame")
	errFrameNotUTF8   = publicf(ErrInvalid, "frame is not valid UTF-8")
	errFrameNoType    = publicf(ErrInvalid, "frame has no type")
)

// maxFrameDepth is how deeply encoding/json lets arrays and objects nest.
const maxFrameDepth = 10000

// frameScanner reads one frame. Its methods return false on malformed
// JSON; a value of the wrong type for its field is kept in typeErr (the
// first one only) and reading goes on.
type frameScanner struct {
	data     []byte
	i        int
	nonASCII bool // some string holds a byte outside ASCII
	typeErr  error
}

var (
	inFrameType = reflect.TypeFor[inFrame]()
	stringType  = reflect.TypeFor[string]()
	int64Type   = reflect.TypeFor[int64]()
	boolType    = reflect.TypeFor[bool]()
)

// wrongType records a value of kind value ("string", "number 1.5", ...)
// where field needed typ, as encoding/json reports it; field is empty for
// the frame itself.
func (s *frameScanner) wrongType(value string, typ reflect.Type, field string) {
	if s.typeErr != nil {
		return
	}
	e := &json.UnmarshalTypeError{Value: value, Type: typ, Offset: int64(s.i), Field: field}
	if field != "" {
		e.Struct = inFrameType.Name()
	}
	s.typeErr = e
}

func (s *frameScanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, 0 at the end.
func (s *frameScanner) peek() byte {
	s.space()
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

func (s *frameScanner) frame(f *inFrame) bool {
	switch s.peek() {
	case '{':
		if !s.object(f) {
			return false
		}
	case 'n':
		if !s.literal("null") {
			return false
		}
	case 0:
		return false
	default:
		kind := s.kind()
		if !s.skip(0) {
			return false
		}
		s.wrongType(kind, inFrameType, "")
	}
	return s.peek() == 0 && s.i == len(s.data)
}

// kind names the JSON value that starts at the next byte, as
// encoding/json's type errors do.
func (s *frameScanner) kind() string {
	switch s.data[s.i] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// inFrame's fields, by index.
const (
	fieldNone = iota
	fieldType
	fieldRef
	fieldConversationID
	fieldAfter
	fieldClientMessageID
	fieldText
	fieldTyping
	fieldSeq
)

var frameFieldNames = [...]string{"", "type", "ref", "conversationId", "after", "clientMessageId", "text", "typing", "seq"}

// frameField finds the field a key names, as encoding/json does: the exact
// name, or else one equal under Unicode case folding.
func frameField(key []byte) int {
	switch string(key) {
	case "type":
		return fieldType
	case "ref":
		return fieldRef
	case "conversationId":
		return fieldConversationID
	case "after":
		return fieldAfter
	case "clientMessageId":
		return fieldClientMessageID
	case "text":
		return fieldText
	case "typing":
		return fieldTyping
	case "seq":
		return fieldSeq
	}
	if len(key) > 64 {
		return fieldNone // no field's name folds to anything this long
	}
	var buf [256]byte
	folded := appendFoldedName(buf[:0], key)
	for i, name := range foldedFrameFields {
		if i > 0 && name == string(folded) {
			return i
		}
	}
	return fieldNone
}

// foldedFrameFields is frameFieldNames case-folded.
var foldedFrameFields = func() (out [len(frameFieldNames)]string) {
	for i, name := range frameFieldNames {
		out[i] = string(appendFoldedName(nil, []byte(name)))
	}
	return out
}()

func (s *frameScanner) object(f *inFrame) bool {
	s.i++ // {
	if s.peek() == '}' {
		s.i++
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		raw, ok := s.str()
		if !ok || s.peek() != ':' {
			return false
		}
		s.i++
		key, _ := unquoteBytes(raw)
		if !s.member(f, frameField(key)) {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// member reads the value of a member of the frame into field.
func (s *frameScanner) member(f *inFrame, field int) bool {
	c := s.peek()
	if field == fieldNone {
		return s.skip(1)
	}
	name := frameFieldNames[field]
	var typ reflect.Type
	switch field {
	case fieldAfter, fieldSeq:
		typ = int64Type
	case fieldTyping:
		typ = boolType
	default:
		typ = stringType
	}
	switch {
	case c == '"':
		raw, ok := s.str()
		if !ok {
			return false
		}
		if typ != stringType {
			s.wrongType("string", typ, name)
			return true
		}
		v, _ := unquoteBytes(raw)
		switch field {
		case fieldType:
			f.Type = frameTypeName(v)
		case fieldRef:
			f.Ref = string(v)
		case fieldConversationID:
			f.ConversationID = string(v)
		case fieldClientMessageID:
			f.ClientMessageID = string(v)
		case fieldText:
			f.Text = string(v)
		}
	case c == 't' || c == 'f':
		v := c == 't'
		word := "false"
		if v {
			word = "true"
		}
		if !s.literal(word) {
			return false
		}
		if typ != boolType {
			s.wrongType("bool", typ, name)
			return true
		}
		f.Typing = v
	case c == 'n':
		return s.literal("null") // leaves the field as it was
	case c == '-' || c >= '0' && c <= '9':
		lit, ok := s.number()
		if !ok {
			return false
		}
		if typ != int64Type {
			s.wrongType("number", typ, name)
			return true
		}
		n, ok := parseInt64(lit)
		if !ok {
			s.wrongType("number "+string(lit), typ, name)
			return true
		}
		if field == fieldAfter {
			f.After = n
		} else {
			f.Seq = n
		}
	case c == '{' || c == '[':
		kind := s.kind()
		if !s.skip(1) {
			return false
		}
		s.wrongType(kind, typ, name)
	default:
		return false
	}
	return true
}

// frameTypeName returns the frame type v names, without allocating for
// the types the protocol knows.
func frameTypeName(v []byte) string {
	switch string(v) {
	case "send":
		return "send"
	case "typing":
		return "typing"
	case "read":
		return "read"
	case "subscribe":
		return "subscribe"
	case "ping":
		return "ping"
	}
	return string(v)
}

// parseInt64 reads a JSON number literal as an int64, false when it has a
// fraction or an exponent or is out of range.
func parseInt64(lit []byte) (int64, bool) {
	if len(lit) > 0 && len(lit) < 19 {
		var n int64
		neg := lit[0] == '-'
		digits := lit
		if neg {
			digits = lit[1:]
		}
		plain := len(digits) > 0
		for _, c := range digits {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain {
			if neg {
				n = -n
			}
			return n, true
		}
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	return n, err == nil
}

func (s *frameScanner) literal(word string) bool {
	if len(s.data)-s.i < len(word) || string(s.data[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// str reads a string and returns it with its quotes.
func (s *frameScanner) str() ([]byte, bool) {
	start := s.i
	s.i++ // "
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return s.data[start:s.i], true
		case c == '\\':
			s.i++
			if s.i >= len(s.data) {
				return nil, false
			}
			switch s.data[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.data)-s.i < 5 {
					return nil, false
				}
				for _, h := range s.data[s.i+1 : s.i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, false
					}
				}
				s.i += 5
			default:
				return nil, false
			}
		case c < ' ':
			return nil, false
		default:
			if c >= utf8.RuneSelf {
				s.nonASCII = true
			}
			s.i++
		}
	}
	return nil, false
}

// number reads a number literal.
func (s *frameScanner) number() ([]byte, bool) {
	start := s.i
	d := s.data
	if s.i < len(d) && d[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(d) && d[s.i] == '0':
		s.i++
	case s.i < len(d) && d[s.i] >= '1' && d[s.i] <= '9':
		for s.i < len(d) && d[s.i] >= '0' && d[s.i] <= '9' {
			s.i++
		}
	default:
		return nil, false
	}
	if s.i < len(d) && d[s.i] == '.' {
		s.i++
		if !s.digits() {
			return nil, false
		}
	}
	if s.i < len(d) && (d[s.i] == 'e' || d[s.i] == 'E') {
		s.i++
		if s.i < len(d) && (d[s.i] == '+' || d[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return nil, false
		}
	}
	return d[start:s.i], true
}

// digits reads one digit or more.
func (s *frameScanner) digits() bool {
	start := s.i
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// skip reads any one JSON value inside depth open arrays and objects.
func (s *frameScanner) skip(depth int) bool {
	// open holds the arrays and objects opened here, innermost last.
	var buf [32]byte
	open := buf[:0]
	for {
		// A value.
		switch c := s.peek(); c {
		case '{', '[':
			if depth+len(open)+1 > maxFrameDepth {
				return false
			}
			s.i++
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			if s.peek() == end {
				s.i++
				break
			}
			open = append(open, end)
			if end == '}' && !s.key() {
				return false
			}
			continue
		case '"':
			if _, ok := s.str(); !ok {
				return false
			}
		case 't':
			if !s.literal("true") {
				return false
			}
		case 'f':
			if !s.literal("false") {
				return false
			}
		case 'n':
			if !s.literal("null") {
				return false
			}
		default:
			if _, ok := s.number(); !ok {
				return false
			}
		}
		// After a value: the next one, or the end of what it was in.
	next:
		for {
			if len(open) == 0 {
				return true
			}
			end := open[len(open)-1]
			switch s.peek() {
			case ',':
				s.i++
				if end == '}' && !s.key() {
					return false
				}
				break next
			case end:
				s.i++
				open = open[:len(open)-1]
			default:
				return false
			}
		}
	}
}

// key reads an object's key and its colon.
func (s *frameScanner) key() bool {
	if s.peek() != '"' {
		return false
	}
	if _, ok := s.str(); !ok || s.peek() != ':' {
		return false
	}
	s.i++
	return true
}

// The functions below are encoding/json's (Copyright 2010 The Go Authors,
// BSD license), so that strings and keys read exactly as it reads them.

// appendFoldedName appends the case-folded form of a key.
func appendFoldedName(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

// foldRune returns the smallest rune for all runes in the same fold set.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// getu4 decodes \uXXXX from the beginning of s, returning the hex value,
// or it returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquoteBytes converts a quoted JSON string literal s into the bytes it
// stands for, invalid UTF-8 and lone surrogates as U+FFFD.
func unquoteBytes(s []byte) (t []byte, ok bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return
	}
	s = s[1 : len(s)-1]

	// No unusual characters: no unquoting is needed.
	r := 0
	for r < len(s) {
		c := s[r]
		if c == '\\' || c == '"' || c < ' ' {
			break
		}
		if c < utf8.RuneSelf {
			r++
			continue
		}
		rr, size := utf8.DecodeRune(s[r:])
		if rr == utf8.RuneError && size == 1 {
			break
		}
		r += size
	}
	if r == len(s) {
		return s, true
	}

	b := make([]byte, len(s)+2*utf8.UTFMax)
	w := copy(b, s[0:r])
	for r < len(s) {
		if w >= len(b)-2*utf8.UTFMax {
			nb := make([]byte, (len(b)+utf8.UTFMax)*2)
			copy(nb, b[0:w])
			b = nb
		}
		switch c := s[r]; {
		case c == '\\':
			r++
			if r >= len(s) {
				return
			}
			switch s[r] {
			default:
				return
			case '"', '\\', '/', '\'':
				b[w] = s[r]
				r++
				w++
			case 'b':
				b[w] = '\b'
				r++
				w++
			case 'f':
				b[w] = '\f'
				r++
				w++
			case 'n':
				b[w] = '\n'
				r++
				w++
			case 'r':
				b[w] = '\r'
				r++
				w++
			case 't':
				b[w] = '\t'
				r++
				w++
			case 'u':
				r--
				rr := getu4(s[r:])
				if rr < 0 {
					return
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						r += 6
						w += utf8.EncodeRune(b[w:], dec)
						break
					}
					rr = unicode.ReplacementChar
				}
				w += utf8.EncodeRune(b[w:], rr)
			}
		case c == '"', c < ' ':
			return
		case c < utf8.RuneSelf:
			b[w] = c
			r++
			w++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			w += utf8.EncodeRune(b[w:], rr)
		}
	}
	return b[0:w], true
}
