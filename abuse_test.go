package livechat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

// testClock is a Config.Now that moves only when the test says.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newIdentity asks for a visitor config as a browser without a token.
func (e *testEnv) newIdentity(h http.Header) (*http.Response, map[string]any) {
	e.t.Helper()
	return doWithHeaders(e.t, &http.Client{Timeout: 10 * time.Second}, "POST", e.base+"api/v1/visitor/config", map[string]any{"url": e.srv.URL + "/pricing"}, h)
}

// requireLimited checks a 429 answer: its code, its Retry-After header and
// the retryAfter in the body.
func requireLimited(t *testing.T, resp *http.Response, body map[string]any, code, retryAfter string) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "%v", body)
	require.Equal(t, code, errCode(body))
	require.Equal(t, retryAfter, resp.Header.Get("Retry-After"))
	ms, _ := body["error"].(map[string]any)["retryAfter"].(float64)
	require.Positive(t, ms)
}

// frameReader reads a connection's frames in the background.
type frameReader struct {
	frames chan map[string]any
	done   chan error
}

func readFrames(t *testing.T, w *wsClient) *frameReader {
	r := &frameReader{frames: make(chan map[string]any, 100000), done: make(chan error, 1)}
	go func() {
		for {
			_, data, err := w.conn.Read(context.Background())
			if err != nil {
				r.done <- err
				close(r.frames)
				return
			}
			var f map[string]any
			if json.Unmarshal(data, &f) == nil {
				r.frames <- f
			}
		}
	}()
	t.Cleanup(func() {
		w.conn.CloseNow()
		<-r.done
	})
	return r
}

// until returns the frames up to and including the first for which stop
// is true, failing after a minute or when the connection ends.
func (r *frameReader) until(t *testing.T, stop func(map[string]any) bool) []map[string]any {
	t.Helper()
	var got []map[string]any
	timeout := time.After(time.Minute)
	for {
		select {
		case f, ok := <-r.frames:
			if !ok {
				err := <-r.done
				r.done <- err
				t.Fatalf("connection ended after %d frames: %v", len(got), err)
			}
			got = append(got, f)
			if stop(f) {
				return got
			}
		case <-timeout:
			t.Fatalf("timed out after %d frames", len(got))
		}
	}
}

func messageWith(text string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["type"] == "message" && msgText(f) == text }
}

func countType(frames []map[string]any, typ string) int {
	n := 0
	for _, f := range frames {
		if f["type"] == typ {
			n++
		}
	}
	return n
}

// One visitor floods typing and read frames while an agent is connected
// with the default send queue: the agent stays connected, gets a bounded
// number of typing and read events, and then the visitor's next message.
// The visitor gets one rate_limited answer with retryAfter, not one per
// frame.
func TestTypingAndReadFloodLeavesAgentsConnected(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, func(c *livechat.Config) { c.Now = clock.Now })
	v := e.newVisitor()
	conv := v.start()
	agent := readFrames(t, e.dialAgent("a1"))
	vws := v.dial()
	vr := readFrames(t, vws)
	vws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c1", "text": "first"})
	vr.until(t, func(f map[string]any) bool { return f["type"] == "ack" })

	typing := []byte(fmt.Sprintf(`{"type":"typing","conversationId":%q,"typing":true}`, conv))
	stopped := []byte(fmt.Sprintf(`{"type":"typing","conversationId":%q,"typing":false}`, conv))
	read := []byte(fmt.Sprintf(`{"type":"read","conversationId":%q,"seq":1}`, conv))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range 20000 {
		frame := stopped
		switch {
		case i%10 == 9:
			frame = read
		case i%2 == 0:
			frame = typing
		}
		if err := vws.conn.Write(ctx, websocket.MessageText, frame); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	vws.send(map[string]any{"type": "send", "ref": "r2", "conversationId": conv, "clientMessageId": "c2", "text": "after the flood"})

	got := agent.until(t, messageWith("after the flood"))
	require.LessOrEqual(t, countType(got, "typing"), 2, "typing events the agent received")
	require.LessOrEqual(t, countType(got, "read"), 1, "read events the agent received")

	answers := vr.until(t, func(f map[string]any) bool { return f["type"] == "ack" && f["ref"] == "r2" })
	var limited []map[string]any
	for _, f := range answers {
		if f["type"] == "error" {
			limited = append(limited, f)
		}
	}
	require.Len(t, limited, 1, "one answer for the whole flood")
	require.Equal(t, "rate_limited", limited[0]["code"])
	require.Positive(t, limited[0]["retryAfter"])
}

