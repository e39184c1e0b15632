package smtp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/mail/smtp"
	"github.com/golivechat/livechat/mail/smtp/smtptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T, opts smtptest.Options) *smtptest.Server {
	t.Helper()
	srv := smtptest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

func newMailer(t *testing.T, srv *smtptest.Server, cfg smtp.Config) *smtp.Mailer {
	t.Helper()
	cfg.Addr = srv.Addr
	if cfg.From == "" {
		cfg.From = "Acme support <support@example.com>"
	}
	if cfg.TLSConfig == nil {
		cfg.TLSConfig = srv.ClientTLS()
	}
	m, err := smtp.New(cfg)
	require.NoError(t, err)
	return m
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var transcript = &livechat.Mail{
	To:      "visitor@example.org",
	Subject: "Transcript of your conversation with Acme — Grüße",
	Text:    "Acme: Hello\n.\n.dot first\nYou: Grüße, <b>not bold</b>",
	HTML:    "<!doctype html><p>Hello</p><p>Grüße, &lt;b&gt;not bold&lt;/b&gt;</p>",
}

// parts reads a received mail: its header and each MIME part, decoded.
func parts(t *testing.T, data []byte) (*mail.Message, map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	out := map[string]string{}
	if typ != "multipart/alternative" {
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		require.NoError(t, err)
		out[typ] = strings.TrimSuffix(string(body), "\r\n")
		return msg, out
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return msg, out
		}
		require.NoError(t, err)
		require.Equal(t, "quoted-printable", p.Header.Get("Content-Transfer-Encoding"))
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		require.NoError(t, err)
		require.Equal(t, "utf-8", pp["charset"])
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		require.NoError(t, err)
		out[pt] = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
}

// lineLengths checks a mail's lines: header lines within SMTP's 998
// bytes, body lines within 78.
func lineLengths(t *testing.T, data []byte) {
	t.Helper()
	head, body, _ := strings.Cut(string(data), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		require.LessOrEqual(t, len(line), 998, "line %q", line)
	}
	for _, line := range strings.Split(body, "\r\n") {
		require.LessOrEqual(t, len(line), 78, "line %q", line)
	}
}

func TestSendMail(t *testing.T) {
	t.Run("OK: STARTTLS, AUTH PLAIN, multipart UTF-8", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{StartTLS: true, Username: "chat", Password: "s3cret"})
		m := newMailer(t, srv, smtp.Config{Username: "chat", Password: "s3cret"})
		require.NoError(t, m.SendMail(ctxT(t), transcript))

		got, err := srv.Next(ctxT(t))
		require.NoError(t, err)
		require.True(t, got.TLS)
		require.Equal(t, "chat", got.User)
		require.Equal(t, "support@example.com", got.From)
		require.Equal(t, []string{"visitor@example.org"}, got.To)
		msg, bodies := parts(t, got.Data)
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		require.NoError(t, err)
		require.Equal(t, transcript.Subject, subject)
		require.Contains(t, msg.Header.Get("Subject"), "=?utf-8?b?", "the subject is RFC 2047 encoded")
		from, err := msg.Header.AddressList("From")
		require.NoError(t, err)
		require.Equal(t, []*mail.Address{{Name: "Acme support", Address: "support@example.com"}}, from)
		require.Equal(t, "1.0", msg.Header.Get("MIME-Version"))
		require.NotEmpty(t, msg.Header.Get("Message-ID"))
		require.NotEmpty(t, msg.Header.Get("Date"))
		require.Equal(t, transcript.Text, bodies["text/plain"], "dot-stuffing and UTF-8 survive")
		require.Equal(t, transcript.HTML, bodies["text/html"])
		lineLengths(t, got.Data)
		for i, l := range srv.Lines() {
			if strings.HasPrefix(l, "AUTH") {
				require.Contains(t, srv.Lines()[:i], "STARTTLS", "the password goes only over TLS")
			}
		}
	})
	t.Run("OK: plain text only, no TLS offered, no credentials", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{})
		m := newMailer(t, srv, smtp.Config{})
		require.NoError(t, m.SendMail(ctxT(t), &livechat.Mail{To: "a@example.org", Subject: "Hi", Text: "plain"}))
		got, err := srv.Next(ctxT(t))
		require.NoError(t, err)
		require.False(t, got.TLS)
		msg, bodies := parts(t, got.Data)
		require.Equal(t, "Hi", msg.Header.Get("Subject"))
		require.Equal(t, map[string]string{"text/plain": "plain"}, bodies)
	})
	t.Run("OK: a long subject is folded", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{StartTLS: true})
		m := newMailer(t, srv, smtp.Config{})
		long := strings.TrimSpace(strings.Repeat("Ünïcödé ", 40))
		require.NoError(t, m.SendMail(ctxT(t), &livechat.Mail{To: "a@example.org", Subject: long, Text: "x"}))
		got, err := srv.Next(ctxT(t))
		require.NoError(t, err)
		msg, _ := parts(t, got.Data)
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		require.NoError(t, err)
		require.Equal(t, long, subject)
		lineLengths(t, got.Data)
	})
	t.Run("ErrMailRejected: TLSRequire and no STARTTLS", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{})
		m := newMailer(t, srv, smtp.Config{TLS: smtp.TLSRequire})
		err := m.SendMail(ctxT(t), transcript)
		require.ErrorIs(t, err, livechat.ErrMailRejected)
		require.Empty(t, srv.Messages())
		require.NotContains(t, strings.Join(srv.Lines(), "\n"), "MAIL FROM")
	})
	t.Run("ErrMailRejected: credentials and no TLS", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{Username: "chat", Password: "s3cret"})
		m := newMailer(t, srv, smtp.Config{Username: "chat", Password: "s3cret"})
		err := m.SendMail(ctxT(t), transcript)
		require.ErrorIs(t, err, livechat.ErrMailRejected)
		for _, l := range srv.Lines() {
			require.False(t, strings.HasPrefix(l, "AUTH"), "the password never goes in the clear: %q", l)
		}
	})
	t.Run("error: an untrusted certificate", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{StartTLS: true})
		m, err := smtp.New(smtp.Config{Addr: srv.Addr, From: "support@example.com"})
		require.NoError(t, err)
		err = m.SendMail(ctxT(t), transcript)
		require.ErrorContains(t, err, "STARTTLS")
		require.Empty(t, srv.Messages())
		require.NotContains(t, strings.Join(srv.Lines(), "\n"), "MAIL FROM", "no fallback to plain text")
	})
	t.Run("ErrMailRejected: a 5xx reply", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{StartTLS: true, Reply: func(line string) (int, string) {
			if strings.HasPrefix(line, "RCPT") {
				return 550, "no such user"
			}
			return 0, ""
		}})
		err := newMailer(t, srv, smtp.Config{}).SendMail(ctxT(t), transcript)
		require.ErrorIs(t, err, livechat.ErrMailRejected)
		require.ErrorContains(t, err, "550 no such user")
	})
	t.Run("temporary: a 4xx reply", func(t *testing.T) {
		srv := newServer(t, smtptest.Options{StartTLS: true, Reply: func(line string) (int, string) {
			if line == "DATA END" {
				return 451, "try again later"
			}
			return 0, ""
		}})
		err := newMailer(t, srv, smtp.Config{}).SendMail(ctxT(t), transcript)
		require.Error(t, err)
		require.NotErrorIs(t, err, livechat.ErrMailRejected)
		require.Empty(t, srv.Messages())
	})
	t.Run("temporary: the context's deadline", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		done := make(chan struct{})
		go func() { // accepts and never says a word
			defer close(done)
			c, err := ln.Accept()
			if err == nil {
				io.Copy(io.Discard, c)
				c.Close()
			}
		}()
		m, err := smtp.New(smtp.Config{Addr: ln.Addr().String(), From: "support@example.com"})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = m.SendMail(ctx, transcript)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NotErrorIs(t, err, livechat.ErrMailRejected)
		require.Less(t, time.Since(start), 5*time.Second)
		ln.Close()
		<-done
	})
}

