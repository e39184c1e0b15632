package main

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// TestReadmeScreenshots holds a short chat, a visitor's question and
// Ada's answer, and saves what each side sees to screenshots/widget.png
// and screenshots/inbox.png: the README's first screen shows them
// (copied to docs/).
func TestReadmeScreenshots(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	site := newBrowserSite(t)
	defer site.close(t)
	tabA, stopBrowser := startBrowser(t, ctx, chromium)
	stopA := watchConsole(t, tabA, "widget")
	defer func() { stopBrowser(); stopA() }()

	tabB, cancelB := chromedp.NewContext(tabA)
	defer cancelB()
	require.NoError(t, chromedp.Do(tabB))
	stopB := watchConsole(t, tabB, "inbox")
	defer func() { cancelB(); stopB() }()
	signIn(t, tabB, site.srv.URL, "Ada Lovelace")
	waitFor(t, tabB, "the presence button", `(() => { const b = document.getElementById('lc-presence'); return !!b && !b.hidden; })()`, inboxState)
	eval[bool](t, tabB, `(document.getElementById('lc-presence').click(), true)`)
	waitFor(t, tabB, "Ada available", `document.getElementById('lc-presence').textContent.trim() === 'Available'`, inboxState)

	const (
		question = "Hi! Can I move my team to the Pro plan in the middle of the month?"
		answer   = "You can, any day: we charge only the days left on Pro. Shall I do it for you?"
	)
	front(t, tabA)
	do(t, tabA, "open the widget, accept cookies and ask",
		chromedp.Navigate(site.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.Click(`//button[normalize-space()="Accept"]`),
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), question),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tabA, "the question sent", threadIs("#livechat-messages", []shownMessage{{"1", "visitor", question}}), widgetState)
	convs, err := site.chat.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	convID := convs[0].ID

	front(t, tabB)
	openRow(t, tabB, convID)
	both := []shownMessage{{"1", "visitor", question}, {"2", "agent", answer}}
	waitFor(t, tabB, "the question in the inbox", threadIs("#lc-thread", both[:1]), inboxState)
	do(t, tabB, "answer",
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), answer),
		chromedp.Click(chromedp.CSS("#lc-reply-send")),
	)
	waitFor(t, tabB, "the answer in the inbox", threadIs("#lc-thread", both), inboxState)
	front(t, tabA)
	waitFor(t, tabA, "the answer in the widget", threadIs("#livechat-messages", both), widgetState)
	editorShot(t, tabA, "widget")
	front(t, tabB)
	editorShot(t, tabB, "inbox")
}
