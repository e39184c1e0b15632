// The SPA tests walk the widget's JavaScript API in Chromium on the demo's
// single-page app (/app/): route changes that switch chatflow by
// themselves, refresh(), the events, identify() and clear(), and a page
// that loads the chat by hand (data-load="manual").

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/targeting"
)

const spaTimeout = 60 * time.Second

// spaSite is the demo's app with two chatflows of its own, launcher only:
// sales (orange) on the pricing routes, support on every other route but
// the privacy ones. /manual is a page that loads the widget by hand.
type spaSite struct {
	url   string
	chat  *livechat.Handler
	store *memory.Store
	// down makes the config call answer 503, as a server that is away.
	down atomic.Bool
	// away makes every request for the chat (/livechat/) answer 503:
	// its files and every call.
	away atomic.Bool
	// identities counts the config calls that carried an identity token.
	identities atomic.Int64
	// noSends makes a visitor's message calls and WebSocket answer 503,
	// while the rest of the chat works.
	noSends atomic.Bool
}

func newSPASite(t *testing.T, editSales ...func(f *flow.Chatflow)) *spaSite {
	t.Helper()
	store := memory.New()
	secret := make([]byte, 32)
	rand.Read(secret)
	launcher := func(f *flow.Chatflow) { f.Display.Desktop.Behavior = flow.DesktopLauncher }
	sales := chatflow("sales", pathStartsWith("/app/pricing"), func(f *flow.Chatflow) {
		launcher(f)
		f.Priority = 10
		f.Display.AccentColor = "#c2410c"
		for _, edit := range editSales {
			edit(f)
		}
	})
	support := chatflow("support", targeting.Rules{Exclude: []targeting.Rule{
		{Field: targeting.FieldPath, Op: targeting.OpIs, Value: "/app/privacy"},
	}}, launcher)
	chat, err := livechat.New(livechat.Config{Storage: store, Secret: secret, Flows: []*flow.Chatflow{sales, support}, Identity: identityVerifier(secret)})
	if err != nil {
		store.Close()
		t.Fatalf("livechat.New: %v", err)
	}
	require.NoError(t, store.PutAgent(context.Background(), &livechat.Agent{ID: "ada", Name: "Ada Lovelace"}))
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	addApp(mux, secret)
	mux.HandleFunc("GET /manual", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Manual</title></head><body>
<h1>Manual</h1><script src="/livechat/widget.js" data-load="manual" async></script></body></html>`))
	})
	site := &spaSite{chat: chat, store: store}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if site.away.Load() && strings.HasPrefix(r.URL.Path, "/livechat/") {
			http.Error(w, "away", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/livechat/api/v1/visitor/config" {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			if bytes.Contains(b, []byte(`"identity":`)) {
				site.identities.Add(1)
			}
		}
		if site.noSends.Load() && (strings.HasSuffix(r.URL.Path, "/messages") && r.Method == http.MethodPost || r.URL.Path == "/livechat/api/v1/visitor/ws") {
			http.Error(w, "away", http.StatusServiceUnavailable)
			return
		}
		if site.down.Load() && r.URL.Path == "/livechat/api/v1/visitor/config" {
			http.Error(w, "away", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	closeOnCleanup(t, chat, srv, store)
	site.url = srv.URL
	return site
}

// spaState is JavaScript that describes the app and the widget as JSON.
const spaState = `JSON.stringify((() => {
	const root = document.getElementById('livechat-root'), w = document.getElementById('livechat-window');
	const l = document.getElementById('livechat-launcher');
	const onScreen = e => !!e && e.getClientRects().length > 0;
	return {path: location.pathname + location.search, ready: window.LiveChat && LiveChat.ready,
		chatflow: root && root.getAttribute('data-chatflow'), shown: !!root && root.style.display !== 'none',
		launcher: onScreen(l), open: onScreen(w), accent: l ? getComputedStyle(l).backgroundColor : '',
		events: [...document.querySelectorAll('#events li')].map(e => e.textContent),
		sockets: (window.sockets || []).map(s => s.readyState),
		messages: [...document.querySelectorAll('#livechat-messages .lc-msg[data-sender]')].map(e => e.textContent)};
})())`

// trackSockets makes every page of a tab keep its WebSockets in
// window.sockets.
func trackSockets(t *testing.T, tab context.Context) {
	t.Helper()
	_, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.sockets = [];
		const WS = window.WebSocket;
		window.WebSocket = function (...a) { const s = new WS(...a); sockets.push(s); return s; };
		window.WebSocket.prototype = WS.prototype;`})
	require.NoError(t, err)
}

