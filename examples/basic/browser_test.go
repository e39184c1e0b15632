// The browser test drives the demo site in Chromium with chromedp: a
// visitor in one tab talks to an agent in the inbox in another, through a
// reload and dropped WebSockets. Set LIVECHAT_SCREENSHOTS=1 to also save
// /tmp/livechat-widget.png, /tmp/livechat-widget-mobile.png and
// /tmp/livechat-inbox.png.

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/files"
	"github.com/golivechat/livechat/storage/memory"
)

// TestMain checks that the browser test leaves no goroutine behind: the
// chat Handler, the test server, chromedp's tabs and its browser process
// are all shut down before the test returns. chromedp needs no
// goleak.IgnoreTopFunction: once its allocator context is cancelled (which
// waits for the browser to exit) none of its goroutines remain.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	// testTimeout bounds the whole browser test, stepTimeout each step:
	// generous, for two cores shared with other race-detector runs and
	// browsers, where a page load alone has taken over 15 s.
	testTimeout = 120 * time.Second
	stepTimeout = 30 * time.Second
)

// chromiumPath finds the browser: $LIVECHAT_CHROMIUM, or the first of the
// usual names on $PATH. Without one the test is skipped, except on CI
// ($CI set), where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LIVECHAT_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("LIVECHAT_CHROMIUM=%q: %v", p, err)
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const msg = "no Chromium: set LIVECHAT_CHROMIUM or install chromium (apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startBrowser starts Chromium (found by chromiumPath) with the flags
// every browser test uses and returns its first tab. The browser is bound
// to ctx only: its first action runs here, because a step timeout would
// end the browser with the step. stop closes the tab and waits for the
// browser to exit.
func startBrowser(t *testing.T, ctx context.Context, chromium string) (tab context.Context, stop func()) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	stop = func() { cancelTab(); cancelAlloc() }
	if err := chromedp.Do(tab); err != nil {
		stop()
		t.Fatalf("start %s: %v", chromium, err)
	}
	return tab, stop
}

// browserSite is the demo site on a test server, with a way to cut its
// WebSockets as a network failure would.
type browserSite struct {
	srv   *httptest.Server
	chat  *livechat.Handler
	store *memory.Store

	mu sync.Mutex
	ws []liveConn // every WebSocket opened so far, oldest first
}

// liveConn is the connection of a WebSocket; who is "visitor" or "agent".
type liveConn struct {
	who  string
	conn net.Conn
}

// siteTab starts a demo site and a browser tab on it whose console
// errors fail the test (named by name in their messages); both stop when
// the test ends.
func siteTab(t *testing.T, name string) (*browserSite, context.Context) {
	t.Helper()
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	site := newBrowserSite(t)
	t.Cleanup(func() { site.close(t) })
	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, name)
	t.Cleanup(func() { stopBrowser(); stopConsole() })
	return site, tab
}

func newBrowserSite(t *testing.T, configure ...func(*livechat.Config)) *browserSite {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	secret := make([]byte, 32)
	rand.Read(secret)
	fs, err := files.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { fs.Close() })
	site, chat, err := newSite(store, secret, append([]func(*livechat.Config){func(c *livechat.Config) { c.Files = fs }}, configure...)...)
	require.NoError(t, err)
	s := &browserSite{chat: chat, store: store}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, who := range []string{"visitor", "agent"} {
			if strings.HasSuffix(r.URL.Path, "/api/v1/"+who+"/ws") {
				w = &hijackRecorder{w, func(c net.Conn) {
					s.mu.Lock()
					s.ws = append(s.ws, liveConn{who, c})
					s.mu.Unlock()
				}}
			}
		}
		site.ServeHTTP(w, r)
	}))
	return s
}

// hijackRecorder passes a WebSocket's connection to record when the chat
// takes it over.
type hijackRecorder struct {
	http.ResponseWriter
	record func(net.Conn)
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijacking not supported")
	}
	c, rw, err := hj.Hijack()
	if err == nil {
		h.record(c)
	}
	return c, rw, err
}