// Header injection: an address or a subject with a line break (or any
// control character) is refused before a connection is made.
func TestSendMailHeaderInjection(t *testing.T) {
	srv := newServer(t, smtptest.Options{StartTLS: true})
	m := newMailer(t, srv, smtp.Config{})
	for _, tc := range []struct {
		name string
		mail livechat.Mail
	}{
		{"CRLF in To", livechat.Mail{To: "a@example.org\r\nBcc: victim@example.net", Subject: "Hi", Text: "x"}},
		{"LF in To", livechat.Mail{To: "a@example.org\nBcc: victim@example.net", Subject: "Hi", Text: "x"}},
		{"CR in To", livechat.Mail{To: "a@example.org\rBcc: victim@example.net", Subject: "Hi", Text: "x"}},
		{"two addresses in To", livechat.Mail{To: "a@example.org, victim@example.net", Subject: "Hi", Text: "x"}},
		{"a name in To", livechat.Mail{To: "Eve <a@example.org>", Subject: "Hi", Text: "x"}},
		{"SMTP command in To", livechat.Mail{To: "a@example.org>\r\nRCPT TO:<victim@example.net", Subject: "Hi", Text: "x"}},
		{"CRLF in Subject", livechat.Mail{To: "a@example.org", Subject: "Hi\r\nBcc: victim@example.net", Text: "x"}},
		{"LF in Subject", livechat.Mail{To: "a@example.org", Subject: "Hi\nBcc: victim@example.net", Text: "x"}},
		{"NUL in Subject", livechat.Mail{To: "a@example.org", Subject: "Hi\x00", Text: "x"}},
		{"line separator in Subject", livechat.Mail{To: "a@example.org", Subject: "Hi\u2028Bcc: victim@example.net", Text: "x"}},
		{"invalid UTF-8 in Subject", livechat.Mail{To: "a@example.org", Subject: "Hi\xff", Text: "x"}},
		{"empty To", livechat.Mail{To: "", Subject: "Hi", Text: "x"}},
	} {
		t.Run("ErrMailRejected: "+tc.name, func(t *testing.T) {
			err := m.SendMail(ctxT(t), &tc.mail)
			require.ErrorIs(t, err, livechat.ErrMailRejected)
		})
	}
	require.Empty(t, srv.Lines(), "no connection was made")

	// The body is data, never headers: a line break there stays in the
	// body.
	require.NoError(t, m.SendMail(ctxT(t), &livechat.Mail{To: "a@example.org", Subject: "Hi", Text: "x\r\nBcc: victim@example.net\r\n\r\n.\r\n"}))
	got, err := srv.Next(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, []string{"a@example.org"}, got.To)
	msg, _ := parts(t, got.Data)
	require.Empty(t, msg.Header.Get("Bcc"))
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  smtp.Config
		want string
	}{
		{"ErrAddr", smtp.Config{Addr: "smtp.example.com", From: "a@example.com"}, "Addr"},
		{"ErrFrom", smtp.Config{Addr: "smtp.example.com:587", From: "not an address"}, "From"},
		{"ErrFromCRLF", smtp.Config{Addr: "smtp.example.com:587", From: "a@example.com\r\nBcc: b@example.com"}, "From"},
		{"ErrTLSMode", smtp.Config{Addr: "smtp.example.com:587", From: "a@example.com", TLS: 7}, "TLS"},
		{"ErrLocalName", smtp.Config{Addr: "smtp.example.com:587", From: "a@example.com", LocalName: "a\r\nMAIL"}, "LocalName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := smtp.New(tc.cfg)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := smtp.New(smtp.Config{Addr: "smtp.example.com:587", From: "Acme <a@example.com>"})
	require.NoError(t, err)
	require.True(t, errors.Is(livechat.ErrMailRejected, livechat.ErrMailRejected))
}
