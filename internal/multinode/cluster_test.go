package multinode_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/natsbroker"
	"github.com/golivechat/livechat/transport/pgbroker"
	"github.com/golivechat/livechat/transport/redisbroker"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-multinode")

// presenceGrace is the nodes' Config.PresenceGrace: short, so that a dead
// node's agents stop counting within the test, and the nodes tick every
// quarter of it.
const presenceGrace = 2 * time.Second

// brokerKind names a broker every case runs with.
type brokerKind string

const (
	brokerRedis    brokerKind = "redis"
	brokerNATS     brokerKind = "nats"
	brokerPostgres brokerKind = "postgres"
)

var brokerKinds = []brokerKind{brokerRedis, brokerNATS, brokerPostgres}

// forEachBroker runs fn as a subtest per broker.
func forEachBroker(t *testing.T, fn func(t *testing.T, kind brokerKind)) {
	for _, kind := range brokerKinds {
		t.Run(string(kind), func(t *testing.T) { fn(t, kind) })
	}
}

// cluster is nodes sharing one PostgreSQL schema and one broker service.
type cluster struct {
	t      testing.TB
	dsn    string
	schema string
	kind   brokerKind
	prefix string
	nodes  []*node
	// store reads what the nodes stored, on a pool of its own.
	store *postgres.Store
}

// node is one Handler on its own HTTP server, with its own storage pool
// and broker connection; the broker reaches its server through proxy, so
// that the test can cut this node off the broker alone.
type node struct {
	name   string
	chat   *livechat.Handler
	srv    *httptest.Server
	ln     *trackingListener
	base   string // server URL and mount
	proxy  *proxy
	broker transport.Broker
	store  *postgres.Store
}

// clusterOptions changes the nodes' Config and the agents' profiles.
type clusterOptions struct {
	capacity int // every agent's Capacity; 0 for the default
}

// newCluster starts n nodes with brokers of the kind.
func newCluster(t *testing.T, kind brokerKind, n int, opts clusterOptions) *cluster {
	t.Helper()
	dsn := postgresDSN(t)
	var target string
	switch kind {
	case brokerRedis:
		target = redisAddr(t)
	case brokerNATS:
		target = natsHost(t)
	case brokerPostgres:
		cfg, err := pgx.ParseConfig(dsn)
		require.NoError(t, err)
		target = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	}
	c := &cluster{t: t, dsn: dsn, schema: randomName("livechat_mn_"), kind: kind, prefix: randomName("mn")}
	t.Cleanup(c.dropSchema)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		c.nodes = append(c.nodes, c.startNode(ctx, t, fmt.Sprintf("node%d", i+1), target, opts))
	}
	var err error
	c.store, err = postgres.Open(ctx, dsn, postgres.WithSchema(c.schema))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.store.Close() })
	return c
}

