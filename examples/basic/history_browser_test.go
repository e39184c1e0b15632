// The widget's history tests drive, in Chromium, what a visitor sees of
// their own past: their earlier conversations, listed once a conversation
// has ended and opened there read-only, and the count of replies they have
// not read in the page's title while the tab is hidden.

package main

import (
	"context"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

// hiddenStubJS lets a test hide and show the tab as the browser does:
// document.hidden and visibilityState answer what __setHidden set, and
// a visibilitychange event follows each change.
const hiddenStubJS = `(() => {
	let hidden = false;
	Object.defineProperty(Document.prototype, 'hidden', {get: () => hidden, configurable: true});
	Object.defineProperty(Document.prototype, 'visibilityState', {get: () => hidden ? 'hidden' : 'visible', configurable: true});
	window.__setHidden = h => { hidden = h; document.dispatchEvent(new Event('visibilitychange')); return true; };
})()`

// historyState describes the widget's ended view and title, for failures.
const historyState = `JSON.stringify((() => {
	const p = document.querySelector('#livechat-window .lc-past');
	return {title: document.title, past: p && {hidden: p.hidden, open: p.open, text: p.innerText},
		badge: (document.querySelector('#livechat-root .lc-badge') || {}).textContent,
		ended: !!document.querySelector('#livechat-window .lc-ended:not([hidden])')};
})())`

func TestWidgetHistory(t *testing.T) {
	runBrowserGroup(t, panelTimeout, []browserCase{
		{"EarlierConversations", testWidgetEarlierConversations},
		{"UnreadInTitle", testWidgetUnreadInTitle},
	})
}

// historySite is a help site on which the agent Ada is known.
func historySite(t *testing.T) *consentSite {
	t.Helper()
	site := newConsentSite(t, nil, func(*flow.Chatflow) {})
	require.NoError(t, site.chat.PutAgents(stepCtx(t), &livechat.Agent{ID: "ada", Name: "Ada Lovelace"}))
	return site
}

func testWidgetEarlierConversations(t *testing.T, browser context.Context) {
	site := historySite(t)
	tab := displayTab(t, browser)
	_, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.WebSocket = class extends WebSocket { constructor(...a) { super(...a); window.lastSocket = this; } };`})
	require.NoError(t, err, "keep the widget's socket")
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	send(t, tab, "My first question")
	first := site.conversations(t)[0].ID
	_, err = site.chat.Reply(stepCtx(t), first, "ada", "r1", "The first answer")
	require.NoError(t, err)
	_, err = site.chat.CloseConversation(stepCtx(t), first, "ada")
	require.NoError(t, err)
	// The only conversation ended: nothing earlier to list.
	waitFor(t, tab, "the ended view", `!!document.querySelector('#livechat-window .lc-ended:not([hidden])')`, historyState)
	require.True(t, eval[bool](t, tab, `document.querySelector('#livechat-window .lc-past').hidden`), "no earlier conversations yet")

	do(t, tab, "start a new conversation", chromedp.Click(chromedp.CSS("#livechat-window .lc-new")))
	send(t, tab, "My second question")
	var second string
	for _, c := range site.conversations(t) {
		if c.ID != first {
			second = c.ID
		}
	}
	require.NotEmpty(t, second)
	_, err = site.chat.CloseConversation(stepCtx(t), second, "ada")
	require.NoError(t, err)

	// Another visitor's conversation is never listed.
	other := displayTab(t, browser)
	visit(t, other, site.url+"/help")
	openChat(t, other)
	send(t, other, "Someone else's question")

	waitFor(t, tab, "the earlier conversation listed", `(() => {
		const p = document.querySelector('#livechat-window .lc-past');
		return !!p && !p.hidden && p.querySelector('summary').textContent === 'Earlier conversations' &&
			p.querySelectorAll('li > button').length === 1;
	})()`, historyState)
	do(t, tab, "open the list and the earlier conversation",
		chromedp.Click(chromedp.CSS("#livechat-window .lc-past summary")),
		chromedp.Click(chromedp.CSS("#livechat-window .lc-past li > button")),
	)
	waitFor(t, tab, "the earlier conversation, read-only", `(() => {
		const b = document.querySelector('#livechat-window .lc-past-thread');
		const texts = b ? [...b.querySelectorAll('.lc-msg .lc-text')].map(e => e.textContent) : [];
		return texts[0] === 'My first question' && texts[1] === 'The first answer' &&
			!texts.some(t => t.includes('second') || t.includes('Someone else')) &&
			!b.querySelector('textarea, input, form') && document.activeElement === b.querySelector('button');
	})()`, historyState)
	// A reconnect brings the ended conversation's state again: the
	// earlier conversation stays open for the visitor reading it.
	eval[bool](t, tab, `(() => { window.oldSocket = window.lastSocket; window.lastSocket.close(); return true; })()`)
	waitFor(t, tab, "a new socket", `window.lastSocket !== window.oldSocket && window.lastSocket.readyState === 1`, historyState)
	do(t, tab, "a moment for the socket's frames", chromedp.Sleep(time.Second))
	waitFor(t, tab, "the earlier conversation, still open", `(() => {
		const b = document.querySelector('#livechat-window .lc-past-thread');
		return !!b && b.querySelector('.lc-msg .lc-text').textContent === 'My first question';
	})()`, historyState)
	do(t, tab, "go back to the list", chromedp.Click(chromedp.CSS("#livechat-window .lc-past-thread > button")))
	waitFor(t, tab, "the list again, focused", `(() => {
		const b = document.querySelector('#livechat-window .lc-past li > button');
		return !!b && document.activeElement === b && !document.querySelector('#livechat-window .lc-past-thread');
	})()`, historyState)
}

func testWidgetUnreadInTitle(t *testing.T, browser context.Context) {
	site := historySite(t)
	tab := displayTab(t, browser)
	_, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: hiddenStubJS})
	require.NoError(t, err, "stub the tab's visibility")
	visit(t, tab, site.url+"/help")
	title := eval[string](t, tab, `document.title`)
	openChat(t, tab)
	send(t, tab, "Anyone there?")
	id := site.conversations(t)[0].ID

	// The chat stays open while the visitor looks at another tab.
	eval[bool](t, tab, `__setHidden(true)`)
	_, err = site.chat.Reply(stepCtx(t), id, "ada", "r1", "Yes, hello!")
	require.NoError(t, err)
	waitFor(t, tab, "one unread reply in the title", `document.title === '(1) `+title+`'`, historyState)
	_, err = site.chat.Reply(stepCtx(t), id, "ada", "r2", "How can I help?")
	require.NoError(t, err)
	waitFor(t, tab, "two", `document.title === '(2) `+title+`'`, historyState)
	eval[bool](t, tab, `__setHidden(false)`)
	waitFor(t, tab, "the title back once the visitor looks", `document.title === `+jsString(title), historyState)

	// Minimised, a reply counts on the launcher, and in the title while
	// hidden; seen again, the title is the page's and the badge stays.
	do(t, tab, "minimise the chat", chromedp.Click(chromedp.CSS("#livechat-window .lc-min")))
	eval[bool](t, tab, `__setHidden(true)`)
	_, err = site.chat.Reply(stepCtx(t), id, "ada", "r3", "Still there?")
	require.NoError(t, err)
	waitFor(t, tab, "the count in the title and on the launcher", `document.title === '(1) `+title+`' &&
		document.querySelector('#livechat-root .lc-badge').textContent === '1'`, historyState)
	eval[bool](t, tab, `__setHidden(false)`)
	waitFor(t, tab, "the title back, the badge kept", `document.title === `+jsString(title)+` &&
		document.querySelector('#livechat-root .lc-badge').textContent === '1'`, historyState)
}
