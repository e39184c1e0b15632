package livechat_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

// A Mailer of the host's own, here one that hands each transcript to an
// outbox the host's application drains. An error that does not wrap
// ErrMailRejected counts as temporary: the Handler tries again later.
func ExampleMailerFunc() {
	outbox := make(chan *livechat.Mail, 100)
	mailer := livechat.MailerFunc(func(ctx context.Context, m *livechat.Mail) error {
		select {
		case outbox <- m:
			return nil
		default:
			return errors.New("outbox full")
		}
	})
	chat, err := livechat.New(livechat.Config{
		Storage: memory.New(),
		Secret:  []byte("0123456789abcdef0123456789abcdef"), // from crypto/rand in real use
		Mailer:  mailer,                                     // visitors are now offered their transcript by email
	})
	if err != nil {
		log.Fatal(err)
	}
	defer chat.Close()

	err = mailer.SendMail(context.Background(), &livechat.Mail{To: "visitor@example.org", Subject: "Your conversation with Acme", Text: "…"})
	fmt.Println(err, (<-outbox).Subject)
	// Output:
	// <nil> Your conversation with Acme
}
