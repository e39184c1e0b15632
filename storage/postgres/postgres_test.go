package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
)

// Nodes that start together on a fresh schema all open it: the
// migrations run once, under the schema's lock.
func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	dsn := testDSN(t)
	schema := testSchema(t, dsn)
	ctx := context.Background()
	const nodes = 6
	stores := make([]*postgres.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range nodes {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(ctx, dsn, postgres.WithSchema(schema))
		})
	}
	close(start)
	wg.Wait()
	for i := range nodes {
		require.NoError(t, errs[i], "node %d", i)
		t.Cleanup(func() { stores[i].Close() })
	}

	pool := mustPool(t, dsn)
	var applied, versions int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM "`+schema+`".schema_migrations`).Scan(&applied, &versions))
	require.Positive(t, applied)
	require.Equal(t, versions, applied, "each migration recorded once")

	// Every node works on the same data.
	require.NoError(t, stores[0].CreateConversation(ctx, &livechat.Conversation{ID: "c1", Status: livechat.StatusOpen}))
	for i, s := range stores {
		m, created, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Sender: livechat.SenderVisitor, Text: "hi"})
		require.NoError(t, err)
		require.True(t, created)
		require.EqualValues(t, i+1, m.Seq)
	}
}

func TestOpenSchemaTooNew(t *testing.T) {
	dsn := testDSN(t)
	schema := testSchema(t, dsn)
	ctx := context.Background()
	s, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	pool := mustPool(t, dsn)
	_, err = pool.Exec(ctx, `INSERT INTO "`+schema+`".schema_migrations (version, name) VALUES (9999, '9999_future.sql')`)
	require.NoError(t, err)
	_, err = postgres.Open(ctx, dsn, postgres.WithSchema(schema))
	require.ErrorIs(t, err, postgres.ErrSchemaTooNew)
}

func TestWithSchema(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		schema string
	}{
		{"Empty", ""},
		{"UpperCase", "LiveChat"},
		{"Quote", `chat"; DROP TABLE x; --`},
		{"Dot", "public.chat"},
		{"LeadingDigit", "1chat"},
		{"System", "pg_catalog"},
		{"TooLong", strings.Repeat("a", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The name is checked before any connection is made.
			_, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none", postgres.WithSchema(tt.schema))
			require.ErrorIs(t, err, livechat.ErrInvalid)
			_, err = postgres.New(ctx, new(pgxpool.Pool), postgres.WithSchema(tt.schema))
			require.ErrorIs(t, err, livechat.ErrInvalid)
		})
	}
	t.Run("NilPool", func(t *testing.T) {
		_, err := postgres.New(ctx, nil)
		require.ErrorIs(t, err, livechat.ErrInvalid)
	})
}

// New borrows the host's pool: closing the Store leaves it open.
func TestNewLeavesPoolOpen(t *testing.T) {
	dsn := testDSN(t)
	schema := testSchema(t, dsn)
	ctx := context.Background()
	pool := mustPool(t, dsn)
	s, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
	require.NoError(t, err)
	require.NoError(t, s.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"}))
	require.NoError(t, s.Close())
	_, err = s.Visitor(ctx, "v1")
	require.ErrorIs(t, err, livechat.ErrClosed)
	require.NoError(t, pool.Ping(ctx), "the host's pool is still open")

	// Another Store on the same pool and schema sees the data.
	again, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
	require.NoError(t, err)
	defer again.Close()
	_, err = again.Visitor(ctx, "v1")
	require.NoError(t, err)
}

// Values PostgreSQL cannot hold are ErrInvalid, not a driver error.
func TestInvalidValues(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: "c1", Status: livechat.StatusOpen}))
	tests := []struct {
		name string
		call func() error
	}{
		{"NULInText", func() error {
			_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Sender: livechat.SenderVisitor, Text: "a\x00b"})
			return err
		}},
		{"InvalidUTF8", func() error {
			return s.CreateVisitor(ctx, &livechat.Visitor{ID: "v\xff"})
		}},
		{"TimeAfter9999", func() error {
			return s.CreateVisitor(ctx, &livechat.Visitor{ID: "v2", CreatedAt: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)})
		}},
		{"TimeBeforeYear1", func() error {
			return s.TouchAgent(ctx, "a1", time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.call(), livechat.ErrInvalid)
		})
	}
	require.Equal(t, []int64{}, seqsOf(t, s, "c1"), "nothing stored")
}

// Two schemas in one database are two separate stores.
func TestSchemasAreSeparate(t *testing.T) {
	dsn := testDSN(t)
	ctx := context.Background()
	a, err := postgres.Open(ctx, dsn, postgres.WithSchema(testSchema(t, dsn)))
	require.NoError(t, err)
	defer a.Close()
	b, err := postgres.Open(ctx, dsn, postgres.WithSchema(testSchema(t, dsn)))
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, a.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"}))
	_, err = b.Visitor(ctx, "v1")
	require.ErrorIs(t, err, livechat.ErrNotFound)
	require.NoError(t, b.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"}), "the same id in the other schema")
}

// Concurrent capacity-checked assignments of one conversation to
// several agents leave it with one of them, each within capacity.
func TestAssignOneConversationConcurrently(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: "c1", Status: livechat.StatusOpen}))
	const agents = 8
	errs := make([]error, agents)
	var wg sync.WaitGroup
	for i := range agents {
		wg.Go(func() {
			_, errs[i] = s.AssignConversation(ctx, "c1", fmt.Sprint("agent-", i), 1, time.Now())
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	counts, err := s.OpenCounts(ctx)
	require.NoError(t, err)
	require.Len(t, counts, 1)
}

func mustPool(tb testing.TB, dsn string) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	require.NoError(tb, err)
	tb.Cleanup(pool.Close)
	return pool
}

func seqsOf(tb testing.TB, s livechat.Storage, conversationID string) []int64 {
	tb.Helper()
	ms, err := s.Messages(context.Background(), conversationID, 0, 1000)
	require.NoError(tb, err)
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.Seq)
	}
	return out
}
