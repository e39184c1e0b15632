package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/golivechat/livechat/transport"
)

// Option configures a Broker.
type Option func(*options)

type options struct {
	prefix     string
	minBackoff time.Duration
	maxBackoff time.Duration
	// ping is how long the subscribing connection may stay silent before
	// it is checked, so that one that died without a word is noticed.
	ping time.Duration
}

// WithPrefix sets the prefix of the channel names, so that deployments
// sharing a Redis do not hear each other: a topic's channel is the prefix,
// ":" and the topic. Default "livechat". Brokers that talk to each other
// use the same prefix.
func WithPrefix(prefix string) Option {
	return func(o *options) { o.prefix = prefix }
}

// WithReconnectBackoff sets the first and the longest wait between
// attempts to reconnect the subscribing connection; the wait doubles after
// each failed attempt. Defaults 100 ms and 5 s.
func WithReconnectBackoff(first, longest time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = first, longest }
}

// withPing sets how long the subscribing connection may stay silent before
// it is checked. Default 15 s.
func withPing(d time.Duration) Option {
	return func(o *options) { o.ping = d }
}

func buildOptions(opts []Option) (options, error) {
	o := options{
		prefix:     "livechat",
		minBackoff: 100 * time.Millisecond,
		maxBackoff: 5 * time.Second,
		ping:       15 * time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.minBackoff <= 0 || o.maxBackoff < o.minBackoff:
		return o, fmt.Errorf("redisbroker: reconnect backoff %v..%v: want 0 < first <= longest", o.minBackoff, o.maxBackoff)
	case o.ping <= 0:
		return o, fmt.Errorf("redisbroker: ping interval %v: want more than zero", o.ping)
	}
	return o, nil
}

// Pong payloads tell the replies to the broker's own pings apart.
const (
	pongHealth    = "livechat-health"
	pongReconnect = "livechat-reconnect"
	pongSubscribe = "livechat-subscribe-" // and the waiter's number
)

// Broker is a [transport.Broker] on Redis pub/sub. Create it with [New] or
// [Open]; it is safe for concurrent use.
type Broker struct {
	client redis.UniversalClient
	own    bool // Close closes client
	opts   options

	done chan struct{} // closed by Close
	// life ends with Close, and with it the sending of kept payloads.
	life     context.Context
	stopLife context.CancelFunc
	wg       sync.WaitGroup

	// mu guards the fields below, and orders the SUBSCRIBE and UNSUBSCRIBE
	// commands written on ps with the changes to topics.
	mu      sync.Mutex
	closed  bool
	ps      *redis.PubSub
	topics  map[string]*topic  // by channel
	waiters map[string]*waiter // by pong payload
	nextID  uint64
	states  transport.StateListeners
	closing atomic.Bool

	// outMu guards the payloads kept while Redis cannot be reached.
	outMu   sync.Mutex
	outbox  []outgoing
	outSize int
}

var (
	_ transport.Broker        = (*Broker)(nil)
	_ transport.StateNotifier = (*Broker)(nil)
)

// topic is one subscribed channel and its local subscribers.
type topic struct {
	subs  map[uint64]*subscriber
	ready *waiter // until the server confirms the SUBSCRIBE
}

type subscriber struct {
	fn        func([]byte)
	cancelled atomic.Bool
}

// waiter is closed when the server has answered the PING written after a
// SUBSCRIBE, which it does only after the SUBSCRIBE took effect, or when
// the connection drops (the broker then reports StateDisconnected, and
// StateConnected once every subscription is active again).
type waiter struct {
	ch   chan struct{}
	once sync.Once
}

func (w *waiter) release() { w.once.Do(func() { close(w.ch) }) }

// Open connects to the Redis at addr (host:port) with go-redis's default
// settings and returns a Broker that closes the connections when it is
// closed. Hosts that need other settings (a password, TLS, Sentinel,
// Cluster) make their own client and call [New].
func Open(ctx context.Context, addr string, opts ...Option) (*Broker, error) {
	client := redis.NewClient(&redis.Options{Addr: addr})
	b, err := newBroker(ctx, client, true, opts)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	return b, nil
}

