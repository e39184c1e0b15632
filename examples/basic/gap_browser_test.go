// The gap tests walk, in Chromium, the day a WebSocket goes silent: a proxy
// (or a sleeping radio) keeps its TCP connection up but carries no frame,
// while plain HTTP still works. The other side writes, the client sends
// its own message, which falls back to HTTP and comes back with a seq
// beyond the one it missed. The widget and the inbox must fetch the gap,
// show every message once and in order, resume from what they hold, and
// never send a read mark past a message they have not shown. Set
// LIVECHAT_SCREENSHOTS=1 to also save /tmp/livechat-gap-widget.png and
// /tmp/livechat-gap-inbox.png.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

// gapTimeout is each gap test's share of the group's deadline.
const gapTimeout = 90 * time.Second

func TestBrowserGap(t *testing.T) {
	runBrowserGroup(t, gapTimeout, []browserCase{
		{"Widget", testGapWidget},
		{"Inbox", testGapInbox},
	})
}

// stallProxy forwards TCP connections to a server. stall stops carrying
// the bytes of the WebSockets open at that moment, both ways, while their
// connections stay up, as a proxy or a sleeping radio does; connections
// opened later, plain HTTP and WebSockets alike, pass.
type stallProxy struct {
	url     string
	target  string
	ln      net.Listener
	wg      sync.WaitGroup
	dropped atomic.Int64 // bytes swallowed on stalled connections

	mu     sync.Mutex
	conns  map[*proxiedConn]bool
	ws     int // WebSockets seen so far
	closed bool
}

type proxiedConn struct {
	client, server net.Conn
	ws, stalled    atomic.Bool
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{url: "http://" + ln.Addr().String(), target: strings.TrimPrefix(target, "http://"), ln: ln, conns: map[*proxiedConn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *stallProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pc := &proxiedConn{client: c, server: s}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			s.Close()
			return
		}
		p.conns[pc] = true
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(pc, c, s, true)
		go p.pipe(pc, s, c, false)
	}
}

// pipe copies one direction of a connection; up is browser to server.
func (p *stallProxy) pipe(pc *proxiedConn, from, to net.Conn, up bool) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			if up && !pc.ws.Load() && bytes.Contains(bytes.ToLower(buf[:n]), []byte("\r\nupgrade: websocket\r\n")) {
				pc.ws.Store(true)
				p.mu.Lock()
				p.ws++
				p.mu.Unlock()
			}
			if pc.stalled.Load() {
				p.dropped.Add(int64(n))
			} else if _, werr := to.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			// The server ending a stalled connection leaves the browser's
			// side up: the browser must find out by itself.
			if up || !pc.stalled.Load() {
				pc.client.Close()
				pc.server.Close()
				p.mu.Lock()
				delete(p.conns, pc)
				p.mu.Unlock()
			}
			return
		}
	}
}

// stall silences every open WebSocket and returns how many.
func (p *stallProxy) stall() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for pc := range p.conns {
		if pc.ws.Load() {
			pc.stalled.Store(true)
			n++
		}
	}
	return n
}

// wsCount is how many WebSockets have been opened through the proxy.
func (p *stallProxy) wsCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ws
}

