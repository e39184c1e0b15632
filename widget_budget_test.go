package livechat_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/memory"
)

// The widget's budgets (issue 11), in bytes as the Handler sends them to a
// browser that accepts gzip: the script every page view loads, the chat it
// loads on the first open (script and styles together), and the config
// answer of a page view that shows a launcher only.
const (
	loaderBudget = 4096
	chatUIBudget = 15360
	configBudget = 1536
)

// served is what the Handler sends for a request with Accept-Encoding
// gzip: the body as sent and the response.
func served(t *testing.T, h http.Handler, method, path string, body any, cookies ...*http.Cookie) ([]byte, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	r := httptest.NewRequest(method, "http://shop.example"+path, rd)
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	resp := w.Result()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", method, path, w.Body.String())
	return w.Body.Bytes(), resp
}

// gunzip decompresses a body sent with Content-Encoding gzip.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

// budgetHandler is a Handler with the defaults a new user gets (the
// chatflow New creates), mounted at /livechat/.
func budgetHandler(t *testing.T, flows ...*flow.Chatflow) http.Handler {
	t.Helper()
	store := memory.New()
	chat, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret, Flows: flows})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, chat.Close())
		store.Close()
	})
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	return mux
}

// TestWidgetBudget fails when the widget's files, as served gzipped, grow
// past their budgets, and prints their sizes (go test -v -run
// TestWidgetBudget).
func TestWidgetBudget(t *testing.T) {
	h := budgetHandler(t)
	size := map[string]int{}
	for _, name := range []string{"widget.js", "widget.css", "chat.js", "chat.css"} {
		b, resp := served(t, h, "GET", "/livechat/"+name, nil)
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), name)
		size[name] = len(b)
		t.Logf("%-10s %6d bytes gzipped (%d bytes minified)", name, len(b), len(gunzip(t, b)))
	}
	loader, ui := size["widget.js"], size["chat.js"]+size["chat.css"]
	t.Logf("loader (widget.js): %d of %d bytes; with widget.css %d", loader, loaderBudget, loader+size["widget.css"])
	t.Logf("chat UI (chat.js + chat.css): %d of %d bytes", ui, chatUIBudget)
	if loader > loaderBudget {
		t.Errorf("widget.js is %d bytes gzipped, over its budget of %d", loader, loaderBudget)
	}
	if ui > chatUIBudget {
		t.Errorf("chat.js + chat.css are %d bytes gzipped, over their budget of %d", ui, chatUIBudget)
	}
}

// TestConfigAnswerBudget: the config answer of a page view that shows a
// launcher only is gzipped for a browser that accepts it and stays within
// its budget, for a new visitor before cookie consent (the answer then
// carries the token) and for a returning one; a client that does not
// accept gzip gets plain JSON.
func TestConfigAnswerBudget(t *testing.T) {
	h := budgetHandler(t)
	page := map[string]any{"url": "https://shop.example/pricing?plan=pro", "referrer": "https://www.example.org/", "language": "en-US", "device": "desktop", "cookies": false}
	b, resp := served(t, h, "POST", "/livechat/api/v1/visitor/config", page)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	var answer struct {
		Chat  map[string]any `json:"chat"`
		Token string         `json:"token"`
	}
	plain := gunzip(t, b)
	require.NoError(t, json.Unmarshal(plain, &answer))
	require.NotNil(t, answer.Chat, "the default chatflow shows on every page")
	require.NotEmpty(t, answer.Token)
	firstAnswer := len(b)
	t.Logf("config answer, new visitor: %d bytes gzipped (%d bytes of JSON), budget %d", len(b), len(plain), configBudget)
	if len(b) > configBudget {
		t.Errorf("the config answer is %d bytes gzipped, over its budget of %d", len(b), configBudget)
	}

	// Returning, with the cookie: no token in the answer.
	delete(page, "cookies")
	_, resp = served(t, h, "POST", "/livechat/api/v1/visitor/config", page)
	var visitor *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "livechat_visitor" {
			visitor = c
		}
	}
	require.NotNil(t, visitor)
	b, resp = served(t, h, "POST", "/livechat/api/v1/visitor/config", page, visitor)
	t.Logf("config answer, returning visitor: %d bytes (Content-Encoding %q)", len(b), resp.Header.Get("Content-Encoding"))
	if len(b) > configBudget {
		t.Errorf("the returning visitor's config answer is %d bytes gzipped, over its budget of %d", len(b), configBudget)
	}

	// The chat call, once the chat loads, has the rest.
	b, resp = served(t, h, "POST", "/livechat/api/v1/visitor/chat", map[string]any{"url": page["url"], "language": "en-US", "device": "desktop"}, visitor)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	var full map[string]any
	require.NoError(t, json.Unmarshal(gunzip(t, b), &full))
	require.Equal(t, answer.Chat["chatflowId"], full["chat"].(map[string]any)["chatflowId"])
	t.Logf("chat answer: %d bytes gzipped (%d bytes of JSON)", len(b), len(gunzip(t, b)))

	// The baseline: the config answer as it was before the launcher had
	// its own, with the whole chat in it and sent as plain JSON.
	var before map[string]any
	require.NoError(t, json.Unmarshal(plain, &before))
	before["chat"] = full["chat"]
	old, err := json.Marshal(before)
	require.NoError(t, err)
	t.Logf("config answer before (the whole chat, plain JSON): %d bytes; now %d bytes (%.2fx)", len(old)+1, firstAnswer, float64(firstAnswer)/float64(len(old)+1))

	// Without Accept-Encoding: plain JSON.
	r := httptest.NewRequest("POST", "http://shop.example/livechat/api/v1/visitor/config", bytes.NewReader([]byte(`{"url": "https://shop.example/"}`)))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Header().Get("Content-Encoding"))
	require.True(t, json.Valid(w.Body.Bytes()))
}