// New returns a Broker that publishes with client and subscribes on one
// connection of its own, made with client's settings. It checks the
// server with a PING first. Close leaves client open: the host closes it
// after the Broker.
func New(ctx context.Context, client redis.UniversalClient, opts ...Option) (*Broker, error) {
	return newBroker(ctx, client, false, opts)
}

func newBroker(ctx context.Context, client redis.UniversalClient, own bool, opts []Option) (*Broker, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := client.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("redisbroker: connect: %v", err)
	}
	b := &Broker{
		client:  client,
		own:     own,
		opts:    o,
		done:    make(chan struct{}),
		ps:      client.Subscribe(ctx),
		topics:  make(map[string]*topic),
		waiters: make(map[string]*waiter),
	}
	// The subscribing connection is made now, so that a broken one is
	// reported by New rather than as a later StateDisconnected.
	if err := b.ps.Ping(ctx, pongHealth); err != nil {
		_ = b.ps.Close()
		return nil, fmt.Errorf("redisbroker: connect: %v", err)
	}
	b.life, b.stopLife = context.WithCancel(context.Background())
	b.wg.Add(1)
	go b.receive()
	return b, nil
}

// Channel returns the Redis channel that carries topic.
func (b *Broker) Channel(topic string) string { return b.opts.prefix + ":" + topic }

// Publish sends payload to the topic's subscribers on every node. It
// returns once Redis has taken it, or once it is kept for later: when
// Redis cannot be reached, Publish keeps the payload, and those published
// after it, up to 8 MiB in all, and the broker sends them in order as soon
// as Redis answers again. Payloads published one after another from one
// goroutine arrive in that order. Publish returns an error when the keep
// is full, when Redis refuses the command, when ctx ends, and an error
// wrapping [transport.ErrBrokerClosed] after Close.
func (b *Broker) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.closing.Load() {
		return fmt.Errorf("redisbroker: publish: %w", transport.ErrBrokerClosed)
	}
	channel := b.Channel(topic)
	b.outMu.Lock()
	if len(b.outbox) > 0 {
		// Payloads are waiting: this one goes after them.
		defer b.outMu.Unlock()
		return b.keepLocked(channel, payload)
	}
	b.outMu.Unlock()
	err := b.client.Publish(ctx, channel, payload).Err()
	var redisErr redis.Error
	if err == nil || ctx.Err() != nil || b.closing.Load() || errors.As(err, &redisErr) {
		return b.fail(ctx, "publish", err)
	}
	// Redis cannot be reached.
	b.outMu.Lock()
	defer b.outMu.Unlock()
	return b.keepLocked(channel, payload)
}

// maxOutbox bounds the payloads kept while Redis cannot be reached.
const maxOutbox = 8 << 20

type outgoing struct {
	channel string
	payload []byte
}

// keepLocked keeps a payload for the sender goroutine, which it starts
// when there is none.
func (b *Broker) keepLocked(channel string, payload []byte) error {
	if b.closing.Load() {
		return fmt.Errorf("redisbroker: publish: %w", transport.ErrBrokerClosed)
	}
	if b.outSize+len(payload) > maxOutbox {
		return fmt.Errorf("redisbroker: publish: Redis cannot be reached and %d bytes wait already", b.outSize)
	}
	b.outbox = append(b.outbox, outgoing{channel, payload})
	b.outSize += len(payload)
	if len(b.outbox) == 1 {
		b.wg.Add(1)
		go b.send()
	}
	return nil
}

