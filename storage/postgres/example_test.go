package postgres_test

import (
	"context"
	"fmt"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
)

// Open connects with a pool of its own and migrates the "livechat"
// schema. (Not run: it needs a database.)
func Example() {
	ctx := context.Background()
	store, err := postgres.Open(ctx, "postgres://chat@localhost:5432/chat?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	conv := &livechat.Conversation{ID: "c1", VisitorID: "v1", Status: livechat.StatusOpen}
	if err := store.CreateConversation(ctx, conv); err != nil {
		log.Fatal(err)
	}
	m, _, err := store.AppendMessage(ctx, &livechat.Message{
		ConversationID: "c1", ClientMsgID: "hello-1", Sender: livechat.SenderVisitor, Text: "Hello",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Seq, m.Text)
}

// A host that has a pool lends it to the Store, and keeps the chat's
// tables in a schema of their own. (Not run: it needs a database.)
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://app@localhost:5432/app?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close() // after the Store: its Close leaves the pool open

	store, err := postgres.New(ctx, pool, postgres.WithSchema("support_chat"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	h, err := livechat.New(livechat.Config{Storage: store})
	if err != nil {
		log.Fatal(err)
	}
	_ = h // mount h as an http.Handler
}
