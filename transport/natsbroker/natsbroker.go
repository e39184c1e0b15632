package natsbroker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/golivechat/livechat/transport"
)

// Option configures a Broker.
type Option func(*options)

type options struct {
	prefix string
	// flush bounds the round trip that confirms a subscription.
	flush time.Duration
	// buffer is how many received messages wait for the subscribers.
	buffer int
	// check is how often the broker looks for messages that nats.go
	// dropped because they found the buffer full.
	check time.Duration
}

// WithPrefix sets the first tokens of the subject names, so that
// deployments sharing a NATS do not hear each other: one or more tokens
// separated by dots, without wildcards or white space. Default
// "livechat". Brokers that talk to each other use the same prefix.
func WithPrefix(prefix string) Option {
	return func(o *options) { o.prefix = prefix }
}

// WithBuffer sets how many received payloads may wait for the
// subscribers; nats.go drops payloads that arrive while it is full, which
// the broker reports as a lost connection (see the package
// documentation). Default 65,536.
func WithBuffer(n int) Option {
	return func(o *options) { o.buffer = n }
}

// withCheck sets how often the broker looks for dropped messages.
func withCheck(d time.Duration) Option {
	return func(o *options) { o.check = d }
}

func buildOptions(opts []Option) (options, error) {
	o := options{
		prefix: "livechat",
		flush:  5 * time.Second,
		buffer: 1 << 16,
		check:  time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkPrefix(o.prefix); err != nil {
		return o, err
	}
	if o.buffer <= 0 {
		return o, fmt.Errorf("natsbroker: buffer %d: want more than zero", o.buffer)
	}
	return o, nil
}

func checkPrefix(prefix string) error {
	for tok := range strings.SplitSeq(prefix, ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return fmt.Errorf("natsbroker: prefix %q: want tokens separated by dots, none empty, none a wildcard, without white space", prefix)
		}
	}
	return nil
}

// Broker is a [transport.Broker] on NATS core pub/sub. Create it with
// [New] or [Connect]; it is safe for concurrent use.
type Broker struct {
	nc   *nats.Conn
	own  bool // Close closes nc
	opts options

	msgs    chan *nats.Msg   // from every subscription, to dispatch
	status  chan nats.Status // from nc, to watch
	done    chan struct{}    // closed by Close
	wg      sync.WaitGroup
	closing atomic.Bool

	mu     sync.Mutex
	closed bool
	topics map[string]*topic // by subject
	nextID uint64
	states transport.StateListeners
}

var (
	_ transport.Broker        = (*Broker)(nil)
	_ transport.StateNotifier = (*Broker)(nil)
)

// topic is one subscribed subject and its local subscribers.
type topic struct {
	sub     *nats.Subscription
	subs    map[uint64]*subscriber
	ready   chan struct{} // closed once the server has the subscription
	dropped int           // of sub, as last seen
}

type subscriber struct {
	fn        func([]byte)
	cancelled atomic.Bool
}

// Connect connects to the NATS servers at url (comma-separated URLs, as
// nats.Connect takes them), reconnecting for as long as it takes, and
// returns a Broker that closes the connection when it is closed. Hosts that
// need other settings (credentials, TLS) connect themselves and call
// [New].
func Connect(url string, opts ...Option) (*Broker, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(url, nats.Name("livechat"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("natsbroker: connect: %v", err)
	}
	return newBroker(nc, true, o), nil
}

// New returns a Broker on the host's connection, which must be connected.
// Close leaves nc open: the host closes it after the Broker. nats.go gives
// up reconnecting after 60 attempts unless nc was made with
// nats.MaxReconnects(-1); a Broker whose connection has given up reports
// StateDisconnected and stays so.
func New(nc *nats.Conn, opts ...Option) (*Broker, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if !nc.IsConnected() {
		return nil, fmt.Errorf("natsbroker: connection is %v", nc.Status())
	}
	return newBroker(nc, false, o), nil
}

func newBroker(nc *nats.Conn, own bool, o options) *Broker {
	b := &Broker{
		nc:     nc,
		own:    own,
		opts:   o,
		msgs:   make(chan *nats.Msg, o.buffer),
		status: nc.StatusChanged(nats.CONNECTED, nats.RECONNECTING, nats.DISCONNECTED, nats.CLOSED),
		done:   make(chan struct{}),
		topics: make(map[string]*topic),
	}
	b.wg.Add(2)
	go b.dispatch()
	go b.watch()
	return b
}

// Subject returns the NATS subject that carries topic: the prefix, a dot,
// and the topic with every byte other than an ASCII letter, digit, "-" or
// "_" written as "%" and two hex digits. The empty topic is "%".
func (b *Broker) Subject(topic string) string {
	const hex = "0123456789ABCDEF"
	var s strings.Builder
	s.Grow(len(b.opts.prefix) + 1 + len(topic))
	s.WriteString(b.opts.prefix)
	s.WriteByte('.')
	if topic == "" {
		s.WriteByte('%')
	}
	for i := 0; i < len(topic); i++ {
		c := topic[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' {
			s.WriteByte(c)
			continue
		}
		s.WriteByte('%')
		s.WriteByte(hex[c>>4])
		s.WriteByte(hex[c&15])
	}
	return s.String()
}

// Publish sends payload to the topic's subscribers on every node. It
// queues the payload in nats.go's buffer and returns before the server has
// it; while the connection is down, nats.go keeps it for the reconnection
// (up to its reconnect buffer). Payloads published one after another on a
// topic arrive in that order. It returns an error wrapping
// [transport.ErrBrokerClosed] after Close.
func (b *Broker) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.closing.Load() {
		return fmt.Errorf("natsbroker: publish: %w", transport.ErrBrokerClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("natsbroker: publish: %w", err)
	}
	if err := b.nc.Publish(b.Subject(topic), payload); err != nil {
		if b.closing.Load() {
			return fmt.Errorf("natsbroker: publish: %w", transport.ErrBrokerClosed)
		}
		return fmt.Errorf("natsbroker: publish: %v", err)
	}
	return nil
}

// Subscribe calls fn for every payload published on topic. The first
// subscriber of a topic on this Broker subscribes to the topic's subject;
// Subscribe returns once the server has confirmed that, or at once while
// the connection is down (nats.go subscribes again when it reconnects,
// before StateConnected is reported). It returns an error wrapping
// [transport.ErrBrokerClosed] after Close.
func (b *Broker) Subscribe(topicName string, fn func(payload []byte)) (func(), error) {
	subject := b.Subject(topicName)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, fmt.Errorf("natsbroker: subscribe: %w", transport.ErrBrokerClosed)
	}
	t := b.topics[subject]
	first := t == nil
	if first {
		sub, err := b.nc.ChanSubscribe(subject, b.msgs)
		if err != nil {
			b.mu.Unlock()
			return nil, fmt.Errorf("natsbroker: subscribe: %v", err)
		}
		t = &topic{sub: sub, subs: make(map[uint64]*subscriber), ready: make(chan struct{})}
		b.topics[subject] = t
	}
	b.nextID++
	id := b.nextID
	s := &subscriber{fn: fn}
	t.subs[id] = s
	b.mu.Unlock()

	if first {
		// The server answers the PING only after the SUB before it. An
		// error, or no connection, means the connection is down or
		// dying: the watcher reports it, and StateConnected once nats.go
		// has subscribed again.
		if b.nc.IsConnected() {
			_ = b.nc.FlushTimeout(b.opts.flush)
		}
		close(t.ready)
	}
	select {
	case <-t.ready:
	case <-b.done:
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.cancelled.Store(true)
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.topics[subject] != t {
				return
			}
			delete(t.subs, id)
			if len(t.subs) == 0 {
				delete(b.topics, subject)
				_ = t.sub.Unsubscribe()
			}
		})
	}, nil
}

