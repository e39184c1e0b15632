package livechat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Visitor tokens are "v1.<visitor id>.<issued unix seconds>.<mac>", the mac
// being base64url(HMAC-SHA256(secret, everything before it)). They live in
// an HttpOnly cookie, or in page memory until the visitor accepts cookies.
const tokenVersion = "v1"

func signVisitor(secret []byte, visitorID string, issued time.Time) string {
	var buf [128]byte
	body := append(buf[:0], tokenVersion+"."...)
	body = append(body, visitorID...)
	body = append(body, '.')
	body = strconv.AppendInt(body, issued.Unix(), 10)
	var mac [macLen]byte
	tokenMAC(&mac, secret, body)
	body = append(body, '.')
	return string(append(body, mac[:]...))
}

// macLen is the length of a token's mac: 32 bytes in unpadded base64.
const macLen = 43

// macState is an HMAC-SHA256 keyed with one secret, with room for what
// it hashes, reused from a pool so that signing and verifying a token
// allocate nothing.
type macState struct {
	h   hash.Hash
	in  []byte
	sum []byte
}

// macPool holds macStates for one secret.
type macPool struct {
	secret string
	pool   sync.Pool
}

// lastMACPool is the pool of the last secret used. A process usually has
// one secret; Handlers with different secrets in one process still get
// the right mac, only without the reuse, as each change of secret starts
// a new pool.
var lastMACPool atomic.Pointer[macPool]

// tokenMAC writes base64url(HMAC-SHA256(secret, body)) into mac.
func tokenMAC[B string | []byte](mac *[macLen]byte, secret []byte, body B) {
	p := lastMACPool.Load()
	if p == nil || p.secret != string(secret) {
		key := []byte(string(secret)) // a copy: the caller may change secret
		p = &macPool{secret: string(secret)}
		p.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key), in: make([]byte, 0, 256)} }
		lastMACPool.Store(p)
	}
	m := p.pool.Get().(*macState)
	m.h.Reset()
	m.in = append(m.in[:0], body...)
	m.h.Write(m.in)
	m.sum = m.h.Sum(m.sum[:0])
	base64.RawURLEncoding.Encode(mac[:], m.sum)
	p.pool.Put(m)
}

// verifyVisitor returns the visitor id and issue time of a valid token.
func verifyVisitor(secret []byte, token string, now time.Time, ttl time.Duration) (id string, issued time.Time, ok bool) {
	if len(token) > 256 {
		return "", time.Time{}, false
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", time.Time{}, false
	}
	body, mac := token[:i], token[i+1:]
	if len(mac) != macLen {
		return "", time.Time{}, false
	}
	var want [macLen]byte
	tokenMAC(&want, secret, body)
	var diff byte // compared in constant time, as hmac.Equal does
	for j := range want {
		diff |= mac[j] ^ want[j]
	}
	if diff != 0 {
		return "", time.Time{}, false
	}
	version, rest, _ := strings.Cut(body, ".")
	id, secs, ok := strings.Cut(rest, ".")
	if !ok || version != tokenVersion || !validID(id) || strings.IndexByte(secs, '.') >= 0 {
		return "", time.Time{}, false
	}
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	issued = time.Unix(sec, 0)
	if issued.After(now.Add(time.Minute)) || now.Sub(issued) > ttl {
		return "", time.Time{}, false
	}
	return id, issued, true
}

// validID reports whether s is a plausible record id: 1 to 64 characters of
// [A-Za-z0-9_-]. Client message ids follow the same rule.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
