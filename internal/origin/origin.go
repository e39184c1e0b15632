// Package origin decides whether a browser page may call the chat's API:
// [Allowed] compares the page's Origin header with the server's own
// origin and with the host's allowed patterns.
//
// The hard cases: the server's scheme is not always known (a proxy may
// have ended TLS), ports compare with the scheme's default filled in, and
// a pattern without a scheme must not let an http page call an https
// server.
package origin

import (
	"cmp"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Allowed reports whether a request from a browser page may use the API.
// Requests without Origin (same-origin GETs, non-browser clients) are
// allowed; otherwise the page's origin, scheme, host and port, must be
// the server's own or match one of patterns, each
// "[scheme://]host[:port]" with path.Match syntax in host and port.
//
// The server's own host and port are those of the Host header, or of the
// first X-Forwarded-Host a proxy sets (it may rewrite Host). Like
// X-Forwarded-Proto below, a page cannot set that header on the requests
// this guards, and a client that is not a browser needs no header to
// pass.
//
// The server's own scheme is https when the request came over TLS or
// says X-Forwarded-Proto: https, http when it says X-Forwarded-Proto:
// http, and unknown otherwise (a proxy may have ended TLS), when either
// scheme passes. The header can only narrow the check, and pages cannot
// set it on the requests this guards (a WebSocket handshake takes no
// custom header, and a fetch with one needs a preflight the chat does not
// grant). Ports compare with the scheme's default filled in:
// https://example.com:8443 is not https://example.com.
//
// A pattern with a scheme matches that scheme only; one without matches
// https pages, and http pages unless the server itself is known to be
// https. A pattern without a port matches the scheme's default port only.
func Allowed(r *http.Request, patterns []string) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	page, ok := parseOrigin(o)
	if !ok {
		return false
	}
	scheme := ownScheme(r)
	if sameOrigin(r.Host, page, scheme) {
		return true
	}
	if fwd, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ","); fwd != "" && sameOrigin(strings.TrimSpace(fwd), page, scheme) {
		return true
	}
	for _, p := range patterns {
		if originMatch(p, page, scheme) {
			return true
		}
	}
	return false
}

// sameOrigin reports whether the page's origin is the server's own as
// the client addressed it by hostport.
func sameOrigin(hostport string, page pageOrigin, scheme string) bool {
	host, port := splitHostPort(hostport)
	if port == "" {
		port = defaultPort(cmp.Or(scheme, page.scheme))
	}
	return strings.EqualFold(host, page.host) && port == page.port && (scheme == "" || scheme == page.scheme)
}

// pageOrigin is a page's origin, the host in lower case, the port filled in.
type pageOrigin struct{ scheme, host, port string }

func parseOrigin(s string) (pageOrigin, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return pageOrigin{}, false
	}
	return pageOrigin{u.Scheme, strings.ToLower(u.Hostname()), cmp.Or(u.Port(), defaultPort(u.Scheme))}, true
}

// ownScheme is the scheme the client used to reach the server, or "" when
// it cannot be known.
func ownScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	switch strings.ToLower(strings.TrimSpace(proto)) {
	case "https":
		return "https"
	case "http":
		return "http"
	}
	return ""
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// splitHostPort splits "host:port", "[::1]:port" or a bare host.
func splitHostPort(hp string) (host, port string) {
	if i := strings.LastIndexByte(hp, ':'); i >= 0 && !strings.Contains(hp[i:], "]") {
		return strings.Trim(hp[:i], "[]"), hp[i+1:]
	}
	return strings.Trim(hp, "[]"), ""
}

// originMatch reports whether a page's origin matches an AllowedOrigins
// pattern, "[scheme://]host[:port]" with path.Match syntax in host and
// port. A pattern with a scheme matches that scheme only; one without
// matches https pages, and http pages unless the server itself is known
// to be https (see Allowed). A pattern without a port matches the
// scheme's default port only.
func originMatch(pattern string, page pageOrigin, ownScheme string) bool {
	pattern = strings.ToLower(pattern)
	scheme, rest, hasScheme := strings.Cut(pattern, "://")
	if !hasScheme {
		scheme, rest = "", pattern
	}
	switch {
	case scheme != "" && scheme != page.scheme:
		return false
	case scheme == "" && page.scheme == "http" && ownScheme == "https":
		return false
	}
	host, port := splitHostPort(rest)
	if port == "" {
		port = defaultPort(page.scheme)
	}
	hostOK, _ := path.Match(host, page.host)
	portOK, _ := path.Match(port, page.port)
	return hostOK && portOK
}