// Read frames that do not move the mark tell nobody.
func TestReadEventOnlyWhenTheMarkMoves(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	agent := readFrames(t, e.dialAgent("a1"))
	vws := v.dial()
	vws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c1", "text": "hello"})
	vws.nextOf("ack")
	_, err := e.chat.Reply(context.Background(), conv, mustAgent(t, e, "a1"), "a1", "hi")
	require.NoError(t, err)

	for range 20 {
		vws.send(map[string]any{"type": "read", "conversationId": conv, "seq": 1})
	}
	status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/read", map[string]any{"seq": 1})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.EqualValues(t, 1, body["seq"])
	vws.send(map[string]any{"type": "read", "conversationId": conv, "seq": 2})

	got := agent.until(t, func(f map[string]any) bool { return f["type"] == "read" && seqOf(f) == 2 })
	require.Equal(t, 2, countType(got, "read"), "one event per move: to 1, then to 2")
}

// A visitor typing at 10 characters a second for a minute, a typing frame
// per key and a message every 3 seconds, is never refused; the agent gets
// every message and about one typing event a second.
func TestOrdinaryTypingIsNeverLimited(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, func(c *livechat.Config) { c.Now = clock.Now })
	v := e.newVisitor()
	conv := v.start()
	agent := readFrames(t, e.dialAgent("a1"))
	vws := v.dial()
	vws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	vws.nextOf("subscribed")

	// sync waits until the server has handled every frame sent so far,
	// failing on any error frame.
	sync := func() {
		t.Helper()
		vws.send(map[string]any{"type": "ping"})
		for {
			f := vws.next()
			require.NotEqual(t, "error", f["type"], "%v", f)
			if f["type"] == "pong" {
				return
			}
		}
	}
	sent := 0
	for key := 1; key <= 600; key++ {
		clock.Add(100 * time.Millisecond)
		vws.send(map[string]any{"type": "typing", "conversationId": conv, "typing": true})
		if key%30 == 0 {
			sent++
			vws.send(map[string]any{"type": "typing", "conversationId": conv, "typing": false})
			vws.send(map[string]any{"type": "send", "ref": fmt.Sprint(sent), "conversationId": conv,
				"clientMessageId": fmt.Sprint("c", sent), "text": fmt.Sprint("message ", sent)})
			vws.send(map[string]any{"type": "read", "conversationId": conv, "seq": sent})
		}
		sync()
	}
	require.Equal(t, 20, sent)
	got := agent.until(t, messageWith("message 20"))
	require.Equal(t, 20, countType(got, "message"))
	on, off := 0, 0
	for _, f := range got {
		if f["type"] == "typing" {
			if f["typing"] == true {
				on++
			} else {
				off++
			}
		}
	}
	require.Equal(t, 20, off, "a stop before every message")
	require.GreaterOrEqual(t, on, 40, "the agent sees the visitor typing")
	require.LessOrEqual(t, on, 80, "at most about one typing event a second")
}

// A visitor who stops sending typing frames without saying so is stopped
// by the server.
func TestTypingStopsByItself(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, func(c *livechat.Config) { c.Now = clock.Now })
	v := e.newVisitor()
	conv := v.start()
	agent := readFrames(t, e.dialAgent("a1"))
	vws := v.dial()
	vws.send(map[string]any{"type": "typing", "conversationId": conv, "typing": true})
	got := agent.until(t, func(f map[string]any) bool { return f["type"] == "typing" })
	require.Equal(t, true, got[len(got)-1]["typing"])
	clock.Add(7 * time.Second)
	got = agent.until(t, func(f map[string]any) bool { return f["type"] == "typing" })
	require.Nil(t, got[len(got)-1]["typing"], "typing: false is left out")
	require.Equal(t, "visitor", got[len(got)-1]["participant"])
}

