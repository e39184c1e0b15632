package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// mustOpen opens the database at path and closes it when the test ends.
func mustOpen(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(path)
	require.NoError(tb, err)
	tb.Cleanup(func() { s.Close() })
	return s
}

func tempPath(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "chat.db")
}

func mustCreateConversation(tb testing.TB, s livechat.Storage, id string) {
	tb.Helper()
	err := s.CreateConversation(context.Background(), &livechat.Conversation{
		ID: id, VisitorID: "v-" + id, Status: livechat.StatusOpen,
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
	})
	require.NoError(tb, err)
}

func seqs(ms []*livechat.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

func dense(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func TestAppendMessage(t *testing.T) {
	ctx := context.Background()

	t.Run("ConcurrentIsDense", func(t *testing.T) {
		s := mustOpen(t, tempPath(t))
		mustCreateConversation(t, s, "c1")
		const goroutines, each = 50, 10
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*each)
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					_, created, err := s.AppendMessage(ctx, &livechat.Message{
						ConversationID: "c1", ClientMsgID: fmt.Sprintf("g%d-%d", g, i),
						Sender: livechat.SenderVisitor, Text: "hi",
					})
					if err == nil && !created {
						err = fmt.Errorf("g%d-%d not created", g, i)
					}
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		ms, err := s.Messages(ctx, "c1", 0, 1000)
		require.NoError(t, err)
		require.Equal(t, dense(goroutines*each), seqs(ms))
		c, err := s.Conversation(ctx, "c1")
		require.NoError(t, err)
		require.EqualValues(t, goroutines*each, c.LastSeq)
	})

	t.Run("ConcurrentRepeatsAreIdempotent", func(t *testing.T) {
		s := mustOpen(t, tempPath(t))
		mustCreateConversation(t, s, "c1")
		const goroutines = 50
		stored := make([]*livechat.Message, goroutines)
		createdN := make([]bool, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				m, created, err := s.AppendMessage(ctx, &livechat.Message{
					ConversationID: "c1", ClientMsgID: "same", Sender: livechat.SenderVisitor, Text: "once",
				})
				assert.NoError(t, err)
				stored[g], createdN[g] = m, created
			})
		}
		wg.Wait()
		require.Equal(t, 1, countTrue(createdN))
		for _, m := range stored {
			require.Equal(t, stored[0].ID, m.ID)
			require.EqualValues(t, 1, m.Seq)
		}
		ms, err := s.Messages(ctx, "c1", 0, 1000)
		require.NoError(t, err)
		require.Len(t, ms, 1)
	})

	t.Run("AssignsIDSeqCreatedAtWithoutModifyingArgument", func(t *testing.T) {
		s := mustOpen(t, tempPath(t))
		mustCreateConversation(t, s, "c1")
		in := &livechat.Message{ConversationID: "c1", Sender: livechat.SenderAgent, AuthorID: "a1", Text: "hello"}
		m, created, err := s.AppendMessage(ctx, in)
		require.NoError(t, err)
		require.True(t, created)
		require.NotEmpty(t, m.ID)
		require.EqualValues(t, 1, m.Seq)
		require.False(t, m.CreatedAt.IsZero())
		require.Empty(t, in.ID)
		require.Zero(t, in.Seq)

		// Messages without a client id are never deduplicated.
		m2, created, err := s.AppendMessage(ctx, in)
		require.NoError(t, err)
		require.True(t, created)
		require.EqualValues(t, 2, m2.Seq)
	})

	t.Run("MovesConversationUpdatedAt", func(t *testing.T) {
		s := mustOpen(t, tempPath(t))
		t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: "c1", CreatedAt: t0, UpdatedAt: t0}))
		_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x", CreatedAt: t0.Add(time.Hour)})
		require.NoError(t, err)
		c, err := s.Conversation(ctx, "c1")
		require.NoError(t, err)
		require.True(t, c.UpdatedAt.Equal(t0.Add(time.Hour)), "UpdatedAt %v", c.UpdatedAt)
		require.EqualValues(t, 1, c.LastSeq)
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := mustOpen(t, tempPath(t))
		_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "nope", Text: "x"})
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = s.Messages(ctx, "nope", 0, 10)
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})

	t.Run("ErrConflictOnTakenID", func(t *testing.T) {
		s := mustOpen(t, tempPath(t))
		mustCreateConversation(t, s, "c1")
		_, _, err := s.AppendMessage(ctx, &livechat.Message{ID: "m1", ConversationID: "c1", Text: "x"})
		require.NoError(t, err)
		_, _, err = s.AppendMessage(ctx, &livechat.Message{ID: "m1", ConversationID: "c1", Text: "y"})
		require.ErrorIs(t, err, livechat.ErrConflict)
		ms, err := s.Messages(ctx, "c1", 0, 1000)
		require.NoError(t, err)
		require.Equal(t, dense(1), seqs(ms), "a failed append must not use a sequence number")
	})
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func TestMessagesPaging(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, tempPath(t))
	mustCreateConversation(t, s, "c1")
	for range 10 {
		_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x"})
		require.NoError(t, err)
	}
	tests := []struct {
		name     string
		afterSeq int64
		limit    int
		want     []int64
	}{
		{"All", 0, 100, dense(10)},
		{"ZeroLimit", 0, 0, []int64{}},
		{"NegativeLimit", 0, -1, []int64{}},
		{"Limit", 0, 3, []int64{1, 2, 3}},
		{"After", 7, 100, []int64{8, 9, 10}},
		{"AfterAndLimit", 4, 2, []int64{5, 6}},
		{"AfterLast", 10, 5, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := s.Messages(ctx, "c1", tt.afterSeq, tt.limit)
			require.NoError(t, err)
			require.Equal(t, tt.want, seqs(ms))
		})
	}
}

