package transport

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// ErrBrokerClosed is returned by a Broker used after Close.
var ErrBrokerClosed = errors.New("transport: broker closed")

// Broker delivers payloads published on a topic to every subscriber of that
// topic, on every node that shares the broker. Delivery is best effort and
// at most once: a broker may drop payloads (the chat server replays gaps
// from storage), but it must not reorder payloads from one publisher on one
// topic.
type Broker interface {
	// Publish sends payload to the topic's subscribers. The broker may keep
	// payload after Publish returns; the caller must not modify it.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls fn for every payload published on topic, by any
	// node, after Subscribe returns, until the returned cancel function is
	// called; once cancel returns, payloads published later do not reach
	// fn. cancel may be called more than once. fn runs on the broker's
	// goroutine and must not block; it must not modify payload.
	Subscribe(topic string, fn func(payload []byte)) (cancel func(), err error)
	// Close stops delivery and releases resources: once it returns, no
	// subscriber is called again, and Publish and Subscribe return
	// ErrBrokerClosed.
	Close() error
}

// LocalBroker is a Broker for a single process: Publish calls the
// subscribers synchronously. It has no connection to lose and does not
// implement StateNotifier.
type LocalBroker struct {
	mu     sync.RWMutex
	next   uint64
	subs   map[string][]localSub
	closed bool
}

// localSub is one subscription of a LocalBroker's topic. A topic's
// subscribers are a slice rather than a map: Publish, once per event,
// ranges over them, and Subscribe and cancel are rare.
type localSub struct {
	id uint64
	fn func([]byte)
}

var _ Broker = (*LocalBroker)(nil)

// NewLocalBroker returns an empty in-process broker.
func NewLocalBroker() *LocalBroker {
	return &LocalBroker{subs: make(map[string][]localSub)}
}

// Publish calls every subscriber of topic with payload before it returns.
func (b *LocalBroker) Publish(_ context.Context, topic string, payload []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrBrokerClosed
	}
	for _, s := range b.subs[topic] {
		s.fn(payload)
	}
	return nil
}

// Subscribe registers fn for topic.
func (b *LocalBroker) Subscribe(topic string, fn func(payload []byte)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrokerClosed
	}
	b.next++
	id := b.next
	// Copied on every change: a topic's slice, once stored, is never
	// modified.
	b.subs[topic] = append(slices.Clip(b.subs[topic]), localSub{id, fn})
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			subs := slices.DeleteFunc(slices.Clone(b.subs[topic]), func(s localSub) bool { return s.id == id })
			if len(subs) == 0 {
				delete(b.subs, topic)
			} else {
				b.subs[topic] = subs
			}
		})
	}, nil
}

// Close drops every subscription; later calls return ErrBrokerClosed.
func (b *LocalBroker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.subs = nil
	return nil
}
