package brokertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/transport"
)

// MaxPayload is the largest payload the suite publishes: the largest frame
// a client may send (transport.ConnOptions.ReadLimit's default).
const MaxPayload = 64 << 10

// waitTimeout bounds every wait for a delivery, and reconnectTimeout the
// wait for a broker to report a cut and its reconnection. They are bounds
// for a lost payload or a hung broker, not for speed: the suite runs under
// -race on busy machines.
const (
	waitTimeout      = 20 * time.Second
	reconnectTimeout = time.Minute
)

// Options say what the broker under test is. A nil *Options is a broker for
// several nodes that the suite cannot cut.
type Options struct {
	// SingleNode says the brokers open returns do not reach each other, as
	// LocalBroker's do not: the suite then opens one broker per subtest and
	// lets it play every node.
	SingleNode bool
	// Cut breaks b's connection to its server abruptly, as a network
	// failure or a server restart would, and returns without waiting for
	// the reconnection. The suite cuts only brokers that implement
	// transport.StateNotifier; with Cut nil the reconnection test is
	// skipped.
	Cut func(t *testing.T, b transport.Broker)
}

// Run runs the conformance suite against the brokers open returns. open is
// called once for each node a subtest needs; the brokers it returns are
// nodes of one cluster, sharing one server. Run closes each broker when
// its subtest ends, so open must not. Every subtest publishes on topics of
// its own, so open may return brokers on the same channel prefix for the
// whole run.
func Run(t *testing.T, open func(t *testing.T) transport.Broker, opts *Options) {
	t.Helper()
	s := &suite{open: open}
	if opts != nil {
		s.opts = *opts
	}
	t.Run("Delivery", s.delivery)
	t.Run("OrderPerPublisher", s.orderPerPublisher)
	t.Run("SeveralSubscribers", s.severalSubscribers)
	t.Run("Unsubscribe", s.unsubscribe)
	t.Run("Close", s.close)
	t.Run("Payloads", s.payloads)
	t.Run("ConcurrentPublishers", s.concurrentPublishers)
	t.Run("Reconnect", s.reconnect)
}

type suite struct {
	open func(t *testing.T) transport.Broker
	opts Options
}

// node returns a new broker that is closed when t ends.
func (s *suite) node(t *testing.T) transport.Broker {
	t.Helper()
	b := s.open(t)
	require.NotNil(t, b, "open returned nil")
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			assert.ErrorIs(t, err, transport.ErrBrokerClosed, "Close")
		}
	})
	return b
}

// nodes returns n nodes of one cluster; for a SingleNode broker, n times
// the same broker.
func (s *suite) nodes(t *testing.T, n int) []transport.Broker {
	t.Helper()
	out := make([]transport.Broker, n)
	for i := range out {
		if s.opts.SingleNode && i > 0 {
			out[i] = out[0]
			continue
		}
		out[i] = s.node(t)
	}
	return out
}

// topic returns a topic no other subtest or run uses, ending in name.
func topic(t *testing.T, name string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "/" + name
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// recorder keeps every payload its subscription receives.
type recorder struct {
	name    string
	mu      sync.Mutex
	got     [][]byte
	changed chan struct{} // closed and replaced on every payload
}

// subscribe subscribes a recorder to topic on b and cancels the
// subscription when t ends.
func subscribe(t *testing.T, b transport.Broker, topic, name string) (*recorder, func()) {
	t.Helper()
	r := &recorder{name: name, changed: make(chan struct{})}
	cancel, err := b.Subscribe(topic, r.receive)
	require.NoError(t, err, "Subscribe(%q) for %s", topic, name)
	require.NotNil(t, cancel, "Subscribe returned a nil cancel function")
	t.Cleanup(cancel)
	return r, cancel
}

// subscribeWithin is subscribe for a broker that may be disconnected:
// Subscribe must return within reconnectTimeout.
func subscribeWithin(t *testing.T, b transport.Broker, topic, name string) *recorder {
	t.Helper()
	r := &recorder{name: name, changed: make(chan struct{})}
	type result struct {
		cancel func()
		err    error
	}
	done := make(chan result, 1)
	go func() {
		cancel, err := b.Subscribe(topic, r.receive)
		done <- result{cancel, err}
	}()
	select {
	case res := <-done:
		require.NoError(t, res.err, "Subscribe(%q) for %s", topic, name)
		require.NotNil(t, res.cancel, "Subscribe returned a nil cancel function")
		t.Cleanup(res.cancel)
	case <-time.After(reconnectTimeout):
		t.Fatalf("Subscribe(%q) for %s did not return within %v", topic, name, reconnectTimeout)
	}
	return r
}

func (r *recorder) receive(payload []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, bytes.Clone(payload))
	close(r.changed)
	r.changed = make(chan struct{})
}

