package brokertest

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golivechat/livechat/transport"
)

// Benchmark measures a broker between two nodes: RoundTrip, one payload at
// a time from a node to a subscriber on another (200 bytes of text, 4 KiB
// and 32 KiB of binary), and Throughput, payloads per second from 8
// publishing goroutines on one node to a subscriber on another that only
// counts them. open returns a new node's broker, closed when tb ends. A
// payload the broker drops fails the benchmark.
func Benchmark(b *testing.B, open func(tb testing.TB) transport.Broker) {
	b.Run("RoundTrip", func(b *testing.B) {
		for _, c := range []struct {
			name    string
			payload []byte
		}{
			{"Text200B", bytes.Repeat([]byte("x"), 200)},
			{"Binary4KiB", bytes.Repeat([]byte{0xff}, 4<<10)},
			{"Binary32KiB", bytes.Repeat([]byte{0xff}, 32<<10)},
		} {
			b.Run(c.name, func(b *testing.B) {
				pub, sub := open(b), open(b)
				got := make(chan struct{}, 1)
				cancel, err := sub.Subscribe("bench", func([]byte) { got <- struct{}{} })
				if err != nil {
					b.Fatal(err)
				}
				defer cancel()
				ctx := context.Background()
				b.SetBytes(int64(len(c.payload)))
				for b.Loop() {
					if err := pub.Publish(ctx, "bench", c.payload); err != nil {
						b.Fatal(err)
					}
					select {
					case <-got:
					case <-time.After(time.Minute):
						b.Fatal("the payload did not arrive")
					}
				}
			})
		}
	})
	b.Run("Throughput", func(b *testing.B) {
		pub, sub := open(b), open(b)
		var n atomic.Int64
		want := int64(b.N)
		done := make(chan struct{})
		cancel, err := sub.Subscribe("bench", func([]byte) {
			if n.Add(1) == want {
				close(done)
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		defer cancel()
		payload := bytes.Repeat([]byte("x"), 200)
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := pub.Publish(context.Background(), "bench", payload); err != nil {
					b.Error(err)
					return
				}
			}
		})
		select {
		case <-done:
		case <-time.After(time.Minute):
			b.Fatalf("%d of %d payloads arrived", n.Load(), want)
		}
	})
}
