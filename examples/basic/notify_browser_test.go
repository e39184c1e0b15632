package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// notifyStubJS records what the inbox shows as desktop notifications and
// how often it asks for the permission (window.__shown, window.__asked),
// counts the sounds it starts (window.__sounds), and lets the test hide
// the tab (window.__setHidden) as switching to another tab does.
const notifyStubJS = `(() => {
	const Real = window.Notification;
	window.__shown = [];
	window.__asked = 0;
	window.__sounds = 0;
	function Recorded(title, o) {
		o = o || {};
		const n = {title, body: o.body, tag: o.tag, closed: false, onclick: null, close() { n.closed = true; }};
		window.__shown.push(n);
		return n;
	}
	Object.defineProperty(Recorded, 'permission', {get: () => Real.permission});
	Recorded.requestPermission = (...a) => { window.__asked++; return Real.requestPermission(...a); };
	window.Notification = Recorded;
	let hidden = false;
	Object.defineProperty(Document.prototype, 'hidden', {get: () => hidden, configurable: true});
	Object.defineProperty(Document.prototype, 'visibilityState', {get: () => hidden ? 'hidden' : 'visible', configurable: true});
	performance.setResourceTimingBufferSize(100000);
	window.__setHidden = h => { hidden = h; document.dispatchEvent(new Event('visibilitychange')); return true; };
	if (window.AudioContext) {
		const osc = AudioContext.prototype.createOscillator;
		AudioContext.prototype.createOscillator = function () { window.__sounds++; return osc.call(this); };
	}
})()`

// notifyState describes the notification controls and what was shown, for failures.
const notifyState = `JSON.stringify({title: document.title, asked: window.__asked, sounds: window.__sounds,
	shown: (window.__shown || []).map(n => ({title: n.title, body: n.body, tag: n.tag})),
	button: (document.getElementById('lc-notify') || {}).textContent,
	note: (document.getElementById('lc-notify-note') || {}).textContent,
	rows: [...document.querySelectorAll('.lc-conv')].map(e => e.textContent)})`

