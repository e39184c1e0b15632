package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/sqlite"
)

// The benchmarks report cpu-µs/op beside ns/op: the CPU time of the whole
// process (user and system, every goroutine, the database's included) per
// operation, from getrusage. On a machine shared with other work ns/op
// moves with the load; cpu-µs/op is what one append costs.

// cpuTime is the CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU starts counting CPU time; the returned function reports it
// per operation. Call it after the setup and stop when the loop is done.
func measureCPU(b *testing.B) (stop func()) {
	b.Helper()
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// shortText is about the size of a chat message in the load tool's
// scenarios; longText is the long message of BenchmarkAppendLongConversation.
var (
	shortText = strings.Repeat("Hello, is anyone there? ", 9)[:200]
	longText  = strings.Repeat("0123456789", 200)
)

func BenchmarkAppendMessage(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
	mustCreateConversation(b, s, "c1")
	b.ReportAllocs()
	stop := measureCPU(b)
	for b.Loop() {
		_, _, err := s.AppendMessage(ctx, &livechat.Message{
			ConversationID: "c1", Sender: livechat.SenderVisitor, AuthorID: "v1", Text: "Hello, is anyone there?",
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

// BenchmarkAppendManyConversations appends from one goroutine to 1,000
// conversations in turn, as a server with many quiet conversations does:
// each append is a transaction of its own and touches other pages than
// the one before.
func BenchmarkAppendManyConversations(b *testing.B) {
	manyConversations(b, func(ctx context.Context, s *sqlite.Store, m *livechat.Message) error {
		_, _, err := s.AppendMessage(ctx, m)
		return err
	})
}

// BenchmarkAppendManyConversationsRead is BenchmarkAppendManyConversations
// with a read of the conversation before each append, as the Handler
// posts a message on a Storage that is not a livechat.ConditionalAppender.
// Every commit empties the cache of the connection that reads.
func BenchmarkAppendManyConversationsRead(b *testing.B) {
	manyConversations(b, func(ctx context.Context, s *sqlite.Store, m *livechat.Message) error {
		if _, err := s.Conversation(ctx, m.ConversationID); err != nil {
			return err
		}
		_, _, err := s.AppendMessage(ctx, m)
		return err
	})
}

// BenchmarkAppendManyConversationsIf is BenchmarkAppendManyConversationsRead
// in one step, with AppendMessageIf.
func BenchmarkAppendManyConversationsIf(b *testing.B) {
	manyConversations(b, func(ctx context.Context, s *sqlite.Store, m *livechat.Message) error {
		_, _, _, err := s.AppendMessageIf(ctx, m, livechat.AppendCondition{VisitorID: m.AuthorID, NotClosed: true})
		return err
	})
}

func manyConversations(b *testing.B, appendMessage func(context.Context, *sqlite.Store, *livechat.Message) error) {
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
	const conversations = 1000
	for i := range conversations {
		mustCreateConversation(b, s, fmt.Sprintf("c%d", i))
	}
	for i := range 10 * conversations {
		conv := fmt.Sprintf("c%d", i%conversations)
		if _, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: conv, ClientMsgID: fmt.Sprintf("seed-%d", i),
			Sender: livechat.SenderVisitor, AuthorID: "v-" + conv, Text: shortText}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	stop := measureCPU(b)
	i := 0
	for b.Loop() {
		i++
		conv := fmt.Sprintf("c%d", i%conversations)
		err := appendMessage(ctx, s, &livechat.Message{ConversationID: conv, ClientMsgID: fmt.Sprintf("m%d", i),
			Sender: livechat.SenderVisitor, AuthorID: "v-" + conv, Text: shortText})
		if err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

// BenchmarkAppendLongConversation appends messages of 2,000 characters
// with client message ids to an empty conversation and to one that holds
// 10,000 such messages, in the same run: an append costs the same however
// long the conversation is.
func BenchmarkAppendLongConversation(b *testing.B) {
	const held = 10_000
	for _, n := range []int{0, held} {
		b.Run(fmt.Sprintf("held=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := mustOpen(b, tempPath(b))
			mustCreateConversation(b, s, "c1")
			seedMessages(b, s, "c1", n, longText)
			b.ReportAllocs()
			stop := measureCPU(b)
			i := 0
			for b.Loop() {
				i++
				_, _, err := s.AppendMessage(ctx, &livechat.Message{
					ConversationID: "c1", ClientMsgID: fmt.Sprintf("bench-%d", i),
					Sender: livechat.SenderVisitor, AuthorID: "v1", Text: longText,
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

// seedMessages appends n messages to the conversation, 50 at a time.
func seedMessages(tb testing.TB, s *sqlite.Store, convID string, n int, text string) {
	tb.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for g := range 50 {
		wg.Go(func() {
			for i := g; i < n; i += 50 {
				_, _, err := s.AppendMessage(ctx, &livechat.Message{
					ConversationID: convID, ClientMsgID: fmt.Sprintf("seed-%d", i),
					Sender: livechat.SenderVisitor, AuthorID: "v1", Text: text,
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// appenders is the number of goroutines of BenchmarkGroupCommit and of
// the raw-insert ceiling: the persist scenario's 50 senders, each waiting
// for its answer before it sends again.
const appenders = 50

// BenchmarkGroupCommit appends from 50 goroutines, each to a conversation
// of its own and each waiting for its append to return before the next:
// the appends that meet in the store share transactions.
func BenchmarkGroupCommit(b *testing.B) {
	groupCommit(b, func(ctx context.Context, s *sqlite.Store, m *livechat.Message) error {
		_, _, err := s.AppendMessage(ctx, m)
		return err
	})
}

// BenchmarkGroupCommitRead is BenchmarkGroupCommit with a read of the
// conversation before each append, as the Handler posts a message on a
// Storage that is not a livechat.ConditionalAppender.
func BenchmarkGroupCommitRead(b *testing.B) {
	groupCommit(b, func(ctx context.Context, s *sqlite.Store, m *livechat.Message) error {
		c, err := s.Conversation(ctx, m.ConversationID)
		if err != nil {
			return err
		}
		if c.VisitorID != m.AuthorID || c.Status == livechat.StatusClosed {
			return fmt.Errorf("conversation %s refused", c.ID)
		}
		_, _, err = s.AppendMessage(ctx, m)
		return err
	})
}

// BenchmarkGroupCommitIf is BenchmarkGroupCommitRead in one step, with
// AppendMessageIf, as the Handler posts a visitor's message on this Store.
func BenchmarkGroupCommitIf(b *testing.B) {
	groupCommit(b, func(ctx context.Context, s *sqlite.Store, m *livechat.Message) error {
		_, _, _, err := s.AppendMessageIf(ctx, m, livechat.AppendCondition{VisitorID: m.AuthorID, NotClosed: true})
		return err
	})
}

func groupCommit(b *testing.B, appendMessage func(context.Context, *sqlite.Store, *livechat.Message) error) {
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
	for g := range appenders {
		c := fmt.Sprintf("c%d", g)
		now := time.Now()
		if err := s.CreateConversation(ctx, &livechat.Conversation{ID: c, VisitorID: "v" + c, Status: livechat.StatusOpen, CreatedAt: now, UpdatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	stop := measureCPU(b)
	commits := sqlite.Commits(s)
	var wg sync.WaitGroup
	for g := range appenders {
		wg.Go(func() {
			conv := fmt.Sprintf("c%d", g)
			for i := g; i < b.N; i += appenders {
				err := appendMessage(ctx, s, &livechat.Message{
					ConversationID: conv, ClientMsgID: fmt.Sprintf("m%d", i),
					Sender: livechat.SenderVisitor, AuthorID: "v" + conv, Text: shortText,
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	stop()
	b.ReportMetric(float64(b.N)/float64(sqlite.Commits(s)-commits), "appends/tx")
}

// BenchmarkRawInsert is the ceiling of BenchmarkGroupCommit: the same
// driver, pragmas (those of the Store's writer connection) and schema, the
// same messages in the same 50 conversations with the same kind of ids
// (version 7 UUIDs), inserted straight into the
// messages table by one goroutine with a prepared statement: nothing
// read, no sequence assigned, no conversation updated, and SQLite's own
// checkpoints in the commit path. single commits every row; batched
// commits 100 rows a transaction.
func BenchmarkRawInsert(b *testing.B) {
	for _, batch := range []int{1, 100} {
		name := "single"
		if batch > 1 {
			name = fmt.Sprintf("batched=%d", batch)
		}
		b.Run(name, func(b *testing.B) {
			path := tempPath(b)
			s, err := sqlite.Open(path) // creates the schema
			if err != nil {
				b.Fatal(err)
			}
			for g := range appenders {
				mustCreateConversation(b, s, fmt.Sprintf("c%d", g))
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"+
				"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(8000)&_txlock=immediate")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			stop := measureCPU(b)
			seqs := make([]int64, appenders)
			for i := 0; i < b.N; {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				st, err := tx.PrepareContext(ctx, `INSERT INTO messages (id, client_msg_id, conversation_id, seq,
					sender, author_id, author_name, text, code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
				if err != nil {
					b.Fatal(err)
				}
				for end := min(i+batch, b.N); i < end; i++ {
					g := i % appenders
					seqs[g]++
					conv := fmt.Sprintf("c%d", g)
					if _, err := st.ExecContext(ctx, uuid.Must(uuid.NewV7()).String(), fmt.Sprintf("m%d", i), conv, seqs[g],
						string(livechat.SenderVisitor), "v"+conv, "", shortText, "", time.Now().UnixNano()); err != nil {
						b.Fatal(err)
					}
				}
				st.Close()
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

func BenchmarkAppendMessageParallel(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
	mustCreateConversation(b, s, "c1")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _, err := s.AppendMessage(ctx, &livechat.Message{
				ConversationID: "c1", Sender: livechat.SenderVisitor, AuthorID: "v1", Text: "Hello, is anyone there?",
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkMessages(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
	mustCreateConversation(b, s, "c1")
	for range 1000 {
		if _, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "Hello"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Messages(ctx, "c1", 900, 50); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConversation reads a conversation, as the server does before
// each message it is sent.
func BenchmarkConversation(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
	mustCreateConversation(b, s, "c1")
	b.ReportAllocs()
	stop := measureCPU(b)
	for b.Loop() {
		if _, err := s.Conversation(ctx, "c1"); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

// BenchmarkAppendSteady appends 1,000 messages a second, each from a
// goroutine of its own, to 1,000 conversations in turn (each with its own
// visitor and ten messages already), with AppendMessageIf: the load
// tool's rooms scenario at 1,000 messages a second without the server
// around the Store. Its ns/op is the pace; cpu-µs/op is what an append
// costs the process, its share of the checkpoints included. Run it with a
// fixed -benchtime such as 3000x.
func BenchmarkAppendSteady(b *testing.B) {
	const (
		conversations = 1000
		rate          = 1000 // appends a second
	)
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
	convs := make([]*livechat.Conversation, conversations)
	for i := range convs {
		now := time.Now()
		convs[i] = &livechat.Conversation{ID: uuid.NewString(), VisitorID: uuid.NewString(), Status: livechat.StatusOpen, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateConversation(ctx, convs[i]); err != nil {
			b.Fatal(err)
		}
	}
	appendTo := func(c *livechat.Conversation) error {
		_, _, _, err := s.AppendMessageIf(ctx, &livechat.Message{ConversationID: c.ID, ClientMsgID: uuid.NewString(),
			Sender: livechat.SenderVisitor, AuthorID: c.VisitorID, Text: shortText}, livechat.AppendCondition{VisitorID: c.VisitorID, NotClosed: true})
		return err
	}
	for i := range 10 * conversations {
		if err := appendTo(convs[i%conversations]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	stop := measureCPU(b)
	commits := sqlite.Commits(s)
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range b.N {
		<-tick.C
		wg.Go(func() {
			if err := appendTo(convs[i%conversations]); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	stop()
	b.ReportMetric(float64(b.N)/float64(sqlite.Commits(s)-commits), "appends/tx")
}
