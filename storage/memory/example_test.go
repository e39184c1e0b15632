package memory_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

func Example() {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()

	now := time.Now()
	conv := &livechat.Conversation{
		ID: "c1", VisitorID: "v1", Status: livechat.StatusOpen, CreatedAt: now, UpdatedAt: now,
	}
	if err := store.CreateConversation(ctx, conv); err != nil {
		log.Fatal(err)
	}
	for i, text := range []string{"Hello", "Anyone there?"} {
		m, _, err := store.AppendMessage(ctx, &livechat.Message{
			ConversationID: "c1",
			ClientMsgID:    fmt.Sprintf("client-%d", i+1),
			Sender:         livechat.SenderVisitor,
			Text:           text,
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Seq, m.Text)
	}

	// The widget retries a send whose acknowledgement it missed: the
	// ClientMsgID makes the retry return the stored message.
	m, created, err := store.AppendMessage(ctx, &livechat.Message{
		ConversationID: "c1", ClientMsgID: "client-1", Sender: livechat.SenderVisitor, Text: "Hello",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Seq, m.Text, created)

	msgs, err := store.Messages(ctx, "c1", 1, 10)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(msgs), "message after seq 1")
	// Output:
	// 1 Hello
	// 2 Anyone there?
	// 1 Hello false
	// 1 message after seq 1
}