// New visitor identities are limited per client IP: 50 at once, then one
// every 3 seconds. A forged X-Forwarded-For changes nothing by default;
// behind a trusted proxy it names the client.
func TestNewVisitorsPerIP(t *testing.T) {
	t.Run("Default", func(t *testing.T) {
		clock := newTestClock()
		e := newEnv(t, func(c *livechat.Config) { c.Now = clock.Now })
		known := e.newVisitor()
		for i := 1; i < 50; i++ {
			resp, body := e.newIdentity(nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, "identity %d: %v", i+1, body)
		}
		resp, body := e.newIdentity(nil)
		requireLimited(t, resp, body, "too_many_visitors", "3")
		require.Empty(t, resp.Cookies(), "no identity was issued")

		forged := http.Header{"X-Forwarded-For": {"203.0.113.7"}}
		resp, body = e.newIdentity(forged)
		requireLimited(t, resp, body, "too_many_visitors", "3")

		// A visitor who has a token is not new.
		status, body := known.do("POST", "api/v1/visitor/config", map[string]any{"url": e.srv.URL + "/"})
		require.Equal(t, http.StatusOK, status, "%v", body)

		clock.Add(3 * time.Second)
		resp, body = e.newIdentity(nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		clock := newTestClock()
		e := newEnv(t, func(c *livechat.Config) {
			c.Now = clock.Now
			c.TrustedProxies = []string{"127.0.0.0/8", "::1"}
			c.NewVisitorBurst = 2
		})
		client := func(ip string) http.Header {
			// The client forged the first entry; the proxy appended the
			// address it saw.
			return http.Header{"X-Forwarded-For": {"198.51.100.1, " + ip}}
		}
		for range 2 {
			resp, body := e.newIdentity(client("203.0.113.7"))
			require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		}
		resp, body := e.newIdentity(client("203.0.113.7"))
		requireLimited(t, resp, body, "too_many_visitors", "3")
		resp, body = e.newIdentity(client("203.0.113.8"))
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	})
	t.Run("ClientIP", func(t *testing.T) {
		e := newEnv(t, func(c *livechat.Config) {
			c.ClientIP = func(r *http.Request) string { return r.Header.Get("X-Real-IP") }
			c.NewVisitorBurst = 1
			c.NewVisitorRate = 0.001
		})
		ip := func(s string) http.Header { return http.Header{"X-Real-IP": {s}} }
		resp, _ := e.newIdentity(ip("2001:db8::1"))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		resp, body := e.newIdentity(ip("2001:db8::2")) // the same /64
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "%v", body)
		resp, _ = e.newIdentity(ip("2001:db8:0:1::1"))
		require.Equal(t, http.StatusOK, resp.StatusCode)
	})
	t.Run("ErrTrustedProxies", func(t *testing.T) {
		_, err := livechat.New(livechat.Config{Storage: memory.New(), Secret: testSecret, TrustedProxies: []string{"proxy.local"}})
		require.ErrorContains(t, err, "TrustedProxies")
	})
}

// New conversations are limited per client IP: 20 at once, then one every
// 10 seconds; a visitor's open conversation is still returned.
func TestNewConversationsPerIP(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, func(c *livechat.Config) { c.Now = clock.Now })
	first := e.newVisitor()
	conv := first.start()
	for range 19 {
		e.newVisitor().start()
	}
	v := e.newVisitor()
	resp, body := doWithHeaders(t, v.client, "POST", e.base+"api/v1/visitor/conversations", map[string]any{"url": "https://example.com/"}, nil)
	requireLimited(t, resp, body, "too_many_conversations", "10")

	require.Equal(t, conv, first.start(), "the open conversation is not a new one")
	clock.Add(10 * time.Second)
	v.start()
}

// tryDial opens a WebSocket that may be refused.
func (e *testEnv) tryDial(path string, h http.Header) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.base, "http")+path, &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		e.t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func (v *visitor) cookieHeader() http.Header {
	h := http.Header{}
	u, _ := http.NewRequest("GET", v.e.base, nil)
	for _, c := range v.client.Jar.Cookies(u.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}

func requireRefusedWS(t *testing.T, resp *http.Response, err error) {
	t.Helper()
	require.Error(t, err)
	require.NotNil(t, resp, "%v", err)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "10", resp.Header.Get("Retry-After"))
}