// showing waits until the widget shows chatflow id ("" for none) on the
// app's route.
func showing(t *testing.T, tab context.Context, id string) {
	t.Helper()
	if id == "" {
		waitFor(t, tab, "no chat", `!document.getElementById('livechat-root') && !!LiveChat.ready && LiveChat.ready.chatflowId === null`, spaState)
		return
	}
	waitFor(t, tab, "the "+id+" chat", `(() => {
		const root = document.getElementById('livechat-root');
		return !!root && root.getAttribute('data-chatflow') === `+jsString(id)+` && root.style.display !== 'none' &&
			!!LiveChat.ready && LiveChat.ready.chatflowId === `+jsString(id)+`;
	})()`, spaState)
}

// hasEvent is JavaScript that is true once the app's event log has a line.
func hasEvent(line string) string {
	return `[...document.querySelectorAll('#events li')].some(e => e.textContent === ` + jsString(line) + `)`
}

// countEvents is JavaScript that counts the app's log lines starting with
// prefix.
func countEvents(prefix string) string {
	return `[...document.querySelectorAll('#events li')].filter(e => e.textContent.startsWith(` + jsString(prefix) + `)).length`
}

func TestWidgetAPI(t *testing.T) {
	runBrowserGroup(t, spaTimeout, []browserCase{
		{"Routes", testSPARoutes},
		{"Refresh", testSPARefresh},
		{"Events", testSPAEvents},
		{"IdentifyAndClear", testSPAIdentifyAndClear},
		{"Manual", testSPAManual},
		{"TriggerAfterRouteChange", testSPATrigger},
		{"ClearWhileAway", testSPAClearWhileAway},
		{"ClearBeforeLoad", testSPAClearBeforeLoad},
		{"UnsentMessagesFollowTheRoute", testSPAUnsent},
		{"UnsentMessagesStayWithTheirUser", testSPAUnsentIdentify},
	})
}

// waitingMessage opens the app's support chat in tab and sends first,
// which is stored; then the server stops taking messages and the live
// channel drops, so that "Second, not yet stored" waits in the outbox.
func waitingMessage(t *testing.T, site *spaSite, tab context.Context, first string) {
	t.Helper()
	trackSockets(t, tab)
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")
	do(t, tab, "click Chat with us", chromedp.Click(chromedp.CSS(`#chat-open`)))
	waitFor(t, tab, "the chat open", openJS, spaState)
	send(t, tab, first)
	site.noSends.Store(true)
	eval[bool](t, tab, `(window.sockets.forEach(s => s.close()), true)`)
	do(t, tab, "send the second message",
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), "Second, not yet stored"),
		chromedp.Click(chromedp.CSS("#livechat-send")))
	waitFor(t, tab, "the second message waiting", `[...document.querySelectorAll('#livechat-messages .lc-msg.lc-pending')].some(e => e.textContent.includes('Second, not yet stored'))`, spaState)
}

