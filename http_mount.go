package livechat

import (
	"net/http"
	"path"
	"strings"
)

type mountKey struct{}

// mountPath is the path prefix the Handler is served under, ending in "/".
func mountPath(r *http.Request) string {
	if p, ok := r.Context().Value(mountKey{}).(string); ok && p != "" {
		return p
	}
	return "/"
}

// topRoutes are the first path segments the Handler serves; they locate
// the mount point when nothing else tells it.
var topRoutes = []string{"/api/v1/", "/inbox/", "/widget.js", "/widget.css", "/chat.js", "/chat.css", "/inbox"}

// relativePath returns the request path below the mount point, without a
// leading slash.
func (h *Handler) relativePath(r *http.Request) (string, bool) {
	p := r.URL.Path
	if h.cfg.Path != "" {
		rest, ok := strings.CutPrefix(p, h.cfg.Path)
		return rest, ok
	}
	if pat := r.Pattern; pat != "" {
		// "GET example.com/livechat/" -> "/livechat/"
		if i := strings.IndexByte(pat, ' '); i >= 0 {
			pat = pat[i+1:]
		}
		if i := strings.IndexByte(pat, '/'); i > 0 {
			pat = pat[i:]
		}
		if strings.HasSuffix(pat, "/") {
			if rest, ok := strings.CutPrefix(p, pat); ok {
				return rest, true
			}
		}
	}
	// Routers that strip the prefix (http.StripPrefix) or report no
	// pattern: find the last known route segment.
	best := -1
	for _, t := range topRoutes {
		if i := strings.LastIndex(p, t); i > best {
			if t == "/inbox" && !strings.HasSuffix(p, "/inbox") {
				continue
			}
			best = i
		}
	}
	if best < 0 {
		return strings.TrimPrefix(p, "/"), true
	}
	return p[best+1:], true
}

// allowedMethods lists the methods the request's path has a route for,
// for the Allow header of a 405; "" when it has none.
func (h *Handler) allowedMethods(r *http.Request) string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pat := h.mux.Handler(r2); pat != "" && pat != "/" {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// cleanPath reports whether p is an absolute path with no empty, "." or
// ".." segment and no backslash, so that nothing built from it (a cookie
// path, a script URL, a redirect) can point elsewhere.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}
