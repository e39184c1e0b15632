// Command chi mounts the chat in a github.com/go-chi/chi router under
// /support/chat/, behind chi's usual middleware: request ids, the client
// IP from a trusted proxy's X-Forwarded-For, request logs, panic recovery
// and response compression.
//
//	go run ./examples/chi
//
// Then open http://localhost:8080, and http://localhost:8080/login in a
// second window to answer from the inbox at /support/chat/inbox/.
package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	flag.Parse()
	store := memory.New() // storage/sqlite keeps chats across restarts
	defer store.Close()
	secret := make([]byte, 32)
	rand.Read(secret)
	router, chat, err := newRouter(store, secret)
	if err != nil {
		log.Fatal(err)
	}
	defer chat.Close()
	log.Printf("site on http://%s  (inbox: http://%s/login)", *addr, *addr)
	log.Fatal(http.ListenAndServe(*addr, router))
}

// newRouter builds the site: a page with the chat's script tag, a demo
// sign-in for an agent, and the chat under /support/chat/.
func newRouter(store livechat.Storage, secret []byte) (http.Handler, *livechat.Handler, error) {
	chat, err := livechat.New(livechat.Config{
		Storage: store,
		Secret:  secret,
		AgentAuth: func(r *http.Request) (*livechat.Agent, error) {
			if c, err := r.Cookie("demo_agent"); err == nil && c.Value == "ada" {
				return &livechat.Agent{ID: "ada", Name: "Ada Lovelace"}, nil
			}
			return nil, errors.New("not signed in")
		},
		ClientIP: func(r *http.Request) string {
			if ip := middleware.GetClientIP(r.Context()); ip != "" {
				return ip
			}
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			return host
		},
	})
	if err != nil {
		return nil, nil, err
	}

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	// The client IP, from X-Forwarded-For as written by a proxy on this
	// machine (only then: a client cannot name its own address), for the
	// logs and for the chat's per-IP limits (Config.ClientIP below).
	r.Use(middleware.ClientIPFromXFF("127.0.0.1/32", "::1/128"))
	r.Use(middleware.Logger) // logs paths, never a token: the chat keeps them out of URLs
	r.Use(middleware.Recoverer)
	// The chat's assets and larger answers come gzipped already (with
	// Content-Encoding set, which Compress leaves alone); Compress takes
	// the rest, and lets WebSockets through.
	r.Use(middleware.Compress(5))

	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head>` +
			`<body><h1>Acme</h1><p>Questions? Ask us in the chat.</p>` +
			`<script src="/support/chat/widget.js" async></script></body></html>`))
	})
	r.Get("/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>` +
			`<body><form method="post" action="/login"><button>Sign in as Ada Lovelace</button></form></body></html>`))
	})
	r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "demo_agent", Value: "ada", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/support/chat/inbox/", http.StatusSeeOther)
	})
	// The chat finds its own routes at the end of the path, so Mount's
	// prefix needs no Config.Path.
	r.Mount("/support/chat", chat)
	return r, chat, nil
}
