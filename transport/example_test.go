package transport_test

import (
	"context"
	"fmt"

	"github.com/golivechat/livechat/transport"
)

// A broker fans payloads out to every subscriber of a topic.
func ExampleLocalBroker() {
	b := transport.NewLocalBroker()
	defer b.Close()
	cancel, _ := b.Subscribe("events", func(payload []byte) {
		fmt.Printf("got %s\n", payload)
	})
	defer cancel()
	b.Publish(context.Background(), "events", []byte(`{"type":"message"}`))
	// Output: got {"type":"message"}
}