// A message sent but not yet stored when a route change shows another
// chatflow goes on in the new chat: shown there, stored once.
func testSPAUnsent(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	ctx := context.Background()
	tab := displayTab(t, browser)
	waitingMessage(t, site, tab, "First")

	do(t, tab, "go to Pricing", chromedp.Click(chromedp.CSS(`nav a[href="/app/pricing"]`)))
	showing(t, tab, "sales")
	waitFor(t, tab, "the message waiting in the sales chat", `[...document.querySelectorAll('#livechat-messages .lc-msg.lc-pending')].some(e => e.textContent.includes('Second, not yet stored'))`, spaState)

	site.noSends.Store(false)
	waitFor(t, tab, "the message stored", `[...document.querySelectorAll('#livechat-messages .lc-msg[data-sender="visitor"]')].filter(e => e.textContent.includes('Second, not yet stored') && e.getAttribute('data-state') !== 'sending' && !e.classList.contains('lc-pending')).length === 1`, spaState)
	convs, err := site.store.Conversations(ctx, livechat.ConversationFilter{Limit: 10})
	require.NoError(t, err)
	require.Len(t, convs, 1, "one conversation, carried over")
	msgs, err := site.store.Messages(ctx, convs[0].ID, 0, 100)
	require.NoError(t, err)
	var texts []string
	for _, m := range msgs {
		if m.Sender == livechat.SenderVisitor {
			texts = append(texts, m.Text)
		}
	}
	require.Equal(t, []string{"First", "Second, not yet stored"}, texts, "each message stored once, in order")
	require.Equal(t, 1, eval[int](t, tab, `[...document.querySelectorAll('#livechat-messages .lc-msg')].filter(e => e.textContent.includes('Second, not yet stored')).length`), "shown once")
}

