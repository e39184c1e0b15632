package livechat_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/identity"
	"github.com/golivechat/livechat/mail/smtp"
	"github.com/golivechat/livechat/mail/smtp/smtptest"
)

// forgedHost sends every request with its Host header, and the visitor
// token it was given.
type forgedHost struct {
	host  string
	mu    sync.Mutex
	token string
}

func (f *forgedHost) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = f.host
	f.mu.Lock()
	if f.token != "" {
		r.Header.Set("Cookie", "livechat_visitor="+f.token)
	}
	f.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		for _, c := range resp.Cookies() {
			if c.Name == "livechat_visitor" {
				f.mu.Lock()
				f.token = c.Value
				f.mu.Unlock()
			}
		}
	}
	return resp, err
}

// The mail's subject never names what the request says the site is: a
// forged Host header gives a mail from the site's own server that names
// another site. It names the Company, the Account or the chatflow's brand,
// else nobody.
func TestTranscriptSubjectIgnoresHost(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate  func(*livechat.Config)
		subject string
	}{
		"no name": {func(c *livechat.Config) {}, "Your conversation transcript"},
		"Company": {func(c *livechat.Config) { c.Company = "Shop Ltd" }, "Your conversation with Shop Ltd"},
		"Account": {func(c *livechat.Config) { c.Account = "shop" }, "Your conversation with shop"},
		"brand name": {func(c *livechat.Config) {
			f := flow.New("Support")
			f.ID = "support"
			f.Display.Heading = flow.Heading{Kind: flow.HeadingBrand, Title: "Acme support", BrandName: "Acme"}
			c.Flows = []*flow.Chatflow{f}
		}, "Your conversation with Acme"},
	} {
		t.Run(name, func(t *testing.T) {
			box := &mailbox{}
			e := newEnv(t, tc.mutate, func(c *livechat.Config) { c.Mailer = box })
			// Every request of this visitor says it is for paypal.com.
			v := &visitor{e: e, client: &http.Client{Timeout: 10 * time.Second, Transport: &forgedHost{host: "paypal.com"}}}
			status, body := v.do("POST", "api/v1/visitor/config", map[string]any{"url": "https://paypal.com/"})
			require.Equal(t, 200, status, "%v", body)
			start := map[string]any{"url": "https://paypal.com/"}
			if name == "brand name" {
				start["chatflowId"] = "support"
			}
			status, body = v.do("POST", "api/v1/visitor/conversations", start)
			require.Equal(t, 201, status, "%v", body)
			conv := body["conversation"].(map[string]any)["id"].(string)
			status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "m1", "text": "Hello"})
			require.Equal(t, 201, status, "%v", body)
			status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "v@example.org"})
			require.Equal(t, 200, status, "%v", body)
			mails := box.mails()
			require.Len(t, mails, 1)
			require.Equal(t, tc.subject, mails[0].Subject)
			for _, s := range []string{mails[0].Subject, mails[0].Text, mails[0].HTML} {
				require.NotContains(t, s, "paypal")
				require.NotContains(t, s, "127.0.0.1")
			}
		})
	}
}

// The answer to a failed transcript is transcript_failed whatever the
// Mailer's error wraps, and carries nothing of its text.
func TestTranscriptMailerErrorNotAnswered(t *testing.T) {
	for name, err := range map[string]error{
		"rejected, wrapping ErrClosed":   fmt.Errorf("%w (%w)", livechat.ErrMailRejected, livechat.ErrClosed),
		"rejected, wrapping ErrInvalid":  fmt.Errorf("%w: %w", livechat.ErrMailRejected, livechat.ErrInvalid),
		"rejected, wrapping ErrNotFound": fmt.Errorf("%w: %w", livechat.ErrMailRejected, livechat.ErrNotFound),
	} {
		t.Run(name, func(t *testing.T) {
			mailer := livechat.MailerFunc(func(context.Context, *livechat.Mail) error { return err })
			e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brandFlow()}; c.Mailer = mailer })
			v, conv := transcriptChat(t, e)
			status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "v@example.org"})
			require.Equal(t, 502, status, "%v", body)
			require.Equal(t, map[string]any{"code": "transcript_failed", "message": "the transcript could not be sent"}, body["error"])
		})
	}
}

