package livechat_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

// mailbox is a Mailer that keeps what it is given, answering with what
// fail says for each attempt (nil: sent).
type mailbox struct {
	mu       sync.Mutex
	sent     []*livechat.Mail
	attempts int
	fail     func(attempt int) error
}

func (b *mailbox) SendMail(ctx context.Context, m *livechat.Mail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts++
	if b.fail != nil {
		if err := b.fail(b.attempts); err != nil {
			return err
		}
	}
	b.sent = append(b.sent, m)
	return nil
}

func (b *mailbox) mails() []*livechat.Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*livechat.Mail(nil), b.sent...)
}

// brandFlow is a chatflow that presents every agent as the Acme brand.
func brandFlow() *flow.Chatflow {
	f := flow.New("Support")
	f.ID = "support"
	f.Display.Heading = flow.Heading{Kind: flow.HeadingBrand, Title: "Acme support", BrandName: "Acme", BrandAlias: true}
	return f
}

// transcriptChat is a conversation of a visitor with agent a1 on the
// brand chatflow, with a message of a kind a visitor may not see stored
// beside the others, ended by the agent.
func transcriptChat(t *testing.T, e *testEnv) (v *visitor, conv string) {
	t.Helper()
	v = e.newVisitor()
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": e.srv.URL + "/", "chatflowId": "support"})
	require.Equal(t, 201, status, "%v", body)
	conv = body["conversation"].(map[string]any)["id"].(string)
	status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "v1", "text": "Is <script>alert(1)</script> safe?\nSecond line"})
	require.Equal(t, 201, status, "%v", body)
	status, body = e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "a1", "text": "It is shown as text & nothing runs."})
	require.Equal(t, 201, status, "%v", body)
	// A kind the transcript does not know, such as an agents' note.
	_, _, err := e.store.AppendMessage(context.Background(), &livechat.Message{ConversationID: conv, Sender: "note", AuthorName: "Agent a1", Text: "internal: check the refund", CreatedAt: time.Now()})
	require.NoError(t, err)
	_, err = e.chat.CloseConversation(context.Background(), conv, "a1")
	require.NoError(t, err)
	return v, conv
}

