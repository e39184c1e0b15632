package natsbroker_test

import (
	"log"

	"github.com/nats-io/nats.go"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/natsbroker"
)

// A node connects its broker and hands it to the chat server
// (livechat.Config.Broker); a broker that reports its connection is
// watched so that clients are caught up after an outage.
func ExampleConnect() {
	broker, err := natsbroker.Connect("nats://127.0.0.1:4222", natsbroker.WithPrefix("chat"))
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
	stop := broker.OnState(func(st transport.State) {
		log.Printf("broker %v", st)
	})
	defer stop()
}

// A host with a connection of its own, with credentials for instance,
// passes it to New and closes it after the broker. MaxReconnects(-1) keeps
// nats.go reconnecting for as long as the server is away.
func ExampleNew() {
	nc, err := nats.Connect("nats://127.0.0.1:4222", nats.UserInfo("chat", "secret"), nats.MaxReconnects(-1))
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	broker, err := natsbroker.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
}
