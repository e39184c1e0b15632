// Command customstore runs the chat on a Storage of the host's own: the
// visitors, contacts and consent records it meets live in the host's
// tables (support_visitors, support_contacts, support_consents) of the
// host's SQLite database, beside storage/sqlite's tables for the rest
// (store.go).
//
//	go run ./examples/customstore
//
// Then open http://localhost:8080, and http://localhost:8080/login in a
// second window to answer from the inbox.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/golivechat/livechat"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	db := flag.String("db", "customstore-demo.db", "the host's SQLite database file")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	store, err := Open(ctx, *db)
	cancel()
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	secret := make([]byte, 32) // a real site keeps its secret: visitors are signed out at each start here
	rand.Read(secret)
	site, chat, err := newSite(store, secret)
	if err != nil {
		log.Fatal(err)
	}
	defer chat.Close()
	log.Printf("site on http://%s  (inbox: http://%s/login)", *addr, *addr)
	log.Fatal(http.ListenAndServe(*addr, site))
}

// newSite mounts the chat on store, with one page and a demo sign-in for
// an agent.
func newSite(store livechat.Storage, secret []byte) (http.Handler, *livechat.Handler, error) {
	chat, err := livechat.New(livechat.Config{
		Storage: store,
		Secret:  secret,
		AgentAuth: func(r *http.Request) (*livechat.Agent, error) {
			if c, err := r.Cookie("demo_agent"); err == nil && c.Value == "ada" {
				return &livechat.Agent{ID: "ada", Name: "Ada Lovelace"}, nil
			}
			return nil, errors.New("not signed in")
		},
	})
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head>` +
			`<body><h1>Acme</h1><p>The chat's visitors and contacts are in this site's own tables.</p>` +
			`<script src="/livechat/widget.js" async></script></body></html>`))
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>` +
			`<body><form method="post" action="/login"><button>Sign in as Ada Lovelace</button></form></body></html>`))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "demo_agent", Value: "ada", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/livechat/inbox/", http.StatusSeeOther)
	})
	return mux, chat, nil
}