// close shuts the chat down (its WebSockets first: the server does not
// track hijacked connections), then the server.
func (s *browserSite) close(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.chat.Shutdown(ctx); err != nil {
		t.Errorf("chat.Shutdown: %v", err)
	}
	s.srv.Close()
}

// closeOnCleanup shuts chat down, then closes srv and store, when the
// test ends.
func closeOnCleanup(t *testing.T, chat *livechat.Handler, srv *httptest.Server, store io.Closer) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := chat.Shutdown(ctx); err != nil {
			t.Errorf("chat.Shutdown: %v", err)
		}
		srv.Close()
		store.Close()
	})
}

// wsCount is how many WebSockets of who ("visitor", "agent", or "" for
// both) have been opened so far.
func (s *browserSite) wsCount(who string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.ws {
		if who == "" || c.who == who {
			n++
		}
	}
	return n
}

// cutWebSockets closes the TCP connections of the WebSockets of who
// ("visitor", "agent", or "" for both) without a close handshake, as a
// dropped network does.
func (s *browserSite) cutWebSockets(who string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.ws {
		if who == "" || c.who == who {
			c.conn.Close()
		}
	}
}

// do runs actions in a tab within stepTimeout.
func do(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in a tab and decodes its value.
func eval[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript expression in a tab until it is true. On
// timeout it fails with the value of the expression state, which describes
// what the page shows.
func waitFor(t *testing.T, tab context.Context, what, expr, state string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		lastErr = err
		select {
		case <-ctx.Done():
			sctx, scancel := context.WithTimeout(tab, 2*time.Second)
			got, serr := chromedp.Run(sctx, chromedp.Evaluate[string](state))
			scancel()
			t.Fatalf("timed out waiting for %s (last error: %v)\npage state: %s (%v)", what, lastErr, got, serr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// openRow opens a conversation from the inbox list: it waits for the row
// and clicks it in one evaluation in the page. A click through the DevTools
// protocol finds the node first and clicks it later; a list that renders
// meanwhile (a live update, a reload after the socket connects) moves the
// row and leaves that click on a node id that is gone.
func openRow(t *testing.T, tab context.Context, convID string) {
	t.Helper()
	waitFor(t, tab, "the conversation's row, clicked", `(() => {
		const row = document.querySelector('.lc-conv[data-id="`+convID+`"]');
		if (!row || row.getClientRects().length === 0) return false;
		row.click();
		return true;
	})()`, inboxState)
}

// stepCtx bounds one call to the server side by stepTimeout from now: a
// context made before browser steps would run out while they run on a
// busy machine.
func stepCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	t.Cleanup(cancel)
	return ctx
}

// front makes a tab the active one, as a user switching tabs does.
func front(t *testing.T, tab context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, cdppage.BringToFront, cdp.Empty{}); err != nil {
		t.Fatalf("bring tab to front: %v", err)
	}
}

// screenshot saves a PNG of a tab's viewport when $LIVECHAT_SCREENSHOTS is
// set, so that CI writes no files.
func screenshot(t *testing.T, tab context.Context, file string) {
	t.Helper()
	if os.Getenv("LIVECHAT_SCREENSHOTS") == "" {
		return
	}
	front(t, tab)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", file)
}

// watchConsole collects the uncaught exceptions of a tab's pages and logs
// its console errors. The returned func stops watching (the tab's context
// must be done) and fails the test for every exception.
func watchConsole(t *testing.T, tab context.Context, name string) func() {
	msgs := chromedp.Console(tab)
	var (
		mu         sync.Mutex
		exceptions []string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			switch {
			case m.IsException():
				mu.Lock()
				exceptions = append(exceptions, fmt.Sprintf("%s:%d: %s", m.URL, m.Line+1, m.Text))
				mu.Unlock()
			case strings.HasSuffix(m.URL, "/favicon.ico"): // the demo site has none
			case m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning:
				t.Logf("%s console: %s (%s)", name, m, m.URL)
			}
		}
	}()
	return func() {
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, e := range exceptions {
			t.Errorf("%s: uncaught JavaScript exception: %s", name, e)
		}
	}
}

// JavaScript that describes what the widget and the inbox show, for
// failures and checks.
const (
	widgetState = `JSON.stringify([...document.querySelectorAll('#livechat-messages .lc-msg')].map(e => ({
		seq: e.getAttribute('data-seq'), sender: e.getAttribute('data-sender'), state: e.getAttribute('data-state'),
		pending: e.classList.contains('lc-pending'), text: (e.querySelector('.lc-text') || {}).textContent})))`
	inboxState = `JSON.stringify({url: location.href,
		rows: [...document.querySelectorAll('.lc-conv')].map(e => e.getAttribute('data-id')),
		thread: [...document.querySelectorAll('#lc-thread .lc-msg')].map(e => ({
			seq: e.getAttribute('data-seq'), sender: e.getAttribute('data-sender'), state: e.getAttribute('data-state'),
			text: (e.querySelector('.lc-text') || {}).textContent})),
		status: (document.getElementById('lc-info-status') || {}).textContent,
		error: (document.getElementById('lc-error') || {}).textContent})`
)

type shownMessage struct {
	Seq    string `json:"seq"`
	Sender string `json:"sender"`
	Text   string `json:"text"`
}

// threadIs returns JavaScript that is true when the elements with a
// data-seq inside container are exactly want, in order, and nothing is
// still pending.
func threadIs(container string, want []shownMessage) string {
	w, _ := json.Marshal(want)
	return fmt.Sprintf(`(() => {
		const want = %s;
		const c = document.querySelector(%q);
		if (!c || c.querySelector('.lc-pending')) return false;
		const got = [...c.querySelectorAll('[data-seq]')].map(e => ({
			seq: e.getAttribute('data-seq'), sender: e.getAttribute('data-sender'),
			text: (e.querySelector('.lc-text') || {}).textContent}));
		return JSON.stringify(got) === JSON.stringify(want);
	})()`, w, container)
}

func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	site := newBrowserSite(t)
	defer site.close(t) // after the browser has gone: deferred calls run last in first out

	// Tab A is the visitor.
	tabA, stopBrowser := startBrowser(t, ctx, chromium)
	stopA := watchConsole(t, tabA, "tab A (visitor)")
	defer func() { stopBrowser(); stopA() }()

	const (
		hello = "Hello from the browser"
		reply = "Hi! Ada here. How can I help?"
	)

	// ---- Journey 1: visitor and agent talk through the widget and the inbox.
	t.Log("journey 1: visitor ↔ agent")
	do(t, tabA, "open /pricing and the widget",
		chromedp.Navigate(site.srv.URL+"/pricing"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-window")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
	)
	do(t, tabA, "write a message",
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), hello),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tabA, "the visitor's message to be sent", `(() => {
		const m = [...document.querySelectorAll('#livechat-messages .lc-msg[data-sender="visitor"]')];
		return m.length === 1 && m[0].getAttribute('data-seq') === '1' &&
			m[0].querySelector('.lc-text').textContent === `+jsString(hello)+` &&
			m[0].querySelector('.lc-state').textContent === 'Sent';
	})()`, widgetState)
	if v := eval[string](t, tabA, `document.getElementById('livechat-input').value`); v != "" {
		t.Errorf("the composer still holds %q after sending", v)
	}

	convs, err := site.chat.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1, "conversations after the first message")
	convID := convs[0].ID

	// Tab B is the agent, in the same browser.
	tabB, cancelB := chromedp.NewContext(tabA)
	defer cancelB()
	if err := chromedp.Do(tabB); err != nil {
		t.Fatalf("open tab B: %v", err)
	}
	stopB := watchConsole(t, tabB, "tab B (inbox)")
	defer func() { cancelB(); stopB() }()

	row := chromedp.CSS(`.lc-conv[data-id="` + convID + `"]`)
	do(t, tabB, "sign in as Ada",
		chromedp.Navigate(site.srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
		chromedp.WaitVisible(row),
	)
	if loc := eval[string](t, tabB, `location.pathname`); loc != "/livechat/inbox/" {
		t.Errorf("after signing in the agent is at %s, want /livechat/inbox/", loc)
	}
	if me := eval[string](t, tabB, `document.getElementById('lc-me').textContent`); me != "Ada Lovelace" {
		t.Errorf("inbox shows the agent as %q, want Ada Lovelace", me)
	}
	openRow(t, tabB, convID)
	waitFor(t, tabB, "the visitor's message in the inbox thread",
		threadIs("#lc-thread", []shownMessage{{"1", "visitor", hello}}), inboxState)
	do(t, tabB, "reply",
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), reply),
		chromedp.Click(chromedp.CSS("#lc-reply-send")),
	)
	afterReply := []shownMessage{{"1", "visitor", hello}, {"2", "agent", reply}}
	waitFor(t, tabB, "the reply stored in the inbox thread", threadIs("#lc-thread", afterReply), inboxState)

	front(t, tabA)
	waitFor(t, tabA, "the reply in the widget", threadIs("#livechat-messages", afterReply), widgetState)
	waitFor(t, tabA, "the visitor's message to show Read", `(() => {
		const s = document.querySelector('#livechat-messages .lc-msg[data-seq="1"] .lc-state');
		return !!s && s.textContent === 'Read';
	})()`, widgetState)

	checkStored(t, ctx, site.chat, convID, []storedMessage{
		{livechat.SenderVisitor, hello},
		{livechat.SenderAgent, reply},
	})

	// ---- Journey 2: a reload keeps the conversation, each message once.
	t.Log("journey 2: reload")
	// The demo asks for cookie consent: accept before the reload.
	do(t, tabA, "accept cookies", chromedp.Click(chromedp.CSS("#livechat-cookies-accept")))
	waitFor(t, tabA, "the cookie banner gone", `!document.getElementById('livechat-cookies')`, widgetState)
	do(t, tabA, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")))
	// The widget reopens itself after a reload when it was open before.
	if eval[bool](t, tabA, `document.getElementById('livechat-window').hidden`) {
		do(t, tabA, "open the widget after the reload", chromedp.Click(chromedp.CSS("#livechat-launcher")))
	}
	do(t, tabA, "see the window after the reload", chromedp.WaitVisible(chromedp.CSS("#livechat-window")))
	waitFor(t, tabA, "both messages after the reload", threadIs("#livechat-messages", afterReply), widgetState)
	time.Sleep(500 * time.Millisecond) // late duplicates (live replay) would show up now
	waitFor(t, tabA, "still both messages, once each", threadIs("#livechat-messages", afterReply), widgetState)

	// ---- Journey 3: agent messages from the Go API arrive in order, once
	// each, live and across a reconnect.
	t.Log("journey 3: Go API replies, live and across a reconnect")
	want := afterReply
	replyGo := func(n int) {
		text := fmt.Sprintf("Reply %d from the Go API", n)
		_, err := site.chat.Reply(ctx, convID, "ada", fmt.Sprintf("r%d", n), text)
		require.NoError(t, err)
		want = append(want, shownMessage{fmt.Sprint(len(want) + 1), "agent", text})
	}
	for n := 1; n <= 3; n++ {
		replyGo(n)
	}
	waitFor(t, tabA, "three live replies in the widget", threadIs("#livechat-messages", want), widgetState)

	// Drop every WebSocket (widget and inbox), post while they are down,
	// and expect the replay after they reconnect to fill the gap.
	before := site.wsCount("")
	site.cutWebSockets("")
	for n := 4; n <= 6; n++ {
		replyGo(n)
	}
	waitFor(t, tabA, "the replies posted while disconnected in the widget",
		threadIs("#livechat-messages", want), widgetState)
	time.Sleep(500 * time.Millisecond)
	waitFor(t, tabA, "still every message once in the widget", threadIs("#livechat-messages", want), widgetState)
	front(t, tabB)
	waitFor(t, tabB, "every message once in the inbox", threadIs("#lc-thread", want), inboxState)
	if n := site.wsCount("") - before; n < 2 {
		t.Errorf("%d WebSockets reconnected after the cut, want 2 (widget and inbox)", n)
	}
	// The open widget has read everything, whichever side reconnected first.
	waitFor(t, tabB, "every reply marked Read in the inbox", `(() => {
		const m = [...document.querySelectorAll('#lc-thread .lc-msg[data-sender="agent"]')];
		return m.length === 7 && m.every(e => e.getAttribute('data-state') === 'read' &&
			e.querySelector('.lc-state').textContent === 'Read');
	})()`, inboxState)

	// ---- Journey 4: a read receipt sent while the widget is disconnected
	// shows once it is back. The visitor writes (Enter sends) while only
	// the widget's WebSocket is down; the message goes by HTTP, and the
	// inbox, which shows the thread, reads it at once.
	t.Log("journey 4: read receipt across a widget reconnect")
	const offline = "Sent while the widget reconnects"
	front(t, tabA)
	before = site.wsCount("visitor")
	site.cutWebSockets("visitor")
	do(t, tabA, "write and press Enter", chromedp.SendKeys(chromedp.CSS("#livechat-input"), offline+"\n"))
	want = append(want, shownMessage{fmt.Sprint(len(want) + 1), "visitor", offline})
	waitFor(t, tabB, "the visitor's message in the inbox", threadIs("#lc-thread", want), inboxState)
	waitFor(t, tabA, "the message in the widget, marked Read", `(() => {
		const s = document.querySelector('#livechat-messages .lc-msg[data-seq="`+want[len(want)-1].Seq+`"] .lc-state');
		return !!s && s.textContent === 'Read';
	})() && `+threadIs("#livechat-messages", want), widgetState)
	if site.wsCount("visitor") == before {
		t.Error("the widget did not reconnect after its WebSocket was cut")
	}

	stored := []storedMessage{}
	for _, m := range want {
		stored = append(stored, storedMessage{livechat.SenderKind(m.Sender), m.Text})
	}
	checkStored(t, ctx, site.chat, convID, stored)

	// ---- The inbox follows assignment, to the agent and back to nobody.
	t.Log("inbox: assign and unassign")
	do(t, tabB, "assign to me", chromedp.Click(chromedp.CSS("#lc-assign-me")))
	waitFor(t, tabB, "the thread assigned to Ada",
		`document.getElementById('lc-info-status').textContent === 'Open · assigned to You'`, inboxState)
	do(t, tabB, "unassign",
		chromedp.SetValue(chromedp.CSS("#lc-assign"), ""),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('lc-assign').dispatchEvent(new Event('change', {bubbles: true}))`),
	)
	waitFor(t, tabB, "the thread unassigned", `(() => {
		const row = document.querySelector('.lc-conv[data-id="`+convID+`"] .lc-conv-assignee');
		return document.getElementById('lc-info-status').textContent === 'Open · unassigned' &&
			document.getElementById('lc-assign').value === '' && !!row && row.textContent === 'Unassigned';
	})()`, inboxState)
	conv, err := site.chat.Conversation(ctx, convID)
	require.NoError(t, err)
	require.Empty(t, conv.AssigneeID, "assignee after unassigning in the inbox")

	// ---- Screenshots, and the full-screen window on a phone.
	screenshot(t, tabB, "/tmp/livechat-inbox.png")
	screenshot(t, tabA, "/tmp/livechat-widget.png")
	checkDesktopLayout(t, tabA)

	front(t, tabA)
	do(t, tabA, "phone viewport", chromedp.EmulateViewport(375, 700, chromedp.EmulateMobile))
	waitFor(t, tabA, "the window to fill a phone screen", `(() => {
		const r = document.getElementById('livechat-window').getBoundingClientRect();
		const l = document.getElementById('livechat-launcher');
		return innerWidth === 375 && Math.round(r.left) === 0 && Math.round(r.top) === 0 &&
			Math.round(r.width) === 375 && Math.round(r.height) === 700 && getComputedStyle(l).display === 'none';
	})()`, `JSON.stringify({w: innerWidth, h: innerHeight,
		rect: document.getElementById('livechat-window').getBoundingClientRect(),
		launcher: getComputedStyle(document.getElementById('livechat-launcher')).display})`)
	screenshot(t, tabA, "/tmp/livechat-widget-mobile.png")

	t.Logf("browser journeys took %v", time.Since(start).Round(time.Millisecond))
}

// checkDesktopLayout checks what a screenshot shows on a desktop: the
// launcher in the bottom-right corner, the window above it, and visitor
// bubbles in the accent colour.
func checkDesktopLayout(t *testing.T, tab context.Context) {
	t.Helper()
	got := eval[string](t, tab, `(() => {
		const l = document.getElementById('livechat-launcher').getBoundingClientRect();
		const w = document.getElementById('livechat-window').getBoundingClientRect();
		const bubble = document.querySelector('#livechat-messages .lc-visitor .lc-text');
		const bad = [];
		// Nothing of the widget may leak into the host page's own flow.
		for (const n of document.getElementById('livechat-root').childNodes) if (n.nodeType === Node.TEXT_NODE) bad.push('stray text in the widget root: ' + n.textContent);
		if (Math.round(innerWidth - l.right) !== 20 || Math.round(innerHeight - l.bottom) !== 20) bad.push('launcher not 20px from the bottom-right corner');
		if (w.bottom > l.top || w.right > innerWidth || w.top < 0) bad.push('window not above the launcher inside the viewport');
		// #c2410c: the accent of the example's sales chatflow, on /pricing.
		if (getComputedStyle(bubble).backgroundColor !== 'rgb(194, 65, 12)') bad.push('visitor bubble is ' + getComputedStyle(bubble).backgroundColor + ', not the accent colour');
		return bad.join('; ');
	})()`)
	if got != "" {
		t.Error("widget layout: " + got)
	}
}

type storedMessage struct {
	sender livechat.SenderKind
	text   string
}

// checkStored checks the conversation in storage: exactly want, with
// dense sequence numbers and no duplicate.
func checkStored(t *testing.T, ctx context.Context, chat *livechat.Handler, convID string, want []storedMessage) {
	t.Helper()
	msgs, err := chat.Messages(ctx, convID, 0, 100)
	require.NoError(t, err)
	got := make([]storedMessage, len(msgs))
	for i, m := range msgs {
		got[i] = storedMessage{m.Sender, m.Text}
		if m.Seq != int64(i+1) {
			t.Errorf("stored message %d has seq %d", i+1, m.Seq)
		}
	}
	require.Equal(t, want, got, "stored messages")
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), "`", "\\u0060")
}

// browserCase is one subtest of a group that shares a browser.
type browserCase struct {
	name string
	run  func(t *testing.T, browser context.Context)
}

// runBrowserGroup runs cases in parallel in one Chromium, each in its own
// browser context, within perCase times the number of cases (go test runs
// only -parallel of them at a time, so a case's share of the deadline must
// not depend on how many others there are); the browser stops once they
// are done.
func runBrowserGroup(t *testing.T, perCase time.Duration, cases []browserCase) {
	t.Helper()
	chromium := chromiumPath(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), perCase*time.Duration(len(cases)))
	defer cancel()
	browser, stopBrowser := startBrowser(t, ctx, chromium)
	defer stopBrowser()
	// The group returns once its parallel subtests are done, before the
	// browser stops.
	t.Run("group", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, browser)
			})
		}
	})
	t.Logf("%s took %v", t.Name(), time.Since(start).Round(time.Millisecond))
}
