package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain checks that the program leaves no goroutine behind once run
// returns: nodes, brokers, pools and the balancer all stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	envPostgres = "LIVECHAT_TEST_POSTGRES"
	envRedis    = "LIVECHAT_TEST_REDIS"
	envNATS     = "LIVECHAT_TEST_NATS"
)

// service returns the environment variable's value: the test skips
// without it, and fails without it when CI is set.
func service(tb testing.TB, env string) string {
	tb.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set (CI is set: the example's tests must run)", env)
		}
		tb.Skipf("%s is not set", env)
	}
	return v
}

// postgresDSN returns the test database's DSN once it answers.
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := service(tb, envPostgres)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("%s: cannot connect: %v", envPostgres, err)
	}
	_ = conn.Close(ctx)
	return dsn
}

// redisAddr returns the test Redis's address once it answers.
func redisAddr(tb testing.TB) string {
	tb.Helper()
	addr := service(tb, envRedis)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("%s=%s: %v", envRedis, addr, err)
	}
	return addr
}

// natsURL returns the test NATS's URL once it answers.
func natsURL(tb testing.TB) string {
	tb.Helper()
	u := service(tb, envNATS)
	nc, err := nats.Connect(u, nats.Timeout(10*time.Second))
	if err != nil {
		tb.Fatalf("%s=%s: %v", envNATS, u, err)
	}
	nc.Close()
	return u
}

// randomName returns prefix followed by 12 random hex digits.
func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// demo is the program running in the test: the balancer's and the nodes'
// URLs, and what stops it.
type demo struct {
	balancer string
	nodes    []string

	cancel context.CancelFunc // as SIGINT does
	done   chan error         // run's result
	once   sync.Once
}

// startDemo runs the program with the broker on random ports of
// 127.0.0.1, in a schema and with a topic prefix of its own, until the
// test ends (or stop); then it checks that the program shut down cleanly
// and drops the schema.
func startDemo(t *testing.T, broker string) *demo {
	t.Helper()
	cfg := config{
		Postgres: postgresDSN(t),
		Broker:   broker,
		Schema:   randomName("livechat_mx_"),
		Prefix:   randomName("mx"),
		Secret:   make([]byte, 32),
	}
	rand.Read(cfg.Secret)
	switch broker {
	case "redis":
		cfg.Redis = redisAddr(t)
	case "nats":
		cfg.NATS = natsURL(t)
	}
	t.Cleanup(func() { dropSchema(t, cfg.Postgres, cfg.Schema) })

	var lns []net.Listener
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
	}
	d := &demo{balancer: baseURL(lns[0]), done: make(chan error, 1)}
	for _, ln := range lns[1:] {
		d.nodes = append(d.nodes, baseURL(ln))
	}
	var ctx context.Context
	ctx, d.cancel = context.WithCancel(context.Background())
	go func() { d.done <- run(ctx, cfg, lns[0], lns[1:]) }()
	t.Cleanup(func() { d.stop(t) })

	// The listeners queue connections until run serves them, once both
	// nodes have opened their storage and broker.
	client := &http.Client{Timeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() {
		resp, err := client.Get(d.balancer + "/")
		if err == nil {
			resp.Body.Close()
		}
		served <- err
	}()
	select {
	case err := <-d.done:
		d.once.Do(func() {})
		<-served // fails at once: run closed the listeners
		t.Fatalf("run: %v", err)
	case err := <-served:
		require.NoError(t, err, "the balancer's first page")
	}
	return d
}

// stop ends the program as SIGINT does and checks that run returns nil
// within 30 s; later calls do nothing.
func (d *demo) stop(t *testing.T) {
	t.Helper()
	d.once.Do(func() {
		d.cancel()
		select {
		case err := <-d.done:
			require.NoError(t, err, "run")
		case <-time.After(30 * time.Second):
			t.Fatal("the program did not shut down within 30 s")
		}
	})
}

func dropSchema(t *testing.T, dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}
