package nodebench_test

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/golivechat/livechat/transport"
)

// publishTimes adds up how long the nodes' Publish calls took.
type publishTimes struct {
	calls atomic.Int64
	total atomic.Int64 // nanoseconds
}

// timedBroker is a node's broker with its Publish calls timed: a
// synchronous round trip to the broker's server shows there.
type timedBroker struct {
	transport.Broker
	times *publishTimes
}

func (b timedBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	start := time.Now()
	err := b.Broker.Publish(ctx, topic, payload)
	b.times.total.Add(int64(time.Since(start)))
	b.times.calls.Add(1)
	return err
}

// timedNotifier is a timedBroker whose broker reports its connection, as
// the Handler looks for.
type timedNotifier struct {
	timedBroker
	notifier transport.StateNotifier
}

func (b timedNotifier) OnState(fn func(transport.State)) func() { return b.notifier.OnState(fn) }

// timed wraps br (nil stays nil: the Handler's own in-process broker).
func timed(br transport.Broker, times *publishTimes) transport.Broker {
	if br == nil {
		return nil
	}
	t := timedBroker{Broker: br, times: times}
	if sn, ok := br.(transport.StateNotifier); ok {
		return timedNotifier{timedBroker: t, notifier: sn}
	}
	return t
}
