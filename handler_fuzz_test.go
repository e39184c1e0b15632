package livechat_test

// Fuzz targets that send untrusted input through the Handler: the config
// request, the visitor API's bodies, and visitor and agent WebSocket
// frames. Whatever arrives, the answer is a documented one: never an
// internal error, never a closed connection, and an error changes nothing.
// Their seed corpora are under testdata/fuzz.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// serve runs one request through the Handler in process.
func (e *testEnv) serve(method, path, token string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/livechat/"+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.chat.ServeHTTP(rec, req)
	return rec
}

// requireDocumentedAnswer fails unless rec is JSON and, for an error, a
// documented code other than internal.
func requireDocumentedAnswer(t *testing.T, rec *httptest.ResponseRecorder, in []byte) map[string]any {
	t.Helper()
	require.Less(t, rec.Code, 500, "input %q: %s", in, rec.Body)
	var out map[string]any
	if rec.Code == http.StatusNoContent {
		return out
	}
	require.True(t, utf8.Valid(rec.Body.Bytes()), "input %q: answer is not UTF-8", in)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "input %q: %s", in, rec.Body)
	if rec.Code >= 400 {
		code := errCode(out)
		require.NotEmpty(t, code, "input %q: %s", in, rec.Body)
		require.NotEqual(t, "internal", code, "input %q", in)
		e, _ := out["error"].(map[string]any)
		requirePublicMessage(t, e, in)
	}
	return out
}

// FuzzVisitorConfig posts any body as the widget's config request, from a
// browser with no token: the answer is 200 with a token that works, or a
// 4xx with a code.
func FuzzVisitorConfig(f *testing.F) {
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := e.serve("POST", "api/v1/visitor/config", "", body)
		out := requireDocumentedAnswer(t, rec, body)
		if rec.Code != http.StatusOK {
			require.Empty(t, rec.Result().Cookies(), "input %q: a refused config set a cookie", body)
			return
		}
		require.Contains(t, out, "chat")
		tok, _ := out["token"].(string)
		for _, c := range rec.Result().Cookies() {
			if c.Name == "livechat_visitor" {
				tok = c.Value
			}
		}
		require.NotEmpty(t, tok, "input %q: no token issued", body)
		require.Equal(t, http.StatusOK, e.serve("GET", "api/v1/visitor/conversations", tok, nil).Code)
	})
}

// visitorRoutes are the visitor API's POST routes that take a body; {conv}
// is the fuzzing visitor's conversation.
var visitorRoutes = []string{
	"api/v1/visitor/conversations",
	"api/v1/visitor/email",
	"api/v1/visitor/consent",
	"api/v1/visitor/conversations/{conv}/messages",
	"api/v1/visitor/conversations/{conv}/read",
	"api/v1/visitor/conversations/{conv}/typing",
	"api/v1/visitor/conversations/{conv}/survey",
}

// FuzzVisitorAPI posts any body to a visitor route (route picks one of
// visitorRoutes) with a valid token: the answer is documented, and an
// error leaves the conversation as it was.
func FuzzVisitorAPI(f *testing.F) {
	e := newEnv(f)
	no := false
	cfg, err := json.Marshal(map[string]any{"url": "https://example.com/", "cookies": &no})
	require.NoError(f, err)
	var out map[string]any
	require.NoError(f, json.Unmarshal(e.serve("POST", "api/v1/visitor/config", "", cfg).Body.Bytes(), &out))
	tok := out["token"].(string)
	rec := e.serve("POST", "api/v1/visitor/conversations", tok, []byte(`{"url":"https://example.com/"}`))
	require.Equal(f, http.StatusCreated, rec.Code, "%s", rec.Body)
	require.NoError(f, json.Unmarshal(rec.Body.Bytes(), &out))
	conv := out["conversation"].(map[string]any)["id"].(string)

	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		path := strings.ReplaceAll(visitorRoutes[int(route)%len(visitorRoutes)], "{conv}", conv)
		before, err := e.store.Conversation(context.Background(), conv)
		require.NoError(t, err)
		rec := e.serve("POST", path, tok, body)
		requireDocumentedAnswer(t, rec, body)
		if rec.Code >= 400 {
			after, err := e.store.Conversation(context.Background(), conv)
			require.NoError(t, err)
			require.Equal(t, before.LastSeq, after.LastSeq, "%s %q: refused but stored a message", path, body)
			require.Equal(t, before.Status, after.Status)
		}
	})
}

// fuzzFrames sends each frame ({conv} replaced by a real conversation id),
// then a ping, and reads up to the pong: every frame in between is a JSON
// object with a type, an error has a code other than internal, and the
// connection stays open.
func fuzzFrames(f *testing.F, ws *wsClient, conv string) {
	f.Fuzz(func(t *testing.T, frame []byte) {
		if len(frame) > 32<<10 {
			return // the read limit closes larger frames, as documented
		}
		frame = bytes.ReplaceAll(frame, []byte("{conv}"), []byte(conv))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, ws.conn.Write(ctx, websocket.MessageText, frame))
		require.NoError(t, ws.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`)))
		for {
			_, data, err := ws.conn.Read(ctx)
			require.NoError(t, err, "after frame %q", frame)
			var out map[string]any
			require.NoError(t, json.Unmarshal(data, &out), "after frame %q: %s", frame, data)
			typ, _ := out["type"].(string)
			require.NotEmpty(t, typ, "after frame %q: %s", frame, data)
			if typ == "error" {
				code, _ := out["code"].(string)
				require.NotEmpty(t, code, "after frame %q: %s", frame, data)
				require.NotEqual(t, "internal", code, "after frame %q: %s", frame, data)
				requirePublicMessage(t, out, frame)
			}
			if typ == "pong" {
				return
			}
		}
	})
}

// FuzzVisitorFrames sends any frame on a visitor's WebSocket.
func FuzzVisitorFrames(f *testing.F) {
	e := newEnv(f)
	v := e.newVisitor()
	conv := v.start()
	fuzzFrames(f, v.dial(), conv)
}

// FuzzAgentFrames sends any frame on an agent's WebSocket.
func FuzzAgentFrames(f *testing.F) {
	e := newEnv(f)
	v := e.newVisitor()
	conv := v.start()
	fuzzFrames(f, e.dialAgent("fuzz-agent"), conv)
}
