package livechat_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/identity"
)

// contactPut sends an agent's contact edit with If-Match version (none
// when empty) and returns the answer.
func (e *testEnv) contactPut(agentID, conv, version string, body any) (*http.Response, map[string]any) {
	e.t.Helper()
	h := http.Header{}
	if agentID != "" {
		h.Set("X-Test-Agent", agentID)
	}
	if version != "" {
		h.Set("If-Match", `"`+version+`"`)
	}
	return doWithHeaders(e.t, http.DefaultClient, "PUT", e.base+"api/v1/agent/conversations/"+conv+"/contact", body, h)
}

func (e *testEnv) panel(conv string) map[string]any {
	e.t.Helper()
	status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv+"/visitor", nil)
	require.Equal(e.t, 200, status, "%v", body)
	return body
}

func TestContactEdit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.newVisitor()
	conv := v.start()
	status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": "ada@example.com"})
	require.Equal(t, 200, status, "%v", body)
	e.agentDo("a2", "GET", "api/v1/agent/me", nil) // a2 is known, as an owner

	ct := e.panel(conv)["contact"].(map[string]any)
	require.Equal(t, "ada@example.com", ct["email"])
	require.Equal(t, false, ct["verified"])
	require.Equal(t, []any{}, ct["readOnly"])
	version := ct["version"].(string)
	stored := func() *livechat.Contact {
		c, err := e.chat.Conversation(ctx, conv)
		require.NoError(t, err)
		vis, err := e.store.Visitor(ctx, c.VisitorID)
		require.NoError(t, err)
		got, err := e.store.Contact(ctx, vis.ContactID)
		require.NoError(t, err)
		return got
	}
	before := stored()

	t.Run("ErrUnauthorized", func(t *testing.T) {
		resp, body := e.contactPut("", conv, version, map[string]any{"name": "Mallory"})
		require.Equal(t, 401, resp.StatusCode, "%v", body)
		// A visitor's own cookie is no agent's.
		status, _ := v.do("PUT", "api/v1/agent/conversations/"+conv+"/contact", map[string]any{"name": "Mallory"})
		require.Equal(t, 401, status)
		status, _ = v.do("GET", "api/v1/agent/conversations/"+conv+"/visitor", nil)
		require.Equal(t, 401, status)
		require.Equal(t, before, stored())
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			body any
			path string
		}{
			{"email", map[string]any{"email": "not an address"}, "email"},
			{"name too long", map[string]any{"name": strings.Repeat("x", 201)}, "name"},
			{"name control", map[string]any{"name": "a\u0007b"}, "name"},
			{"owner unknown", map[string]any{"ownerId": "nobody"}, "ownerId"},
			{"owner not an id", map[string]any{"ownerId": "no body"}, "ownerId"},
			{"property name", map[string]any{"properties": map[string]any{"a b": "x"}}, "properties"},
			{"property value", map[string]any{"properties": map[string]any{"plan": strings.Repeat("x", 1001)}}, "properties.plan"},
		} {
			resp, body := e.contactPut("a1", conv, version, tc.body)
			require.Equal(t, 400, resp.StatusCode, "%s: %v", tc.name, body)
			apiErr := body["error"].(map[string]any)
			require.Equal(t, "invalid contact", apiErr["message"], tc.name)
			require.Equal(t, tc.path, apiErr["fields"].([]any)[0].(map[string]any)["path"], tc.name)
		}
		resp, body := e.contactPut("a1", conv, version, `{"name": 5}`)
		require.Equal(t, 400, resp.StatusCode, "%v", body)
		// Verified is the site's to say, never an agent's.
		resp, body = e.contactPut("a1", conv, version, map[string]any{"name": "Ada", "verified": true})
		require.Equal(t, 400, resp.StatusCode, "%v", body)
		require.Equal(t, `unknown field "verified"`, body["error"].(map[string]any)["message"])
		require.Equal(t, before, stored(), "nothing changed")
	})

	t.Run("OK", func(t *testing.T) {
		resp, body := e.contactPut("a1", conv, version, map[string]any{
			"name": "  Ada Lovelace ", "email": "ada@example.com", "ownerId": "a2", "properties": map[string]any{"plan": "pro"},
		})
		require.Equal(t, 200, resp.StatusCode, "%v", body)
		got := body["contact"].(map[string]any)
		require.Equal(t, "Ada Lovelace", got["name"])
		require.Equal(t, "a2", got["ownerId"])
		require.Equal(t, map[string]any{"plan": "pro"}, got["properties"])
		require.Equal(t, "Ada Lovelace", body["visitorName"])
		require.NotEqual(t, version, got["version"])
		require.Equal(t, `"`+got["version"].(string)+`"`, resp.Header.Get("ETag"))
		s := stored()
		require.Equal(t, "Ada Lovelace", s.Name)
		require.Equal(t, map[string]string{"plan": "pro"}, s.Properties)
		require.False(t, s.Verified)

		// The list and the thread name the visitor by it.
		_, list := e.agentDo("a1", "GET", "api/v1/agent/conversations", nil)
		require.Equal(t, "Ada Lovelace", list["conversations"].([]any)[0].(map[string]any)["visitorName"])
		require.Equal(t, got["version"], e.panel(conv)["contact"].(map[string]any)["version"])
	})

	t.Run("ErrConflict", func(t *testing.T) {
		// Another agent saved since version was read: refused, unchanged.
		now := stored()
		resp, body := e.contactPut("a2", conv, version, map[string]any{"name": "Ada King"})
		require.Equal(t, 409, resp.StatusCode, "%v", body)
		require.Equal(t, "conflict", errCode(body))
		require.Equal(t, "the contact was changed by someone else; reload it", body["error"].(map[string]any)["message"])
		resp, body = e.contactPut("a2", conv, "", map[string]any{"name": "Ada King"})
		require.Equal(t, 409, resp.StatusCode, "no If-Match: %v", body)
		require.Equal(t, now, stored())

		// Another contact's address is refused too.
		other := e.newVisitor()
		other.start()
		status, _ := other.do("POST", "api/v1/visitor/email", map[string]any{"email": "grace@example.com"})
		require.Equal(t, 200, status)
		resp, body = e.contactPut("a1", conv, contactVersionOf(t, e, conv), map[string]any{"name": "Ada", "email": "GRACE@example.com"})
		require.Equal(t, 400, resp.StatusCode, "%v", body)
		require.Equal(t, "email", body["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)["path"])
		require.Equal(t, now, stored())
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		resp, _ := e.contactPut("a1", "no-such-conversation", version, map[string]any{"name": "x"})
		require.Equal(t, 404, resp.StatusCode)
	})
}

func contactVersionOf(t *testing.T, e *testEnv, conv string) string {
	t.Helper()
	return e.panel(conv)["contact"].(map[string]any)["version"].(string)
}

// A visitor without a contact gets one from the agent's first edit; the
// contact of a visitor the host identified keeps the name and email the
// host gave, and one whose verified address a visitor only typed is not
// theirs to edit.
func TestContactEditCreatesAndVerified(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) {
		c.Identity = &identity.Verifier{Keys: map[string][]byte{"k1": identityKey}, Audience: "shop.example"}
	})
	anon := e.newVisitor()
	conv := anon.start()
	require.Nil(t, e.panel(conv)["contact"])
	resp, body := e.contactPut("a1", conv, "", map[string]any{"name": "Grace", "email": "grace@example.com"})
	require.Equal(t, 201, resp.StatusCode, "%v", body)
	require.Equal(t, "Grace", e.panel(conv)["contact"].(map[string]any)["name"])
	resp, body = e.contactPut("a1", conv, "", map[string]any{"name": "Grace H"})
	require.Equal(t, 409, resp.StatusCode, "a second create: %v", body)

	user := e.browser()
	user.configWith(identityToken(t, "user-1"))
	uconv := user.start()
	ct := e.panel(uconv)["contact"].(map[string]any)
	require.Equal(t, true, ct["verified"])
	require.Equal(t, []any{"name", "email"}, ct["readOnly"])
	resp, body = e.contactPut("a1", uconv, ct["version"].(string), map[string]any{"name": "Someone else", "email": ct["email"]})
	require.Equal(t, 400, resp.StatusCode, "%v", body)
	require.Equal(t, "name", body["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)["path"])
	resp, body = e.contactPut("a1", uconv, ct["version"].(string), map[string]any{"name": ct["name"], "email": ct["email"], "properties": map[string]any{"tier": "gold"}})
	require.Equal(t, 200, resp.StatusCode, "owner and properties stay editable: %v", body)

	// Someone who types user-1's address.
	impostor := e.newVisitor()
	iconv := impostor.start()
	status, _ := impostor.do("POST", "api/v1/visitor/email", map[string]any{"email": ct["email"]})
	require.Equal(t, 200, status)
	ict := e.panel(iconv)["contact"].(map[string]any)
	require.Equal(t, false, ict["verified"])
	require.Equal(t, "", ict["name"])
	require.Equal(t, map[string]any{}, ict["properties"], "the verified contact's properties are not shown")
	require.Len(t, ict["readOnly"], 4)
	resp, body = e.contactPut("a1", iconv, ict["version"].(string), map[string]any{"email": ct["email"]})
	require.Equal(t, 403, resp.StatusCode, "%v", body)
}

// The panel lists the visitor's other conversations, and only theirs.
func TestPanelEarlierConversations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.newVisitor()
	first := v.start()
	_, err := e.chat.CloseConversation(ctx, first, "")
	require.NoError(t, err)
	second := v.start()
	require.NotEqual(t, first, second)
	stranger := e.newVisitor()
	theirs := stranger.start()

	p := e.panel(second)
	convs := p["conversations"].([]any)
	require.Len(t, convs, 1)
	require.Equal(t, first, convs[0].(map[string]any)["id"])
	require.Equal(t, "closed", convs[0].(map[string]any)["status"])
	require.Empty(t, e.panel(theirs)["conversations"])

	// The visitor's own listing holds theirs only, too.
	_, body := v.do("GET", "api/v1/visitor/conversations", nil)
	ids := []string{}
	for _, c := range body["conversations"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	require.ElementsMatch(t, []string{first, second}, ids)
	status, _ := stranger.do("GET", "api/v1/visitor/conversations/"+first+"/messages", nil)
	require.Equal(t, 404, status)

	require.Equal(t, "https://example.com/pricing", p["pages"].([]any)[0].(map[string]any)["url"])
	require.NotNil(t, p["consents"])
}

// pageURLs are the URLs of the panel's pages.
func pageURLs(p map[string]any) []string {
	out := []string{}
	for _, pg := range p["pages"].([]any) {
		out = append(out, pg.(map[string]any)["url"].(string))
	}
	return out
}

// The pages a visitor views while their conversation is open are
// recorded, the newest 50, besides where they started it; a reload of the
// same page is not a new one, and nothing is recorded once it is closed.
func TestPanelPageViews(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	view := func(u string) {
		status, body := v.do("POST", "api/v1/visitor/config", map[string]any{"url": u})
		require.Equal(t, 200, status, "%v", body)
	}
	view("https://example.com/a")
	view("https://example.com/a")
	view("https://example.com/b")
	require.Equal(t, []string{"https://example.com/pricing", "https://example.com/a", "https://example.com/b"}, pageURLs(e.panel(conv)))

	for i := range 60 {
		view(fmt.Sprintf("https://example.com/p%d", i))
	}
	got := pageURLs(e.panel(conv))
	require.Len(t, got, 51, "the start and the newest 50")
	require.Equal(t, "https://example.com/pricing", got[0])
	require.Equal(t, "https://example.com/p10", got[1])
	require.Equal(t, "https://example.com/p59", got[50])

	// Someone else's views are theirs.
	other := e.newVisitor()
	oconv := other.start()
	status, _ := other.do("POST", "api/v1/visitor/config", map[string]any{"url": "https://example.com/elsewhere"})
	require.Equal(t, 200, status)
	require.Equal(t, []string{"https://example.com/pricing", "https://example.com/elsewhere"}, pageURLs(e.panel(oconv)))
	require.NotContains(t, pageURLs(e.panel(conv)), "https://example.com/elsewhere")

	_, err := e.chat.CloseConversation(context.Background(), conv, "")
	require.NoError(t, err)
	view("https://example.com/after")
	require.NotContains(t, pageURLs(e.panel(conv)), "https://example.com/after")
}

// plainStore hides every optional interface of its Storage.
type plainStore struct{ livechat.Storage }

// A Storage that records no page views still shows where the visitor
// started and where they are now.
func TestPanelPagesWithoutRecorder(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Storage = plainStore{c.Storage} })
	v := e.newVisitor()
	conv := v.start()
	status, _ := v.do("POST", "api/v1/visitor/config", map[string]any{"url": "https://example.com/now"})
	require.Equal(t, 200, status)
	require.Equal(t, []string{"https://example.com/pricing", "https://example.com/now"}, pageURLs(e.panel(conv)))
}