// A route change switches chatflow by itself (pushState, popstate), and
// hides the chat on a route without one, with the launcher's files only;
// a route change within the same chatflow keeps the chat as it is, open.
func testSPARoutes(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	tab := displayTab(t, browser)
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")
	waitFor(t, tab, "the ready event", hasEvent(`ready {"chatflowId":"support"}`), spaState)

	do(t, tab, "go to Pricing", chromedp.Click(chromedp.CSS(`nav a[href="/app/pricing"]`)))
	showing(t, tab, "sales")
	require.Equal(t, "rgb(194, 65, 12)", eval[string](t, tab, `getComputedStyle(document.getElementById('livechat-launcher')).backgroundColor`), "the sales chat's colour")
	waitFor(t, tab, "the ready event", hasEvent(`ready {"chatflowId":"sales"}`), spaState)
	require.False(t, eval[bool](t, tab, chatLoaded), "a route change loads the launcher only")

	do(t, tab, "go to Privacy", chromedp.Click(chromedp.CSS(`nav a[href="/app/privacy"]`)))
	showing(t, tab, "")
	do(t, tab, "go back", chromedp.NavigateBack())
	showing(t, tab, "sales")
	require.Equal(t, "/app/pricing", eval[string](t, tab, `location.pathname`), "the back button stays in the app")

	// Open, then a route of the same chatflow: the same chat, still open.
	do(t, tab, "click Chat with us", chromedp.Click(chromedp.CSS(`#chat-open`)))
	waitFor(t, tab, "the chat open", openJS, spaState)
	eval[bool](t, tab, `(window.root0 = document.getElementById('livechat-root'), true)`)
	n := eval[int](t, tab, countEvents("ready "))
	eval[bool](t, tab, `(history.pushState(null, '', '/app/pricing?plan=pro'), true)`)
	waitFor(t, tab, "the ready event of the new route", countEvents("ready ")+` > `+jsonInt(n), spaState)
	require.True(t, eval[bool](t, tab, `window.root0 === document.getElementById('livechat-root') && `+openJS), "the chat stays as it was")
	require.Equal(t, 1, eval[int](t, tab, countEvents("open")), "opened once")

	// Half a message typed, then a route of another chatflow: its chat
	// opens as on the next page, with the text.
	do(t, tab, "type", chromedp.SendKeys(chromedp.CSS("#livechat-input"), "Half a thou"))
	do(t, tab, "go to Dashboard", chromedp.Click(chromedp.CSS(`nav a[href="/app/"]`)))
	showing(t, tab, "support")
	waitFor(t, tab, "the support chat open with the text", openJS+` && document.getElementById('livechat-input').value === 'Half a thou'`, spaState)
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// refresh() asks again when something other than the route changed: here
// the support chatflow is unpublished, then published again.
func testSPARefresh(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	ctx := context.Background()
	tab := displayTab(t, browser)
	_, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.unhandled = [];
		addEventListener('unhandledrejection', e => unhandled.push(String(e.reason)));`})
	require.NoError(t, err)
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")

	f, err := site.chat.Chatflow(ctx, "support")
	require.NoError(t, err)
	f, err = site.chat.PublishChatflow(ctx, "support", false, f.Version)
	require.NoError(t, err)
	eval[bool](t, tab, `(LiveChat.refresh().then(() => window.refreshed = 1), true)`)
	waitFor(t, tab, "the refresh", `window.refreshed === 1`, spaState)
	showing(t, tab, "")

	// The server away on a route without chat: refresh() says so too,
	// and no ready event claims an answer.
	site.down.Store(true)
	readies := eval[int](t, tab, countEvents("ready "))
	eval[bool](t, tab, `(LiveChat.refresh().then(() => window.refreshedAway = 'resolved', e => window.refreshedAway = e.status), true)`)
	waitFor(t, tab, "the refresh settled", `window.refreshedAway !== undefined`, spaState)
	require.Equal(t, 503, eval[int](t, tab, `window.refreshedAway`), "refresh() rejects with the server's answer")
	require.Equal(t, readies, eval[int](t, tab, countEvents("ready ")), "no ready event without an answer")
	site.down.Store(false)

	_, err = site.chat.PublishChatflow(ctx, "support", true, f.Version)
	require.NoError(t, err)
	// Twice at once: one after the other, the chat shown once.
	eval[bool](t, tab, `(LiveChat.refresh(), LiveChat.refresh().then(() => window.refreshed = 2), true)`)
	waitFor(t, tab, "the refreshes", `window.refreshed === 2`, spaState)
	showing(t, tab, "support")
	require.Equal(t, 1, eval[int](t, tab, `document.querySelectorAll('#livechat-root').length`))

	// The server away: refresh() says so and the chat stays; a route
	// change keeps it too, without an error on the page.
	site.down.Store(true)
	eval[bool](t, tab, `(window.root0 = document.getElementById('livechat-root'), LiveChat.refresh().catch(e => window.refreshFailed = e.status), true)`)
	waitFor(t, tab, "the refresh refused", `window.refreshFailed === 503`, spaState)
	n := eval[int](t, tab, `performance.getEntriesByType('resource').filter(e => e.name.endsWith('/visitor/config')).length`)
	do(t, tab, "go to Pricing", chromedp.Click(chromedp.CSS(`nav a[href="/app/pricing"]`)))
	waitFor(t, tab, "the route change's config call", `performance.getEntriesByType('resource').filter(e => e.name.endsWith('/visitor/config')).length > `+jsonInt(n), spaState)
	time.Sleep(200 * time.Millisecond)
	require.True(t, eval[bool](t, tab, `window.root0 === document.getElementById('livechat-root')`), "the chat stays while the server is away")
	site.down.Store(false)
	eval[bool](t, tab, `(LiveChat.refresh(), true)`)
	showing(t, tab, "sales")
	require.Empty(t, eval[[]string](t, tab, `window.unhandled`), "the widget left no promise rejected unhandled")
}

// The events reach the host: open and close, the conversation started, a
// message each way, the unread count, the conversation closed; off()
// removes a listener, and one that throws does not stop the others.
func testSPAEvents(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	ctx := context.Background()
	tab := displayTab(t, browser)
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")
	eval[bool](t, tab, `(() => {
		window.removed = 0;
		const f = () => removed++;
		LiveChat.on('open', f);
		LiveChat.off('open', f);
		LiveChat.on('open', () => { throw new Error('a listener of the host that fails'); });
		// A listener that changes the message it gets changes nothing of
		// the chat's: the agent's message below still counts as unread.
		LiveChat.on('message', m => { m.sender = 'visitor'; m.text = ''; });
		return true;
	})()`)

	do(t, tab, "click Chat with us", chromedp.Click(chromedp.CSS(`#chat-open`)))
	waitFor(t, tab, "the chat open", openJS+` && `+hasEvent("open"), spaState)
	send(t, tab, "Hello from the app")
	waitFor(t, tab, "conversationStarted and message", hasEvent(`message {"sender":"visitor","text":"Hello from the app"}`)+` && `+countEvents("conversationStarted ")+` === 1`, spaState)
	do(t, tab, "minimise", chromedp.Click(chromedp.CSS(`.lc-min`)))
	waitFor(t, tab, "the close event", hasEvent("close"), spaState)

	convs, err := site.store.Conversations(ctx, livechat.ConversationFilter{Limit: 10})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	require.Equal(t, `conversationStarted {"conversationId":"`+convs[0].ID+`"}`, eval[string](t, tab, `[...document.querySelectorAll('#events li')].find(e => e.textContent.startsWith('conversationStarted')).textContent`))
	_, err = site.chat.Reply(ctx, convs[0].ID, "ada", "", "Hi! How can I help?")
	require.NoError(t, err)
	waitFor(t, tab, "the agent's message and the unread count", hasEvent(`message {"sender":"agent","text":"Hi! How can I help?"}`)+` && `+
		hasEvent(`unreadChanged {"unread":1}`)+` && document.getElementById('unread').value === '1'`, spaState)
	_, err = site.chat.CloseConversation(ctx, convs[0].ID, "ada")
	require.NoError(t, err)
	waitFor(t, tab, "conversationClosed", hasEvent(`conversationClosed {"conversationId":"`+convs[0].ID+`"}`), spaState)
	do(t, tab, "click Chat with us", chromedp.Click(chromedp.CSS(`#chat-open`)))
	waitFor(t, tab, "read: unread 0", hasEvent(`unreadChanged {"unread":0}`)+` && document.getElementById('unread').value === '0'`, spaState)
	require.Equal(t, 0, eval[int](t, tab, `window.removed`), "off() removed the listener")
	require.Equal(t, 2, eval[int](t, tab, countEvents("open")), "each open once")
}

// identify() makes the visitor the app's signed-in user without a page
// load; clear() on sign-out forgets them: the live channel closes, the
// cookies go, and the chat starts again with a new visitor who sees
// nothing of the previous one's conversation.
func testSPAIdentifyAndClear(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	ctx := context.Background()
	tab := displayTab(t, browser)
	trackSockets(t, tab)
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")
	visitorCookie := func() string {
		t.Helper()
		cs, err := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: []string{site.url + "/livechat/api/v1/visitor/config"}})
		require.NoError(t, err)
		for _, c := range cs.Cookies {
			if c.Name == "livechat_visitor" {
				return c.Value
			}
		}
		return ""
	}
	anonymous := visitorCookie()
	require.NotEmpty(t, anonymous)

	n := eval[int](t, tab, countEvents("ready "))
	do(t, tab, "sign in", chromedp.Click(chromedp.CSS(`#login button`)))
	waitFor(t, tab, "the chat again, for the user", `document.getElementById('who').textContent === 'Signed in as Sam Shopper.' && `+countEvents("ready ")+` > `+jsonInt(n), spaState)
	showing(t, tab, "support")
	require.NotEqual(t, anonymous, visitorCookie(), "the user is a visitor of their own")
	do(t, tab, "click Chat with us", chromedp.Click(chromedp.CSS(`#chat-open`)))
	waitFor(t, tab, "the chat open", openJS, spaState)
	send(t, tab, "Where is my order?")
	convs, err := site.store.Conversations(ctx, livechat.ConversationFilter{Limit: 10})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	v, err := site.store.Visitor(ctx, convs[0].VisitorID)
	require.NoError(t, err)
	require.NotEmpty(t, v.ContactID, "the conversation is the signed-in user's")
	contact, err := site.store.Contact(ctx, v.ContactID)
	require.NoError(t, err)
	require.Equal(t, "sam.shopper@example.com", contact.Email)
	waitFor(t, tab, "the live channel", `window.sockets.some(s => s.readyState === 1)`, spaState)

	// A fresh token for the same user, as an app that stays open longer
	// than a token lives hands over: nothing on screen changes.
	eval[bool](t, tab, `(window.root1 = document.getElementById('livechat-root'), true)`)
	n = eval[int](t, tab, countEvents("ready "))
	eval[bool](t, tab, `(fetch('/app/me').then(r => r.json()).then(me => LiveChat.identify(me.token)).then(() => window.renewed = true), true)`)
	waitFor(t, tab, "the new token taken", `window.renewed === true && `+countEvents("ready ")+` > `+jsonInt(n), spaState)
	require.True(t, eval[bool](t, tab, `window.root1 === document.getElementById('livechat-root') && `+openJS+` && window.sockets.filter(s => s.readyState === 1).length === 1`),
		"the same chat, open, on the same live channel")
	eval[bool](t, tab, `(document.cookie = 'livechat_minimized=1; Path=/', sessionStorage.setItem('livechat-open', '1'), true)`)

	n = eval[int](t, tab, countEvents("ready "))
	do(t, tab, "sign out", chromedp.Click(chromedp.CSS(`#logout`)))
	waitFor(t, tab, "the chat for a new visitor", countEvents("ready ")+` > `+jsonInt(n)+` && window.sockets.every(s => s.readyState === 3)`, spaState)
	showing(t, tab, "support")
	require.Equal(t, "close", eval[string](t, tab, `[...document.querySelectorAll('#events li')].map(e => e.textContent).filter(t => t === 'open' || t === 'close').pop()`), "the open chat closed")
	require.False(t, eval[bool](t, tab, openJS), "the chat is closed")
	require.Equal(t, "", eval[string](t, tab, `document.cookie.split('; ').filter(c => c.startsWith('livechat_')).join('; ')`), "the widget's cookies are gone")
	require.Equal(t, 0, eval[int](t, tab, `Object.keys(sessionStorage).filter(k => k.startsWith('livechat-')).length`), "and its session flags")
	after := visitorCookie()
	require.NotEmpty(t, after, "the new visitor's cookie")
	require.NotEqual(t, anonymous, after)

	do(t, tab, "click Chat with us", chromedp.Click(chromedp.CSS(`#chat-open`)))
	waitFor(t, tab, "the chat open", openJS, spaState)
	time.Sleep(300 * time.Millisecond)
	require.Empty(t, eval[[]string](t, tab, `[...document.querySelectorAll('#livechat-messages .lc-msg[data-sender]')].map(e => e.textContent)`), "none of the user's conversation")
	eval[bool](t, tab, `(fetch('/livechat/api/v1/visitor/conversations/`+convs[0].ID+`/messages').then(r => window.oldStatus = r.status), true)`)
	waitFor(t, tab, "the old conversation asked for", `!!window.oldStatus`, spaState)
	require.Equal(t, http.StatusNotFound, eval[int](t, tab, `window.oldStatus`), "the new visitor cannot read the user's conversation")
}

