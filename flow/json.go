package flow

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Parse reads a chatflow from its JSON form, strictly: it must be one JSON
// object in valid UTF-8 with nothing after it, every field must be one the
// Chatflow has (spelled exactly as its JSON name, once), and every value
// must have the field's type. Missing fields, and fields given as null,
// keep the defaults of New, so a partial document works; "name" must still
// be given. Times are returned in UTC.
//
// On any problem Parse returns a nil Chatflow and Errors with every problem
// found: those of the document's shape (such as
// "display.heading.colour: unknown field"), and, where the shape allowed
// decoding, those of Validate.
func Parse(data []byte) (*Chatflow, error) {
	if !utf8.Valid(data) {
		return nil, Errors{{Message: "invalid UTF-8"}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := walker{dec: dec}
	if err := w.document(); err != nil {
		return nil, Errors{{Message: "invalid JSON: " + err.Error()}}
	}

	c := New("")
	if err := json.Unmarshal(data, c); err != nil {
		var typeErr *json.UnmarshalTypeError
		if len(w.errs) == 0 || !errors.As(err, &typeErr) {
			// Either the walker missed something encoding/json refuses, or
			// decoding stopped early and Validate would report defaults.
			if len(w.errs) == 0 {
				w.errs.Add("", "invalid JSON: "+err.Error())
			}
			return nil, w.errs
		}
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()

	errs := w.errs
	var verrs Errors
	if errors.As(c.Validate(), &verrs) {
		for _, fe := range verrs {
			if !covered(w.errs, fe.Path) {
				errs = append(errs, fe)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// covered reports whether a problem at path is a consequence of a shape
// problem at or above it (the field kept its default).
func covered(errs Errors, path string) bool {
	for _, fe := range errs {
		if fe.Path == path || strings.HasPrefix(path, fe.Path) && len(path) > len(fe.Path) && (path[len(fe.Path)] == '.' || path[len(fe.Path)] == '[') {
			return true
		}
	}
	return false
}

// walker checks a JSON document token by token against a Go type's JSON
// form, recording each problem with its path. A returned error means the
// JSON itself is malformed.
type walker struct {
	dec  *json.Decoder
	errs Errors
}

var (
	chatflowType        = reflect.TypeFor[Chatflow]()
	timeType            = reflect.TypeFor[time.Time]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (w *walker) document() error {
	tok, err := w.dec.Token()
	if err == io.EOF {
		return errors.New("empty document")
	}
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errors.New("a chatflow must be a JSON object")
	}
	if err := w.object(chatflowType, ""); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return errors.New("data after the chatflow object")
	}
	return nil
}

// value checks the next value against t.
func (w *walker) value(t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Interface {
		return w.skip()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return err
		}
		if err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			msg := err.Error()
			if t == timeType {
				msg = "must be an RFC 3339 time"
			}
			w.errs.Add(path, msg)
		}
		return nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case nil:
		return nil // null keeps the default
	case json.Delim:
		switch {
		case tok == '{' && t.Kind() == reflect.Struct:
			return w.object(t, path)
		case tok == '{' && t.Kind() == reflect.Map:
			return w.mapObject(t, path)
		case tok == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			return w.array(t, path)
		}
		w.mismatch(t, path)
		return w.skipRest()
	case string:
		if reflect.PointerTo(t).Implements(textUnmarshalerType) {
			if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(tok)); err != nil {
				w.errs.Add(path, err.Error())
			}
			return nil
		}
		if t.Kind() != reflect.String {
			w.mismatch(t, path)
		}
	case bool:
		if t.Kind() != reflect.Bool {
			w.mismatch(t, path)
		}
	case json.Number:
		var err error
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			_, err = strconv.ParseInt(string(tok), 10, t.Bits())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			_, err = strconv.ParseUint(string(tok), 10, t.Bits())
		case reflect.Float32, reflect.Float64:
			_, err = strconv.ParseFloat(string(tok), t.Bits())
		default:
			w.mismatch(t, path)
		}
		if err != nil {
			w.mismatch(t, path)
		}
	}
	return nil
}

// object checks the members of an object whose '{' has been read.
func (w *walker) object(t reflect.Type, path string) error {
	fields := fieldsOf(t)
	seen := map[string]bool{}
	for w.dec.More() {
		key, err := w.key()
		if err != nil {
			return err
		}
		p := child(path, key)
		ft, known := fields[key]
		switch {
		case seen[key]:
			w.errs.Add(p, "duplicate field")
			err = w.skip()
		case !known:
			w.errs.Add(p, "unknown field")
			err = w.skip()
		default:
			err = w.value(ft, p)
		}
		if err != nil {
			return err
		}
		seen[key] = true
	}
	_, err := w.dec.Token() // '}'
	return err
}

// mapObject checks the entries of an object decoded into a map.
func (w *walker) mapObject(t reflect.Type, path string) error {
	seen := map[string]bool{}
	for w.dec.More() {
		key, err := w.key()
		if err != nil {
			return err
		}
		p := child(path, key)
		if seen[key] {
			w.errs.Add(p, "duplicate key")
			err = w.skip()
		} else {
			err = w.value(t.Elem(), p)
		}
		if err != nil {
			return err
		}
		seen[key] = true
	}
	_, err := w.dec.Token() // '}'
	return err
}

// array checks the elements of an array whose '[' has been read.
func (w *walker) array(t reflect.Type, path string) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ']'
	return err
}

func (w *walker) key() (string, error) {
	tok, err := w.dec.Token()
	if err != nil {
		return "", err
	}
	key, ok := tok.(string)
	if !ok {
		return "", errors.New("object key is not a string")
	}
	return key, nil
}

// skip reads past the next value.
func (w *walker) skip() error {
	var raw json.RawMessage
	return w.dec.Decode(&raw)
}

// skipRest reads to the end of an object or array whose opening delimiter
// has been read, without recursion.
func (w *walker) skipRest() error {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

func (w *walker) mismatch(t reflect.Type, path string) {
	var msg string
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		msg = "must be an object"
	case reflect.Slice, reflect.Array:
		msg = "must be an array"
	case reflect.String:
		msg = "must be a string"
	case reflect.Bool:
		msg = "must be true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		msg = "must be an integer in range"
	case reflect.Float32, reflect.Float64:
		msg = "must be a number in range"
	default:
		msg = "has the wrong type"
	}
	w.errs.Add(path, msg)
}

// child is the path of the member key of the object at path: "a.key", or
// `a["odd key"]` when key is not made of letters, digits and '_'.
func child(path, key string) string {
	plain := key != ""
	for i := 0; i < len(key) && plain; i++ {
		b := key[i]
		plain = 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_'
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

// fieldCache maps a struct type to its JSON fields: name → type.
var fieldCache sync.Map

// fieldsOf returns the JSON members of struct type t as encoding/json
// sees them: exported fields by tag name or Go name, "-" skipped, fields
// of untagged embedded structs promoted unless an outer field has the name.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	for _, et := range embedded {
		for name, ft := range fieldsOf(et) {
			if _, ok := m[name]; !ok {
				m[name] = ft
			}
		}
	}
	fieldCache.Store(t, m)
	return m
}
