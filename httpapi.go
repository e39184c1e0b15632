package livechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/golivechat/livechat/invalid"
)

// maxBody is the largest request body accepted.
const maxBody = 64 << 10

// apiError is the JSON form of an error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields lists every invalid field of a chatflow, by JSON path.
	Fields invalid.Fields `json:"fields,omitempty"`
}

// errorCode maps a domain error to its HTTP status and protocol code.
func errorCode(err error) (int, string) {
	switch {
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest, "bad_request"
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not_found"
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
	}
	return http.StatusInternalServerError, "internal"
}

var errUnsupportedMedia = errors.New("livechat: body must be application/json")

// toAPIError builds the error body; internal errors say nothing more.
func toAPIError(err error) (int, apiError) {
	status, code := errorCode(err)
	msg := "internal error"
	if status != http.StatusInternalServerError {
		msg = strings.ReplaceAll(err.Error(), "livechat: ", "")
	}
	out := apiError{Code: code, Message: msg}
	var inv *invalidFlow
	if errors.As(err, &inv) {
		out.Fields = inv.fields
	}
	return status, out
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := toAPIError(err)
	writeJSON(w, status, map[string]apiError{"error": body})
}

// fail writes an error and logs unexpected ones, without message text or
// tokens.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := errorCode(err)
	if status == http.StatusInternalServerError {
		h.log.Error("livechat: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, r, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a JSON request body into v: application/json only, at
// most maxBody bytes, valid UTF-8, no unknown fields, one value.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errUnsupportedMedia
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("%w: body is larger than %d bytes", ErrTooLarge, maxBody)
		}
		return fmt.Errorf("%w: reading body: %v", ErrInvalid, err)
	}
	return decodeStrict(body, v)
}

// decodeStrict decodes one JSON value, refusing invalid UTF-8 (which
// encoding/json would silently replace) and unknown fields.
func decodeStrict(data []byte, v any) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: body is not valid UTF-8", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: malformed JSON: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: malformed JSON: more than one value", ErrInvalid)
	}
	return nil
}

// queryInt parses an integer query parameter within [min, max].
func queryInt(r *http.Request, name string, def, min, max int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%w: %s must be an integer from %d to %d", ErrInvalid, name, min, max)
	}
	return n, nil
}

// originAllowed reports whether a request from a browser page may use the
// API: requests without Origin (same-origin GETs, non-browser clients) are
// allowed; otherwise the origin must be the host's own or match
// Config.AllowedOrigins.
func (h *Handler) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range h.cfg.AllowedOrigins {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host)); ok {
			return true
		}
	}
	return false
}

// serveConv runs the shape most conversation endpoints share: decode the
// JSON body into a T, resolve the conversation the caller may use, act,
// and answer with the status and body do returns (no body for 204).
func serveConv[T any](h *Handler, w http.ResponseWriter, r *http.Request,
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