// payloads returns what the recorder has received so far, as strings.
func (r *recorder) payloads() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.got))
	for i, p := range r.got {
		out[i] = string(p)
	}
	return out
}

// wait waits until done holds for the payloads received so far, and fails
// t after waitTimeout.
func (r *recorder) wait(t *testing.T, what string, done func(got []string) bool) []string {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		got := r.payloads()
		if done(got) {
			return got
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("%s did not receive %s within %v; it received %d payloads: %s", r.name, what, waitTimeout, len(got), summary(got))
		}
	}
}

// waitFor waits for a payload equal to p and returns everything received.
func (r *recorder) waitFor(t *testing.T, p string) []string {
	t.Helper()
	return r.wait(t, fmt.Sprintf("%.40q", p), func(got []string) bool { return slices.Contains(got, p) })
}

// waitCount waits for n payloads.
func (r *recorder) waitCount(t *testing.T, n int) []string {
	t.Helper()
	return r.wait(t, fmt.Sprint(n, " payloads"), func(got []string) bool { return len(got) >= n })
}

// summary shortens a list of payloads for a failure message.
func summary(got []string) string {
	var b strings.Builder
	for i, p := range got {
		if i == 20 {
			fmt.Fprintf(&b, " ... (%d more)", len(got)-i)
			break
		}
		fmt.Fprintf(&b, "%.40q ", p)
	}
	return b.String()
}

func publish(t *testing.T, ctx context.Context, b transport.Broker, topic, payload string) {
	t.Helper()
	require.NoError(t, b.Publish(ctx, topic, []byte(payload)), "Publish(%q)", topic)
}

// specialTopics are topics that brokers with a syntax of their own for
// channel or subject names (wildcards, separators) must keep apart.
var specialTopics = []string{
	"conversation:1",
	"conversation.1",
	"conversation.*",
	"conversation.>",
	"conversation.",
	".conversation",
	"conversation..1",
	"*",
	">",
	"",
	"a b",
	"a\tb\r\n",
	"A",
	"a",
	"%41",
	"%",
	"ü/ß/😀",
	"a/b\\c",
	"__proto__",
	strings.Repeat("long-", 50),
}

// Every subscriber of a topic on every node receives each payload once,
// whichever node published it, and nothing published on another topic.
func (s *suite) delivery(t *testing.T) {
	ctx := testContext(t)
	// The last node is a publisher only, with no subscription at all.
	nodes := s.nodes(t, 4)
	publisher := nodes[len(nodes)-1]
	prefix := topic(t, "")
	recs := make([][]*recorder, len(nodes)-1)
	for n, b := range nodes[:len(nodes)-1] {
		for i, name := range specialTopics {
			r, _ := subscribe(t, b, prefix+name, fmt.Sprintf("node %d's subscriber of topic %d (%q)", n, i, name))
			recs[n] = append(recs[n], r)
		}
	}
	for n, b := range nodes {
		for i, name := range specialTopics {
			publish(t, ctx, b, prefix+name, fmt.Sprintf("topic %d from node %d", i, n))
		}
	}
	for _, rs := range recs {
		for i, r := range rs {
			want := make([]string, len(nodes))
			for n := range nodes {
				want[n] = fmt.Sprintf("topic %d from node %d", i, n)
			}
			r.wait(t, "every node's payload", func(got []string) bool {
				for _, w := range want {
					if !slices.Contains(got, w) {
						return false
					}
				}
				return true
			})
		}
	}
	// One more payload per topic from the last node: once it is in, a
	// payload wrongly routed from another topic would have arrived too.
	for i, name := range specialTopics {
		publish(t, ctx, publisher, prefix+name, fmt.Sprintf("topic %d end", i))
	}
	for _, rs := range recs {
		for i, r := range rs {
			got := r.waitFor(t, fmt.Sprintf("topic %d end", i))
			want := make([]string, 0, len(nodes)+1)
			for n := range nodes {
				want = append(want, fmt.Sprintf("topic %d from node %d", i, n))
			}
			want = append(want, fmt.Sprintf("topic %d end", i))
			require.ElementsMatch(t, want, got, "%s: each payload of its topic once, none of another topic", r.name)
		}
	}
}

