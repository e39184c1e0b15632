package livechat

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/golivechat/livechat/invalid"
	"github.com/golivechat/livechat/transport"
)

// server is what the HTTP and WebSocket endpoints share. An endpoint
// decodes the request, authorizes it, calls the engine (or one of its
// parts) and encodes the answer; it decides nothing about conversations.
type server struct {
	cfg      *Config // read only
	log      *slog.Logger
	now      func() time.Time
	store    Storage // reads that only build an answer
	eng      *engine
	routing  *router
	editor   *flowEditor
	visitors *visitors
	team     *teamSettings
	chooser  *chooser
	flows    *flowCache
	hub      *hub
	limits   *limits
	static   *staticFiles
	life     *lifecycle
	// pressure is shared by this node's WebSockets: while the node is
	// behind with its writes they read no more frames (transport.Pressure).
	pressure *transport.Pressure
	// transcripts builds transcripts and mails them (transcript.go).
	transcripts *transcripts
	metrics     *metrics
	files       *attachments // nil without Config.Files
}

// The endpoints, by audience: each type serves one part of the route
// table (livechat.go).
type (
	visitorAPI struct{ *server } // the widget's calls (http_visitor*.go)
	helpAPI    struct{ *server } // the widget's Help tab (http_help.go)
	agentAPI   struct{ *server } // the inbox (http_agent.go)
	adminAPI   struct{ *server } // chatflows, team settings and data requests (http_admin*.go)
	liveAPI    struct{ *server } // WebSockets (http_ws.go)
)

// maxBody is the largest request body accepted.
const maxBody = 64 << 10

// apiError is the JSON form of an error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields lists every invalid field of a chatflow or of a team settings
	// change, by JSON path.
	Fields invalid.Fields `json:"fields,omitempty"`
	// RetryAfter is, for a refusal by a limit, the milliseconds to wait
	// before trying again.
	RetryAfter int64 `json:"retryAfter,omitempty"`
}

// errorCode maps a domain error to its HTTP status and protocol code.
func errorCode(err error) (int, string) {
	switch {
	case errors.Is(err, errTooManyVisitors):
		return http.StatusTooManyRequests, "too_many_visitors"
	case errors.Is(err, errTooManyConversations):
		return http.StatusTooManyRequests, "too_many_conversations"
	case errors.Is(err, errTooManyConnections):
		return http.StatusTooManyRequests, "too_many_connections"
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest, "bad_request"
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, errMethodNotAllowed):
		return http.StatusMethodNotAllowed, "method_not_allowed"
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, ErrConsentRequired):
		return http.StatusForbidden, "consent_required"
	case errors.Is(err, ErrAtCapacity):
		return http.StatusConflict, "at_capacity"
	case errors.Is(err, ErrClosed):
		return http.StatusConflict, "conversation_closed"
	case errors.Is(err, ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, ErrRateLimited):
		return http.StatusTooManyRequests, "rate_limited"
	case errors.Is(err, errShuttingDown):
		return http.StatusServiceUnavailable, "unavailable"
	case errors.Is(err, errUnsupportedMedia):
		return http.StatusUnsupportedMediaType, "unsupported_media_type"
	case errors.Is(err, errTranscriptFailed):
		return http.StatusBadGateway, "transcript_failed"
	}
	return http.StatusInternalServerError, "internal"
}

var errOriginNotAllowed = publicf(ErrForbidden, "origin not allowed")

var (
	errUnsupportedMedia = errors.New("livechat: body must be application/json")
	errMethodNotAllowed = errors.New("livechat: method not allowed")
)

// defaultMessages is the message of each code for every error that is not
// a publicError: storage, decoder and other internal details never reach
// a client (fail logs them). PROTOCOL.md lists these and every specific
// message.
var defaultMessages = map[string]string{
	"bad_request":            "bad request",
	"unauthorized":           "unauthorized",
	"forbidden":              "forbidden",
	"not_found":              "not found",
	"method_not_allowed":     "method not allowed",
	"too_large":              "too large",
	"consent_required":       "consent required",
	"at_capacity":            "agent at capacity",
	"conversation_closed":    "conversation is closed",
	"conflict":               "conflict",
	"rate_limited":           "too many requests",
	"too_many_visitors":      "too many new visitors from this address",
	"too_many_conversations": "too many new conversations from this address",
	"too_many_connections":   "too many open connections",
	"unavailable":            "server is shutting down",
	"unsupported_media_type": "body must be application/json",
	"transcript_failed":      "the transcript could not be sent",
	"internal":               "internal error",
}

