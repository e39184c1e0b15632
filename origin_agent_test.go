package livechat_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

// The inbox and the agent and admin APIs answer their own origin only:
// a page on an origin allowed to embed the widget cannot act as a
// signed-in agent, over HTTP or WebSocket. Behind a proxy that rewrites
// Host, the proxy's X-Forwarded-Host names the server's own host.
func TestAgentEndpointsOwnOriginOnly(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	chat, err := livechat.New(livechat.Config{
		Storage: store, Secret: testSecret,
		AllowedOrigins: []string{"https://*.shop.example", "localhost:*"},
		AgentAuth: func(r *http.Request) (*livechat.Agent, error) {
			return &livechat.Agent{ID: "a1", Name: "Ada", Permissions: []string{livechat.PermissionManageChatflows}}, nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { chat.Close() })
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	own := srv.URL // http://127.0.0.1:port

	call := func(method, path, origin string, h http.Header) int {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/livechat/"+path, nil)
		require.NoError(t, err)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, path := range []string{"api/v1/agent/me", "api/v1/admin/chatflows"} {
		require.Equal(t, http.StatusOK, call("GET", path, "", nil), path)
		require.Equal(t, http.StatusOK, call("GET", path, own, nil), path)
		require.Equal(t, http.StatusForbidden, call("GET", path, "https://www.shop.example", nil), path)
		require.Equal(t, http.StatusForbidden, call("GET", path, "http://localhost:3000", nil), path)
		require.Equal(t, http.StatusForbidden, call("GET", path, "https://evil.example", nil), path)
	}
	// A bodyless POST, as a form on an allowed origin could send it.
	require.Equal(t, http.StatusForbidden, call("POST", "api/v1/agent/conversations/x/close", "https://www.shop.example", nil))

	// The visitor API still honours AllowedOrigins.
	req, err := http.NewRequest("POST", srv.URL+"/livechat/api/v1/visitor/config", strings.NewReader(`{"url":"https://www.shop.example/"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://www.shop.example")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Behind a proxy: the page is on the public host the proxy names.
	fwd := http.Header{"X-Forwarded-Host": {"chat.shop.example"}, "X-Forwarded-Proto": {"https"}}
	require.Equal(t, http.StatusOK, call("GET", "api/v1/agent/me", "https://chat.shop.example", fwd))
	require.Equal(t, http.StatusForbidden, call("GET", "api/v1/agent/me", "http://chat.shop.example", fwd))
	require.Equal(t, http.StatusForbidden, call("GET", "api/v1/agent/me", "https://www.shop.example", fwd))

	dial := func(origin string) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/livechat/api/v1/agent/ws",
			&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		if err == nil {
			c.CloseNow()
			return http.StatusSwitchingProtocols, nil
		}
		if resp == nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}
	status, err := dial("https://www.shop.example")
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, status)
	status, err = dial(own)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, status)
}
