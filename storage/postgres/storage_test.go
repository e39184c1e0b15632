package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
	"github.com/golivechat/livechat/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// envDSN names the variable that holds the test database's DSN.
const envDSN = "LIVECHAT_TEST_POSTGRES"

// testDSN returns the test database's DSN. Without LIVECHAT_TEST_POSTGRES
// the test skips, unless CI is set: there it fails, as it does when the
// database cannot be reached.
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(envDSN)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set (CI is set: the PostgreSQL tests must run)", envDSN)
		}
		tb.Skipf("%s is not set", envDSN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("%s: cannot connect: %v", envDSN, err)
	}
	require.NoError(tb, conn.Close(ctx))
	return dsn
}

// testSchema returns a new random schema name, and drops the schema with
// everything in it when the test ends.
func testSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "livechat_test_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "`+name+`" CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// mustOpen opens a Store on a new schema and closes it when the test ends.
func mustOpen(tb testing.TB) *postgres.Store {
	tb.Helper()
	dsn := testDSN(tb)
	s, err := postgres.Open(context.Background(), dsn, postgres.WithSchema(testSchema(tb, dsn)))
	require.NoError(tb, err)
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStorage(t *testing.T) {
	dsn := testDSN(t)
	storagetest.Run(t, func(t *testing.T) livechat.Storage {
		s, err := postgres.Open(context.Background(), dsn, postgres.WithSchema(testSchema(t, dsn)))
		require.NoError(t, err)
		return s // Run closes it, before the schema is dropped
	})
}

// TestStorageShared runs the concurrency tests on two Stores with pools
// of their own on one schema, as two nodes have.
func TestStorageShared(t *testing.T) {
	dsn := testDSN(t)
	storagetest.RunShared(t, func(t *testing.T) (a, b livechat.Storage) {
		schema := testSchema(t, dsn)
		sa, err := postgres.Open(context.Background(), dsn, postgres.WithSchema(schema))
		require.NoError(t, err)
		sb, err := postgres.Open(context.Background(), dsn, postgres.WithSchema(schema))
		if err != nil {
			sa.Close()
		}
		require.NoError(t, err)
		return sa, sb // RunShared closes them
	})
}

func TestStorageReopen(t *testing.T) {
	dsn := testDSN(t)
	storagetest.RunReopen(t, func(t *testing.T) func() livechat.Storage {
		schema := testSchema(t, dsn)
		return func() livechat.Storage {
			s, err := postgres.Open(context.Background(), dsn, postgres.WithSchema(schema))
			require.NoError(t, err)
			return s
		}
	})
}
