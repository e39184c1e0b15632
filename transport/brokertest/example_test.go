package brokertest_test

import (
	"testing"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
)

// A broker's test file runs the suite with a function that connects one
// more node. The in-process broker has no server to share, so it runs as a
// single node.
func ExampleRun() {
	// In the broker's package: func TestBroker(t *testing.T) { ... }
	_ = func(t *testing.T) {
		brokertest.Run(t, func(t *testing.T) transport.Broker {
			return transport.NewLocalBroker()
		}, &brokertest.Options{SingleNode: true})
	}
}
