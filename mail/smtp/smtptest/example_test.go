package smtptest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/mail/smtp"
	"github.com/golivechat/livechat/mail/smtp/smtptest"
)

// A test server receives what a Mailer sends, over STARTTLS with its own
// certificate.
func ExampleNewServer() {
	srv := smtptest.NewServer(smtptest.Options{StartTLS: true})
	defer srv.Close()
	m, err := smtp.New(smtp.Config{Addr: srv.Addr, From: "support@example.com", TLSConfig: srv.ClientTLS()})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.SendMail(ctx, &livechat.Mail{To: "zoe@example.org", Subject: "Your chat", Text: "Hello!"}); err != nil {
		log.Fatal(err)
	}
	msg, err := srv.Next(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msg.From, msg.To, msg.TLS)
	// Output:
	// support@example.com [zoe@example.org] true
}
