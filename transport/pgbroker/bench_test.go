package pgbroker_test

import (
	"testing"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
)

// BenchmarkBroker is brokertest.Benchmark between two nodes on the test
// PostgreSQL: inline as text, inline in base64, by reference.
func BenchmarkBroker(b *testing.B) {
	db := newTestDB(b)
	brokertest.Benchmark(b, func(tb testing.TB) transport.Broker { return db.open(tb) })
}
