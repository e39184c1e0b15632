package livechat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// signVisitorHMAC and verifyVisitorHMAC sign and verify tokens with a new
// HMAC each time: what signVisitor and verifyVisitor must match, and the
// baseline of their benchmarks.
func signVisitorHMAC(secret []byte, visitorID string, issued time.Time) string {
	body := tokenVersion + "." + visitorID + "." + strconv.FormatInt(issued.Unix(), 10)
	return body + "." + tokenMACHMAC(secret, body)
}

func tokenMACHMAC(secret []byte, body string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func verifyVisitorHMAC(secret []byte, token string, now time.Time, ttl time.Duration) (id string, issued time.Time, ok bool) {
	if len(token) > 256 {
		return "", time.Time{}, false
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", time.Time{}, false
	}
	body, mac := token[:i], token[i+1:]
	if !hmac.Equal([]byte(mac), []byte(tokenMACHMAC(secret, body))) {
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

// FuzzTokenHMAC holds signVisitor and verifyVisitor to a new HMAC per
// token: the same tokens, and the same answer for any token, signed with
// either secret (the pool follows a change of secret).
func FuzzTokenHMAC(f *testing.F) {
	f.Add("v-1", int64(1780315200), "", uint8(0))
	f.Add("a_b", int64(1780315200), "v1.a_b.1780315200.", uint8(1))
	f.Add("x", int64(-5), "v1.x.+1780315200", uint8(2))
	f.Fuzz(func(t *testing.T, id string, issuedUnix int64, prefix string, which uint8) {
		secret := fuzzSecret
		if which%2 == 1 {
			secret = otherSecret
		}
		issued := time.Unix(issuedUnix, 0)
		tok := signVisitor(secret, id, issued)
		require.Equal(t, signVisitorHMAC(secret, id, issued), tok)
		for _, tk := range []string{tok, prefix, prefix + tokenMACHMAC(secret, strings.TrimSuffix(prefix, "."))} {
			gotID, gotIssued, ok := verifyVisitor(secret, tk, fuzzNow, fuzzTTL)
			wantID, wantIssued, wantOK := verifyVisitorHMAC(secret, tk, fuzzNow, fuzzTTL)
			require.Equal(t, wantOK, ok, "%q", tk)
			require.Equal(t, wantID, gotID)
			require.True(t, wantIssued.Equal(gotIssued))
		}
	})
}

var benchToken = signVisitorHMAC(fuzzSecret, "0b6f3c1e-8d2a-4f57-9c1b-7e5a2d9f4c30", fuzzNow.Add(-time.Hour))

// BenchmarkVerifyVisitor verifies a visitor token, as every visitor
// request and WebSocket handshake does.
func BenchmarkVerifyVisitor(b *testing.B) {
	b.ReportAllocs()
	cpu := MeterCPU(b)
	for b.Loop() {
		if _, _, ok := verifyVisitor(fuzzSecret, benchToken, fuzzNow, fuzzTTL); !ok {
			b.Fatal("token refused")
		}
	}
	cpu.Report()
}

// BenchmarkVerifyVisitorHMAC is the baseline: a new HMAC per token.
func BenchmarkVerifyVisitorHMAC(b *testing.B) {
	b.ReportAllocs()
	cpu := MeterCPU(b)
	for b.Loop() {
		if _, _, ok := verifyVisitorHMAC(fuzzSecret, benchToken, fuzzNow, fuzzTTL); !ok {
			b.Fatal("token refused")
		}
	}
	cpu.Report()
}

// BenchmarkSignVisitor signs a visitor token.
func BenchmarkSignVisitor(b *testing.B) {
	b.ReportAllocs()
	cpu := MeterCPU(b)
	for b.Loop() {
		signVisitor(fuzzSecret, "0b6f3c1e-8d2a-4f57-9c1b-7e5a2d9f4c30", fuzzNow)
	}
	cpu.Report()
}

// BenchmarkSignVisitorHMAC is the baseline: a new HMAC per token.
func BenchmarkSignVisitorHMAC(b *testing.B) {
	b.ReportAllocs()
	cpu := MeterCPU(b)
	for b.Loop() {
		signVisitorHMAC(fuzzSecret, "0b6f3c1e-8d2a-4f57-9c1b-7e5a2d9f4c30", fuzzNow)
	}
	cpu.Report()
}