// publicMessage returns the message a client sees for err: its
// publicError's, else the code's default.
func publicMessage(err error, code string) string {
	var pe *publicError
	if errors.As(err, &pe) {
		if _, c := errorCode(pe.kind); c == code {
			return pe.msg
		}
	}
	return defaultMessages[code]
}

// toAPIError builds the error body: the code, a stable message (see
// publicError) and, for chatflows, the invalid fields.
func toAPIError(err error) (int, apiError) {
	status, code := errorCode(err)
	out := apiError{Code: code, Message: publicMessage(err, code)}
	var inv *invalidFlow
	if errors.As(err, &inv) {
		out.Message = "invalid chatflow"
		out.Fields = inv.fields
	}
	var bad *invalidInput
	if errors.As(err, &bad) {
		out.Message = bad.msg
		out.Fields = bad.fields
	}
	var limited *rateLimitError
	if errors.As(err, &limited) {
		out.Message = limited.msg
		out.RetryAfter = retryMillis(limited.retryAfter)
	}
	return status, out
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := toAPIError(err)
	var limited *rateLimitError
	if errors.As(err, &limited) {
		w.Header().Set("Retry-After", retrySeconds(limited.retryAfter))
	}
	writeJSON(w, status, map[string]apiError{"error": body})
}

// fail writes an error and logs it, without message text or tokens:
// unexpected ones as errors, those whose details the answer withholds at
// debug level.
func (h *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.logError(err, "livechat: request failed", "method", r.Method, "path", r.URL.Path)
	writeError(w, r, err)
}

// logError logs an error answered to a client, with the details the
// answer leaves out: internal ones as errors, the others at debug level.
func (h *server) logError(err error, msg string, args ...any) {
	status, code := errorCode(err)
	h.metrics.failed(code)
	args = append(args, "code", code, "err", err)
	if status == http.StatusInternalServerError {
		h.log.Error(msg, args...)
	} else {
		h.log.Debug(msg, args...)
	}
}

// countError counts an error answered without logging it.
func (h *server) countError(err error) {
	_, code := errorCode(err)
	h.metrics.failed(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// gzipWriters are reused: a gzip.Writer holds about 800 KB of tables.
// Answers under fastGzip bytes (a page view's config answer) are
// compressed at BestSpeed, whose writer resets without clearing 640 KB of
// hash tables each time and compresses them within a few bytes of the
// default level; larger ones at the default level.
var (
	gzipWriters     = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression); return w }}
	fastGzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}
)

const fastGzip = 1024

// minGzip is the smallest answer writeJSONCompressed compresses: below
// it, gzip's own header and tables gain nothing.
const minGzip = 512

// writeJSONCompressed writes v as JSON as writeJSON does, gzip-compressed
// when the client accepts it and the answer is large enough to gain.
// shared says many clients may get the same answer byte for byte (a page
// view's launcher): its compressed form is then kept in gzipped and
// compressed once.
func writeJSONCompressed(w http.ResponseWriter, r *http.Request, status int, v any, shared bool) {
	body := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if body.Cap() <= 64<<10 {
			body.Reset()
			jsonBuffers.Put(body)
		}
	}()
	if err := json.NewEncoder(body).Encode(v); err != nil {
		writeJSON(w, status, v)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Vary", "Accept-Encoding")
	out := body.Bytes()
	if len(out) >= minGzip && acceptsGzip(r) {
		var z []byte
		ok := false
		if shared {
			z, ok = gzipped.get(out)
		}
		if !ok {
			z = gzipBytes(out)
			if shared {
				gzipped.put(out, z)
			}
		}
		hd.Set("Content-Encoding", "gzip")
		out = z
	}
	hd.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	w.Write(out)
}

// jsonBuffers hold answers while writeJSONCompressed writes them.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// gzipBytes is data gzip-compressed by a pooled writer.
func gzipBytes(data []byte) []byte {
	var zb bytes.Buffer
	pool := &gzipWriters
	if len(data) < fastGzip {
		pool = &fastGzipWriters
	}
	zw := pool.Get().(*gzip.Writer)
	zw.Reset(&zb)
	zw.Write(data)
	zw.Close()
	zw.Reset(io.Discard)
	pool.Put(zw)
	return zb.Bytes()
}

// gzipped keeps the compressed form of shared answers, up to 1 MiB of
// answers and their compressed forms together; when that is full it is
// emptied and starts over, so that the answers asked for now come back
// into it.
var gzipped = &gzipCache{m: make(map[string][]byte), max: 1 << 20}

// gzipCache maps answers to their gzip form. The key is the whole answer,
// so a hit is always the compressed form of exactly the bytes sent.
type gzipCache struct {
	mu   sync.RWMutex
	m    map[string][]byte
	size int // bytes of keys and values
	max  int
}