func TestTranscriptEmail(t *testing.T) {
	box := &mailbox{}
	e := newEnv(t, func(c *livechat.Config) {
		c.Flows = []*flow.Chatflow{brandFlow()}
		c.Mailer = box
	})
	v, conv := transcriptChat(t, e)
	ask := func(v *visitor, conv string, body any) (int, map[string]any) {
		return v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", body)
	}

	// The chat offers it; an address typed (an unverified contact) is
	// not filled in (TestTranscriptPrefillIsTheVisitorsOwn).
	require.Equal(t, map[string]any{}, v.configFor(e.srv.URL + "/")["transcript"])
	status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": "visitor@example.org"})
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, map[string]any{}, v.configFor(e.srv.URL + "/")["transcript"])

	t.Run("ErrBadEmail", func(t *testing.T) {
		for _, bad := range []any{
			map[string]any{"email": ""},
			map[string]any{"email": "not an address"},
			map[string]any{"email": "a@example.org\r\nBcc: victim@example.net"},
			map[string]any{"email": "Eve <a@example.org>"},
			map[string]any{"email": strings.Repeat("a", 250) + "@example.org"},
			map[string]any{},
		} {
			status, body := ask(v, conv, bad)
			require.Equal(t, 400, status, "%v", bad)
			require.Equal(t, "bad_request", errCode(body))
			require.Contains(t, body["error"].(map[string]any)["message"], "email")
		}
		require.Empty(t, box.mails(), "nothing sent")
	})
	t.Run("ErrNotTheirs", func(t *testing.T) {
		other := e.newVisitor()
		status, body := ask(other, conv, map[string]any{"email": "other@example.org"})
		require.Equal(t, 404, status, "%v", body)
		require.Equal(t, "not_found", errCode(body))
		status, _ = doJSON(t, http.DefaultClient, "POST", e.base+"api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "x@example.org"}, nil)
		require.Equal(t, 401, status, "no visitor token")
		require.Empty(t, box.mails())
	})
	t.Run("OK", func(t *testing.T) {
		status, body := ask(v, conv, map[string]any{"email": " visitor@example.org "})
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, map[string]any{"email": "visitor@example.org", "status": "sent"}, body["transcript"])
		mails := box.mails()
		require.Len(t, mails, 1)
		m := mails[0]
		require.Equal(t, "visitor@example.org", m.To)
		require.Equal(t, "Your conversation with Acme", m.Subject)
		// The brand stands in for the agent everywhere; the visitor is "You".
		require.Contains(t, m.Text, "You: Is <script>alert(1)</script> safe?\n    Second line\n")
		require.Contains(t, m.Text, "Acme: It is shown as text & nothing runs.\n")
		require.Contains(t, m.Text, "Acme ended the conversation.")
		require.Contains(t, m.HTML, "Is &lt;script&gt;alert(1)&lt;/script&gt; safe?")
		require.NotContains(t, m.HTML, "<script>")
		require.Contains(t, m.HTML, `<span class="w">Acme</span>`)
		for _, s := range []string{m.Text, m.HTML, m.Subject} {
			require.NotContains(t, s, "Agent a1", "the agent's own name never reaches the visitor")
			require.NotContains(t, s, "refund", "only visitor, agent and system messages")
		}
	})
	t.Run("ErrRateLimited", func(t *testing.T) {
		for range 2 {
			status, body := ask(v, conv, map[string]any{"email": "visitor@example.org"})
			require.Equal(t, 200, status, "%v", body)
		}
		status, body := ask(v, conv, map[string]any{"email": "visitor@example.org"})
		require.Equal(t, 429, status, "a few per conversation: %v", body)
		require.Equal(t, "rate_limited", errCode(body))
		require.Len(t, box.mails(), 3)

		// Per visitor too: a second conversation has room for two more.
		status, body = v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": e.srv.URL + "/", "chatflowId": "support"})
		require.Equal(t, 201, status, "%v", body)
		conv2 := body["conversation"].(map[string]any)["id"].(string)
		status, body = v.do("POST", "api/v1/visitor/conversations/"+conv2+"/messages", map[string]any{"clientMessageId": "m2", "text": "Again"})
		require.Equal(t, 201, status, "%v", body)
		for range 2 {
			status, body := ask(v, conv2, map[string]any{"email": "visitor@example.org"})
			require.Equal(t, 200, status, "while the conversation is open too: %v", body)
		}
		status, body = ask(v, conv2, map[string]any{"email": "visitor@example.org"})
		require.Equal(t, 429, status, "a few per visitor: %v", body)
		require.Len(t, box.mails(), 5)
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		w := e.newVisitor()
		conv := w.start()
		status, body := ask(w, conv, map[string]any{"email": "w@example.org"})
		require.Equal(t, 400, status, "%v", body)
		require.Equal(t, "the conversation has no messages yet", body["error"].(map[string]any)["message"])
	})
}

// Without a Mailer nothing is offered and the request is not found.
func TestTranscriptEmailOff(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brandFlow()} })
	v, conv := transcriptChat(t, e)
	require.NotContains(t, v.configFor(e.srv.URL+"/"), "transcript")
	status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "visitor@example.org"})
	require.Equal(t, 404, status, "%v", body)
	require.Equal(t, "this chat does not send transcripts by email", body["error"].(map[string]any)["message"])
}

