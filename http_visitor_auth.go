package livechat

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/golivechat/livechat/internal/origin"
)

const visitorCookie = "livechat_visitor"

type visitorKey struct{}

func visitorIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(visitorKey{}).(string)
	return id
}

// visitorFromCookie returns the visitor id of a valid token cookie.
// Before a visitor accepts cookies, the widget keeps their token in page
// memory and sends it in a header, or for WebSockets (where browsers set
// no headers) as a subprotocol; never in a URL.
const (
	visitorHeaderPrefix = "Bearer "
	tokenSubprotocol    = "livechat.token."
	// Subprotocol is what the server answers a WebSocket that offers a
	// token as a subprotocol.
	wsSubprotocol = "livechat.v1"
)

func (h *server) visitorFromCookie(r *http.Request) (id string, issued time.Time, ok bool) {
	tok := ""
	if ck, err := r.Cookie(visitorCookie); err == nil {
		tok = ck.Value
	} else if a := r.Header.Get("Authorization"); strings.HasPrefix(a, visitorHeaderPrefix) {
		tok = strings.TrimPrefix(a, visitorHeaderPrefix)
	} else {
		for _, p := range r.Header.Values("Sec-WebSocket-Protocol") {
			for _, v := range strings.Split(p, ",") {
				if v = strings.TrimSpace(v); strings.HasPrefix(v, tokenSubprotocol) {
					tok = strings.TrimPrefix(v, tokenSubprotocol)
				}
			}
		}
	}
	if tok == "" {
		return "", time.Time{}, false
	}
	return verifyVisitor(h.cfg.Secret, tok, h.now(), h.cfg.VisitorTokenTTL)
}

// visitorAuth admits requests with a valid visitor token.
func (h *server) visitorAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !origin.Allowed(r, h.cfg.AllowedOrigins) {
			h.fail(w, r, errOriginNotAllowed)
			return
		}
		id, _, ok := h.visitorFromCookie(r)
		if !ok {
			h.fail(w, r, publicf(ErrUnauthorized, "missing or invalid visitor token"))
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), visitorKey{}, id)))
	}
}

func (h *server) setVisitorCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name:     visitorCookie,
		Value:    signVisitor(h.cfg.Secret, id, h.now()),
		Path:     mountPath(r),
		MaxAge:   int(h.cfg.VisitorTokenTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// visitorForget is the widget's LiveChat.clear(): it removes the visitor
// cookie, which the page cannot (HttpOnly), so that the next config call
// starts a new visitor. What the server stored of the visitor stays.
func (h *visitorAPI) visitorForget(w http.ResponseWriter, r *http.Request) {
	if !origin.Allowed(r, h.cfg.AllowedOrigins) {
		h.fail(w, r, errOriginNotAllowed)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     visitorCookie,
		Path:     mountPath(r),
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	w.WriteHeader(http.StatusNoContent)
}
