// Package identity lets a host tell the chat who its logged-in user is.
//
// The host's server mints a short-lived token for the user with [Mint]: a
// JWT signed with HMAC-SHA256 (HS256), so any JWT library can make one
// too. The page hands it to the widget, and the chat's server checks it
// with a [Verifier]: signature in constant time, algorithm, key id, audience,
// issue and expiry times with a small allowance for clock skew. A token
// that fails any check is refused and the visitor stays anonymous.
package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors Verify returns, wrapped with detail; test with errors.Is.
var (
	ErrMalformed  = errors.New("identity: malformed token")
	ErrAlgorithm  = errors.New("identity: algorithm is not HS256")
	ErrUnknownKey = errors.New("identity: unknown key id")
	ErrSignature  = errors.New("identity: bad signature")
	ErrExpired    = errors.New("identity: token expired")
	ErrNotYet     = errors.New("identity: token issued in the future")
	ErrLifetime   = errors.New("identity: token lives longer than 12 hours")
	ErrAudience   = errors.New("identity: wrong audience")
)

// MaxLifetime is the longest a token may be valid: exp - iat.
const MaxLifetime = 12 * time.Hour

// MinKeyLen is the shortest key accepted, in bytes.
const MinKeyLen = 32

// maxTokenLen bounds what Verify reads.
const maxTokenLen = 4096

// Claims is who the token speaks for.
type Claims struct {
	// Subject is the host's stable id for the user. Required.
	Subject string `json:"sub"`
	// Name and Email are shown to agents; optional.
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// Audience names the chat the token is for; it must equal the
	// Verifier's Audience.
	Audience string `json:"aud"`
	// IssuedAt and ExpiresAt are unix seconds.
	IssuedAt  int64 `json:"iat"`
	ExpiresAt int64 `json:"exp"`
}

type header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ,omitempty"`
	Kid string `json:"kid"`
}

var b64 = base64.RawURLEncoding

// Mint returns a token for c signed with key under the key id kid. When
// c.IssuedAt is 0 it is now; when c.ExpiresAt is 0 it is an hour after
// IssuedAt.
func Mint(kid string, key []byte, c Claims) (string, error) {
	if kid == "" || len(kid) > 64 {
		return "", errors.New("identity: kid must be 1 to 64 bytes")
	}
	if len(key) < MinKeyLen {
		return "", fmt.Errorf("identity: key must be at least %d bytes, got %d", MinKeyLen, len(key))
	}
	if c.Subject == "" || c.Audience == "" {
		return "", errors.New("identity: sub and aud are required")
	}
	if c.IssuedAt == 0 {
		c.IssuedAt = time.Now().Unix()
	}
	if c.ExpiresAt == 0 {
		c.ExpiresAt = c.IssuedAt + int64(time.Hour/time.Second)
	}
	if c.ExpiresAt <= c.IssuedAt || time.Duration(c.ExpiresAt-c.IssuedAt)*time.Second > MaxLifetime {
		return "", fmt.Errorf("identity: exp must be after iat and at most %v later", MaxLifetime)
	}
	h, _ := json.Marshal(header{Alg: "HS256", Typ: "JWT", Kid: kid})
	p, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signing := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	return signing + "." + b64.EncodeToString(sign(key, signing)), nil
}

func sign(key []byte, signing string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signing))
	return m.Sum(nil)
}

// Verifier checks tokens. Its zero value refuses everything; fill Keys and
// Audience.
type Verifier struct {
	// Keys are the signing keys by key id ("kid"). Several keys allow
	// rotation: mint with the new one while the old one still verifies.
	Keys map[string][]byte
	// Audience is the "aud" every token must carry.
	Audience string
	// Skew is the clock difference allowed on iat and exp. Default 60 s.
	Skew time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Verify returns the claims of a valid token; otherwise an error wrapping
// one of the package's sentinels.
func (v *Verifier) Verify(token string) (Claims, error) {
	if len(token) > maxTokenLen {
		return Claims{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxTokenLen)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("%w: want 3 parts", ErrMalformed)
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	var h header
	if err := strictJSON(hb, &h); err != nil {
		return Claims{}, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if h.Alg != "HS256" {
		return Claims{}, fmt.Errorf("%w: %q", ErrAlgorithm, h.Alg)
	}
	key, ok := v.Keys[h.Kid]
	if !ok || len(key) < MinKeyLen {
		return Claims{}, fmt.Errorf("%w: %q", ErrUnknownKey, h.Kid)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: signature: %v", ErrMalformed, err)
	}
	if !hmac.Equal(sig, sign(key, parts[0]+"."+parts[1])) {
		return Claims{}, ErrSignature
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	var c Claims
	if err := strictJSON(pb, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if c.Subject == "" || len(c.Subject) > 256 || !utf8.ValidString(c.Subject+c.Name+c.Email) {
		return Claims{}, fmt.Errorf("%w: sub must be 1 to 256 bytes of UTF-8", ErrMalformed)
	}
	if v.Audience == "" || c.Audience != v.Audience {
		return Claims{}, fmt.Errorf("%w: %q", ErrAudience, c.Audience)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.Skew
	if skew <= 0 {
		skew = 60 * time.Second
	}
	t := now()
	iat, exp := time.Unix(c.IssuedAt, 0), time.Unix(c.ExpiresAt, 0)
	switch {
	case c.IssuedAt <= 0 || c.ExpiresAt <= c.IssuedAt:
		return Claims{}, fmt.Errorf("%w: iat and exp", ErrMalformed)
	case exp.Sub(iat) > MaxLifetime:
		return Claims{}, ErrLifetime
	case iat.After(t.Add(skew)):
		return Claims{}, ErrNotYet
	case !t.Before(exp.Add(skew)):
		return Claims{}, ErrExpired
	}
	return c, nil
}

// strictJSON decodes one JSON object; claims of other kinds are ignored
// but the value must be an object.
func strictJSON(data []byte, v any) error {
	if len(data) == 0 || data[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(data, v)
}