// The agent turns on desktop notifications with a click, which is when the
// browser is asked; the choice stays on a reload. While the inbox tab is
// hidden a visitor's new conversation and message show a notification
// with the visitor's name and the message's first 100 characters, and a
// sound; clicking it opens the conversation. The agent's own reply shows
// none, nor does a message in a conversation assigned to someone else;
// muted, the sound stays off. The tab title counts the conversations with
// unread messages and is plain again once they are read.
func TestInboxNotifications(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	site := newBrowserSite(t)
	defer site.close(t)
	visitor, stopBrowser := startBrowser(t, ctx, chromium)
	stopV := watchConsole(t, visitor, "widget")
	defer func() { stopBrowser(); stopV() }()

	agent, cancelA := chromedp.NewContext(visitor)
	defer cancelA()
	require.NoError(t, chromedp.Do(agent))
	stopA := watchConsole(t, agent, "inbox")
	defer func() { cancelA(); stopA() }()
	_, err := chromedp.CallBrowser(agent, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"},
		Setting:    browser.PermissionSettingGranted,
		Origin:     site.srv.URL,
	})
	require.NoError(t, err, "grant the notification permission")
	_, err = chromedp.Call(agent, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: notifyStubJS})
	require.NoError(t, err)

	signIn(t, agent, site.srv.URL, "Ada Lovelace")
	waitFor(t, agent, "the notifications control", `(() => { const b = document.getElementById('lc-notify');
		return !b.hidden && b.textContent === 'Turn on notifications'; })()`, notifyState)
	require.Zero(t, eval[int](t, agent, `window.__asked`), "the permission asked before the click")
	require.Equal(t, "true", eval[string](t, agent, `document.getElementById('lc-sound').getAttribute('aria-pressed')`), "the sound on by default")

	do(t, agent, "turn on notifications", chromedp.Click(chromedp.CSS("#lc-notify")))
	waitFor(t, agent, "notifications on", `window.__asked === 1 && document.getElementById('lc-notify').textContent === 'Turn off notifications'
		&& localStorage.getItem('livechat.inbox.notifications') === 'on'`, notifyState)

	do(t, agent, "reload the inbox", chromedp.Navigate(site.srv.URL+"/livechat/inbox/"))
	waitFor(t, agent, "notifications still on after a reload", `document.getElementById('lc-notify').textContent === 'Turn off notifications'`, notifyState)
	require.Zero(t, eval[int](t, agent, `window.__asked`), "the permission asked again on a reload")
	// A click lets the page start its audio, as an agent's first click does.
	do(t, agent, "click the Mine tab", chromedp.Click(chromedp.CSS("#lc-tab-mine")))
	do(t, agent, "click the Open tab", chromedp.Click(chromedp.CSS("#lc-tab-open")))
	eval[bool](t, agent, `window.__setHidden(true)`)

	first := "Hello! I ordered the blue kettle last week and it has not arrived yet. The tracking page says it left the depot on Monday, what now?"
	require.Greater(t, len(first), 100)
	front(t, visitor)
	do(t, visitor, "open the widget and write",
		chromedp.Navigate(site.srv.URL+"/pricing"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), first),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, visitor, "the visitor's message sent", threadIs("#livechat-messages", []shownMessage{{"1", "visitor", first}}), widgetState)
	convs, err := site.chat.Conversations(stepCtx(t), livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	convID := convs[0].ID
	tag := "livechat-" + convID

	body := strings.TrimRight(first[:100], " ") + "…"
	waitFor(t, agent, "a notification of the message", `window.__shown.some(n => n.body === `+jsString(body)+`)`, notifyState)
	waitFor(t, agent, "the visitor's name in the list", `(() => { const n = document.querySelector('.lc-conv[data-id="`+convID+`"] .lc-conv-name');
		return !!n && n.textContent !== 'Visitor'; })()`, notifyState)
	name := eval[string](t, agent, `document.querySelector('.lc-conv[data-id="`+convID+`"] .lc-conv-name').textContent`)
	type shown struct {
		Title, Body, Tag string
	}
	got := eval[[]shown](t, agent, `window.__shown.map(n => ({Title: n.title, Body: n.body, Tag: n.tag}))`)
	require.Equal(t, []shown{{name, "New conversation", tag}, {name, body, tag}}, got, "the notifications shown")
	require.Equal(t, "(1) Inbox", eval[string](t, agent, `document.title`), "the tab title")
	require.Positive(t, eval[int](t, agent, `window.__sounds`), "a sound played")

	// Clicking the notification opens the conversation; the tab is still
	// hidden, so it stays unread until the agent looks.
	eval[bool](t, agent, `(window.__shown.at(-1).onclick(), true)`)
	waitFor(t, agent, "the conversation opened from the notification", threadIs("#lc-thread", []shownMessage{{"1", "visitor", first}}), notifyState)
	require.Equal(t, name, eval[string](t, agent, `document.getElementById('lc-title').textContent`))
	require.True(t, eval[bool](t, agent, `window.__shown.at(-1).closed`), "the notification closed on its click")
	require.Equal(t, "(1) Inbox", eval[string](t, agent, `document.title`), "the tab title while hidden")
	eval[bool](t, agent, `window.__setHidden(false)`)
	waitFor(t, agent, "the title plain once read", `document.title === 'Inbox'`, notifyState)

	// The agent's own replies, from this tab and from another connection,
	// show nothing, even with the tab hidden.
	eval[bool](t, agent, `window.__setHidden(true)`)
	const reply = "Sorry about that, let me look it up."
	front(t, agent)
	do(t, agent, "reply",
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), reply),
		chromedp.Click(chromedp.CSS("#lc-reply-send")),
	)
	// The click only queues the reply on the inbox's socket: it is stored
	// once the thread shows it with its seq, and only then does the
	// reply from elsewhere come after it.
	waitFor(t, agent, "the reply stored", threadIs("#lc-thread", []shownMessage{{"1", "visitor", first}, {"2", "agent", reply}}), notifyState)
	_, err = site.chat.Reply(stepCtx(t), convID, "ada", "from-elsewhere", "One moment please.")
	require.NoError(t, err)
	both := []shownMessage{{"1", "visitor", first}, {"2", "agent", reply}, {"3", "agent", "One moment please."}}
	waitFor(t, agent, "the replies in the inbox", threadIs("#lc-thread", both), notifyState)

	// Muted, a notification comes without a sound.
	do(t, agent, "mute the sound", chromedp.Click(chromedp.CSS("#lc-sound")))
	waitFor(t, agent, "the sound off", `document.getElementById('lc-sound').getAttribute('aria-pressed') === 'false'
		&& localStorage.getItem('livechat.inbox.sound') === 'off'`, notifyState)
	sounds := eval[int](t, agent, `window.__sounds`)
	const second = "It is order 1042."
	front(t, visitor)
	waitFor(t, visitor, "the replies in the widget", threadIs("#livechat-messages", both), widgetState)
	do(t, visitor, "write again",
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), second),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, agent, "a notification of the second message", `window.__shown.length === 3`, notifyState)
	got = eval[[]shown](t, agent, `window.__shown.map(n => ({Title: n.title, Body: n.body, Tag: n.tag}))`)
	require.Equal(t, shown{name, second, tag}, got[2], "the notification of the second message (none for the replies)")
	require.Equal(t, "(1) Inbox", eval[string](t, agent, `document.title`))
	require.Equal(t, sounds, eval[int](t, agent, `window.__sounds`), "a sound played while muted")
	eval[bool](t, agent, `window.__setHidden(false)`)
	waitFor(t, agent, "the title plain once read again", `document.title === 'Inbox'`, notifyState)

	// Visible, with this conversation open, another visitor's new one
	// shows a notification too; read, the title is plain again.
	now := time.Now().UTC()
	require.NoError(t, site.store.CreateVisitor(stepCtx(t), &livechat.Visitor{ID: "v-notify-other", PageURL: site.srv.URL + "/pricing", CreatedAt: now, LastSeenAt: now}))
	other, _, err := site.chat.StartConversation(stepCtx(t), "v-notify-other", site.srv.URL+"/pricing")
	require.NoError(t, err)
	_, err = site.chat.Send(stepCtx(t), "v-notify-other", other.ID, "other-1", "Do you ship to Norway?")
	require.NoError(t, err)
	waitFor(t, agent, "a notification of the other conversation", `window.__shown.some(n => n.tag === 'livechat-`+other.ID+`' && n.body === 'Do you ship to Norway?')`, notifyState)
	waitFor(t, agent, "the other conversation counted", `document.title === '(1) Inbox'`, notifyState)
	eval[bool](t, agent, `(window.__shown.findLast(n => n.tag === 'livechat-`+other.ID+`').onclick(), true)`)
	waitFor(t, agent, "the other conversation opened and read", `document.querySelector('.lc-conv[aria-current="true"]').dataset.id === '`+other.ID+`' && document.title === 'Inbox'`, notifyState)
	openRow(t, agent, convID)
	waitFor(t, agent, "the first conversation open again", threadIs("#lc-thread", append(both, shownMessage{"4", "visitor", second})), notifyState)
	shownBefore := eval[int](t, agent, `window.__shown.length`)

	// Assigned to Grace, the conversation is hers: no notification, no count.
	signIn(t, displayTab(t, visitor), site.srv.URL, "Grace Hopper")
	_, err = site.chat.Assign(stepCtx(t), convID, "grace")
	require.NoError(t, err)
	waitFor(t, agent, "the assignment shown", `/assigned to (Grace Hopper|grace)$/.test(document.getElementById('lc-info-status').textContent)`, notifyState)
	eval[bool](t, agent, `window.__setHidden(true)`)
	const third = "Hello Grace."
	_, err = site.chat.Send(stepCtx(t), convs[0].VisitorID, convID, "third", third)
	require.NoError(t, err)
	waitFor(t, agent, "the message in the thread", `[...document.querySelectorAll('#lc-thread .lc-text')].some(e => e.textContent === `+jsString(third)+`)`, notifyState)
	require.Equal(t, shownBefore, eval[int](t, agent, `window.__shown.length`), "a notification of someone else's conversation")
	require.Equal(t, "Inbox", eval[string](t, agent, `document.title`), "the title counts someone else's conversation")

	// A burst of visitor messages in conversations the list does not hold
	// (another tab's): one assigned to Grace asks the server nothing more
	// once the assignment is known from its event; the agent's own is
	// asked about at most once, for the visitor's name.
	do(t, agent, "click the Closed tab", chromedp.Click(chromedp.CSS("#lc-tab-closed")))
	fetches := func(id string) string {
		return `performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname.endsWith('/conversations/` + id + `')).length`
	}
	burst := func(visitorID, assignee string) string {
		t.Helper()
		require.NoError(t, site.store.CreateVisitor(stepCtx(t), &livechat.Visitor{ID: visitorID, PageURL: site.srv.URL + "/pricing", CreatedAt: now, LastSeenAt: now}))
		c, _, err := site.chat.StartConversation(stepCtx(t), visitorID, site.srv.URL+"/pricing")
		require.NoError(t, err)
		_, err = site.chat.Assign(stepCtx(t), c.ID, assignee)
		require.NoError(t, err)
		for i := range 5 {
			_, err = site.chat.Send(stepCtx(t), visitorID, c.ID, fmt.Sprintf("%s-%d", visitorID, i), fmt.Sprintf("Message %d", i))
			require.NoError(t, err)
		}
		return c.ID
	}
	hers := burst("v-notify-hers", "grace")
	mine := burst("v-notify-mine", "ada")
	waitFor(t, agent, "the notifications of the agent's own burst", `window.__shown.filter(n => n.tag === 'livechat-`+mine+`' && /^Message \d$/.test(n.body)).length === 5`, notifyState)
	// The new conversation's alert, before its assignment, may ask once.
	require.LessOrEqual(t, eval[int](t, agent, fetches(hers)), 1, "requests for the conversation assigned to Grace")
	herFetches := eval[int](t, agent, fetches(hers))
	require.LessOrEqual(t, eval[int](t, agent, fetches(mine)), 1, "requests for the agent's own conversation")
	require.Zero(t, eval[int](t, agent, `window.__shown.filter(n => n.tag === 'livechat-`+hers+`').length`), "a notification of Grace's conversation")

	// A second burst in Grace's conversation, its assignment known: no request.
	for i := range 5 {
		_, err = site.chat.Send(stepCtx(t), "v-notify-hers", hers, fmt.Sprintf("again-%d", i), fmt.Sprintf("Again %d", i))
		require.NoError(t, err)
	}
	_, err = site.chat.Send(stepCtx(t), "v-notify-mine", mine, "mine-last", "Last one")
	require.NoError(t, err)
	waitFor(t, agent, "the notification after the second burst", `window.__shown.some(n => n.tag === 'livechat-`+mine+`' && n.body === 'Last one')`, notifyState)
	require.Equal(t, herFetches, eval[int](t, agent, fetches(hers)), "requests for Grace's conversation during a burst")
	require.LessOrEqual(t, eval[int](t, agent, fetches(mine)), 1, "requests for the agent's own conversation")

	// Blocked in the browser's settings, the header says so.
	_, err = chromedp.CallBrowser(agent, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"},
		Setting:    browser.PermissionSettingDenied,
		Origin:     site.srv.URL,
	})
	require.NoError(t, err, "block notifications")
	waitFor(t, agent, "the blocked note", `document.getElementById('lc-notify-note').textContent === 'Notifications are blocked for this site in the browser’s settings.'
		&& document.getElementById('lc-notify').textContent === 'Turn on notifications'`, notifyState)

	// With notifications blocked and the sound muted, a new conversation
	// of the agent's asks the server nothing.
	quiet := burst("v-notify-quiet", "ada")
	const last = "Still there?"
	_, err = site.chat.Send(stepCtx(t), convs[0].VisitorID, convID, "quiet-last", last)
	require.NoError(t, err)
	waitFor(t, agent, "the message after the quiet burst in the thread", `[...document.querySelectorAll('#lc-thread .lc-text')].some(e => e.textContent === `+jsString(last)+`)`, notifyState)
	require.Zero(t, eval[int](t, agent, fetches(quiet)), "requests for a conversation with notifications and sound off")
}
