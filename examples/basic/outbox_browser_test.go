// The outbox tests drive the widget's sending and its live channel in
// Chromium against a server that misbehaves on purpose: messages sent over
// HTTP in a burst or after an outage, messages refused by the rate limit,
// and a WebSocket that comes back after the widget fell back to long-poll.

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

// outboxTimeout is each outbox test's share of the group's deadline.
const outboxTimeout = 90 * time.Second

// faultSite is the demo site behind a front that can take the chat's API
// down, refuse the visitors' WebSockets and hold the visitors' message
// posts, the earlier ones of a burst longer, as a busy network does.
type faultSite struct {
	url  string
	chat *livechat.Handler

	down  atomic.Bool  // every API call fails with 503, as in an outage
	noWS  atomic.Bool  // visitor WebSockets are refused with 503
	slow  atomic.Bool  // message posts are held: the n-th (400 - 40·(n mod 10)) ms
	posts atomic.Int64 // message posts that reached the chat
	polls atomic.Int64 // long-polls under way
	wsNo  atomic.Int64 // visitor WebSockets refused

	mu sync.Mutex
	ws []net.Conn // visitor WebSockets opened, oldest first
}

func newFaultSite(t *testing.T) *faultSite {
	t.Helper()
	store := memory.New()
	secret := make([]byte, 32)
	rand.Read(secret)
	site, chat, err := newSite(store, secret)
	if err != nil {
		store.Close()
		t.Fatalf("newSite: %v", err)
	}
	s := &faultSite{chat: chat}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		api, isWS := strings.HasPrefix(p, "/livechat/api/"), strings.HasSuffix(p, "/api/v1/visitor/ws")
		if api && (s.down.Load() || isWS && s.noWS.Load()) {
			if isWS {
				s.wsNo.Add(1)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error": {"code": "unavailable", "message": "down for maintenance"}}`))
			return
		}
		switch {
		case isWS:
			w = &hijackRecorder{w, func(c net.Conn) {
				s.mu.Lock()
				s.ws = append(s.ws, c)
				s.mu.Unlock()
			}}
		case strings.HasSuffix(p, "/api/v1/visitor/poll"):
			s.polls.Add(1)
			defer s.polls.Add(-1)
		case r.Method == http.MethodPost && strings.HasPrefix(p, "/livechat/api/v1/visitor/conversations/") && strings.HasSuffix(p, "/messages"):
			n := s.posts.Add(1)
			if s.slow.Load() {
				time.Sleep(time.Duration(400-40*(n%10)) * time.Millisecond)
			}
		}
		site.ServeHTTP(w, r)
	}))
	s.url = srv.URL
	closeOnCleanup(t, chat, srv, store)
	return s
}

// wsCount is how many visitor WebSockets have been opened so far.
func (s *faultSite) wsCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ws)
}

// cut closes the visitor WebSockets without a close handshake.
func (s *faultSite) cut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.ws {
		c.Close()
	}
}

// conversation is the only conversation on the site.
func (s *faultSite) conversation(t *testing.T) *livechat.Conversation {
	t.Helper()
	convs, err := s.chat.Conversations(stepCtx(t), livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1, "conversations")
	return convs[0]
}

// storedTexts are the texts of a conversation's messages in storage, in
// the order stored.
func (s *faultSite) storedTexts(t *testing.T, convID string) []string {
	t.Helper()
	msgs, err := s.chat.Messages(stepCtx(t), convID, 0, 200)
	require.NoError(t, err)
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		texts[i] = m.Text
	}
	return texts
}