// Payloads from one publisher on one topic arrive in the order published,
// on every node, none lost while the broker stays connected.
func (s *suite) orderPerPublisher(t *testing.T) {
	const count = 500
	ctx := testContext(t)
	nodes := s.nodes(t, 2)
	tp := topic(t, "order")
	var recs []*recorder
	for n, b := range nodes {
		r, _ := subscribe(t, b, tp, fmt.Sprintf("node %d's subscriber", n))
		recs = append(recs, r)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(nodes))
	for n, b := range nodes {
		wg.Go(func() {
			for i := range count {
				if err := b.Publish(ctx, tp, fmt.Appendf(nil, "%d:%04d", n, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "Publish")
	}
	for _, r := range recs {
		got := r.waitCount(t, count*len(nodes))
		require.Len(t, got, count*len(nodes), "%s: every payload once", r.name)
		checkOrder(t, r.name, got, len(nodes), count)
	}
}

// checkOrder checks that got holds, for each publisher p below publishers,
// "p:0000" ... in order, count of them.
func checkOrder(t *testing.T, name string, got []string, publishers, count int) {
	t.Helper()
	next := make([]int, publishers)
	for _, p := range got {
		var pub, i int
		_, err := fmt.Sscanf(p, "%d:%d", &pub, &i)
		require.NoError(t, err, "%s received %q", name, p)
		require.Less(t, pub, publishers, "%s received %q", name, p)
		require.Equal(t, next[pub], i, "%s: publisher %d's payload %d came after %d", name, pub, i, next[pub]-1)
		next[pub]++
	}
	for pub, n := range next {
		require.Equal(t, count, n, "%s: payloads of publisher %d", name, pub)
	}
}

// Several subscribers of one topic on one node each receive every payload
// once.
func (s *suite) severalSubscribers(t *testing.T) {
	ctx := testContext(t)
	nodes := s.nodes(t, 2)
	tp, other := topic(t, "several"), topic(t, "other")
	var recs []*recorder
	for i := range 3 {
		r, _ := subscribe(t, nodes[0], tp, fmt.Sprint("subscriber ", i))
		recs = append(recs, r)
	}
	otherRec, _ := subscribe(t, nodes[0], other, "the other topic's subscriber")
	want := []string{"one", "two", "three"}
	for i, p := range want {
		publish(t, ctx, nodes[i%2], tp, p)
	}
	publish(t, ctx, nodes[1], other, "end")
	for _, r := range recs {
		got := r.waitCount(t, len(want))
		require.ElementsMatch(t, want, got, r.name)
	}
	require.Equal(t, []string{"end"}, otherRec.waitFor(t, "end"))
	for _, r := range recs {
		require.ElementsMatch(t, want, r.payloads(), "%s: each payload once", r.name)
	}
}

// After cancel returns, the subscriber receives nothing published later;
// cancelling twice is safe; a topic whose last subscriber left can be
// subscribed to again.
func (s *suite) unsubscribe(t *testing.T) {
	ctx := testContext(t)
	nodes := s.nodes(t, 2)
	tp := topic(t, "unsubscribe")
	a, cancelA := subscribe(t, nodes[0], tp, "subscriber A on node 0")
	b, cancelB := subscribe(t, nodes[0], tp, "subscriber B on node 0")
	c, cancelC := subscribe(t, nodes[1], tp, "subscriber C on node 1")
	publish(t, ctx, nodes[1], tp, "first")
	for _, r := range []*recorder{a, b, c} {
		r.waitFor(t, "first")
	}
	cancelA()
	cancelA()
	publish(t, ctx, nodes[1], tp, "second")
	publish(t, ctx, nodes[0], tp, "third")
	for _, r := range []*recorder{b, c} {
		r.waitFor(t, "second")
		r.waitFor(t, "third")
	}
	require.Equal(t, []string{"first"}, a.payloads(), "a cancelled subscriber receives nothing more")

	// Every subscriber leaves, then one comes back to the same topic.
	cancelB()
	cancelC()
	cancelB()
	publish(t, ctx, nodes[1], tp, "nobody")
	d, _ := subscribe(t, nodes[0], tp, "subscriber D on node 0")
	publish(t, ctx, nodes[1], tp, "fourth")
	got := d.waitFor(t, "fourth")
	require.NotContains(t, got, "first")
	require.NotContains(t, got, "second")
	require.NotContains(t, got, "third")
	require.ElementsMatch(t, []string{"first", "second", "third"}, b.payloads(), "subscriber B after cancel")
	require.ElementsMatch(t, []string{"first", "second", "third"}, c.payloads(), "subscriber C after cancel")
}

// Close stops delivery on its node only; Publish and Subscribe after Close
// return ErrBrokerClosed; cancelling a subscription of a closed broker and
// closing it again are safe.
func (s *suite) close(t *testing.T) {
	ctx := testContext(t)
	nodes := s.nodes(t, 2)
	tp := topic(t, "close")
	closing, cancelClosing := subscribe(t, nodes[0], tp, "the closed node's subscriber")
	var open *recorder
	if !s.opts.SingleNode {
		open, _ = subscribe(t, nodes[1], tp, "the open node's subscriber")
	}
	publish(t, ctx, nodes[1], tp, "before")
	closing.waitFor(t, "before")
	require.NoError(t, nodes[0].Close(), "Close")
	after := closing.payloads()

	err := nodes[0].Publish(ctx, tp, []byte("after"))
	require.ErrorIs(t, err, transport.ErrBrokerClosed, "Publish after Close")
	cancel, err := nodes[0].Subscribe(tp, func([]byte) { t.Error("a closed broker delivered a payload") })
	require.ErrorIs(t, err, transport.ErrBrokerClosed, "Subscribe after Close")
	if cancel != nil {
		cancel()
	}
	cancelClosing()
	if err := nodes[0].Close(); err != nil {
		require.ErrorIs(t, err, transport.ErrBrokerClosed, "Close again")
	}

	if s.opts.SingleNode {
		require.Equal(t, after, closing.payloads(), "nothing delivered after Close")
		return
	}
	publish(t, ctx, nodes[1], tp, "after")
	open.waitFor(t, "after")
	require.Equal(t, after, closing.payloads(), "nothing delivered after Close")
	require.Equal(t, []string{"before"}, after)
}

// Payloads up to MaxPayload arrive byte for byte, whatever bytes they hold.
func (s *suite) payloads(t *testing.T) {
	ctx := testContext(t)
	nodes := s.nodes(t, 2)
	tp := topic(t, "payloads")
	recs := []*recorder{}
	for n, b := range nodes {
		r, _ := subscribe(t, b, tp, fmt.Sprintf("node %d's subscriber", n))
		recs = append(recs, r)
	}
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	random := make([]byte, MaxPayload)
	_, _ = rand.Read(random)
	want := [][]byte{
		{},
		{0},
		every,
		[]byte(`{"type":"message","text":"Grüße 👋 \"quoted\" \\ \u2028"}`),
		bytes.Repeat([]byte("x"), 7999),
		bytes.Repeat([]byte("y"), 8000),
		bytes.Repeat([]byte("z"), 8001),
		bytes.Repeat(every, MaxPayload/256)[:MaxPayload-1],
		bytes.Repeat(every, MaxPayload/256),
		random,
		[]byte("last"),
	}
	for i, p := range want {
		require.NoError(t, nodes[i%2].Publish(ctx, tp, p), "Publish of %d bytes", len(p))
	}
	for _, r := range recs {
		r.waitCount(t, len(want))
		r.mu.Lock()
		got := slices.Clone(r.got)
		r.mu.Unlock()
		require.Len(t, got, len(want), r.name)
		for _, w := range want {
			found := slices.ContainsFunc(got, func(g []byte) bool { return bytes.Equal(g, w) })
			require.True(t, found, "%s: a payload of %d bytes starting %.20q did not arrive intact", r.name, len(w), w)
		}
	}
}

// Many goroutines publishing at once on several nodes and topics: every
// payload arrives once, in order per goroutine.
func (s *suite) concurrentPublishers(t *testing.T) {
	const publishers, count = 8, 100
	ctx := testContext(t)
	nodes := s.nodes(t, 2)
	topics := []string{topic(t, "concurrent-a"), topic(t, "concurrent-b")}
	recs := map[string][]*recorder{}
	for _, tp := range topics {
		for n, b := range nodes {
			r, _ := subscribe(t, b, tp, fmt.Sprintf("node %d's subscriber of %s", n, tp))
			recs[tp] = append(recs[tp], r)
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, publishers*len(topics))
	for p := range publishers {
		for _, tp := range topics {
			wg.Go(func() {
				<-start
				b := nodes[p%len(nodes)]
				for i := range count {
					if err := b.Publish(ctx, tp, fmt.Appendf(nil, "%d:%04d", p, i)); err != nil {
						errs <- fmt.Errorf("publisher %d: %w", p, err)
						return
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, tp := range topics {
		for _, r := range recs[tp] {
			got := r.waitCount(t, publishers*count)
			require.Len(t, got, publishers*count, r.name)
			checkOrder(t, r.name, got, publishers, count)
		}
	}
}

// A broker that reports its state reports a cut connection, reconnects on
// its own, reports that, and delivers again, both ways.
func (s *suite) reconnect(t *testing.T) {
	nodes := s.nodes(t, 2)
	notifier, ok := nodes[0].(transport.StateNotifier)
	if !ok {
		t.Skip("the broker does not implement transport.StateNotifier")
	}
	if s.opts.Cut == nil {
		t.Skip("Options.Cut is nil")
	}
	ctx := testContext(t)
	tp := topic(t, "reconnect")
	states := make(chan transport.State, 16)
	stop := notifier.OnState(func(st transport.State) {
		select {
		case states <- st:
		default:
		}
	})
	defer stop()
	cut, _ := subscribe(t, nodes[0], tp, "the cut node's subscriber")
	other, _ := subscribe(t, nodes[1], tp, "the other node's subscriber")
	publish(t, ctx, nodes[1], tp, "before")
	cut.waitFor(t, "before")

	s.opts.Cut(t, nodes[0])
	// A subscription made while the connection is down, or about to be
	// found down, returns, and is active once StateConnected is reported.
	during := subscribeWithin(t, nodes[0], tp+"/during", "a subscriber during the cut")
	for _, want := range []transport.State{transport.StateDisconnected, transport.StateConnected} {
		select {
		case got := <-states:
			require.Equal(t, want, got, "reports after a cut")
		case <-time.After(reconnectTimeout):
			t.Fatalf("the cut broker did not report %v within %v", want, reconnectTimeout)
		}
	}
	// Connected means subscribed again: the next payload arrives.
	publish(t, ctx, nodes[1], tp, "after")
	cut.waitFor(t, "after")
	publish(t, ctx, nodes[1], tp+"/during", "after")
	during.waitFor(t, "after")
	publish(t, ctx, nodes[0], tp, "from the cut node")
	other.waitFor(t, "from the cut node")
	cut.waitFor(t, "from the cut node")

	// A cancelled OnState reports nothing more, and a subscription made
	// after the reconnection works.
	stop()
	stop()
	late, _ := subscribe(t, nodes[0], tp, "a subscriber after the reconnection")
	publish(t, ctx, nodes[1], tp, "late")
	late.waitFor(t, "late")
	select {
	case st := <-states:
		t.Fatalf("the broker reported %v with nothing cut", st)
	default:
	}
}
