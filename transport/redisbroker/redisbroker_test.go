package redisbroker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
	"github.com/golivechat/livechat/transport/redisbroker"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const envAddr = "LIVECHAT_TEST_REDIS"

// testServer is one test's share of the Redis: a random channel prefix,
// and a client for the test's own commands.
type testServer struct {
	addr   string
	prefix string
	admin  *redis.Client
	nodes  atomic.Int64
	names  sync.Map // *redisbroker.Broker to its client's name
}

// newServer returns the test Redis: the test skips without its address,
// and fails under CI or when the address does not answer.
func newServer(t testing.TB) *testServer {
	t.Helper()
	addr := os.Getenv(envAddr)
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set", envAddr)
		}
		t.Skipf("%s is not set", envAddr)
	}
	admin := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.Ping(ctx).Err(); err != nil {
		t.Fatalf("%s=%s: %v", envAddr, addr, err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	return &testServer{addr: addr, prefix: "livechat-test-" + hex.EncodeToString(r[:]), admin: admin}
}

// open returns a Broker on a client of its own, named so that cut finds
// its connections, closed when the test ends.
func (s *testServer) open(t testing.TB, opts ...redisbroker.Option) *redisbroker.Broker {
	t.Helper()
	return s.openAt(t, s.addr, opts...)
}

// openAt is open for a broker that connects to addr, a proxy of the
// test's Redis.
func (s *testServer) openAt(t testing.TB, addr string, opts ...redisbroker.Option) *redisbroker.Broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name := fmt.Sprintf("%s-node-%d", s.prefix, s.nodes.Add(1))
	client := redis.NewClient(&redis.Options{Addr: addr, ClientName: name})
	opts = append([]redisbroker.Option{
		redisbroker.WithPrefix(s.prefix),
		redisbroker.WithReconnectBackoff(20*time.Millisecond, time.Second),
	}, opts...)
	b, err := redisbroker.New(ctx, client, opts...)
	if err != nil {
		_ = client.Close()
	}
	require.NoError(t, err)
	s.names.Store(b, name)
	t.Cleanup(func() {
		_ = b.Close()
		_ = client.Close()
	})
	return b
}

// cut kills every connection of b's client, the subscribing one and the
// pool's, as a restarting server or a network failure would.
func (s *testServer) cut(t *testing.T, b transport.Broker) {
	t.Helper()
	name, ok := s.names.Load(b)
	require.True(t, ok, "cut of a broker the test did not open")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := s.admin.ClientList(ctx).Result()
	require.NoError(t, err)
	killed := 0
	for line := range strings.Lines(list) {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] != name {
			continue
		}
		require.NoError(t, s.admin.Do(ctx, "CLIENT", "KILL", "ID", fields["id"]).Err())
		killed++
	}
	require.NotZero(t, killed, "no connection of %s to kill", name)
}

func TestConformance(t *testing.T) {
	s := newServer(t)
	brokertest.Run(t, func(t *testing.T) transport.Broker { return s.open(t) }, &brokertest.Options{
		Cut: s.cut,
	})
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

func states(b *redisbroker.Broker) <-chan transport.State {
	ch := make(chan transport.State, 10)
	b.OnState(func(st transport.State) { ch <- st })
	return ch
}

// A connection that is merely quiet is checked with PINGs and kept: no
// state is reported, and delivery goes on.
func TestQuietConnectionIsKept(t *testing.T) {
	s := newServer(t)
	// Each PING has as long again for its answer: 200 ms, enough on a
	// busy machine under -race.
	a, b := s.open(t, redisbroker.WithPing(200*time.Millisecond)), s.open(t)
	st := states(a)
	got := record(t, a, "quiet")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, b.Publish(context.Background(), "quiet", []byte("still here")))
	require.Equal(t, "still here", receive(t, got))
	require.Empty(t, st, "a quiet connection is not a lost one")
}

// A connection that does not answer its PING is replaced: the broker
// reports the loss, and the return once the server answers again.
func TestUnansweredPingReplacesConnection(t *testing.T) {
	s := newServer(t)
	a, b := s.open(t, redisbroker.WithPing(50*time.Millisecond)), s.open(t)
	st := states(a)
	got := record(t, a, "paused")
	ctx := context.Background()
	// The server answers no client for a while: to the broker, its
	// connection has died without a word.
	require.NoError(t, s.admin.Do(ctx, "CLIENT", "PAUSE", "500", "ALL").Err())
	for _, want := range []transport.State{transport.StateDisconnected, transport.StateConnected} {
		select {
		case got := <-st:
			require.Equal(t, want, got)
		case <-time.After(20 * time.Second):
			t.Fatalf("no %v within 20 s", want)
		}
	}
	require.NoError(t, b.Publish(ctx, "paused", []byte("back")))
	require.Equal(t, "back", receive(t, got))
}