// A conversation's notes neither fill a transcript nor make one: a
// conversation holding only notes has no messages to mail, as one with
// nothing at all.
func TestTranscriptNotesDoNotCount(t *testing.T) {
	box := &mailbox{}
	e := newEnv(t, func(c *livechat.Config) { c.Mailer = box })
	v := e.newVisitor()
	conv := v.start()
	status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/notes", map[string]any{"clientMessageId": "n1", "text": "internal only"})
	require.Equal(t, 201, status, "%v", body)
	status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "v@example.org"})
	require.Equal(t, 400, status, "%v", body)
	require.Equal(t, "the conversation has no messages yet", body["error"].(map[string]any)["message"])
	require.Empty(t, box.mails())

	// 2,000 notes before the visitor's message leave it in the transcript.
	for i := range 2000 {
		_, _, err := e.store.AppendMessage(context.Background(), &livechat.Message{ConversationID: conv, Sender: livechat.SenderNote, AuthorName: "Agent a1", Text: fmt.Sprint("note ", i), CreatedAt: time.Now()})
		require.NoError(t, err)
	}
	status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "m1", "text": "After the notes"})
	require.Equal(t, 201, status, "%v", body)
	status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "v@example.org"})
	require.Equal(t, 200, status, "%v", body)
	m := box.mails()[0]
	require.Contains(t, m.Text, "You: After the notes")
	require.NotContains(t, m.Text, "[…]")
	require.NotContains(t, m.Text, "note ")
}

// A mail server's refusal quotes the address; no log record and no
// answer carries it.
func TestTranscriptFailureLogsNoAddress(t *testing.T) {
	const address = "secret.person@example.org"
	srv := smtptest.NewServer(smtptest.Options{Reply: func(line string) (int, string) {
		if strings.HasPrefix(line, "RCPT TO:") {
			return 550, "5.1.1 <" + address + ">: Recipient address rejected"
		}
		return 0, ""
	}})
	defer srv.Close()
	mailer, err := smtp.New(smtp.Config{Addr: srv.Addr, From: "support@example.com", TLS: smtp.TLSStartTLS})
	require.NoError(t, err)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, func(c *livechat.Config) {
		c.Flows = []*flow.Chatflow{brandFlow()}
		c.Mailer = mailer
		c.Logger = logger
	})
	v, conv := transcriptChat(t, e)
	status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": address})
	require.Equal(t, 502, status, "%v", body)
	require.Equal(t, map[string]any{"code": "transcript_failed", "message": "the transcript could not be sent"}, body["error"])
	out := logs.String()
	require.Contains(t, out, "transcript not sent")
	require.Contains(t, out, "rejected")
	require.Contains(t, out, "request failed")
	require.NotContains(t, out, "secret.person")
	require.NotContains(t, out, "Recipient address")
}

// The transcript's address is filled in only with one the visitor may
// see: a contact shared by everyone who typed its address, and edited by
// agents, never reaches another visitor, through the chat answer or the
// email call's answer. The host's identified user gets their own.
func TestTranscriptPrefillIsTheVisitorsOwn(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) {
		c.Mailer = &mailbox{}
		c.Identity = &identity.Verifier{Keys: map[string][]byte{"k1": identityKey}, Audience: "shop.example"}
	})
	victim, attacker := e.newVisitor(), e.newVisitor()
	victimConv := victim.start()
	for _, v := range []*visitor{victim, attacker} {
		status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": "old@example.org"})
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, map[string]any{"email": "old@example.org", "verified": false}, body["contact"])
	}
	version := e.panel(victimConv)["contact"].(map[string]any)["version"].(string)
	resp, body := e.contactPut("a1", victimConv, version, map[string]any{"email": "victim.private@example.org"})
	require.Equal(t, 200, resp.StatusCode, "%v", body)

	for _, v := range []*visitor{attacker, victim} {
		require.Equal(t, map[string]any{}, v.configFor(e.srv.URL + "/")["transcript"])
		status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": "old@example.org"})
		require.Equal(t, 200, status, "%v", body)
		require.NotContains(t, fmt.Sprint(body), "victim.private")
	}

	// Typing a verified user's address says nothing of that user.
	user := e.browser()
	user.configWith(identityToken(t, "user-1"))
	require.Equal(t, map[string]any{"email": "user-1@example.com"}, user.fullChat(map[string]any{"url": "https://shop.example/", "identity": identityToken(t, "user-1")})["transcript"])
	status, body := attacker.do("POST", "api/v1/visitor/email", map[string]any{"email": "user-1@example.com"})
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, map[string]any{"email": "user-1@example.com", "verified": false}, body["contact"])
	require.Equal(t, map[string]any{}, attacker.configFor(e.srv.URL + "/")["transcript"])
}
