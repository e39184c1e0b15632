package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// conversationsOf stores 10,000 open conversations of 5,000 visitors.
func conversationsOf(b *testing.B) *memory.Store {
	s := memory.New()
	b.Cleanup(func() { s.Close() })
	for i := range 10000 {
		c := &livechat.Conversation{ID: fmt.Sprintf("c%d", i), VisitorID: fmt.Sprintf("v%d", i%5000), Status: livechat.StatusOpen}
		if err := s.CreateConversation(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkInboxConversations lists the first page (50) of an inbox of
// 10,000 open conversations.
func BenchmarkInboxConversations(b *testing.B) {
	ctx := context.Background()
	s := conversationsOf(b)
	b.ReportAllocs()
	for b.Loop() {
		convs, err := s.Conversations(ctx, livechat.ConversationFilter{Status: livechat.StatusOpen, Limit: 50})
		if err != nil || len(convs) != 50 {
			b.Fatal(err, len(convs))
		}
	}
}

// BenchmarkVisitorConversations lists one visitor's conversations among
// 10,000 of 5,000 visitors, as the widget's config call does on every page
// view.
func BenchmarkVisitorConversations(b *testing.B) {
	ctx := context.Background()
	s := conversationsOf(b)
	b.ReportAllocs()
	for b.Loop() {
		convs, err := s.Conversations(ctx, livechat.ConversationFilter{VisitorID: "v42", Status: livechat.StatusOpen, Limit: 1})
		if err != nil || len(convs) != 1 {
			b.Fatal(err, len(convs))
		}
	}
}

// BenchmarkOpenCounts counts the open conversations of each agent among
// 10,000, as every page view's availability does.
func BenchmarkOpenCounts(b *testing.B) {
	ctx := context.Background()
	s := conversationsOf(b)
	for i := range 300 {
		if _, err := s.AssignConversation(ctx, fmt.Sprintf("c%d", i), fmt.Sprintf("a%d", i%30), 0, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		counts, err := s.OpenCounts(ctx)
		if err != nil || len(counts) != 30 {
			b.Fatal(err, len(counts))
		}
	}
}