// Brokers with different prefixes do not hear each other.
func TestPrefixSeparatesDeployments(t *testing.T) {
	s := newServer(t)
	a := s.open(t)
	other := s.open(t, redisbroker.WithPrefix(s.prefix+"-other"))
	gotA, gotOther := record(t, a, "topic"), record(t, other, "topic")
	ctx := context.Background()
	require.NoError(t, a.Publish(ctx, "topic", []byte("for a")))
	require.NoError(t, other.Publish(ctx, "topic", []byte("for other")))
	require.Equal(t, "for a", receive(t, gotA))
	require.Equal(t, "for other", receive(t, gotOther))
	require.Empty(t, gotA)
	require.Empty(t, gotOther)
	require.Equal(t, s.prefix+":topic", a.Channel("topic"))
}

// Close leaves the host's client open; the Broker is closed for good.
func TestCloseLeavesHostClientOpen(t *testing.T) {
	s := newServer(t)
	client := redis.NewClient(&redis.Options{Addr: s.addr})
	defer client.Close()
	ctx := context.Background()
	b, err := redisbroker.New(ctx, client, redisbroker.WithPrefix(s.prefix))
	require.NoError(t, err)
	require.NoError(t, b.Close())
	require.NoError(t, b.Close())
	require.NoError(t, client.Ping(ctx).Err())
	require.ErrorIs(t, b.Publish(ctx, "t", nil), transport.ErrBrokerClosed)
}

func TestOpenFails(t *testing.T) {
	ctx := context.Background()
	_, err := redisbroker.Open(ctx, "127.0.0.1:1")
	require.ErrorContains(t, err, "redisbroker: connect")
	_, err = redisbroker.Open(ctx, "127.0.0.1:1", redisbroker.WithReconnectBackoff(time.Second, time.Millisecond))
	require.ErrorContains(t, err, "backoff")
}

// A server that stays unreachable for a while: the broker reports the
// loss once, Publish keeps payloads for the reconnection, Subscribe
// returns meanwhile, and when the server is back every subscription works
// and the kept payloads arrive in order.
func TestUnreachableServer(t *testing.T) {
	s := newServer(t)
	p := brokertest.NewProxy(t, s.addr)
	a, b := s.openAt(t, p.Addr()), s.open(t)
	st := states(a)
	before := record(t, a, "before")
	fromA := record(t, b, "from-a")
	p.Refuse(true)
	p.Cut()
	select {
	case got := <-st:
		require.Equal(t, transport.StateDisconnected, got)
	case <-time.After(20 * time.Second):
		t.Fatal("no StateDisconnected within 20 s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, a.Publish(ctx, "from-a", []byte("kept 1")))
	require.NoError(t, a.Publish(ctx, "from-a", []byte("kept 2")))
	during := record(t, a, "during")
	time.Sleep(500 * time.Millisecond) // the broker tries again and again
	require.Empty(t, st, "one loss is reported once")
	require.Empty(t, fromA)
	p.Refuse(false)
	select {
	case got := <-st:
		require.Equal(t, transport.StateConnected, got)
	case <-time.After(20 * time.Second):
		t.Fatal("no StateConnected within 20 s")
	}
	require.Equal(t, "kept 1", receive(t, fromA))
	require.Equal(t, "kept 2", receive(t, fromA))
	require.NoError(t, b.Publish(ctx, "before", []byte("1")))
	require.NoError(t, b.Publish(ctx, "during", []byte("2")))
	require.Equal(t, "1", receive(t, before))
	require.Equal(t, "2", receive(t, during))
	require.NoError(t, a.Publish(ctx, "during", []byte("3")))
	require.Equal(t, "3", receive(t, during))
}

// What Publish keeps while Redis cannot be reached is bounded; Close
// drops it without waiting for Redis.
func TestKeptPayloadsAreBounded(t *testing.T) {
	s := newServer(t)
	p := brokertest.NewProxy(t, s.addr)
	a := s.openAt(t, p.Addr())
	p.Refuse(true)
	p.Cut()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	payload := make([]byte, 64<<10)
	for i := range 128 {
		require.NoError(t, a.Publish(ctx, "full", payload), "payload %d", i)
	}
	err := a.Publish(ctx, "full", payload)
	require.ErrorContains(t, err, "cannot be reached")
	require.NotErrorIs(t, err, transport.ErrBrokerClosed)
	start := time.Now()
	require.NoError(t, a.Close())
	require.Less(t, time.Since(start), 5*time.Second, "Close waits for an unreachable Redis")
}