// A page with data-load="manual" asks nothing of the chat until
// LiveChat.load(); calls before it wait or do nothing, none throws, bad
// input gets a clear error; hide() and show() the launcher.
func testSPAManual(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	tab := displayTab(t, browser)
	do(t, tab, "open the page", chromedp.Navigate(site.url+"/manual"))
	waitFor(t, tab, "the script", `!!window.LiveChat`, spaState)
	time.Sleep(500 * time.Millisecond)
	got := resources(t, tab)
	if _, ok := got["api/v1/visitor/config"]; ok {
		t.Fatalf("the page asked the chat before LiveChat.load(): %v", got)
	}
	eval[bool](t, tab, `(() => {
		LiveChat.refresh(); LiveChat.hide(); LiveChat.show(); LiveChat.close(); LiveChat.toggle(); LiveChat.open();
		LiveChat.on('ready', d => window.readyData = d);
		LiveChat.on('ready'); LiveChat.off('open', () => {}); LiveChat.off('nothing');
		LiveChat.identify(42).catch(e => window.identifyError = e.name + ': ' + e.message);
		LiveChat.load();
		LiveChat.load();
		return true;
	})()`)
	waitFor(t, tab, "the chat open: open() before load()", `!!window.readyData && readyData.chatflowId === 'support' && `+openJS, spaState)
	require.Equal(t, "TypeError: LiveChat.identify: the token must be a non-empty string", eval[string](t, tab, `window.identifyError`))
	eval[bool](t, tab, `(LiveChat.hide(), true)`)
	waitFor(t, tab, "no launcher, the window still open", `(() => { const l = document.getElementById('livechat-launcher'); return l.getClientRects().length === 0; })() && `+openJS, spaState)
	eval[bool](t, tab, `(LiveChat.close(), LiveChat.open(), LiveChat.show(), true)`)
	waitFor(t, tab, "the launcher back", `document.getElementById('livechat-launcher').getClientRects().length > 0 && `+openJS, spaState)
	// One load: a first visit asks twice (the token goes into the cookie).
	require.Equal(t, 2, eval[int](t, tab, `performance.getEntriesByType('resource').filter(e => e.name.endsWith('/visitor/config')).length`), "one load")
}

