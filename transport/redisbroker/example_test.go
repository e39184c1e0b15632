package redisbroker_test

import (
	"context"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/redisbroker"
)

// A node connects its broker and hands it to the chat server
// (livechat.Config.Broker); a broker that reports its connection is
// watched so that clients are caught up after an outage.
func ExampleOpen() {
	ctx := context.Background()
	broker, err := redisbroker.Open(ctx, "127.0.0.1:6379", redisbroker.WithPrefix("chat"))
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
	stop := broker.OnState(func(st transport.State) {
		log.Printf("broker %v", st)
	})
	defer stop()
}

// A host that already has a client, for Sentinel or Cluster for instance,
// passes it to New and closes it after the broker.
func ExampleNew() {
	ctx := context.Background()
	client := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:6379"}})
	defer client.Close()
	broker, err := redisbroker.New(ctx, client)
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
}
