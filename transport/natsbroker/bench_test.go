package natsbroker_test

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
	"github.com/golivechat/livechat/transport/natsbroker"
)

// BenchmarkBroker is brokertest.Benchmark between two nodes on the test
// NATS, each broker on a connection of its own.
func BenchmarkBroker(b *testing.B) {
	s := newServer(b)
	brokertest.Benchmark(b, func(tb testing.TB) transport.Broker { return s.direct(tb) })
}

// direct returns a Broker connected straight to the test NATS, closed
// when the benchmark ends.
func (s *testServer) direct(tb testing.TB) *natsbroker.Broker {
	tb.Helper()
	nc, err := nats.Connect(s.url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	b, err := natsbroker.New(nc, natsbroker.WithPrefix(s.prefix))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = b.Close() })
	return b
}