// A time-on-page trigger counts from the route change that showed the
// chatflow, not from the page load: the app was open longer than the
// trigger's 2 s before the visitor went to Pricing.
func testSPATrigger(t *testing.T, browser context.Context) {
	site := newSPASite(t, func(f *flow.Chatflow) {
		f.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{SecondsOnPage: 2}}
	})
	tab := displayTab(t, browser)
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")
	waitUntilPageTime(t, tab, 2500)
	do(t, tab, "go to Pricing", chromedp.Click(chromedp.CSS(`nav a[href="/app/pricing"]`)))
	showing(t, tab, "sales")
	at := eval[float64](t, tab, `performance.now()`)
	time.Sleep(time.Second)
	require.False(t, eval[bool](t, tab, openJS), "the chat opened less than 2 s after the route change")
	waitFor(t, tab, "the trigger", openJS, spaState)
	if now := eval[float64](t, tab, `performance.now()`); now-at < 1500 {
		t.Errorf("the chat opened %.0f ms after the route change, before its trigger", now-at)
	}
}

// clear() while the server cannot be reached, before the chat's script
// ever loaded: it rejects with the server's answer, and still leaves
// nothing of the signed-out user in the page: no chat, no cookie or
// session flag of the widget's, and no identity token for the next
// config call to sign them back in with.
func testSPAClearWhileAway(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	tab := displayTab(t, browser)
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")
	n := eval[int](t, tab, countEvents("ready "))
	do(t, tab, "sign in", chromedp.Click(chromedp.CSS(`#login button`)))
	waitFor(t, tab, "the chat for the user", `document.getElementById('who').textContent === 'Signed in as Sam Shopper.' && `+countEvents("ready ")+` > `+jsonInt(n), spaState)
	require.Positive(t, site.identities.Load(), "the config call named the user")
	require.False(t, eval[bool](t, tab, chatLoaded), "the chat's script not loaded: the visitor never opened the chat")
	eval[bool](t, tab, `(document.cookie = 'livechat_minimized=1; Path=/', document.cookie = 'livechat_consent=1; Path=/',
		sessionStorage.setItem('livechat-open', '1'), sessionStorage.setItem('livechat-email', '1'), sessionStorage.setItem('other', '1'), true)`)

	site.away.Store(true)
	eval[bool](t, tab, `(LiveChat.clear().then(() => window.cleared = 'resolved', e => window.cleared = e instanceof Response ? e.status : String(e)), true)`)
	waitFor(t, tab, "clear() settled", `window.cleared !== undefined`, spaState)
	require.Equal(t, 503, eval[int](t, tab, `window.cleared`), "clear() rejects with the server's answer")
	require.False(t, eval[bool](t, tab, `!!document.getElementById('livechat-root')`), "the chat is gone")
	require.Equal(t, "", eval[string](t, tab, `document.cookie.split('; ').filter(c => c.startsWith('livechat_')).join('; ')`), "the widget's cookies are gone")
	require.Equal(t, []string{"other"}, eval[[]string](t, tab, `Object.keys(sessionStorage)`), "the widget's session flags are gone, the page's own stay")
	require.False(t, eval[bool](t, tab, chatLoaded), "clear() needs no chat script")

	// The server back: the next route change asks as an anonymous visitor.
	site.away.Store(false)
	before := site.identities.Load()
	n = eval[int](t, tab, countEvents("ready "))
	eval[bool](t, tab, `(history.pushState(null, '', '/app/pricing'), true)`)
	waitFor(t, tab, "the route change answered", countEvents("ready ")+` > `+jsonInt(n), spaState)
	showing(t, tab, "sales")
	require.Equal(t, before, site.identities.Load(), "no config call after clear() carries the signed-out user's identity token")
	eval[bool](t, tab, `(LiveChat.clear().then(() => window.cleared = 'resolved'), true)`)
	waitFor(t, tab, "clear() again, the server back", `window.cleared === 'resolved'`, spaState)
	showing(t, tab, "sales")
}

