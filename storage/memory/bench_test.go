package memory_test

import (
	"context"
	"testing"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

func BenchmarkAppendMessage(b *testing.B) {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	if err := s.CreateConversation(ctx, &livechat.Conversation{ID: "c1", VisitorID: "v1", Status: livechat.StatusOpen}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Sender: livechat.SenderVisitor, Text: "hello"}); err != nil {
			b.Fatal(err)
		}
	}
}