func (p *stallProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for pc := range p.conns {
		pc.client.Close()
		pc.server.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// gapPageJS runs before every page of a gap test's tab. It makes the
// page's clock run five times faster (Date.now and timers), so that the
// clients' own timeouts (an unacknowledged send falls back to HTTP after
// 10 s; a socket silent for 45 s is dead, checked every 25 s) pass in
// seconds, while a pong may still take seconds on a busy machine; and it records
// every read mark the page sends, by WebSocket or HTTP, with the seqs
// (from 1) that were not on screen when it was sent. The last WebSocket
// opened is window.lastSocket, for deliver.
const gapPageJS = `(() => {
	const K = 5, t0 = Date.now(), now = Date.now.bind(Date), st = setTimeout, si = setInterval;
	Date.now = () => t0 + (now() - t0) * K;
	window.setTimeout = (f, d, ...a) => st(f, (+d || 0) / K, ...a);
	window.setInterval = (f, d, ...a) => si(f, (+d || 0) / K, ...a);
	window.readsSent = [];
	const note = seq => {
		const shown = new Set([...document.querySelectorAll('[data-seq]')].map(e => +e.getAttribute('data-seq')));
		const missing = [];
		for (let s = 1; s <= seq; s++) if (!shown.has(s)) missing.push(s);
		readsSent.push({seq, missing});
	};
	window.WebSocket = class extends WebSocket { constructor(...a) { super(...a); window.lastSocket = this; } };
	const send = WebSocket.prototype.send;
	WebSocket.prototype.send = function (d) {
		try { const f = JSON.parse(d); if (f.type === 'read') note(f.seq); } catch (e) { /* not JSON */ }
		return send.call(this, d);
	};
	const fetch0 = window.fetch;
	window.fetch = function (url, o) {
		if (/\/read$/.test(String(url)) && o && o.body) try { note(JSON.parse(o.body).seq); } catch (e) { /* not JSON */ }
		return fetch0.apply(this, arguments);
	};
})()`

// gapTab opens a tab of its own with gapPageJS.
func gapTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab := displayTab(t, browser)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: gapPageJS})
	require.NoError(t, err)
	return tab
}

// deliver hands frames to the page's last WebSocket as if they had come
// from the server, one after the other in one go: events that several
// nodes published out of order, or twice.
func deliver(t *testing.T, tab context.Context, frames ...any) {
	t.Helper()
	b, err := json.Marshal(frames)
	require.NoError(t, err)
	eval[bool](t, tab, `(() => { for (const f of `+string(b)+`) lastSocket.onmessage({data: JSON.stringify(f)}); return true; })()`)
}

// messageFrame is the live event for a stored message.
func messageFrame(m *livechat.Message) map[string]any {
	return map[string]any{"type": "message", "conversationId": m.ConversationID, "seq": m.Seq, "message": m}
}

// readSent is a read mark a page sent.
type readSent struct {
	Seq     int64   `json:"seq"`
	Missing []int64 `json:"missing"`
}

// checkReadsSent fails for every read mark the page sent for a message it
// did not show, and when it sent none up to last.
func checkReadsSent(t *testing.T, tab context.Context, last int64) {
	t.Helper()
	var reads []readSent
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, tab, `JSON.stringify(readsSent)`)), &reads))
	top := int64(0)
	for _, r := range reads {
		if len(r.Missing) > 0 {
			t.Errorf("read mark %d sent while seqs %v were not shown", r.Seq, r.Missing)
		}
		top = max(top, r.Seq)
	}
	if top < last {
		t.Errorf("the page sent read marks up to %d, want %d (all sent: %+v)", top, last, reads)
	}
}

// deadTimeout is how long a client may take to find a silent socket dead
// and reconnect, at the page's faster clock: up to 14 s, and generously more.
const deadTimeout = 40 * time.Second

// eventually polls cond every 50 ms until it holds, failing after timeout
// with what.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readMark is participant's stored read mark in a conversation.
func readMark(t *testing.T, store livechat.Storage, convID, participant string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	marks, err := store.ReadMarks(ctx, convID)
	require.NoError(t, err)
	for _, m := range marks {
		if m.Participant == participant {
			return m.Seq
		}
	}
	return 0
}

// gapFlow is a chat on every page behind its launcher, without a cookie banner.
func gapFlow() []*flow.Chatflow {
	f := flow.New("Support")
	f.ID = "support"
	f.Display.Desktop.Behavior = flow.DesktopLauncher
	f.Options.Consent.Cookies.Enabled = false
	return []*flow.Chatflow{f}
}

