package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
)

func mustCreateConversation(tb testing.TB, s livechat.Storage, id string) {
	tb.Helper()
	err := s.CreateConversation(context.Background(), &livechat.Conversation{
		ID: id, VisitorID: "v-" + id, Status: livechat.StatusOpen,
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
	})
	require.NoError(tb, err)
}

// BenchmarkAppendMessage is one append after another: a round trip to the
// database and a commit each.
func BenchmarkAppendMessage(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b)
	mustCreateConversation(b, s, "c1")
	b.ReportAllocs()
	for b.Loop() {
		_, _, err := s.AppendMessage(ctx, &livechat.Message{
			ConversationID: "c1", Sender: livechat.SenderVisitor, AuthorID: "v1", Text: "Hello, is anyone there?",
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendMessageParallel appends to one conversation from
// GOMAXPROCS goroutines: they queue on the conversation's row lock.
func BenchmarkAppendMessageParallel(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b)
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

// BenchmarkAppendMessageManyConversations appends from 8 × GOMAXPROCS
// goroutines, each to a conversation of its own, as the visitors of a busy
// site do: the appends do not wait for each other's row locks, only for a
// connection of the pool and for the database.
func BenchmarkAppendMessageManyConversations(b *testing.B) {
	manyConversations(b, func(ctx context.Context, s *postgres.Store, m *livechat.Message) error {
		_, _, err := s.AppendMessage(ctx, m)
		return err
	})
}

// BenchmarkAppendMessageIfManyConversations is
// BenchmarkAppendMessageManyConversations with AppendMessageIf, the
// Handler's append: the appends that start while four are in flight go
// to the database in batches, one round trip and one commit each.
func BenchmarkAppendMessageIfManyConversations(b *testing.B) {
	s := manyConversations(b, func(ctx context.Context, s *postgres.Store, m *livechat.Message) error {
		_, _, _, err := s.AppendMessageIf(ctx, m, livechat.AppendCondition{VisitorID: m.AuthorID, NotClosed: true})
		return err
	})
	appends, batches := postgres.BatchedAppends(s)
	b.ReportMetric(float64(appends)/float64(b.N), "batched/op")
	if batches > 0 {
		b.ReportMetric(float64(appends)/float64(batches), "appends/batch")
	}
}

// manyConversations runs appendMessage from 8 × GOMAXPROCS goroutines, each
// with a conversation of its own, and returns the Store.
func manyConversations(b *testing.B, appendMessage func(context.Context, *postgres.Store, *livechat.Message) error) *postgres.Store {
	ctx := context.Background()
	s := mustOpen(b)
	var next atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS goroutines
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprint("c", next.Add(1))
		mustCreateConversation(b, s, id)
		for pb.Next() {
			err := appendMessage(ctx, s, &livechat.Message{
				ConversationID: id, Sender: livechat.SenderVisitor, AuthorID: "v-" + id, Text: "Hello, is anyone there?",
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	return s
}

func BenchmarkMessages(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b)
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
