package livechat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Visitor tokens are "v1.<visitor id>.<issued unix seconds>.<mac>", the mac
// being base64url(HMAC-SHA256(secret, everything before it)). They live in
// an HttpOnly cookie, or in page memory until the visitor accepts cookies.
const tokenVersion = "v1"

func signVisitor(secret []byte, visitorID string, issued time.Time) string {
	body := tokenVersion + "." + visitorID + "." + strconv.FormatInt(issued.Unix(), 10)
	return body + "." + tokenMAC(secret, body)
}

func tokenMAC(secret []byte, body string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
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
	if !hmac.Equal([]byte(mac), []byte(tokenMAC(secret, body))) {
		return "", time.Time{}, false
	}
	parts := strings.Split(body, ".")
	if len(parts) != 3 || parts[0] != tokenVersion || !validID(parts[1]) {
		return "", time.Time{}, false
	}
	sec, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	issued = time.Unix(sec, 0)
	if issued.After(now.Add(time.Minute)) || now.Sub(issued) > ttl {
		return "", time.Time{}, false
	}
	return parts[1], issued, true
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