// testGapWidget: the visitor's socket goes silent; the agent replies; the
// visitor's next message goes by HTTP and comes back with the seq after
// the missed reply. The widget fetches the reply, shows all once and in
// order, and marks read only what it shows.
func testGapWidget(t *testing.T, browser context.Context) {
	ctx := context.Background()
	site := newHelpSite(t, livechat.Config{Flows: gapFlow()})
	require.NoError(t, site.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada Lovelace"}))
	proxy := newStallProxy(t, site.url)
	tab := gapTab(t, browser)

	do(t, tab, "open the page and the widget",
		chromedp.Navigate(proxy.url+"/help"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
	)
	want := []shownMessage{{"1", "visitor", "Hello, is anyone there?"}}
	do(t, tab, "write", chromedp.SendKeys(chromedp.CSS("#livechat-input"), want[0].Text+"\n"))
	waitFor(t, tab, "the first message sent", threadIs("#livechat-messages", want), widgetState)
	convs, err := site.store.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	convID := convs[0].ID
	reply := func(text string) {
		t.Helper()
		m, err := site.chat.Reply(ctx, convID, "ada", "", text)
		require.NoError(t, err)
		want = append(want, shownMessage{fmt.Sprint(m.Seq), "agent", text})
	}
	reply("Hi! Ada here.")
	waitFor(t, tab, "the live reply", threadIs("#livechat-messages", want), widgetState)

	// The socket goes silent; the reply is written to it and swallowed.
	opened := proxy.wsCount()
	require.GreaterOrEqual(t, proxy.stall(), 1, "WebSockets stalled")
	reply("What can I do for you?")
	eventually(t, "the proxy to swallow the reply", stepTimeout, func() bool { return proxy.dropped.Load() > 0 })

	// The visitor writes: no ack comes, the widget sends by HTTP and gets
	// seq 4 back, past the reply it never received.
	const silent = "Sent while the socket is silent"
	do(t, tab, "write while the socket is silent", chromedp.SendKeys(chromedp.CSS("#livechat-input"), silent+"\n"))
	want = append(want, shownMessage{fmt.Sprint(len(want) + 1), "visitor", silent})
	waitFor(t, tab, "the missed reply and the message, in order", threadIs("#livechat-messages", want), widgetState)

	// The widget finds the socket dead, reconnects and resumes from what
	// it holds; its read mark reaches the server.
	eventually(t, "the widget to reconnect", deadTimeout, func() bool { return proxy.wsCount() > opened })
	eventually(t, "the visitor's read mark at 4", deadTimeout, func() bool { return readMark(t, site.store, convID, "visitor") == 4 })
	reply("Anything else?")
	waitFor(t, tab, "the next reply, live", threadIs("#livechat-messages", want), widgetState)
	eventually(t, "the visitor's read mark at 5", deadTimeout, func() bool { return readMark(t, site.store, convID, "visitor") == 5 })

	// Two replies reach the widget out of order, and one twice (several
	// nodes publish for one conversation): each shows once, in its place.
	require.GreaterOrEqual(t, proxy.stall(), 1, "WebSockets stalled")
	m6, err := site.chat.Reply(ctx, convID, "ada", "", "Sixth")
	require.NoError(t, err)
	m7, err := site.chat.Reply(ctx, convID, "ada", "", "Seventh")
	require.NoError(t, err)
	want = append(want, shownMessage{"6", "agent", "Sixth"}, shownMessage{"7", "agent", "Seventh"})
	deliver(t, tab, messageFrame(m7), messageFrame(m6), messageFrame(m7))
	waitFor(t, tab, "every message once, in order", threadIs("#livechat-messages", want), widgetState)
	eventually(t, "the visitor's read mark at 7", deadTimeout, func() bool { return readMark(t, site.store, convID, "visitor") == 7 })
	waitFor(t, tab, "still every message once, in order", threadIs("#livechat-messages", want), widgetState)
	checkReadsSent(t, tab, 7)
	screenshot(t, tab, "/tmp/livechat-gap-widget.png")
}

// testGapInbox: the agent's socket goes silent; the visitor writes; the
// agent's reply goes by HTTP and comes back with the seq after the missed
// message. The inbox fetches it, shows all once and in order, and marks
// read only what it shows.
func testGapInbox(t *testing.T, browser context.Context) {
	ctx := context.Background()
	site := newHelpSite(t, livechat.Config{Flows: gapFlow(), AgentAuth: agentFromRequest})
	proxy := newStallProxy(t, site.url)
	require.NoError(t, site.store.CreateVisitor(ctx, &livechat.Visitor{ID: "v-gap", CreatedAt: time.Now(), LastSeenAt: time.Now()}))
	conv, _, err := site.chat.StartConversation(ctx, "v-gap", proxy.url+"/help")
	require.NoError(t, err)
	var want []shownMessage
	visitorSays := func(text string) {
		t.Helper()
		m, err := site.chat.Send(ctx, "v-gap", conv.ID, fmt.Sprintf("v%d", len(want)+1), text)
		require.NoError(t, err)
		want = append(want, shownMessage{fmt.Sprint(m.Seq), "visitor", text})
	}
	visitorSays("Hello from the visitor")

	tab := gapTab(t, browser)
	cctx, cancel := context.WithTimeout(tab, stepTimeout)
	_, err = chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{Name: "demo_agent", Value: "ada", URL: proxy.url + "/"})
	cancel()
	require.NoError(t, err)
	do(t, tab, "open the inbox", chromedp.Navigate(proxy.url+"/livechat/inbox/"))
	openRow(t, tab, conv.ID)
	waitFor(t, tab, "the visitor's message", threadIs("#lc-thread", want), inboxState)
	agentSays := func(text string) {
		t.Helper()
		do(t, tab, "reply", chromedp.SendKeys(chromedp.CSS("#lc-reply"), text+"\n"))
		want = append(want, shownMessage{fmt.Sprint(len(want) + 1), "agent", text})
	}
	agentSays("Hi, Ada here.")
	waitFor(t, tab, "the reply", threadIs("#lc-thread", want), inboxState)

	// The socket goes silent; the visitor's next message is swallowed.
	opened := proxy.wsCount()
	require.GreaterOrEqual(t, proxy.stall(), 1, "WebSockets stalled")
	visitorSays("My order has not arrived")
	eventually(t, "the proxy to swallow the visitor's message", stepTimeout, func() bool { return proxy.dropped.Load() > 0 })

	// The agent replies: no ack comes, the inbox sends by HTTP and gets
	// seq 4 back, past the message it never received.
	agentSays("Let me look that up.")
	waitFor(t, tab, "the missed message and the reply, in order", threadIs("#lc-thread", want), inboxState)

	eventually(t, "the inbox to reconnect", deadTimeout, func() bool { return proxy.wsCount() > opened })
	eventually(t, "the agent's read mark at 4", deadTimeout, func() bool { return readMark(t, site.store, conv.ID, "agent:ada") == 4 })
	visitorSays("Thanks!")
	waitFor(t, tab, "the next message, live", threadIs("#lc-thread", want), inboxState)
	eventually(t, "the agent's read mark at 5", deadTimeout, func() bool { return readMark(t, site.store, conv.ID, "agent:ada") == 5 })

	// Two messages reach the inbox out of order, and one twice.
	require.GreaterOrEqual(t, proxy.stall(), 1, "WebSockets stalled")
	m6, err := site.chat.Send(ctx, "v-gap", conv.ID, "v6", "Sixth")
	require.NoError(t, err)
	m7, err := site.chat.Send(ctx, "v-gap", conv.ID, "v7", "Seventh")
	require.NoError(t, err)
	want = append(want, shownMessage{"6", "visitor", "Sixth"}, shownMessage{"7", "visitor", "Seventh"})
	deliver(t, tab, messageFrame(m7), messageFrame(m6), messageFrame(m7))
	waitFor(t, tab, "every message once, in order", threadIs("#lc-thread", want), inboxState)
	eventually(t, "the agent's read mark at 7", deadTimeout, func() bool { return readMark(t, site.store, conv.ID, "agent:ada") == 7 })
	waitFor(t, tab, "still every message once, in order", threadIs("#lc-thread", want), inboxState)
	checkReadsSent(t, tab, 7)
	waitFor(t, tab, "no unread count on the open conversation",
		`!document.querySelector('.lc-conv[data-id="`+conv.ID+`"] .lc-badge')`, inboxState)
	screenshot(t, tab, "/tmp/livechat-gap-inbox.png")
}
