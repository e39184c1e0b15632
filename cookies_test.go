package livechat_test

import (
	"bytes"
	"context"
	"encoding/json"
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