func TestReopenKeepsDataAndSequence(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	created := time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", 3600))

	s, err := sqlite.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.CreateContact(ctx, &livechat.Contact{
		ID: "ct1", Email: "Ann@Example.com", Properties: map[string]string{"plan": "pro"}, CreatedAt: created,
	}))
	require.NoError(t, s.PutAgent(ctx, &livechat.Agent{ID: "a1", Name: "Ann", TeamIDs: []string{"t2", "t1"}}))
	mustCreateConversation(t, s, "c1")
	for range 3 {
		_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x"})
		require.NoError(t, err)
	}
	_, err = s.PutChatflow(ctx, &livechat.ChatflowRecord{ID: "f1", Data: []byte(`{"a":1}`)}, 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = mustOpen(t, path)
	c, err := s.ContactByEmail(ctx, "ann@example.COM")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"plan": "pro"}, c.Properties)
	require.True(t, c.CreatedAt.Equal(created), "nanoseconds survive: %v", c.CreatedAt)
	require.True(t, c.UpdatedAt.IsZero())
	a, err := s.Agent(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, []string{"t2", "t1"}, a.TeamIDs)
	m, created2, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "after reopen"})
	require.NoError(t, err)
	require.True(t, created2)
	require.EqualValues(t, 4, m.Seq)
	f, err := s.PutChatflow(ctx, &livechat.ChatflowRecord{ID: "f1", Data: []byte(`{"a":2}`)}, 1)
	require.NoError(t, err)
	require.EqualValues(t, 2, f.Version)
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()

	versions := func(t *testing.T, path string) []int {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer db.Close()
		rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		require.NoError(t, err)
		defer rows.Close()
		var vs []int
		for rows.Next() {
			var v int
			require.NoError(t, rows.Scan(&v))
			vs = append(vs, v)
		}
		require.NoError(t, rows.Err())
		return vs
	}

	t.Run("AppliedOnceInOrder", func(t *testing.T) {
		path := tempPath(t)
		s, err := sqlite.Open(path)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		first := versions(t, path)
		require.NotEmpty(t, first)
		require.Equal(t, 1, first[0])
		require.True(t, slices.IsSorted(first))

		s, err = sqlite.Open(path)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.Equal(t, first, versions(t, path))
	})

	t.Run("ConcurrentOpens", func(t *testing.T) {
		path := tempPath(t)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				s, err := sqlite.Open(path)
				if assert.NoError(t, err) {
					assert.NoError(t, s.Close())
				}
			})
		}
		wg.Wait()
		vs := versions(t, path)
		require.Equal(t, len(slices.Compact(slices.Clone(vs))), len(vs))
	})

	t.Run("ErrSchemaTooNew", func(t *testing.T) {
		path := tempPath(t)
		s, err := sqlite.Open(path)
		require.NoError(t, err)
		require.NoError(t, s.Close())

		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`)
		require.NoError(t, err)
		require.NoError(t, db.Close())

		_, err = sqlite.Open(path)
		require.ErrorIs(t, err, sqlite.ErrSchemaTooNew)
		require.ErrorContains(t, err, "9999")
	})
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name string
		path string
	}{
		{"Empty", ""},
		{"QuestionMark", filepath.Join(t.TempDir(), "chat.db?mode=ro")},
		{"MissingDirectory", filepath.Join(t.TempDir(), "missing", "chat.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.Open(tt.path)
			if err == nil {
				s.Close()
			}
			require.Error(t, err)
		})
	}

	t.Run("Memory", func(t *testing.T) {
		ctx := context.Background()
		s := mustOpen(t, ":memory:")
		mustCreateConversation(t, s, "c1")
		_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x"})
		require.NoError(t, err)
		ms, err := s.Messages(ctx, "c1", 0, 1000)
		require.NoError(t, err)
		require.Len(t, ms, 1)
	})
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, tempPath(t))
	require.NoError(t, s.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"}))
	require.NoError(t, s.CreateContact(ctx, &livechat.Contact{ID: "ct1", Email: "a@example.com"}))
	require.NoError(t, s.CreateContact(ctx, &livechat.Contact{ID: "ct2", Email: "b@example.com"}))
	mustCreateConversation(t, s, "c1")

	tests := []struct {
		name string
		err  error
		want error
	}{
		{"DuplicateVisitor", s.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"}), livechat.ErrConflict},
		{"DuplicateContactEmail", s.CreateContact(ctx, &livechat.Contact{ID: "ct3", Email: "A@EXAMPLE.com"}), livechat.ErrConflict},
		{"UpdateContactToTakenEmail", s.UpdateContact(ctx, &livechat.Contact{ID: "ct2", Email: "a@Example.com"}), livechat.ErrConflict},
		{"DuplicateConversation", s.CreateConversation(ctx, &livechat.Conversation{ID: "c1"}), livechat.ErrConflict},
		{"UpdateMissingVisitor", s.UpdateVisitor(ctx, &livechat.Visitor{ID: "nope"}), livechat.ErrNotFound},
		{"UpdateMissingContact", s.UpdateContact(ctx, &livechat.Contact{ID: "nope"}), livechat.ErrNotFound},
		{"UpdateMissingConversation", s.UpdateConversation(ctx, &livechat.Conversation{ID: "nope"}), livechat.ErrNotFound},
		{"DeleteMissingChatflow", s.DeleteChatflow(ctx, "nope"), livechat.ErrNotFound},
		{"EmptyID", s.CreateVisitor(ctx, &livechat.Visitor{}), livechat.ErrInvalid},
		{"NilVisitor", s.UpdateVisitor(ctx, nil), livechat.ErrInvalid},
		{"NilContact", s.CreateContact(ctx, nil), livechat.ErrInvalid},
		{"NilAgent", s.PutAgent(ctx, nil), livechat.ErrInvalid},
		{"NilConversation", s.UpdateConversation(ctx, nil), livechat.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.err, tt.want)
		})
	}

	t.Run("Getters", func(t *testing.T) {
		_, err := s.Visitor(ctx, "nope")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = s.ContactByEmail(ctx, "")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = s.Chatflow(ctx, "nope")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = s.SetReadMark(ctx, livechat.ReadMark{ConversationID: "nope", Participant: "visitor", Seq: 1})
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = s.ReadMarks(ctx, "nope")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, _, err = s.AppendMessage(ctx, nil)
		require.ErrorIs(t, err, livechat.ErrInvalid)
		_, err = s.PutChatflow(ctx, nil, 0)
		require.ErrorIs(t, err, livechat.ErrInvalid)
	})
}

func TestPutChatflow(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, tempPath(t))
	rec := &livechat.ChatflowRecord{ID: "f1", Data: []byte(`{"v":1}`)}

	got, err := s.PutChatflow(ctx, rec, 0)
	require.NoError(t, err)
	require.EqualValues(t, 1, got.Version)
	require.Zero(t, rec.Version, "the argument is not modified")

	_, err = s.PutChatflow(ctx, rec, 0)
	require.ErrorIs(t, err, livechat.ErrConflict, "create of an existing id")
	got, err = s.PutChatflow(ctx, rec, 1)
	require.NoError(t, err)
	require.EqualValues(t, 2, got.Version)
	_, err = s.PutChatflow(ctx, rec, 1)
	require.ErrorIs(t, err, livechat.ErrConflict, "stale version")
	_, err = s.PutChatflow(ctx, &livechat.ChatflowRecord{ID: "f2"}, 3)
	require.ErrorIs(t, err, livechat.ErrNotFound)

	stored, err := s.Chatflow(ctx, "f1")
	require.NoError(t, err)
	require.EqualValues(t, 2, stored.Version)
	require.JSONEq(t, `{"v":1}`, string(stored.Data))
}

func TestSetReadMarkMovesForward(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, tempPath(t))
	mustCreateConversation(t, s, "c1")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	for _, step := range []struct {
		seq  int64
		want int64
	}{{3, 3}, {1, 3}, {3, 3}, {5, 5}} {
		m, err := s.SetReadMark(ctx, livechat.ReadMark{ConversationID: "c1", Participant: "visitor", Seq: step.seq,
			UpdatedAt: t0.Add(time.Duration(step.seq) * time.Minute)})
		require.NoError(t, err)
		require.Equal(t, step.want, m.Seq)
		require.True(t, m.UpdatedAt.Equal(t0.Add(time.Duration(step.want)*time.Minute)))
	}
	marks, err := s.ReadMarks(ctx, "c1")
	require.NoError(t, err)
	require.Len(t, marks, 1)
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(tempPath(t))
	require.NoError(t, err)
	mustCreateConversation(t, s, "c1")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	_, err = s.Conversation(ctx, "c1")
	require.ErrorIs(t, err, livechat.ErrClosed)
	_, _, err = s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x"})
	require.ErrorIs(t, err, livechat.ErrClosed)
	_, err = s.Agents(ctx)
	require.ErrorIs(t, err, livechat.ErrClosed)
	require.ErrorIs(t, s.PutTeam(ctx, &livechat.Team{ID: "t1"}), livechat.ErrClosed)
}

func TestReadsDuringWrites(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, tempPath(t))
	mustCreateConversation(t, s, "c1")
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x"})
				assert.NoError(t, err)
			}
		})
		wg.Go(func() {
			var last int64
			for range 25 {
				ms, err := s.Messages(ctx, "c1", 0, 1000)
				if !assert.NoError(t, err) {
					return
				}
				// A reader sees a prefix of the dense sequence that never shrinks.
				assert.Equal(t, dense(len(ms)), seqs(ms))
				assert.GreaterOrEqual(t, int64(len(ms)), last)
				last = int64(len(ms))
			}
		})
	}
	wg.Wait()
}

// TestAppendWhileClosing appends from many goroutines while the store
// closes: every append either fails with ErrClosed or is stored, and the
// stored ones are in the file when it is opened again, densely numbered.
func TestAppendWhileClosing(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	s, err := sqlite.Open(path)
	require.NoError(t, err)
	mustCreateConversation(t, s, "c1")

	const goroutines, each = 20, 50
	acked := make(chan string, goroutines*each)
	started := make(chan struct{}, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("g%d-%d", g, i)
				_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", ClientMsgID: id, Sender: livechat.SenderVisitor, Text: "x"})
				if i == 0 {
					started <- struct{}{}
				}
				if err != nil {
					assert.ErrorIs(t, err, livechat.ErrClosed)
					return
				}
				acked <- id
			}
		})
	}
	for range goroutines {
		<-started
	}
	require.NoError(t, s.Close())
	wg.Wait()
	close(acked)

	s = mustOpen(t, path)
	ms, err := s.Messages(ctx, "c1", 0, goroutines*each)
	require.NoError(t, err)
	require.Equal(t, dense(len(ms)), seqs(ms))
	stored := make(map[string]bool)
	for _, m := range ms {
		stored[m.ClientMsgID] = true
	}
	n := 0
	for id := range acked {
		n++
		require.True(t, stored[id], "acknowledged message %s is not stored", id)
	}
	require.Positive(t, n)
}

// TestAppendCallerGivesUp cancels some appenders' contexts while many
// append at once: the others are stored with dense numbers, and an append
// that returned the context's error stored nothing.
func TestAppendCallerGivesUp(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, tempPath(t))
	mustCreateConversation(t, s, "c1")

	const goroutines, each = 20, 20
	type result struct {
		id  string
		err error
	}
	results := make(chan result, goroutines*each)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				cctx, cancel := context.WithCancel(ctx)
				if (g+i)%3 == 0 {
					go cancel()
				}
				id := fmt.Sprintf("g%d-%d", g, i)
				_, _, err := s.AppendMessage(cctx, &livechat.Message{ConversationID: "c1", ClientMsgID: id, Sender: livechat.SenderVisitor, Text: "x"})
				cancel()
				results <- result{id, err}
			}
		})
	}
	wg.Wait()
	close(results)

	ms, err := s.Messages(ctx, "c1", 0, goroutines*each)
	require.NoError(t, err)
	require.Equal(t, dense(len(ms)), seqs(ms))
	stored := make(map[string]bool)
	for _, m := range ms {
		stored[m.ClientMsgID] = true
	}
	for r := range results {
		if r.err != nil {
			require.ErrorIs(t, r.err, context.Canceled)
			require.False(t, stored[r.id], "%s failed but is stored", r.id)
		} else {
			require.True(t, stored[r.id], "%s succeeded but is not stored", r.id)
		}
	}
}
