package smtp

import (
	"bytes"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/golivechat/livechat"
)

// Whatever the recipient, subject and body, a mail that compose accepts
// has exactly the headers compose writes, the recipient and subject as
// given, and lines SMTP can carry: nothing a visitor types becomes a
// header.
func FuzzCompose(f *testing.F) {
	f.Add("a@example.org", "Hi", "text", "<p>html</p>")
	f.Add("a@example.org\r\nBcc: b@example.net", "Hi\r\nBcc: b@example.net", "x\r\n.\r\nQUIT", "")
	f.Add("ü@example.org", "Grüße "+strings.Repeat("é", 200), "\n\n", "\r")
	f.Add("\"a b\"@example.org", "=?utf-8?q?Bcc:_x?=", "Bcc: x", "--boundary")
	ml, err := New(Config{Addr: "smtp.example.com:587", From: "Acme <support@example.com>"})
	if err != nil {
		f.Fatal(err)
	}
	multipart := []string{"Auto-Submitted", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	plain := []string{"Auto-Submitted", "Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	f.Fuzz(func(t *testing.T, to, subject, text, html string) {
		rcpt, err := checkMail(&livechat.Mail{To: to, Subject: subject, Text: text, HTML: html})
		if err != nil {
			return
		}
		msg, err := ml.compose(rcpt, &livechat.Mail{To: to, Subject: subject, Text: text, HTML: html})
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			if len(line) > 998 || strings.ContainsAny(line, "\r\n\x00") {
				t.Fatalf("header line %q", line)
			}
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("unreadable mail: %v\n%s", err, msg)
		}
		var keys []string
		for k := range m.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := multipart
		if html == "" {
			want = plain
		}
		if !slices.Equal(keys, want) {
			t.Fatalf("headers %v, want %v", keys, want)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil || got != strings.TrimSpace(subject) {
			t.Fatalf("subject %q (%v), want %q", got, err, subject)
		}
		addrs, err := m.Header.AddressList("To")
		if err != nil || len(addrs) != 1 || addrs[0].Address != rcpt.Address {
			t.Fatalf("To %v (%v), want %s", addrs, err, rcpt.Address)
		}
	})
}
