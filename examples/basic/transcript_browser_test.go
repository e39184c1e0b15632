package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/mail/smtp"
	"github.com/golivechat/livechat/mail/smtp/smtptest"
)

// mailParts reads a received mail: its subject and each part's text.
func mailParts(t *testing.T, data []byte) (subject string, parts map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	parts = map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return subject, parts
		}
		require.NoError(t, err)
		typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		require.NoError(t, err)
		parts[typ] = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
}

// The visitor asks for the transcript once the conversation has ended,
// and it reaches an SMTP server (in this process, over STARTTLS) with the
// conversation's text, the brand standing in for the agent; the agent
// downloads the same conversation from the inbox with their own name.
func TestTranscriptByEmail(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	smtpSrv := smtptest.NewServer(smtptest.Options{StartTLS: true, Username: "demo", Password: "s3cret"})
	defer smtpSrv.Close()
	mailer, err := smtp.New(smtp.Config{Addr: smtpSrv.Addr, From: "Acme support <support@example.com>",
		Username: "demo", Password: "s3cret", TLSConfig: smtpSrv.ClientTLS()})
	require.NoError(t, err)
	site := newBrowserSite(t, func(c *livechat.Config) { c.Mailer = mailer })
	defer site.close(t)
	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "widget")
	defer func() { stopBrowser(); stopConsole() }()

	const (
		question = "Can I have this <b>in writing</b>?"
		answer   = "Of course: anvils ship in 3 days."
	)
	do(t, tab, "open the support chat and write",
		chromedp.Navigate(site.srv.URL+"/about"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), question),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tab, "the question sent", threadIs("#livechat-messages", []shownMessage{{"1", "visitor", question}}), widgetState)
	convs, err := site.chat.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	conv := convs[0].ID
	_, err = site.chat.Reply(stepCtx(t), conv, "ada", "answer-1", answer)
	require.NoError(t, err)
	_, err = site.chat.CloseConversation(stepCtx(t), conv, "ada")
	require.NoError(t, err)

	waitFor(t, tab, "the transcript offered once the chat has ended",
		`(() => { const f = document.getElementById('livechat-transcript'); return !!f && f.getClientRects().length > 0; })()`, widgetState)
	if os.Getenv("LIVECHAT_AXE") != "" {
		checkAxe(t, tab, "the ended chat offering the transcript")
	}
	do(t, tab, "a wrong address first",
		chromedp.SendKeys(chromedp.CSS("#livechat-transcript-input"), "not-an-address"),
		chromedp.Click(chromedp.CSS("#livechat-transcript button")),
	)
	waitFor(t, tab, "the address refused", `document.getElementById('livechat-transcript-msg').textContent === 'Please enter a valid email address.'`,
		`document.getElementById('livechat-transcript').outerHTML`)
	require.Empty(t, smtpSrv.Messages(), "nothing sent for a wrong address")
	eval[string](t, tab, `document.getElementById('livechat-transcript-input').value = ''`)
	do(t, tab, "then the right one",
		chromedp.SendKeys(chromedp.CSS("#livechat-transcript-input"), "visitor@example.org"),
		chromedp.Click(chromedp.CSS("#livechat-transcript button")),
	)
	waitFor(t, tab, "the widget says it was sent", `document.getElementById('livechat-transcript-msg').textContent === 'Transcript sent to visitor@example.org.'`,
		`document.getElementById('livechat-transcript').outerHTML`)

	screenshot(t, tab, "/tmp/livechat-transcript.png")
	mctx, mcancel := context.WithTimeout(ctx, 10*time.Second)
	defer mcancel()
	got, err := smtpSrv.Next(mctx)
	require.NoError(t, err)
	require.True(t, got.TLS, "sent over STARTTLS")
	require.Equal(t, []string{"visitor@example.org"}, got.To)
	subject, parts := mailParts(t, got.Data)
	require.Equal(t, "Your conversation with Acme", subject)
	require.Contains(t, parts["text/plain"], "You: "+question)
	require.Contains(t, parts["text/plain"], "Acme: "+answer)
	require.Contains(t, parts["text/plain"], "Acme ended the conversation.")
	require.Contains(t, parts["text/html"], "Can I have this &lt;b&gt;in writing&lt;/b&gt;?")
	require.NotContains(t, parts["text/plain"]+parts["text/html"], "Ada", "the brand alias, never the agent's name")

	// The agent downloads the conversation from the inbox, with real names.
	tabB, cancelB := chromedp.NewContext(tab)
	defer cancelB()
	require.NoError(t, chromedp.Do(tabB))
	stopB := watchConsole(t, tabB, "inbox")
	defer func() { cancelB(); stopB() }()
	do(t, tabB, "sign in as Ada and open the closed conversation",
		chromedp.Navigate(site.srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
		chromedp.WaitVisible(chromedp.CSS("#lc-tab-closed")),
		chromedp.Click(chromedp.CSS("#lc-tab-closed")),
		chromedp.WaitVisible(chromedp.CSS(`.lc-conv[data-id="`+conv+`"]`)),
	)
	openRow(t, tabB, conv)
	screenshot(t, tabB, "/tmp/livechat-inbox-transcript.png")
	text := evalAwait(t, tabB, `(async () => { const r = await fetch(document.getElementById('lc-transcript-text').href);
		return r.headers.get('Content-Disposition') + '\n' + r.headers.get('X-Content-Type-Options') + '\n' + await r.text(); })()`)
	require.Contains(t, text, `attachment; filename="transcript-`+conv+`.txt"`+"\nnosniff\n")
	require.Contains(t, text, "Ada Lovelace: "+answer)
	html := evalAwait(t, tabB, `(async () => { const r = await fetch(document.getElementById('lc-transcript-html').href); return await r.text(); })()`)
	require.Contains(t, html, "Can I have this &lt;b&gt;in writing&lt;/b&gt;?")
	require.Contains(t, html, `<span class="w">Ada Lovelace</span>`)
}

// evalAwait evaluates a promise of a string in a tab and returns its value.
func evalAwait(t *testing.T, tab context.Context, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
