package multinode_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

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
			tb.Fatalf("%s is not set (CI is set: the multi-node tests must run)", env)
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

// natsHost returns the test NATS's host:port once it answers.
func natsHost(tb testing.TB) string {
	tb.Helper()
	u := service(tb, envNATS)
	nc, err := nats.Connect(u, nats.Timeout(10*time.Second))
	if err != nil {
		tb.Fatalf("%s=%s: %v", envNATS, u, err)
	}
	nc.Close()
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" {
		return u // host:port without a scheme
	}
	return parsed.Host
}

// randomName returns prefix followed by 12 random hex digits.
func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
