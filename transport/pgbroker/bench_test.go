package pgbroker_test

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkRoundTrip measures one payload at a time from a node to a
// subscriber on another: inline as text, inline in base64, by reference.
func BenchmarkRoundTrip(b *testing.B) {
	for _, c := range []struct {
		name    string
		payload []byte
	}{
		{"Text200B", bytes.Repeat([]byte("x"), 200)},
		{"Binary4KiB", bytes.Repeat([]byte{0xff}, 4<<10)},
		{"Binary32KiB", bytes.Repeat([]byte{0xff}, 32<<10)},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := newTestDB(b)
			pub, sub := db.open(b), db.open(b)
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
				<-got
			}
		})
	}
}

// BenchmarkThroughput measures payloads per second from 8 publishing
// goroutines on one node to a subscriber on another.
func BenchmarkThroughput(b *testing.B) {
	db := newTestDB(b)
	pub, sub := db.open(b), db.open(b)
	got := make(chan struct{}, 1<<16)
	cancel, err := sub.Subscribe("bench", func([]byte) { got <- struct{}{} })
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
	for range b.N {
		<-got
	}
}