// A temporary failure is tried again; a permanent one is answered as
// failed at once; a slow one is answered as still sending, and goes on.
func TestTranscriptEmailRetry(t *testing.T) {
	temporary := errors.New("421 try again later")
	t.Run("OK after temporary failures", func(t *testing.T) {
		box := &mailbox{fail: func(n int) error {
			if n < 3 {
				return temporary
			}
			return nil
		}}
		e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brandFlow()}; c.Mailer = box })
		e.chat.SetTranscriptTiming(5*time.Second, time.Millisecond, time.Millisecond, time.Millisecond)
		v, conv := transcriptChat(t, e)
		status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "visitor@example.org"})
		require.Equal(t, 200, status, "%v", body)
		require.Len(t, box.mails(), 1)
		require.Equal(t, 3, box.attempts)
	})
	t.Run("ErrTranscriptFailed: rejected", func(t *testing.T) {
		box := &mailbox{fail: func(int) error { return livechat.ErrMailRejected }}
		e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brandFlow()}; c.Mailer = box })
		e.chat.SetTranscriptTiming(5*time.Second, time.Millisecond)
		v, conv := transcriptChat(t, e)
		status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "visitor@example.org"})
		require.Equal(t, 502, status, "%v", body)
		require.Equal(t, map[string]any{"code": "transcript_failed", "message": "the transcript could not be sent"}, body["error"])
		require.Equal(t, 1, box.attempts, "never tried again")
	})
	t.Run("ErrTranscriptFailed: out of retries", func(t *testing.T) {
		box := &mailbox{fail: func(int) error { return temporary }}
		e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brandFlow()}; c.Mailer = box })
		e.chat.SetTranscriptTiming(5*time.Second, time.Millisecond, time.Millisecond)
		v, conv := transcriptChat(t, e)
		status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "visitor@example.org"})
		require.Equal(t, 502, status, "%v", body)
		require.Equal(t, 3, box.attempts)
	})
	t.Run("OK: still sending", func(t *testing.T) {
		release := make(chan struct{})
		var once sync.Once
		slow := livechat.MailerFunc(func(ctx context.Context, m *livechat.Mail) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brandFlow()}; c.Mailer = slow })
		e.chat.SetTranscriptTiming(50 * time.Millisecond)
		v, conv := transcriptChat(t, e)
		// Meanwhile the chat goes on: the visitor's other calls answer.
		status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/transcript", map[string]any{"email": "visitor@example.org"})
		require.Equal(t, 202, status, "%v", body)
		require.Equal(t, map[string]any{"email": "visitor@example.org", "status": "sending"}, body["transcript"])
		status, _ = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
		require.Equal(t, 200, status)
		once.Do(func() { close(release) })
	})
}

func TestTranscriptDownload(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brandFlow()} })
	_, conv := transcriptChat(t, e)
	get := func(agent, query string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest("GET", e.base+"api/v1/agent/conversations/"+conv+"/transcript"+query, nil)
		require.NoError(t, err)
		if agent != "" {
			req.Header.Set("X-Test-Agent", agent)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(data)
	}

	t.Run("OK text", func(t *testing.T) {
		resp, body := get("a2", "")
		require.Equal(t, 200, resp.StatusCode, body)
		require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
		require.Equal(t, `attachment; filename="transcript-`+conv+`.txt"`, resp.Header.Get("Content-Disposition"))
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")
		// Agents see the agent's own name, and the visitor by the inbox's name.
		require.Contains(t, body, "Agent a1: It is shown as text & nothing runs.")
		require.Regexp(t, `\] [A-Z][a-z]+ [A-Z][a-z]+: Is <script>alert\(1\)</script> safe\?`, body)
		require.NotContains(t, body, "refund")
		_, body2 := get("a1", "?format=text")
		require.Equal(t, body, body2)
	})
	t.Run("OK html", func(t *testing.T) {
		resp, body := get("a2", "?format=html")
		require.Equal(t, 200, resp.StatusCode, body)
		require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
		require.Equal(t, `attachment; filename="transcript-`+conv+`.html"`, resp.Header.Get("Content-Disposition"))
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		require.Equal(t, "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", resp.Header.Get("Content-Security-Policy"))
		require.Contains(t, body, "Is &lt;script&gt;alert(1)&lt;/script&gt; safe?")
		require.NotContains(t, body, "<script")
		require.Contains(t, body, `<span class="w">Agent a1</span>`)
		require.NotContains(t, body, "refund")
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		resp, _ := get("", "")
		require.Equal(t, 401, resp.StatusCode)
		// A visitor's token is no agent's sign-in.
		v := e.newVisitor()
		status, _ := v.do("GET", "api/v1/agent/conversations/"+conv+"/transcript", nil)
		require.Equal(t, 401, status)
	})
	t.Run("ErrBadFormat", func(t *testing.T) {
		resp, body := get("a1", "?format=pdf")
		require.Equal(t, 400, resp.StatusCode)
		require.Contains(t, body, `format must be \"text\" or \"html\"`)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		status, _ := e.agentDo("a1", "GET", "api/v1/agent/conversations/nope/transcript", nil)
		require.Equal(t, 404, status)
	})
}
