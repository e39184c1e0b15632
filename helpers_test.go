package livechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

// testEnv is a Handler mounted at /livechat/ on an httptest server. Agents
// authenticate with the X-Test-Agent header.
type testEnv struct {
	t     testing.TB
	srv   *httptest.Server
	chat  *livechat.Handler
	store livechat.Storage
	base  string // server URL + mount
}

func newEnv(t testing.TB, mutate ...func(*livechat.Config)) *testEnv {
	t.Helper()
	store := memory.New()
	cfg := livechat.Config{
		Storage: store,
		Secret:  testSecret,
		AgentAuth: testAgentAuth(func(a *livechat.Agent) {
			if strings.HasPrefix(a.ID, "admin") {
				a.Permissions = []string{livechat.PermissionManageChatflows}
			}
			if strings.HasPrefix(a.ID, "dpo") {
				a.Permissions = []string{livechat.PermissionManageData}
			}
		}),
	}
	for _, f := range mutate {
		f(&cfg)
	}
	chat, err := livechat.New(cfg)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	srv := httptest.NewServer(mux)
	e := &testEnv{t: t, srv: srv, chat: chat, store: cfg.Storage, base: srv.URL + "/livechat/"}
	t.Cleanup(func() {
		require.NoError(t, chat.Close())
		srv.Close()
		store.Close()
	})
	return e
}

// testAgentAuth signs in the agent named by the X-Test-Agent header, as
// "Agent <id>" with what profile adds.
func testAgentAuth(profile func(*livechat.Agent)) func(*http.Request) (*livechat.Agent, error) {
	return func(r *http.Request) (*livechat.Agent, error) {
		id := r.Header.Get("X-Test-Agent")
		if id == "" {
			return nil, errors.New("not signed in")
		}
		a := &livechat.Agent{ID: id, Name: "Agent " + id}
		profile(a)
		return a, nil
	}
}

// visitor is a browser: a cookie jar and the server's origin.
type visitor struct {
	e      *testEnv
	client *http.Client
	conv   string
}

func (e *testEnv) newVisitor() *visitor {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	v := &visitor{e: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	status, _ := v.do("POST", "api/v1/visitor/config", map[string]any{"url": e.srv.URL + "/pricing"})
	require.Equal(e.t, http.StatusOK, status)
	return v
}

// start begins the visitor's conversation.
func (v *visitor) start() string {
	v.e.t.Helper()
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://example.com/pricing"})
	require.Contains(v.e.t, []int{200, 201}, status, "%v", body)
	v.conv = body["conversation"].(map[string]any)["id"].(string)
	return v.conv
}

func (v *visitor) do(method, path string, body any) (int, map[string]any) {
	return doJSON(v.e.t, v.client, method, v.e.base+path, body, nil)
}

func (e *testEnv) agentDo(agentID, method, path string, body any) (int, map[string]any) {
	h := http.Header{}
	if agentID != "" {
		h.Set("X-Test-Agent", agentID)
	}
	return doJSON(e.t, http.DefaultClient, method, e.base+path, body, h)
}

func doJSON(t testing.TB, c *http.Client, method, url string, body any, h http.Header) (int, map[string]any) {
	t.Helper()
	resp, out := doWithHeaders(t, c, method, url, body, h)
	return resp.StatusCode, out
}

// doWithHeaders is doJSON with the whole response, its body read.
func doWithHeaders(t testing.TB, c *http.Client, method, url string, body any, h http.Header) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(data) > 0 {
		_ = json.Unmarshal(data, &out)
	}
	return resp, out
}

func errCode(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	if s, ok := body["code"].(string); ok {
		return s
	}
	return ""
}

// wsClient is a live connection with frames decoded as maps.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

func (v *visitor) dial() *wsClient {
	v.e.t.Helper()
	h := http.Header{}
	u, _ := http.NewRequest("GET", v.e.base, nil)
	for _, c := range v.client.Jar.Cookies(u.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return v.e.dialWS("api/v1/visitor/ws", h)
}

func (e *testEnv) dialAgent(agentID string) *wsClient {
	e.t.Helper()
	h := http.Header{}
	h.Set("X-Test-Agent", agentID)
	return e.dialWS("api/v1/agent/ws", h)
}

func (e *testEnv) dialWS(path string, h http.Header) *wsClient {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.base, "http")+path, &websocket.DialOptions{HTTPHeader: h})
	require.NoError(e.t, err)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	w := &wsClient{t: e.t, conn: c}
	e.t.Cleanup(func() { c.CloseNow() })
	require.Equal(e.t, "ready", w.next()["type"])
	return w
}

func (w *wsClient) send(frame any) {
	w.t.Helper()
	data, err := json.Marshal(frame)
	require.NoError(w.t, err)
	w.sendRaw(data)
}

func (w *wsClient) sendRaw(data []byte) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(w.t, w.conn.Write(ctx, websocket.MessageText, data))
}

// next returns the next frame, failing after 5 s.
func (w *wsClient) next() map[string]any {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := w.conn.Read(ctx)
	require.NoError(w.t, err)
	var f map[string]any
	require.NoError(w.t, json.Unmarshal(data, &f))
	return f
}

// nextOf skips frames until one of the given type arrives.
func (w *wsClient) nextOf(typ string) map[string]any {
	w.t.Helper()
	for {
		f := w.next()
		if f["type"] == typ {
			return f
		}
	}
}

func (w *wsClient) close() {
	w.conn.Close(websocket.StatusNormalClosure, "")
}

func msgText(f map[string]any) string {
	m, _ := f["message"].(map[string]any)
	s, _ := m["text"].(string)
	return s
}

func seqOf(f map[string]any) int64 {
	n, _ := f["seq"].(float64)
	return int64(n)
}

func httptestServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// liveChat starts a conversation with agent a1 on the inbox's WebSocket and
// the visitor on theirs, subscribed to it.
func (e *testEnv) liveChat() (conv string, visitorWS, agentWS *wsClient) {
	v := e.newVisitor()
	conv = v.start()
	agentWS = e.dialAgent("a1")
	visitorWS = v.dial()
	visitorWS.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	visitorWS.nextOf("subscribed")
	return conv, visitorWS, agentWS
}
