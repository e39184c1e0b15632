package livechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// Before a visitor accepts cookies nothing persistent is set: the token
// lives in page memory and travels in a header or a WebSocket subprotocol.
func TestNoCookieBeforeConsent(t *testing.T) {
	e := newEnv(t)
	post := func(path string, body any, token string) *http.Response {
		t.Helper()
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", e.base+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return resp
	}
	resp := post("api/v1/visitor/config", map[string]any{"url": "https://shop.example/", "cookies": false}, "")
	require.Equal(t, 200, resp.StatusCode)
	require.Empty(t, resp.Header.Values("Set-Cookie"), "no cookie before consent")
	var cfg map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&cfg))
	resp.Body.Close()
	token := cfg["token"].(string)
	require.NotEmpty(t, token)

	resp = post("api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/"}, token)
	require.Equal(t, 201, resp.StatusCode)
	require.Empty(t, resp.Header.Values("Set-Cookie"))
	var start map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&start))
	resp.Body.Close()
	conv := start["conversation"].(map[string]any)["id"].(string)

	// The WebSocket takes the token as a subprotocol.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.base, "http")+"api/v1/visitor/ws",
		&websocket.DialOptions{Subprotocols: []string{"livechat.v1", "livechat.token." + token}})
	require.NoError(t, err)
	defer ws.CloseNow()
	require.Equal(t, "livechat.v1", ws.Subprotocol())
	w := &wsClient{t: t, conn: ws}
	require.Equal(t, "ready", w.next()["type"])
	w.send(map[string]any{"type": "send", "ref": "r", "conversationId": conv, "clientMessageId": "m1", "text": "hi"})
	require.Equal(t, "ack", w.nextOf("ack")["type"])

	// Accepting cookies sets the cookie.
	resp = post("api/v1/visitor/consent", map[string]any{"kind": "cookies", "granted": true, "textHash": hashOf("banner")}, token)
	require.Equal(t, 201, resp.StatusCode)
	resp.Body.Close()
	cookies := resp.Header.Values("Set-Cookie")
	require.Len(t, cookies, 1)
	require.Contains(t, cookies[0], "livechat_visitor=")
	require.Contains(t, cookies[0], "HttpOnly")
}

// The widget's first call on a chat without a cookie banner does not know
// yet whether it may set cookies: it asks with "cookies": false, then asks
// again with the token it got. The second call keeps the same visitor and
// puts the token in the cookie, so a first page view makes one visitor.
func TestFirstVisitKeepsOneVisitor(t *testing.T) {
	e := newEnv(t)
	call := func(method, path string, body any, token string, cookie *http.Cookie) (*http.Response, map[string]any) {
		t.Helper()
		var r io.Reader
		if body != nil {
			data, _ := json.Marshal(body)
			r = bytes.NewReader(data)
		}
		req, _ := http.NewRequest(method, e.base+path, r)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Less(t, resp.StatusCode, 300, "%v", out)
		return resp, out
	}
	_, first := call("POST", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/", "cookies": false}, "", nil)
	token, _ := first["token"].(string)
	require.NotEmpty(t, token)
	_, started := call("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/"}, token, nil)
	conv := started["conversation"].(map[string]any)["id"].(string)

	resp, second := call("POST", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/"}, token, nil)
	require.Empty(t, second["token"], "the token goes in the cookie now")
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "livechat_visitor" {
			cookie = c
		}
	}
	require.NotNil(t, cookie, "the second call sets the cookie")
	_, cfg := call("POST", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/"}, "", cookie)
	require.Equal(t, conv, cfg["conversation"].(map[string]any)["id"], "the cookie names the same visitor")
}