// clear() before load() on a page that loads the chat by hand: only the
// forget call goes out (no script, no config call), and it removes the
// visitor cookie an earlier page view left, so that load() then starts a
// new visitor.
func testSPAClearBeforeLoad(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	tab := displayTab(t, browser)
	visitorCookie := func() string {
		t.Helper()
		cs, err := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: []string{site.url + "/livechat/api/v1/visitor/config"}})
		require.NoError(t, err)
		for _, c := range cs.Cookies {
			if c.Name == "livechat_visitor" {
				return c.Value
			}
		}
		return ""
	}
	do(t, tab, "open the app", chromedp.Navigate(site.url+"/app/"))
	showing(t, tab, "support")
	earlier := visitorCookie()
	require.NotEmpty(t, earlier, "the visitor's cookie")

	do(t, tab, "open the manual page", chromedp.Navigate(site.url+"/manual"))
	waitFor(t, tab, "the script", `!!window.LiveChat`, spaState)
	eval[bool](t, tab, `(LiveChat.clear().then(() => window.cleared = true), true)`)
	waitFor(t, tab, "clear() done", `window.cleared === true`, spaState)
	// The browser lists a call among its resources once its answer has
	// been read to the end, which may come after clear() settles.
	waitFor(t, tab, "the forget call listed", `performance.getEntriesByType('resource').some(e => e.name.endsWith('/livechat/api/v1/visitor/forget'))`, spaState)
	got := resources(t, tab)
	for _, name := range []string{"chat.js", "chat.css", "api/v1/visitor/config", "widget.css"} {
		require.NotContains(t, got, name, "clear() before load() asks nothing else")
	}
	require.Empty(t, visitorCookie(), "the earlier page view's visitor cookie is gone")

	eval[bool](t, tab, `(LiveChat.load(), true)`)
	waitFor(t, tab, "the chat", `!!LiveChat.ready && LiveChat.ready.chatflowId === 'support'`, spaState)
	now := visitorCookie()
	require.NotEmpty(t, now, "a new visitor's cookie")
	require.NotEqual(t, earlier, now, "a new visitor")
}

