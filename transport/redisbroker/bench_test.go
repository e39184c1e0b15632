package redisbroker_test

import (
	"testing"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
)

// BenchmarkBroker is brokertest.Benchmark between two nodes on the test
// Redis.
func BenchmarkBroker(b *testing.B) {
	s := newServer(b)
	brokertest.Benchmark(b, func(tb testing.TB) transport.Broker { return s.open(tb) })
}
