package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/storage/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Under /support/chat/ of a chi router, behind RequestID, RealIP, Logger,
// Recoverer and Compress: the widget's files arrive gzipped once, the
// config answers, a visitor and an agent talk over WebSockets, and the
// inbox and its API answer at the prefix.
func TestChiMount(t *testing.T) {
	store := memory.New()
	secret := make([]byte, 32)
	rand.Read(secret)
	router, chat, err := newRouter(store, secret)
	require.NoError(t, err)
	srv := httptest.NewServer(router)
	t.Cleanup(func() {
		require.NoError(t, chat.Close())
		srv.Close()
		store.Close()
	})
	base := srv.URL + "/support/chat/"

	// The page names the widget at the prefix.
	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(page), `<script src="/support/chat/widget.js" async></script>`)

	// Static files: gzipped by the chat, not again by Compress.
	for _, file := range []string{"widget.js", "chat.js", "chat.css", "inbox/inbox.js"} {
		req, _ := http.NewRequest("GET", base+file, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
		require.NoError(t, err)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, file)
		require.Equal(t, []string{"gzip"}, resp.Header.Values("Content-Encoding"), file)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		require.NoError(t, err, file)
		plain, err := io.ReadAll(zr)
		require.NoError(t, err, file)
		require.NotEqual(t, []byte{0x1f, 0x8b}, plain[:2], "%s is gzipped twice", file)
		require.NotEmpty(t, resp.Header.Get("Content-Type"), file)
	}

	// The visitor's config and conversation; the cookie is the prefix's.
	jar, _ := cookiejar.New(nil)
	visitor := &http.Client{Jar: jar}
	post := func(c *http.Client, h http.Header, path string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out), path)
		if strings.HasSuffix(path, "config") {
			for _, ck := range resp.Cookies() {
				if ck.Name == "livechat_visitor" {
					require.Equal(t, "/support/chat/", ck.Path)
				}
			}
		}
		return resp.StatusCode, out
	}
	status, cfg := post(visitor, nil, "api/v1/visitor/config", map[string]any{"url": srv.URL + "/"})
	require.Equal(t, 200, status)
	require.Equal(t, "default", cfg["chat"].(map[string]any)["chatflowId"], "the default chatflow shows on every page: %v", cfg)
	status, body := post(visitor, nil, "api/v1/visitor/conversations", map[string]any{"url": srv.URL + "/"})
	require.Equal(t, 201, status, "%v", body)
	conv := body["conversation"].(map[string]any)["id"].(string)

	// WebSockets through Compress and the other middleware.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := func(path string, h http.Header) *websocket.Conn {
		t.Helper()
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+path, &websocket.DialOptions{HTTPHeader: h})
		require.NoError(t, err, path)
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	read := func(c *websocket.Conn, typ string) map[string]any {
		t.Helper()
		for {
			_, data, err := c.Read(ctx)
			require.NoError(t, err)
			var f map[string]any
			require.NoError(t, json.Unmarshal(data, &f))
			if f["type"] == typ {
				return f
			}
		}
	}
	ada := http.Header{"Cookie": {"demo_agent=ada"}}
	agentWS := ws("api/v1/agent/ws", ada)
	read(agentWS, "ready")
	u, _ := http.NewRequest("GET", base, nil)
	cookies := http.Header{}
	for _, ck := range jar.Cookies(u.URL) {
		cookies.Add("Cookie", ck.Name+"="+ck.Value)
	}
	visitorWS := ws("api/v1/visitor/ws", cookies)
	read(visitorWS, "ready")
	send := func(c *websocket.Conn, frame map[string]any) {
		b, _ := json.Marshal(frame)
		require.NoError(t, c.Write(ctx, websocket.MessageText, b))
	}
	send(visitorWS, map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	read(visitorWS, "subscribed")
	send(visitorWS, map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "m1", "text": "Hello from chi"})
	read(visitorWS, "ack")
	require.Equal(t, "Hello from chi", read(agentWS, "message")["message"].(map[string]any)["text"])
	send(agentWS, map[string]any{"type": "send", "ref": "r2", "conversationId": conv, "clientMessageId": "a1", "text": "Hi!"})
	require.Equal(t, "Hi!", read(visitorWS, "message")["message"].(map[string]any)["text"])

	// The inbox and its API, at the prefix.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", strings.TrimSuffix(base, "/")+"/inbox", nil)
	resp, err = noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	require.Equal(t, "inbox/", resp.Header.Get("Location"))
	req, _ = http.NewRequest("GET", base+"inbox/", nil)
	req.Header = ada.Clone()
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(html), "inbox.js")
	req, _ = http.NewRequest("GET", base+"api/v1/agent/conversations", nil)
	req.Header = ada.Clone()
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var list map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, mustJSON(list), conv)
	req, _ = http.NewRequest("GET", base+"api/v1/agent/conversations", nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode, "without the host's sign-in")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