// A message not yet stored when identify() makes the chat another user's
// is not sent as that user's, nor shown in their chat.
func testSPAUnsentIdentify(t *testing.T, browser context.Context) {
	site := newSPASite(t)
	ctx := context.Background()
	tab := displayTab(t, browser)
	waitingMessage(t, site, tab, "First, as nobody in particular")

	n := eval[int](t, tab, countEvents("ready "))
	do(t, tab, "sign in", chromedp.Click(chromedp.CSS(`#login button`)))
	waitFor(t, tab, "the chat again, for the user", `document.getElementById('who').textContent === 'Signed in as Sam Shopper.' && `+countEvents("ready ")+` > `+jsonInt(n), spaState)
	site.noSends.Store(false)
	do(t, tab, "click Chat with us", chromedp.Click(chromedp.CSS(`#chat-open`)))
	waitFor(t, tab, "the chat open", openJS, spaState)
	send(t, tab, "Where is my order?")
	require.Zero(t, eval[int](t, tab, `[...document.querySelectorAll('#livechat-messages .lc-msg')].filter(e => e.textContent.includes('not yet stored')).length`), "the earlier visitor's message is not in the user's chat")
	convs, err := site.store.Conversations(ctx, livechat.ConversationFilter{Limit: 10})
	require.NoError(t, err)
	for _, c := range convs {
		msgs, err := site.store.Messages(ctx, c.ID, 0, 100)
		require.NoError(t, err)
		for _, m := range msgs {
			require.NotContains(t, m.Text, "not yet stored", "the earlier visitor's message was sent")
		}
	}
}