// send publishes the kept payloads in order, waiting between failed
// attempts, until none is left or the broker closes.
func (b *Broker) send() {
	defer b.wg.Done()
	backoff := b.opts.minBackoff
	for {
		b.outMu.Lock()
		if len(b.outbox) == 0 || b.closing.Load() {
			b.outbox, b.outSize = nil, 0
			b.outMu.Unlock()
			return
		}
		next := b.outbox[0]
		b.outMu.Unlock()
		ctx, cancel := context.WithTimeout(b.life, 10*time.Second)
		err := b.client.Publish(ctx, next.channel, next.payload).Err()
		cancel()
		var redisErr redis.Error
		if err != nil && !errors.As(err, &redisErr) {
			if !b.sleep(backoff) {
				continue
			}
			backoff = min(2*backoff, b.opts.maxBackoff)
			continue
		}
		// Sent, or refused by Redis itself, which sending again would not
		// change.
		backoff = b.opts.minBackoff
		b.outMu.Lock()
		b.outbox[0] = outgoing{}
		b.outbox = b.outbox[1:]
		b.outSize -= len(next.payload)
		b.outMu.Unlock()
	}
}

// fail wraps err from the driver for the caller: context errors and the
// closed broker keep their identity, the driver's own types do not leak.
func (b *Broker) fail(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case b.closing.Load():
		return fmt.Errorf("redisbroker: %s: %w", op, transport.ErrBrokerClosed)
	case ctx.Err() != nil:
		return fmt.Errorf("redisbroker: %s: %w", op, ctx.Err())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("redisbroker: %s: %w", op, err)
	}
	return fmt.Errorf("redisbroker: %s: %v", op, err)
}

// Subscribe calls fn for every payload published on topic. The first
// subscriber of a topic on this Broker makes it SUBSCRIBE to the topic's
// channel; Subscribe returns once Redis has confirmed that, or at once
// while the connection is down (the subscription is then made again with
// the others, before StateConnected is reported). It returns an error
// wrapping [transport.ErrBrokerClosed] after Close.
func (b *Broker) Subscribe(topicName string, fn func(payload []byte)) (func(), error) {
	channel := b.Channel(topicName)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, fmt.Errorf("redisbroker: subscribe: %w", transport.ErrBrokerClosed)
	}
	t := b.topics[channel]
	if t == nil {
		t = &topic{subs: make(map[uint64]*subscriber), ready: &waiter{ch: make(chan struct{})}}
		b.topics[channel] = t
		b.subscribeLocked(channel, t.ready)
	}
	b.nextID++
	id := b.nextID
	sub := &subscriber{fn: fn}
	t.subs[id] = sub
	ready := t.ready
	b.mu.Unlock()

	select {
	case <-ready.ch:
	case <-b.done:
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			sub.cancelled.Store(true)
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.topics[channel] != t {
				return
			}
			delete(t.subs, id)
			if len(t.subs) == 0 {
				delete(b.topics, channel)
				if !b.closed {
					// An error means the connection is down; the
					// reconnection does not subscribe again, since
					// go-redis has forgotten the channel already.
					_ = b.ps.Unsubscribe(context.Background(), channel)
				}
			}
		})
	}, nil
}

// subscribeLocked writes SUBSCRIBE and then a PING whose answer releases w.
func (b *Broker) subscribeLocked(channel string, w *waiter) {
	ctx := context.Background()
	b.nextID++
	pong := pongSubscribe + strconv.FormatUint(b.nextID, 10)
	if err := b.ps.Subscribe(ctx, channel); err != nil {
		// The connection is down: the receive loop reports it, and
		// subscribes again before it reports StateConnected.
		w.release()
		return
	}
	b.waiters[pong] = w
	if err := b.ps.Ping(ctx, pong); err != nil {
		delete(b.waiters, pong)
		w.release()
	}
}

// OnState calls fn with every change of the connection's state until the
// returned cancel function is called; see [transport.StateNotifier].
func (b *Broker) OnState(fn func(transport.State)) func() {
	return b.states.Add(fn)
}

// report calls the OnState functions; only the receive loop calls it.
func (b *Broker) report(st transport.State) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	b.states.Report(st)
}