// openWidget opens /pricing in a tab of its own and the chat in it.
func openWidget(t *testing.T, browser context.Context, site *faultSite) context.Context {
	t.Helper()
	tab := displayTab(t, browser)
	do(t, tab, "open /pricing and the chat",
		chromedp.Navigate(site.url+"/pricing"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
	)
	return tab
}

// typeMessages sends texts from the composer as fast as a script can: one
// Enter after another in a single task.
func typeMessages(t *testing.T, tab context.Context, texts ...string) {
	t.Helper()
	list := make([]string, len(texts))
	for i, s := range texts {
		list[i] = jsString(s)
	}
	eval[bool](t, tab, `(() => {
		const i = document.getElementById('livechat-input');
		for (const t of [`+strings.Join(list, ", ")+`]) {
			i.value = t;
			i.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}));
		}
		return true;
	})()`)
}

// sentInWidget is JavaScript that is true when the widget shows texts as
// the visitor's messages, stored in this order with seqs from first, each
// marked sent or read, and nothing pending or failed.
func sentInWidget(first int, texts []string) string {
	want := make([]shownMessage, len(texts))
	for i, s := range texts {
		want[i] = shownMessage{fmt.Sprint(first + i), "visitor", s}
	}
	return threadIs("#livechat-messages", want) +
		` && [...document.querySelectorAll('#livechat-messages .lc-msg[data-sender="visitor"]')].every(e => /^(sent|read)$/.test(e.getAttribute('data-state')))`
}

func numbered(format string, from, to int) []string {
	var s []string
	for n := from; n <= to; n++ {
		s = append(s, fmt.Sprintf(format, n))
	}
	return s
}

func TestWidgetOutbox(t *testing.T) {
	runBrowserGroup(t, outboxTimeout, []browserCase{
		{"OrderOverHTTP", testOutboxOrderOverHTTP},
		{"RateLimited", testOutboxRateLimited},
		{"BackToWebSocket", testOutboxBackToWebSocket},
		{"CookieAcceptFocus", testOutboxCookieAcceptFocus},
	})
}

// With no WebSocket, messages sent in a burst go over HTTP, where the
// network may deliver the later ones first: they are stored in the order
// typed all the same, and so are messages written during an outage.
func testOutboxOrderOverHTTP(t *testing.T, browser context.Context) {
	site := newFaultSite(t)
	site.noWS.Store(true)
	site.slow.Store(true)
	tab := openWidget(t, browser, site)

	burst := numbered("%02d", 1, 10)
	typeMessages(t, tab, burst...)
	waitFor(t, tab, "ten messages sent in order", sentInWidget(1, burst), widgetState)
	conv := site.conversation(t)
	require.Equal(t, burst, site.storedTexts(t, conv.ID), "stored after a burst over HTTP")

	// An outage: the three messages written meanwhile go once it is over.
	site.down.Store(true)
	down := numbered("while down %d", 1, 3)
	for _, s := range down {
		typeMessages(t, tab, s)
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	site.down.Store(false)
	all := append(burst, down...)
	waitFor(t, tab, "the messages written during the outage sent in order", sentInWidget(1, all), widgetState)
	require.Equal(t, all, site.storedTexts(t, conv.ID), "stored after the outage")
}

// A fresh visitor who sends 30 messages at once goes past the rate limit
// (20 at once, then 5 a second): the refused ones are sent again when the
// server says, in order, and every message is stored once.
func testOutboxRateLimited(t *testing.T, browser context.Context) {
	site := newFaultSite(t)
	tab := openWidget(t, browser, site)
	texts := numbered("message %02d", 1, 30)
	typeMessages(t, tab, texts...)
	waitFor(t, tab, "thirty messages sent in order", sentInWidget(1, texts), widgetState)
	conv := site.conversation(t)
	require.Equal(t, texts, site.storedTexts(t, conv.ID), "stored messages")
}

// After an outage long enough for the widget to fall back to long-poll,
// it goes back to the WebSocket once the server is up again: the poll
// stops, and what only the WebSocket carries (an agent typing) shows.
func testOutboxBackToWebSocket(t *testing.T, browser context.Context) {
	site := newFaultSite(t)
	tab := openWidget(t, browser, site)
	typeMessages(t, tab, "hello")
	waitFor(t, tab, "the first message sent", sentInWidget(1, []string{"hello"}), widgetState)
	eventually(t, "the widget's WebSocket", stepTimeout, func() bool { return site.wsCount() == 1 })
	conv := site.conversation(t)

	site.down.Store(true)
	site.cut()
	eventually(t, "three refused WebSockets", stepTimeout, func() bool { return site.wsNo.Load() >= 3 })
	site.down.Store(false)
	eventually(t, "the long-poll", stepTimeout, func() bool { return site.polls.Load() > 0 })

	eventually(t, "a new WebSocket and no long-poll", 45*time.Second, func() bool {
		return site.wsCount() == 2 && site.polls.Load() == 0
	})
	// The agent types; only the WebSocket carries it to the widget.
	typing := func() {
		req, err := http.NewRequestWithContext(stepCtx(t), http.MethodPost,
			site.url+"/livechat/api/v1/agent/conversations/"+conv.ID+"/typing", bytes.NewReader([]byte(`{"typing": true}`)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", site.url)
		req.AddCookie(&http.Cookie{Name: "demo_agent", Value: "ada"})
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode, "agent typing")
	}
	typing()
	waitFor(t, tab, "the agent typing in the widget",
		`!!document.querySelector('#livechat-window .lc-typing.lc-on')`, widgetState)
	typeMessages(t, tab, "back again")
	waitFor(t, tab, "the next message sent", sentInWidget(1, []string{"hello", "back again"}), widgetState)
	if n := site.wsCount(); n != 2 {
		t.Errorf("%d visitor WebSockets opened, want 2", n)
	}
}

// Accepting the cookie banner, which sits above the composer, leaves the
// keyboard focus in the message box, not on the page.
func testOutboxCookieAcceptFocus(t *testing.T, browser context.Context) {
	site := newFaultSite(t)
	tab := openWidget(t, browser, site)
	do(t, tab, "accept cookies", chromedp.Focus(chromedp.CSS("#livechat-cookies-accept")), chromedp.KeyEvent("\r"))
	waitFor(t, tab, "the banner gone and the focus in the message box",
		`!document.getElementById('livechat-cookies') && document.activeElement === document.getElementById('livechat-input')`,
		`JSON.stringify({banner: !!document.getElementById('livechat-cookies'), focus: document.activeElement && (document.activeElement.id || document.activeElement.tagName)})`)
}
