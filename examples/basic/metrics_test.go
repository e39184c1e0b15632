package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/storage/memory"
)

// The demo site serves the chat's metrics at /metrics in Prometheus's
// text format: after an agent connects, a visitor writes until the rate
// limit refuses a message and the agent takes the conversation, every
// instrument is there under the name the README lists.
func TestMetricsEndpoint(t *testing.T) {
	store := memory.New()
	secret := make([]byte, 32)
	rand.Read(secret)
	site, chat, err := newSite(store, secret)
	require.NoError(t, err)
	srv := httptest.NewServer(site)
	closeOnCleanup(t, chat, srv, store)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(c *http.Client, h http.Header, path string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+"/livechat/api/v1/"+path, bytes.NewReader(b))
		maps.Copy(req.Header, h)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	ada := http.Header{"Cookie": {"demo_agent=ada"}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/livechat/api/v1/agent/ws", &websocket.DialOptions{HTTPHeader: ada})
	require.NoError(t, err)
	defer ws.CloseNow()
	_, _, err = ws.Read(ctx) // ready
	require.NoError(t, err)

	status, _ := do(c, nil, "visitor/config", map[string]any{"url": srv.URL + "/"})
	require.Equal(t, 200, status)
	_, body := do(c, nil, "visitor/conversations", map[string]any{"url": srv.URL + "/"})
	conv := body["conversation"].(map[string]any)["id"].(string)
	sent := 0 // the burst, and what the limit refilled meanwhile
	for i := 0; status != http.StatusTooManyRequests; i++ {
		require.Less(t, i, 100, "the visitor's messages are never rate limited")
		status, _ = do(c, nil, "visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": fmt.Sprint("m", i), "text": "Hello"})
		if status == http.StatusCreated {
			sent++
		}
	}
	status, _ = do(http.DefaultClient, ada, "agent/conversations/"+conv+"/assign", map[string]any{"agentId": "ada"})
	require.Equal(t, 200, status)
	status, _ = do(c, nil, "visitor/conversations/nope/read", map[string]any{"seq": 1})
	require.Equal(t, 404, status)

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
	page, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	scope := `otel_scope_name="github.com/golivechat/livechat",otel_scope_schema_url="",otel_scope_version=""`
	for _, want := range []string{
		"# TYPE livechat_connections gauge",
		`livechat_connections{livechat_participant="agent",` + scope + `} 1`,
		`livechat_connections{livechat_participant="visitor",` + scope + `} 0`,
		"# TYPE livechat_conversations_waiting gauge",
		`livechat_conversations_waiting{` + scope + `} 0`,
		"# TYPE livechat_messages_total counter",
		`livechat_messages_total{livechat_sender="visitor",` + scope + fmt.Sprintf("} %d", sent),
		"# TYPE livechat_deliveries_total counter",
		`livechat_deliveries_total{livechat_participant="agent",` + scope + `} `, // messages and conversation changes
		"# TYPE livechat_delivery_duration_seconds histogram",
		`livechat_delivery_duration_seconds_count{livechat_participant="agent",` + scope + fmt.Sprintf("} %d", sent),
		`livechat_delivery_duration_seconds_bucket{livechat_participant="agent",` + scope + `,le="0.001"} `,
		"# TYPE livechat_assignments_total counter",
		`livechat_assignments_total{livechat_assigned_by="manual",` + scope + `} 1`,
		"# TYPE livechat_rate_limited_total counter",
		`livechat_rate_limited_total{livechat_limit="message",` + scope + `} 1`,
		"# TYPE livechat_errors_total counter",
		`livechat_errors_total{error_type="rate_limited",` + scope + `} 1`,
		`livechat_errors_total{error_type="not_found",` + scope + `} 1`,
	} {
		if !strings.HasSuffix(want, " ") {
			want += "\n" // the whole line
		}
		require.Contains(t, string(page), want)
	}
}
