package identity_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/identity"
)

var (
	key    = []byte("0123456789abcdef0123456789abcdef")
	oldKey = []byte("fedcba9876543210fedcba9876543210")
	now    = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
)

func verifier() *identity.Verifier {
	return &identity.Verifier{
		Keys:     map[string][]byte{"k2": key, "k1": oldKey},
		Audience: "shop.example",
		Now:      func() time.Time { return now },
	}
}

func mint(t *testing.T, kid string, k []byte, mutate func(*identity.Claims)) string {
	t.Helper()
	c := identity.Claims{Subject: "user-42", Name: "Zoë", Email: "zoe@example.com", Audience: "shop.example",
		IssuedAt: now.Add(-time.Minute).Unix(), ExpiresAt: now.Add(time.Hour).Unix()}
	if mutate != nil {
		mutate(&c)
	}
	tok, err := identity.Mint(kid, k, c)
	require.NoError(t, err)
	return tok
}

func forge(header, payload string) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(header)) + "." + e([]byte(payload)) + "." + e([]byte("sig"))
}

func TestVerify(t *testing.T) {
	good := mint(t, "k2", key, nil)
	parts := strings.Split(good, ".")
	tests := []struct {
		name  string
		token string
		err   error
	}{
		{"OK", good, nil},
		{"OKOldKey", mint(t, "k1", oldKey, nil), nil},
		{"OKWithinSkewOfExpiry", mint(t, "k2", key, func(c *identity.Claims) { c.ExpiresAt = now.Add(-30 * time.Second).Unix() }), nil},
		{"OKIssuedWithinSkew", mint(t, "k2", key, func(c *identity.Claims) { c.IssuedAt = now.Add(50 * time.Second).Unix() }), nil},
		{"ErrForgedSignature", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 32)), identity.ErrSignature},
		{"ErrTamperedPayload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","aud":"shop.example","iat":1,"exp":2}`)) + "." + parts[2], identity.ErrSignature},
		{"ErrWrongKey", mint(t, "k2", oldKey, nil), identity.ErrSignature},
		{"ErrAlgNone", forge(`{"alg":"none","kid":"k2"}`, `{"sub":"x"}`), identity.ErrAlgorithm},
		{"ErrAlgRS256", forge(`{"alg":"RS256","kid":"k2"}`, `{"sub":"x"}`), identity.ErrAlgorithm},
		{"ErrExpired", mint(t, "k2", key, func(c *identity.Claims) {
			c.ExpiresAt = now.Add(-2 * time.Minute).Unix()
			c.IssuedAt = now.Add(-time.Hour).Unix()
		}), identity.ErrExpired},
		{"ErrFutureIat", mint(t, "k2", key, func(c *identity.Claims) {
			c.IssuedAt = now.Add(5 * time.Minute).Unix()
			c.ExpiresAt = now.Add(time.Hour).Unix()
		}), identity.ErrNotYet},
		{"ErrWrongAudience", mint(t, "k2", key, func(c *identity.Claims) { c.Audience = "evil.example" }), identity.ErrAudience},
		{"ErrUnknownKid", mint(t, "k9", key, nil), identity.ErrUnknownKey},
		{"ErrMalformedParts", "a.b", identity.ErrMalformed},
		{"ErrMalformedBase64", "!!.!!.!!", identity.ErrMalformed},
		{"ErrHeaderNotObject", forge(`[]`, `{}`), identity.ErrMalformed},
		{"ErrEmpty", "", identity.ErrMalformed},
		{"ErrTooLong", strings.Repeat("a", 5000), identity.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := verifier().Verify(tt.token)
			if tt.err == nil {
				require.NoError(t, err)
				require.Equal(t, "user-42", c.Subject)
				require.Equal(t, "Zoë", c.Name)
				return
			}
			require.ErrorIs(t, err, tt.err)
			require.Empty(t, c.Subject)
		})
	}
}

func TestMintRefuses(t *testing.T) {
	c := identity.Claims{Subject: "u", Audience: "a", IssuedAt: now.Unix(), ExpiresAt: now.Add(13 * time.Hour).Unix()}
	_, err := identity.Mint("k", key, c)
	require.ErrorContains(t, err, "12h")
	_, err = identity.Mint("k", []byte("short"), identity.Claims{Subject: "u", Audience: "a"})
	require.ErrorContains(t, err, "at least 32 bytes")
	_, err = identity.Mint("", key, identity.Claims{Subject: "u", Audience: "a"})
	require.Error(t, err)
	_, err = identity.Mint("k", key, identity.Claims{Audience: "a"})
	require.Error(t, err)
}

func TestLifetimeOver12Hours(t *testing.T) {
	// A token minted elsewhere with a longer life is refused.
	v := verifier()
	good := mint(t, "k2", key, nil)
	_, err := v.Verify(good)
	require.NoError(t, err)
	long := forgeSigned(t, `{"alg":"HS256","kid":"k2"}`, `{"sub":"u","aud":"shop.example","iat":`+itoa(now.Unix())+`,"exp":`+itoa(now.Add(13*time.Hour).Unix())+`}`)
	_, err = v.Verify(long)
	require.ErrorIs(t, err, identity.ErrLifetime)
}

func FuzzVerify(f *testing.F) {
	f.Add(mintF(f))
	f.Add("a.b.c")
	f.Add(forge(`{"alg":"HS256","kid":"k2"}`, `{"sub":"x","aud":"shop.example","iat":1,"exp":2}`))
	f.Fuzz(func(t *testing.T, token string) {
		v := verifier()
		c1, err1 := v.Verify(token)
		c2, err2 := v.Verify(token)
		require.Equal(t, c1, c2)
		require.Equal(t, err1 == nil, err2 == nil)
		if err1 == nil {
			require.NotEmpty(t, c1.Subject)
		}
	})
}
