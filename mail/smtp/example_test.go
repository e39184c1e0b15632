package smtp_test

import (
	"context"
	"fmt"
	"log"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/mail/smtp"
	"github.com/golivechat/livechat/mail/smtp/smtptest"
)

// A Mailer for the chat's transcripts, here sending to a test server; in
// production Addr is the host's relay and TLSConfig stays nil.
func ExampleNew() {
	srv := smtptest.NewServer(smtptest.Options{StartTLS: true, Username: "chat", Password: "s3cret"})
	defer srv.Close()

	m, err := smtp.New(smtp.Config{
		Addr:      srv.Addr,
		From:      "Acme support <support@example.com>",
		Username:  "chat",
		Password:  "s3cret",
		TLSConfig: srv.ClientTLS(), // trusts the test server's own certificate
	})
	if err != nil {
		log.Fatal(err)
	}
	// livechat.New(livechat.Config{..., Mailer: m}) sends transcripts with it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = m.SendMail(ctx, &livechat.Mail{To: "visitor@example.org", Subject: "Your chat with Acme", Text: "Acme: Hello!"})
	if err != nil {
		log.Fatal(err)
	}

	got, err := srv.Next(ctx)
	if err != nil {
		log.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
	if err != nil {
		log.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	fmt.Println(got.To, got.TLS, subject)
	// Output:
	// [visitor@example.org] true Your chat with Acme
}
