package origin_test

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/internal/origin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAllowed(t *testing.T) {
	tests := []struct {
		name     string
		host     string // the request's Host
		tls      bool
		proto    string // X-Forwarded-Proto
		origin   string
		patterns []string
		want     bool
	}{
		{name: "NoOrigin", host: "chat.example.com", want: true},
		{name: "SameOrigin", host: "chat.example.com", origin: "https://chat.example.com", want: true},
		{name: "SameOriginDefaultPort", host: "chat.example.com:443", tls: true, origin: "https://chat.example.com", want: true},
		{name: "OtherPort", host: "chat.example.com", tls: true, origin: "https://chat.example.com:8443", want: false},
		{name: "HTTPPageHTTPSServer", host: "chat.example.com", tls: true, origin: "http://chat.example.com", want: false},
		{name: "ProxySaysHTTPS", host: "chat.example.com", proto: "https", origin: "http://chat.example.com", want: false},
		{name: "OtherSite", host: "chat.example.com", origin: "https://evil.example", want: false},
		{name: "Pattern", host: "chat.example.com", origin: "https://shop.example.com", patterns: []string{"*.example.com"}, want: true},
		{name: "PatternNoSchemeHTTPSServer", host: "chat.example.com", tls: true, origin: "http://shop.example.com", patterns: []string{"*.example.com"}, want: false},
		{name: "PatternScheme", host: "chat.example.com", origin: "http://shop.example.com", patterns: []string{"https://*.example.com"}, want: false},
		{name: "PatternPort", host: "chat.example.com", origin: "https://shop.example.com:8443", patterns: []string{"shop.example.com:*"}, want: true},
		{name: "PatternDefaultPortOnly", host: "chat.example.com", origin: "https://shop.example.com:8443", patterns: []string{"shop.example.com"}, want: false},
		{name: "Malformed", host: "chat.example.com", origin: "null", want: false},
		{name: "WithPath", host: "chat.example.com", origin: "https://chat.example.com/page", want: false},
		{name: "WithUser", host: "chat.example.com", origin: "https://u@chat.example.com", want: false},
		{name: "IPv6", host: "[::1]:8080", origin: "http://[::1]:8080", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/visitor/ws", nil)
			r.Host = tt.host
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			require.Equal(t, tt.want, origin.Allowed(r, tt.patterns))
		})
	}
}

// Allowed never panics, and a page is always allowed on its own origin
// when the server's scheme is its own.
func FuzzAllowed(f *testing.F) {
	f.Add("chat.example.com", "https://chat.example.com", "*.example.com")
	f.Add("[::1]:8080", "http://[::1]:8080", "https://[::1]:*")
	f.Add("a:1", "http://a:1/", "[")
	f.Fuzz(func(t *testing.T, host, page, pattern string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		r.Header.Set("Origin", page)
		origin.Allowed(r, []string{pattern})
	})
}