// dispatch calls the subscribers of each message's subject.
func (b *Broker) dispatch() {
	defer b.wg.Done()
	for {
		select {
		case <-b.done:
			return
		case m := <-b.msgs:
			b.mu.Lock()
			t := b.topics[m.Subject]
			var subs []*subscriber
			if t != nil && t.sub == m.Sub {
				subs = make([]*subscriber, 0, len(t.subs))
				for _, s := range t.subs {
					subs = append(subs, s)
				}
			}
			b.mu.Unlock()
			for _, s := range subs {
				if !s.cancelled.Load() && !b.closing.Load() {
					s.fn(m.Data)
				}
			}
		}
	}
}

// OnState calls fn with every change of the connection's state until the
// returned cancel function is called; see [transport.StateNotifier].
func (b *Broker) OnState(fn func(transport.State)) func() {
	return b.states.Add(fn)
}

// report calls the OnState functions; only the watcher calls it.
func (b *Broker) report(st transport.State) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	b.states.Report(st)
}

// watch turns nats.go's status changes and dropped messages into state
// reports.
func (b *Broker) watch() {
	defer b.wg.Done()
	connected := true
	tick := time.NewTicker(b.opts.check)
	defer tick.Stop()
	for {
		select {
		case <-b.done:
			return
		case st, ok := <-b.status:
			if !ok {
				return
			}
			// Any loss counts, even one that nats.go has already
			// repaired by the time this runs.
			if st != nats.CONNECTED && connected {
				connected = false
				b.report(transport.StateDisconnected)
			}
		case <-tick.C:
			if connected && b.dropped() {
				// Payloads were lost as surely as on a broken
				// connection, and the subscriptions are still active.
				b.report(transport.StateDisconnected)
				b.report(transport.StateConnected)
			}
		}
		if !connected && b.nc.IsConnected() {
			// nats.go sends every SUB again when it reconnects; the
			// server answers the PING only after them.
			if err := b.nc.FlushTimeout(b.opts.flush); err == nil {
				connected = true
				b.dropped() // already covered by this report
				b.report(transport.StateConnected)
			}
		}
	}
}

// dropped reports whether nats.go has dropped messages of a subscription
// since the last call.
func (b *Broker) dropped() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	lost := false
	for _, t := range b.topics {
		n, err := t.sub.Dropped()
		if err == nil && n != t.dropped {
			t.dropped = n
			lost = true
		}
	}
	return lost
}

// Close stops delivery, waits for the subscribers' calls under way, drops
// the subscriptions, and closes the connection if the Broker was made by
// [Connect]. Closing again returns nil.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.closing.Store(true)
	close(b.done)
	var errs []error
	for subject, t := range b.topics {
		if err := t.sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
		delete(b.topics, subject)
	}
	b.mu.Unlock()
	b.nc.RemoveStatusListener(b.status)
	b.wg.Wait()
	if b.own {
		b.nc.Close()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("natsbroker: close: %v", err)
	}
	return nil
}
