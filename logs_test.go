package livechat_test

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/identity"
)

// No log record carries message text or a token, at debug level: a
// conversation with marked texts, an identity token, the visitor's token
// and an agent's session goes through the Handler's HTTP and WebSocket
// paths, the successful ones and those that fail with the marked text or
// token in them, and every record (message and attributes, errors as
// their text) is searched for the secrets.
func TestLogsCarryNoSecrets(t *testing.T) {
	const (
		marker     = "zebramarker7Q"
		session    = "sessionSECRET4f9a1c"
		badSession = "sessionFORGED77b2e0"
	)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Anything logged through the default logger is caught too.
	prev := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(prev) })

	e := newEnv(t, func(c *livechat.Config) {
		c.Logger = logger
		c.Identity = &identity.Verifier{Keys: map[string][]byte{"k1": identityKey}, Audience: "shop.example"}
		c.MaxMessageLength = 200
		c.AgentAuth = func(r *http.Request) (*livechat.Agent, error) {
			if ck, err := r.Cookie("app_session"); err == nil && ck.Value == session {
				return &livechat.Agent{ID: "a1", Name: "Ada"}, nil
			}
			return nil, errors.New("not signed in")
		}
	})
	agentHeader := func(s string) http.Header { return http.Header{"Cookie": {"app_session=" + s}} }
	agentDo := func(s, method, path string, body any) (int, map[string]any) {
		return doJSON(t, http.DefaultClient, method, e.base+path, body, agentHeader(s))
	}

	// A visitor the host identified, and one with a forged identity token.
	idToken := identityToken(t, "user-1")
	v := e.browser()
	v.configWith(idToken)
	forged := idToken[:len(idToken)-4] + "AAAA"
	e.browser().configWith(forged)
	e.browser().configWith(marker + "." + marker + "." + marker)
	conv := v.start()
	u, _ := http.NewRequest("GET", e.base, nil)
	var visitorToken string
	for _, c := range v.client.Jar.Cookies(u.URL) {
		if c.Name == "livechat_visitor" {
			visitorToken = c.Value
		}
	}
	require.NotEmpty(t, visitorToken)

	// Messages over HTTP and WebSockets, both ways.
	status, _ := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "h1", "text": "http " + marker})
	require.Equal(t, 201, status)
	agent := e.dialWS("api/v1/agent/ws", agentHeader(session))
	vws := v.dial()
	vws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	vws.nextOf("subscribed")
	vws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "w1", "text": "ws " + marker})
	vws.nextOf("ack")
	agent.send(map[string]any{"type": "send", "ref": "r2", "conversationId": conv, "clientMessageId": "a1", "text": "reply " + marker})
	agent.nextOf("ack")
	status, _ = agentDo(session, "POST", "api/v1/agent/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "a2", "text": "http reply " + marker})
	require.Equal(t, 201, status)

	// What fails, with the secrets in it.
	vws.send(map[string]any{"type": "send", "ref": "r3", "conversationId": conv, "clientMessageId": "w2", "text": strings.Repeat(marker, 20)})
	require.Equal(t, "too_large", vws.nextOf("error")["code"])
	vws.sendRaw([]byte(`{"type":"send","text":"` + marker + `"`))
	require.Equal(t, "bad_request", vws.nextOf("error")["code"])
	vws.sendRaw([]byte(`{"type":"` + marker + `","text":"` + marker + `"}`))
	require.Equal(t, "bad_request", vws.nextOf("error")["code"])
	vws.send(map[string]any{"type": "send", "ref": "r4", "conversationId": marker, "clientMessageId": marker, "text": marker})
	require.Equal(t, "not_found", vws.nextOf("error")["code"])
	status, _ = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "h2", "text": marker, "extra": marker})
	require.Equal(t, 400, status)
	status, _ = doJSON(t, http.DefaultClient, "POST", e.base+"api/v1/visitor/conversations/"+conv+"/messages",
		map[string]any{"clientMessageId": "h3", "text": marker}, http.Header{"Authorization": {"Bearer " + visitorToken + marker}})
	require.Equal(t, 401, status)
	status, _ = doJSON(t, http.DefaultClient, "POST", e.base+"api/v1/visitor/conversations/"+conv+"/messages",
		map[string]any{"clientMessageId": "h4", "text": marker}, http.Header{"Authorization": {"Bearer " + visitorToken[:len(visitorToken)-3] + "AAA"}})
	require.Equal(t, 401, status)
	status, _ = agentDo(badSession, "POST", "api/v1/agent/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "a3", "text": marker})
	require.Equal(t, 401, status)
	status, _ = agentDo(session, "POST", "api/v1/agent/conversations/"+conv+"/close", map[string]any{})
	require.Equal(t, 200, status)
	status, _ = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "h5", "text": "closed " + marker})
	require.Equal(t, 409, status)
	vws.close()
	agent.close()

	out := logs.String()
	// The failures above were logged, so the search has something to search.
	require.Contains(t, out, `"level":"DEBUG"`)
	require.Contains(t, out, "request failed")
	require.Contains(t, out, "frame failed")
	require.Contains(t, out, "identity token refused")
	for name, secret := range map[string]string{
		"message text":                 marker,
		"identity token":               idToken,
		"identity token's signature":   idToken[strings.LastIndex(idToken, ".")+1:],
		"forged identity token":        forged,
		"visitor token":                visitorToken,
		"visitor token's signature":    visitorToken[len(visitorToken)-16:],
		"agent's session":              session,
		"agent's forged session":       badSession,
		"the cookie holding the token": "livechat_visitor=",
	} {
		require.NotContains(t, out, secret, "the logs carry the %s", name)
	}
}
