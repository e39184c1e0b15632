package identity_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/golivechat/livechat/identity"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// forgeSigned signs arbitrary header and payload JSON with key, as another
// JWT library would.
func forgeSigned(t *testing.T, header, payload string) string {
	t.Helper()
	e := base64.RawURLEncoding.EncodeToString
	signing := e([]byte(header)) + "." + e([]byte(payload))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signing))
	return signing + "." + e(m.Sum(nil))
}

func mintF(f *testing.F) string {
	tok, err := identity.Mint("k2", key, identity.Claims{Subject: "user-42", Audience: "shop.example",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	if err != nil {
		f.Fatal(err)
	}
	return tok
}