// get returns the gzip form of plain kept by put; callers must not change
// it.
func (c *gzipCache) get(plain []byte) ([]byte, bool) {
	c.mu.RLock()
	z, ok := c.m[string(plain)]
	c.mu.RUnlock()
	return z, ok
}

// put keeps z as the gzip form of plain; an answer over a sixteenth of
// the cache is not kept.
func (c *gzipCache) put(plain, z []byte) {
	n := len(plain) + len(z)
	if n > c.max/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[string(plain)]; ok {
		return
	}
	if c.size+n > c.max {
		clear(c.m)
		c.size = 0
	}
	c.m[string(plain)] = z
	c.size += n
}

// decodeJSON reads a JSON request body into v: application/json only, at
// most maxBody bytes, valid UTF-8, no unknown fields, one value.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errUnsupportedMedia
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return publicf(ErrTooLarge, "body is larger than %d bytes", maxBody)
		}
		return fmt.Errorf("%w: reading body: %v", ErrInvalid, err)
	}
	return decodeStrict(body, v)
}

// decodeStrict decodes one JSON value, refusing invalid UTF-8 (which
// encoding/json would silently replace) and unknown fields.
func decodeStrict(data []byte, v any) error {
	if !utf8.Valid(data) {
		return publicf(ErrInvalid, "body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err, errBodyNotObject)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errMalformedJSON
	}
	return nil
}

var (
	errMalformedJSON  = publicf(ErrInvalid, "malformed JSON")
	errBodyNotObject  = publicf(ErrInvalid, "the body must be a JSON object")
	errFrameNotObject = publicf(ErrInvalid, "a frame must be a JSON object")
)

// jsonProblem turns a decoding error into a bad_request that names the
// field and the JSON type it needs, never a Go type; notObject is the
// error for a value that is not an object at all.
func jsonProblem(err error, notObject error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("%w (%v)", notObject, err)
	case errors.As(err, &te):
		return fmt.Errorf("%w (%v)", publicf(ErrInvalid, "%q must be %s", te.Field, jsonKind(te.Type)), err)
	}
	// DisallowUnknownFields: `json: unknown field "name"`, name quoted.
	if quoted, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if name, err := strconv.Unquote(quoted); err == nil && name != "" && len(name) <= 64 {
			return publicf(ErrInvalid, "unknown field %q", name)
		}
		return publicf(ErrInvalid, "unknown field")
	}
	return fmt.Errorf("%w (%v)", errMalformedJSON, err)
}

// jsonKind names the JSON form of a Go type, as a client would write it.
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}

// queryInt parses an integer query parameter within [min, max].
func queryInt(r *http.Request, name string, def, min, max int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		return 0, publicf(ErrInvalid, "%s must be an integer from %d to %d", name, min, max)
	}
	return n, nil
}

// serveConv runs the shape most conversation endpoints share: decode the
// JSON body into a T, resolve the conversation the caller may use, act,
// and answer with the status and body do returns (no body for 204).
func serveConv[T any](h *server, w http.ResponseWriter, r *http.Request,
	resolve func(*http.Request) (*Conversation, error),
	do func(c *Conversation, req *T) (status int, body any, err error)) {
	var req T
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := resolve(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status, body, err := do(c, &req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, body)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// pageSeq is the highest seq a page of messages covers: every message up
// to it that the reader may see is in the page or an earlier one. Pages
// of visitors skip private notes, so a visitor's client moves its
// contiguous mark to it (PROTOCOL.md, "Gaps"). c was read before the page,
// so on the last page its LastSeq was stored by then.
func pageSeq(c *Conversation, msgs []*Message, more bool) int64 {
	seq := int64(0)
	if len(msgs) > 0 {
		seq = msgs[len(msgs)-1].Seq
	}
	if !more {
		seq = max(seq, c.LastSeq)
	}
	return seq
}

// readPage reads one page of messages for the messages endpoints.
func (h *server) readPage(r *http.Request, convID string) (msgs []*Message, hasMore bool, err error) {
	after, err := queryInt(r, "after", 0, 0, 1<<53)
	if err != nil {
		return nil, false, err
	}
	limit, err := queryInt(r, "limit", 50, 1, 200)
	if err != nil {
		return nil, false, err
	}
	msgs, err = h.store.Messages(r.Context(), convID, after, int(limit)+1)
	if err != nil {
		return nil, false, err
	}
	if len(msgs) > int(limit) {
		return msgs[:limit], true, nil
	}
	return msgs, false, nil
}