// A visitor may have 10 WebSockets open, one IP 100 (here 3); closing one
// frees its slot, and the count goes back to zero when all are closed.
func TestWebSocketsPerVisitorAndIP(t *testing.T) {
	t.Run("PerVisitor", func(t *testing.T) {
		e := newEnv(t)
		v := e.newVisitor()
		var open []*wsClient
		for range 10 {
			open = append(open, v.dial())
		}
		_, resp, err := e.tryDial("api/v1/visitor/ws", v.cookieHeader())
		requireRefusedWS(t, resp, err)
		e.newVisitor().dial() // another visitor of the same IP is not refused

		open[0].close()
		require.Eventually(t, func() bool {
			c, _, err := e.tryDial("api/v1/visitor/ws", v.cookieHeader())
			if err != nil {
				return false
			}
			open[0] = &wsClient{t: t, conn: c}
			return true
		}, 20*time.Second, 20*time.Millisecond)
		for _, c := range open {
			c.close()
		}
		require.Eventually(t, func() bool {
			byIP, byVisitor := e.chat.OpenConns()
			return byIP == 1 && byVisitor == 1 // the other visitor's
		}, 20*time.Second, 20*time.Millisecond)
	})
	t.Run("PerIP", func(t *testing.T) {
		e := newEnv(t, func(c *livechat.Config) { c.MaxConnsPerIP = 3 })
		var open []*wsClient
		for range 3 {
			open = append(open, e.newVisitor().dial())
		}
		v := e.newVisitor()
		_, resp, err := e.tryDial("api/v1/visitor/ws", v.cookieHeader())
		requireRefusedWS(t, resp, err)
		e.dialAgent("a1") // agents are not counted

		open[1].close()
		require.Eventually(t, func() bool {
			c, _, err := e.tryDial("api/v1/visitor/ws", v.cookieHeader())
			if err != nil {
				return false
			}
			c.Close(websocket.StatusNormalClosure, "")
			return true
		}, 20*time.Second, 20*time.Millisecond)
		open[0].close()
		open[2].close()
		require.Eventually(t, func() bool {
			byIP, byVisitor := e.chat.OpenConns()
			return byIP == 0 && byVisitor == 0
		}, 20*time.Second, 20*time.Millisecond)
	})
}

// The limiter forgets the buckets that have refilled, so its memory stays
// bounded however many keys pass through it.
func TestLimiterForgetsIdleKeys(t *testing.T) {
	l := livechat.NewKeyedLimiter(5, 20)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := range 20 {
		ok, _ := l.Allow("a", now)
		require.True(t, ok, "burst token %d", i)
	}
	ok, wait := l.Allow("a", now)
	require.False(t, ok)
	require.Equal(t, 200*time.Millisecond, wait)
	ok, _ = l.Allow("a", now.Add(200*time.Millisecond))
	require.True(t, ok)

	largest, refused := 0, 0
	for i := range 50000 {
		now = now.Add(time.Millisecond)
		if ok, _ := l.Allow("visitor-"+strconv.Itoa(i), now); !ok {
			refused++
		}
		largest = max(largest, l.Size())
	}
	require.Zero(t, refused)
	// A key used once refills in 0.2 s: about 200 keys are live at a time.
	require.LessOrEqual(t, largest, 1024)

	off := livechat.NewKeyedLimiter(-1, 0)
	for range 100 {
		ok, _ := off.Allow("a", now)
		require.True(t, ok)
	}
}

// Fresh identities from one client IP do not add up to a flood: 50
// visitors who each try to send 20 messages at once store at most the
// per-IP burst of 100; the rest get rate_limited with Retry-After.
func TestManyIdentitiesFromOneIPCannotFlood(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, func(c *livechat.Config) { c.Now = clock.Now })
	stored := 0
	for i := range 50 {
		v := e.newVisitor()
		resp, body := doWithHeaders(t, v.client, "POST", e.base+"api/v1/visitor/conversations", map[string]any{"url": "https://example.com/"}, nil)
		if resp.StatusCode != http.StatusCreated {
			requireLimited(t, resp, body, "too_many_conversations", "10")
			continue
		}
		conv := body["conversation"].(map[string]any)["id"].(string)
		for j := range 20 {
			resp, body := doWithHeaders(t, v.client, "POST", e.base+"api/v1/visitor/conversations/"+conv+"/messages",
				map[string]any{"clientMessageId": fmt.Sprint("c", i, "-", j), "text": "spam"}, nil)
			if resp.StatusCode == http.StatusCreated {
				stored++
				continue
			}
			requireLimited(t, resp, body, "rate_limited", "1")
		}
	}
	require.Equal(t, 100, stored)

	// A few seconds later the address may send again.
	clock.Add(10 * time.Second)
	v := e.newVisitor()
	v.start()
	status, body := v.do("POST", "api/v1/visitor/conversations/"+v.conv+"/messages", map[string]any{"clientMessageId": "c1", "text": "hello"})
	require.Equal(t, http.StatusCreated, status, "%v", body)
}
