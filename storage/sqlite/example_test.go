package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/sqlite"
)

func Example() {
	dir, err := os.MkdirTemp("", "livechat-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqlite.Open(filepath.Join(dir, "chat.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	ctx := context.Background()
	conv := &livechat.Conversation{ID: "c1", VisitorID: "v1", Status: livechat.StatusOpen}
	if err := store.CreateConversation(ctx, conv); err != nil {
		log.Fatal(err)
	}
	for _, text := range []string{"Hello", "Is anyone there?"} {
		m, _, err := store.AppendMessage(ctx, &livechat.Message{
			ConversationID: "c1", ClientMsgID: text, Sender: livechat.SenderVisitor, Text: text,
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Seq, m.Text)
	}

	// A resend with the same client message id stores nothing.
	m, created, err := store.AppendMessage(ctx, &livechat.Message{
		ConversationID: "c1", ClientMsgID: "Hello", Sender: livechat.SenderVisitor, Text: "Hello",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Seq, created)
	// Output:
	// 1 Hello
	// 2 Is anyone there?
	// 1 false
}
