package nodebench_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/golivechat/livechat/storage/memory"
)

// A visitor's message crosses one node, memory storage and the node's
// in-process broker, from the visitor's WebSocket to the agent's: the
// trip BenchmarkThroughput repeats in 20 conversations at once.
func Example() {
	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	store := memory.New()
	closers = append(closers, func() { store.Close() })
	nd, err := startNode(store, nil, &closers)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := startConversation(ctx, nd)
	if err != nil {
		log.Fatal(err)
	}
	closers = append(closers, v.ws.close)
	a, err := connectAgent(ctx, nd, []*visitor{v})
	if err != nil {
		log.Fatal(err)
	}
	closers = append(closers, a.stop)
	c := &chat{visitors: []*visitor{v}, agent: a}
	for range 3 {
		if err := c.roundTrip(v); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("the agent received the visitor's messages up to seq", v.last)
	// Output: the agent received the visitor's messages up to seq 3
}
