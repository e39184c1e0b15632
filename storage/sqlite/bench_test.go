package sqlite_test

import (
	"context"
	"testing"

	"github.com/golivechat/livechat"
)

func BenchmarkAppendMessage(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, tempPath(b))
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