func (c *cluster) dropSchema() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		c.t.Errorf("drop schema %s: %v", c.schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "`+c.schema+`" CASCADE`); err != nil {
		c.t.Errorf("drop schema %s: %v", c.schema, err)
	}
}

func (c *cluster) startNode(ctx context.Context, t *testing.T, name, target string, opts clusterOptions) *node {
	t.Helper()
	nd := &node{name: name}
	var err error
	nd.store, err = postgres.Open(ctx, c.dsn, postgres.WithSchema(c.schema))
	require.NoError(t, err)
	t.Cleanup(func() { _ = nd.store.Close() })
	nd.proxy = newProxy(t, target)
	nd.broker = c.openBroker(ctx, t, nd.proxy.addr())

	chat, err := livechat.New(livechat.Config{
		Storage:              nd.store,
		Broker:               nd.broker,
		Secret:               testSecret,
		AgentAuth:            agentAuth(opts.capacity),
		PresenceGrace:        presenceGrace,
		Logger:               testLogger(t, name),
		VisitorRate:          -1,
		IPMessageRate:        -1,
		NewVisitorRate:       -1,
		NewConversationRate:  -1,
		MaxConnsPerVisitor:   -1,
		MaxConnsPerIP:        -1,
		NewConversationBurst: 1000,
	})
	require.NoError(t, err)
	nd.chat = chat
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	nd.srv = httptest.NewUnstartedServer(mux)
	nd.ln = &trackingListener{Listener: nd.srv.Listener, conns: map[net.Conn]bool{}}
	nd.srv.Listener = nd.ln
	nd.srv.Start()
	nd.base = nd.srv.URL + "/livechat/"
	t.Cleanup(func() {
		require.NoError(t, chat.Close())
		nd.srv.Close()
	})
	return nd
}

// openBroker opens a broker of the cluster's kind whose connections go
// to addr, the node's proxy; it is closed when the test ends.
func (c *cluster) openBroker(ctx context.Context, t *testing.T, addr string) transport.Broker {
	t.Helper()
	switch c.kind {
	case brokerRedis:
		client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
		b, err := redisbroker.New(ctx, client,
			redisbroker.WithPrefix(c.prefix),
			redisbroker.WithReconnectBackoff(20*time.Millisecond, 500*time.Millisecond))
		if err != nil {
			_ = client.Close()
		}
		require.NoError(t, err)
		t.Cleanup(func() {
			_ = b.Close()
			_ = client.Close()
		})
		return b
	case brokerNATS:
		nc, err := nats.Connect("nats://"+addr, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		b, err := natsbroker.New(nc, natsbroker.WithPrefix("livechat-test."+c.prefix))
		require.NoError(t, err)
		t.Cleanup(func() { _ = b.Close() })
		return b
	case brokerPostgres:
		cfg, err := pgxpool.ParseConfig(c.dsn)
		require.NoError(t, err)
		host, port, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		p, err := strconv.ParseUint(port, 10, 16)
		require.NoError(t, err)
		cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Fallbacks = host, uint16(p), nil
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		b, err := pgbroker.New(ctx, pool,
			pgbroker.WithPrefix(c.prefix),
			pgbroker.WithSchema(c.schema),
			pgbroker.WithReconnectBackoff(20*time.Millisecond, 500*time.Millisecond))
		require.NoError(t, err)
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
	t.Fatalf("unknown broker %q", c.kind)
	return nil
}

// kill ends the node as a crash would, as far as its clients can tell:
// its listener and every connection, WebSockets included, close at once.
// The Handler is left running until the test ends (no Shutdown).
func (nd *node) kill() {
	nd.srv.CloseClientConnections()
	_ = nd.srv.Listener.Close()
	// httptest forgets hijacked connections, so CloseClientConnections
	// leaves the WebSockets open; the listener still knows them.
	nd.ln.closeAll()
}

// trackingListener remembers every connection it accepted, so that kill
// can close those httptest no longer tracks.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns[c] = true
	l.mu.Unlock()
	return c, nil
}

func (l *trackingListener) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		_ = c.Close()
	}
	clear(l.conns)
}

// agentAuth signs in the agent named by the X-Test-Agent header.
func agentAuth(capacity int) func(*http.Request) (*livechat.Agent, error) {
	return func(r *http.Request) (*livechat.Agent, error) {
		id := r.Header.Get("X-Test-Agent")
		if id == "" {
			return nil, errors.New("not signed in")
		}
		return &livechat.Agent{ID: id, Name: "Agent " + id, Capacity: capacity}, nil
	}
}

// testLogger passes warnings and errors to the test's log until it ends.
func testLogger(t *testing.T, node string) *slog.Logger {
	w := &testLogWriter{t: t, prefix: node + ": "}
	t.Cleanup(w.stop)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testLogWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	done   bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(w.prefix + strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// messages returns every stored message of the conversation.
func (c *cluster) messages(conversationID string) []*livechat.Message {
	c.t.Helper()
	ctx := context.Background()
	var out []*livechat.Message
	for {
		page, err := c.store.Messages(ctx, conversationID, int64(len(out)), 1000)
		require.NoError(c.t, err)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
	}
}

// waitFor polls cond every 20 ms until it holds, failing after d with
// what describe says.
func waitFor(tb testing.TB, d time.Duration, cond func() bool, describe func() string) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %v: %s", d, describe())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
