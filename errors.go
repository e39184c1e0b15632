package livechat

import (
	"errors"
	"fmt"
)

// Domain errors. Storage adapters and the Handler's Go API return them,
// possibly wrapped; test for them with [errors.Is]. Only the HTTP layer maps
// them to status codes and protocol error codes, with one of the fixed
// messages PROTOCOL.md lists: an error's own text (ids, storage or decoder
// details) never reaches a client; the Handler logs it at debug level.
var (
	// ErrNotFound means the requested record does not exist, or exists but
	// is not visible to the caller (a visitor asking for another visitor's
	// conversation gets the same error as for an unknown id).
	ErrNotFound = errors.New("livechat: not found")

	// ErrConflict means the write conflicts with what is stored: a record
	// with the same id already exists, or an optimistic-concurrency version
	// is stale.
	ErrConflict = errors.New("livechat: conflict")

	// ErrInvalid means the input is malformed or breaks a rule (empty text,
	// invalid UTF-8, a bad id). It wraps a message saying which rule.
	ErrInvalid = errors.New("livechat: invalid input")

	// ErrTooLarge means a message text exceeds Config.MaxMessageLength.
	ErrTooLarge = errors.New("livechat: too large")

	// ErrUnauthorized means the caller could not be authenticated.
	ErrUnauthorized = errors.New("livechat: unauthorized")

	// ErrForbidden means the caller is authenticated but not allowed.
	ErrForbidden = errors.New("livechat: forbidden")

	// ErrClosed means the conversation is closed and takes no new messages
	// from visitors, or the Handler or Storage has been closed.
	ErrClosed = errors.New("livechat: closed")

	// ErrAtCapacity means the agent already has as many open
	// conversations as their capacity allows.
	ErrAtCapacity = errors.New("livechat: agent at capacity")

	// ErrConsentRequired means the chat needs the visitor's consent to
	// process their data before they may send.
	ErrConsentRequired = errors.New("livechat: consent required")

	// ErrRateLimited means the caller sent too much too fast.
	ErrRateLimited = errors.New("livechat: rate limited")
)

// publicError is a domain error with a message written for clients: the
// HTTP and WebSocket answers carry msg as it is. Only code that writes
// client-safe text (no ids of others, no storage or Go details) makes
// one, with publicf; every other error is answered with its code's
// default message.
type publicError struct {
	kind error // a sentinel of errors.go, which decides the code
	msg  string
}

// Error returns the sentinel's text and the message, as fmt.Errorf("%w: …")
// did.
func (e *publicError) Error() string { return e.kind.Error() + ": " + e.msg }

// Unwrap returns the sentinel, for errors.Is.
func (e *publicError) Unwrap() error { return e.kind }

// publicf returns an error of kind (ErrInvalid, ErrNotFound, …) whose
// message clients see.
func publicf(kind error, format string, args ...any) error {
	return &publicError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// isNotFound reports whether err is ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
