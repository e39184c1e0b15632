package pgbroker_test

import (
	"context"
	"fmt"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/golivechat/livechat/transport/pgbroker"
)

// Two nodes on one database: a payload published by one reaches the
// subscribers of the other.
func ExampleOpen() {
	ctx := context.Background()
	dsn := "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	node1, err := pgbroker.Open(ctx, dsn, pgbroker.WithPrefix("shop"))
	if err != nil {
		log.Fatal(err)
	}
	defer node1.Close()
	node2, err := pgbroker.Open(ctx, dsn, pgbroker.WithPrefix("shop"))
	if err != nil {
		log.Fatal(err)
	}
	defer node2.Close()

	got := make(chan string, 1)
	cancel, err := node2.Subscribe("conversation:42", func(payload []byte) {
		got <- string(payload)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cancel()
	if err := node1.Publish(ctx, "conversation:42", []byte(`{"type":"message"}`)); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-got)
}

// A host that already has a pool shares it with the broker, which keeps
// its large payloads in the host's schema.
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://chat@db.internal/chat")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	broker, err := pgbroker.New(ctx, pool, pgbroker.WithSchema("livechat"), pgbroker.WithPrefix("chat"))
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close() // before pool.Close
	fmt.Println(broker.Channel("conversation:42"))
}
