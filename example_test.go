package livechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

// A host mounts the Handler under a prefix of its own mux, adds the script
// tag to its pages, and lets its own login decide who is an agent.
func ExampleNew() {
	store := memory.New() // storage/sqlite keeps chats across restarts
	defer store.Close()

	chat, err := livechat.New(livechat.Config{
		Storage: store,
		Secret:  []byte("a secret of at least 32 bytes, generated once"),
		AgentAuth: func(r *http.Request) (*livechat.Agent, error) {
			if r.Header.Get("X-Demo-Agent") == "" { // your own session check
				return nil, errors.New("not an agent")
			}
			return &livechat.Agent{ID: "ada", Name: "Ada"}, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer chat.Close()

	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body>Hello<script src="/livechat/widget.js" async></script></body></html>`)
	})

	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/livechat/widget.js")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.Split(resp.Header.Get("Content-Type"), ";")[0])
	// Output: 200 text/javascript
}

// The Go API answers conversations from the host's own code.
func ExampleHandler_Reply() {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()
	chat, err := livechat.New(livechat.Config{Storage: store, Secret: []byte("a secret of at least 32 bytes, generated once")})
	if err != nil {
		log.Fatal(err)
	}
	defer chat.Close()

	// A visitor and an agent, as the widget and AgentAuth would create them.
	store.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"})
	store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada"})

	conv, _, _ := chat.StartConversation(ctx, "v1", "https://example.com/pricing")
	chat.Send(ctx, "v1", conv.ID, "c1", "Do you ship to Norway?")
	chat.Reply(ctx, conv.ID, "ada", "", "We do, in 3 to 5 days.")

	msgs, _ := chat.Messages(ctx, conv.ID, 0, 10)
	for _, m := range msgs {
		fmt.Println(m.Seq, m.Sender, m.Text)
	}
	// Output:
	// 1 visitor Do you ship to Norway?
	// 2 agent We do, in 3 to 5 days.
}

// ConversationPage walks a long conversation list page by page, as the
// inbox's "Load more" does.
func ExampleHandler_ConversationPage() {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()
	chat, err := livechat.New(livechat.Config{Storage: store, Secret: []byte("a secret of at least 32 bytes, generated once")})
	if err != nil {
		log.Fatal(err)
	}
	defer chat.Close()
	for i := range 5 {
		id := fmt.Sprint("v", i)
		store.CreateVisitor(ctx, &livechat.Visitor{ID: id})
		chat.StartConversation(ctx, id, "https://example.com/")
	}

	filter := livechat.ConversationFilter{Status: livechat.StatusOpen, Limit: 2}
	total, cursor := 0, ""
	for {
		page, next, err := chat.ConversationPage(ctx, filter, cursor)
		if err != nil {
			log.Fatal(err)
		}
		total += len(page)
		fmt.Println("page of", len(page), "more:", next != "")
		if next == "" {
			break
		}
		cursor = next
	}
	fmt.Println("total", total)
	// Output:
	// page of 2 more: true
	// page of 2 more: true
	// page of 1 more: false
	// total 5
}

// PutAgents registers the team at startup, so that the inbox's team
// settings and the chatflow editor list every agent before they sign in.
func ExampleHandler_PutAgents() {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()
	chat, err := livechat.New(livechat.Config{Storage: store, Secret: []byte("a secret of at least 32 bytes, generated once")})
	if err != nil {
		log.Fatal(err)
	}
	defer chat.Close()

	err = chat.PutAgents(ctx,
		&livechat.Agent{ID: "ada", Name: "Ada Lovelace", Capacity: 3,
			Permissions: []string{livechat.PermissionManageTeam}},
		&livechat.Agent{ID: "grace", Name: "Grace Hopper"},
	)
	if err != nil {
		log.Fatal(err)
	}
	agents, _ := store.Agents(ctx)
	for _, a := range agents {
		fmt.Println(a.ID, a.Presence, a.HostFields)
	}

	err = chat.PutAgents(ctx, &livechat.Agent{ID: "katherine johnson"})
	fmt.Println(errors.Is(err, livechat.ErrInvalid))
	// Output:
	// ada away [capacity]
	// grace away []
	// true
}
