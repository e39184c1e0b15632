package natsbroker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
	"github.com/golivechat/livechat/transport/natsbroker"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const envURL = "LIVECHAT_TEST_NATS"

// testServer is one test's share of the NATS: a random subject prefix.
type testServer struct {
	url    string
	prefix string
	nodes  sync.Map // *natsbroker.Broker to the proxy its connection goes through
}

// newServer returns the test NATS: the test skips without its URL, and
// fails under CI or when the URL does not answer.
func newServer(t testing.TB) *testServer {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set", envURL)
		}
		t.Skipf("%s is not set", envURL)
	}
	nc, err := nats.Connect(u, nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatalf("%s=%s: %v", envURL, u, err)
	}
	nc.Close()
	var r [6]byte
	_, _ = rand.Read(r[:])
	return &testServer{url: u, prefix: "livechat-test." + hex.EncodeToString(r[:])}
}

// open returns a Broker whose connection goes through a proxy of its own,
// so that cut can break it; both are closed when the test ends.
func (s *testServer) open(t testing.TB, opts ...natsbroker.Option) (*natsbroker.Broker, *nats.Conn) {
	t.Helper()
	target, err := url.Parse(s.url)
	require.NoError(t, err)
	p := brokertest.NewProxy(t, target.Host)
	nc, err := nats.Connect("nats://"+p.Addr(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	b, err := natsbroker.New(nc, append([]natsbroker.Option{natsbroker.WithPrefix(s.prefix)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	s.nodes.Store(b, p)
	return b, nc
}

// proxy returns the proxy of a broker open returned.
func (s *testServer) proxy(b *natsbroker.Broker) *brokertest.Proxy {
	p, _ := s.nodes.Load(b)
	return p.(*brokertest.Proxy)
}

// cut breaks the TCP connections of b, as a network failure or a
// restarting server would.
func (s *testServer) cut(t *testing.T, b transport.Broker) {
	t.Helper()
	p, ok := s.nodes.Load(b)
	require.True(t, ok, "cut of a broker the test did not open")
	require.NotZero(t, p.(*brokertest.Proxy).Cut(), "no connection to cut")
}

func TestConformance(t *testing.T) {
	s := newServer(t)
	brokertest.Run(t, func(t *testing.T) transport.Broker {
		b, _ := s.open(t)
		return b
	}, &brokertest.Options{Cut: s.cut})
}

// record subscribes to topic on b and sends every payload to the returned
// channel.
func record(t *testing.T, b transport.Broker, topic string) <-chan string {
	t.Helper()
	got := make(chan string, 100)
	cancel, err := b.Subscribe(topic, func(p []byte) { got <- string(p) })
	require.NoError(t, err)
	t.Cleanup(cancel)
	return got
}

func receive(t *testing.T, got <-chan string) string {
	t.Helper()
	select {
	case p := <-got:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no payload within 10 s")
		return ""
	}
}

func states(b *natsbroker.Broker) <-chan transport.State {
	ch := make(chan transport.State, 10)
	b.OnState(func(st transport.State) { ch <- st })
	return ch
}

func requireStates(t *testing.T, got <-chan transport.State, want ...transport.State) {
	t.Helper()
	for _, w := range want {
		select {
		case st := <-got:
			require.Equal(t, w, st)
		case <-time.After(20 * time.Second):
			t.Fatalf("no %v within 20 s", w)
		}
	}
}

func TestSubject(t *testing.T) {
	b, err := natsbroker.New(connect(t), natsbroker.WithPrefix("chat.eu"))
	require.NoError(t, err)
	defer b.Close()
	for topic, want := range map[string]string{
		"conversation-1_a": "chat.eu.conversation-1_a",
		"":                 "chat.eu.%",
		"%":                "chat.eu.%25",
		"a.b":              "chat.eu.a%2Eb",
		"*":                "chat.eu.%2A",
		">":                "chat.eu.%3E",
		"a b\t":            "chat.eu.a%20b%09",
		"ü":                "chat.eu.%C3%BC",
	} {
		require.Equal(t, want, b.Subject(topic), "topic %q", topic)
	}
}

// connect returns a connection straight to the test NATS.
func connect(t *testing.T) *nats.Conn {
	t.Helper()
	s := newServer(t)
	nc, err := nats.Connect(s.url)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

func TestOptionsAreChecked(t *testing.T) {
	nc := connect(t)
	for _, prefix := range []string{"", "a..b", "a.*", ">", "a b", ".a", "a."} {
		_, err := natsbroker.New(nc, natsbroker.WithPrefix(prefix))
		require.ErrorContains(t, err, "natsbroker: prefix", "prefix %q", prefix)
	}
	_, err := natsbroker.New(nc, natsbroker.WithBuffer(0))
	require.ErrorContains(t, err, "buffer")
	_, err = natsbroker.Connect("nats://127.0.0.1:1")
	require.ErrorContains(t, err, "natsbroker: connect")
}

// A connection that nats.go itself reconnects (here on request) is
// reported like a broken one.
func TestForceReconnect(t *testing.T) {
	s := newServer(t)
	a, nc := s.open(t)
	b, _ := s.open(t)
	st := states(a)
	got := record(t, a, "force")
	require.NoError(t, nc.ForceReconnect())
	requireStates(t, st, transport.StateDisconnected, transport.StateConnected)
	require.NoError(t, b.Publish(context.Background(), "force", []byte("back")))
	require.Equal(t, "back", receive(t, got))
}

// Payloads that nats.go drops because the subscribers fell behind are
// reported as a lost connection and its return, so that the node catches
// up.
func TestDroppedPayloadsAreReported(t *testing.T) {
	s := newServer(t)
	a, _ := s.open(t, natsbroker.WithBuffer(1), natsbroker.WithCheck(10*time.Millisecond))
	b, _ := s.open(t)
	st := states(a)
	release := make(chan struct{})
	var once sync.Once
	cancel, err := a.Subscribe("slow", func([]byte) { once.Do(func() { <-release }) })
	require.NoError(t, err)
	defer cancel()
	ctx := context.Background()
	for range 100 {
		require.NoError(t, b.Publish(ctx, "slow", []byte("x")))
	}
	requireStates(t, st, transport.StateDisconnected, transport.StateConnected)
	close(release)
}

// Close leaves the host's connection open; the Broker is closed for good.
func TestCloseLeavesHostConnectionOpen(t *testing.T) {
	nc := connect(t)
	b, err := natsbroker.New(nc)
	require.NoError(t, err)
	_ = record(t, b, "t")
	require.NoError(t, b.Close())
	require.NoError(t, b.Close())
	require.True(t, nc.IsConnected())
	require.ErrorIs(t, b.Publish(context.Background(), "t", nil), transport.ErrBrokerClosed)
	nc.Close()
	_, err = natsbroker.New(nc)
	require.ErrorContains(t, err, "natsbroker: connection is")
}

// A server that stays unreachable for a while: the broker reports the
// loss once, Subscribe returns meanwhile, Publish keeps its payloads for
// the reconnection, and when the server is back every subscription works
// and the kept payloads arrive.
func TestUnreachableServer(t *testing.T) {
	s := newServer(t)
	a, _ := s.open(t)
	b, _ := s.open(t)
	st := states(a)
	before := record(t, a, "before")
	fromA := record(t, b, "from-a")
	p := s.proxy(a)
	p.Refuse(true)
	p.Cut()
	requireStates(t, st, transport.StateDisconnected)
	ctx := context.Background()
	require.NoError(t, a.Publish(ctx, "from-a", []byte("kept")))
	during := record(t, a, "during")
	time.Sleep(500 * time.Millisecond) // nats.go tries again and again
	require.Empty(t, st, "one loss is reported once")
	p.Refuse(false)
	requireStates(t, st, transport.StateConnected)
	require.Equal(t, "kept", receive(t, fromA))
	require.NoError(t, b.Publish(ctx, "before", []byte("1")))
	require.NoError(t, b.Publish(ctx, "during", []byte("2")))
	require.Equal(t, "1", receive(t, before))
	require.Equal(t, "2", receive(t, during))
}