// receive owns the subscribing connection's reading side: it dispatches
// messages, checks a silent connection with a PING, and after a failure
// reconnects with backoff, subscribes again and reports the state.
func (b *Broker) receive() {
	defer b.wg.Done()
	ctx := context.Background()
	connected := true
	pinged := false // a health PING is unanswered
	backoff := b.opts.minBackoff
	for {
		ps := b.pubsub()
		msg, err := ps.ReceiveTimeout(ctx, b.opts.ping)
		if b.closing.Load() {
			return
		}
		if err != nil {
			if isTimeout(err) && connected && !pinged {
				pinged = true
				if ps.Ping(ctx, pongHealth) == nil {
					continue
				}
			}
			// Either the connection failed, and go-redis has dropped it
			// and dials a new one on the next call, or it did not answer
			// a PING in time and may be dead without a word: then it is
			// replaced here.
			if connected {
				connected = false
				b.report(transport.StateDisconnected)
			}
			if isTimeout(err) {
				b.replace()
			}
			// The PINGs that Subscribe calls wait for went down with the
			// connection: they return, and their subscriptions are made
			// again before StateConnected.
			b.releaseWaiters()
			pinged = false
			for {
				if !b.sleep(backoff) {
					return
				}
				backoff = min(2*backoff, b.opts.maxBackoff)
				// A new connection starts with SUBSCRIBE to every
				// channel; the answer to this PING, which follows it,
				// says every subscription is active again.
				if b.pubsub().Ping(ctx, pongReconnect) == nil {
					break
				}
			}
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Message:
			b.dispatch(m.Channel, []byte(m.Payload))
		case *redis.Pong:
			switch {
			case m.Payload == pongReconnect && !connected:
				connected = true
				backoff = b.opts.minBackoff
				b.report(transport.StateConnected)
			case strings.HasPrefix(m.Payload, pongSubscribe):
				b.mu.Lock()
				if w := b.waiters[m.Payload]; w != nil {
					w.release()
					delete(b.waiters, m.Payload)
				}
				b.mu.Unlock()
			}
		}
	}
}

// releaseWaiters lets every Subscribe waiting for its PING return.
func (b *Broker) releaseWaiters() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.releaseWaitersLocked()
}

func (b *Broker) releaseWaitersLocked() {
	for pong, w := range b.waiters {
		w.release()
		delete(b.waiters, pong)
	}
}

func isTimeout(err error) bool {
	var netErr interface{ Timeout() bool }
	return errors.As(err, &netErr) && netErr.Timeout()
}

func (b *Broker) pubsub() *redis.PubSub {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ps
}

// replace closes the subscribing connection and starts a new one that
// subscribes to every channel with a subscriber.
func (b *Broker) replace() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	old := b.ps
	channels := make([]string, 0, len(b.topics))
	for channel := range b.topics {
		channels = append(channels, channel)
	}
	// An error leaves the channels recorded, for the next connection.
	b.ps = b.client.Subscribe(context.Background(), channels...)
	b.mu.Unlock()
	_ = old.Close()
}

// sleep waits for d, and reports false if the broker closes first.
func (b *Broker) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.done:
		return false
	}
}

// dispatch calls the subscribers of channel.
func (b *Broker) dispatch(channel string, payload []byte) {
	b.mu.Lock()
	t := b.topics[channel]
	var subs []*subscriber
	if t != nil {
		subs = make([]*subscriber, 0, len(t.subs))
		for _, sub := range t.subs {
			subs = append(subs, sub)
		}
	}
	b.mu.Unlock()
	for _, sub := range subs {
		if !sub.cancelled.Load() {
			sub.fn(payload)
		}
	}
}

// Close stops delivery, waits for the subscribers' calls under way, closes
// the subscribing connection, and the client if the Broker was made by
// [Open]. Closing again returns nil.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	// Publish starts no sender once it has seen this under outMu.
	b.outMu.Lock()
	b.closing.Store(true)
	b.outMu.Unlock()
	close(b.done)
	ps := b.ps
	b.topics = make(map[string]*topic)
	b.releaseWaitersLocked()
	b.mu.Unlock()
	b.stopLife()
	err := ps.Close()
	b.wg.Wait()
	if b.own {
		if cerr := b.client.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("redisbroker: close: %v", err)
	}
	return nil
}
