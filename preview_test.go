package livechat_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// previewBrowser is an agent's browser previewing a chatflow: a cookie jar
// (the preview's widget is a visitor too) and, when agentID is set, the
// agent's sign-in.
type previewBrowser struct {
	e      *testEnv
	client *http.Client
	agent  string
}

func (e *testEnv) previewBrowser(agentID string) *previewBrowser {
	jar, _ := cookiejar.New(nil)
	return &previewBrowser{e: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}, agent: agentID}
}

// do makes one call of the widget's; the answer and whether it set a
// cookie.
func (b *previewBrowser) do(path string, body any) (int, map[string]any, bool) {
	b.e.t.Helper()
	h := http.Header{}
	if b.agent != "" {
		h.Set("X-Test-Agent", b.agent)
	}
	resp, out := doWithHeaders(b.e.t, b.client, "POST", b.e.base+path, body, h)
	return resp.StatusCode, out, len(resp.Cookies()) > 0
}

// draftOf is the stored chatflow id as the editor holds it, with change
// applied and not saved.
func draftOf(t *testing.T, e *testEnv, id string, change func(map[string]any)) map[string]any {
	t.Helper()
	status, body := e.admin("admin1", "GET", "/"+id, nil, "")
	require.Equal(t, 200, status, "%v", body)
	d := body["chatflow"].(map[string]any)
	change(d)
	return d
}

// TestPreviewDraft: the editor's live preview shows an unsaved chatflow. The
// widget's config and chat calls carry the draft; the server shows it to an
// agent who manages chatflows in place of the stored one, and stores
// nothing. Anyone else sending a draft, or a draft that is not a valid
// chatflow, gets a clear error and changes nothing.
func TestPreviewDraft(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Flows = pricingAndSupport() })
	draft := draftOf(t, e, "pricing", func(d map[string]any) {
		d["id"] = "support" // ignored: the preview names the chatflow
		d["display"].(map[string]any)["accentColor"] = "#0f766e"
		d["display"].(map[string]any)["heading"].(map[string]any)["title"] = "Draft heading"
		d["display"].(map[string]any)["mobile"] = map[string]any{"behavior": "prompt"}
		d["build"].(map[string]any)["welcome"] = "Typed a moment ago"
	})
	page := map[string]any{"url": "https://shop.example/privacy", "language": "en", "device": "mobile", "preview": "pricing", "draft": draft}

	t.Run("OKForManager", func(t *testing.T) {
		b := e.previewBrowser("admin1")
		status, body, _ := b.do("api/v1/visitor/config", page)
		require.Equal(t, 200, status, "%v", body)
		chat := body["chat"].(map[string]any)
		require.Equal(t, "pricing", chat["chatflowId"], "the draft stands in for the chatflow the preview names")
		require.Equal(t, true, chat["preview"])
		require.Equal(t, "#0f766e", chat["accentColor"])
		require.Equal(t, "#fff", chat["accentText"])
		require.Equal(t, "Typed a moment ago", chat["welcome"])
		require.Equal(t, map[string]any{"behavior": "prompt"}, chat["mobile"])

		status, body, _ = b.do("api/v1/visitor/chat", map[string]any{"url": page["url"], "language": "en", "device": "mobile", "preview": "pricing", "draft": draft})
		require.Equal(t, 200, status, "%v", body)
		chat = body["chat"].(map[string]any)
		require.Equal(t, "Draft heading", chat["title"])
		require.Equal(t, "#0f766e", chat["accentColor"])

		// Nothing was stored: the chatflow and what visitors see are as
		// before.
		status, stored := e.admin("admin1", "GET", "/pricing", nil, "")
		require.Equal(t, 200, status)
		require.EqualValues(t, 1, stored["version"])
		require.Equal(t, "#e0457b", stored["chatflow"].(map[string]any)["display"].(map[string]any)["accentColor"])
		require.Equal(t, "#e0457b", e.newVisitor().configFor("https://shop.example/pricing")["accentColor"])

		// Without the draft the preview shows the stored chatflow again.
		delete(page, "draft")
		defer func() { page["draft"] = draft }()
		status, body, _ = b.do("api/v1/visitor/config", page)
		require.Equal(t, 200, status)
		require.Equal(t, "#e0457b", body["chat"].(map[string]any)["accentColor"])
	})

	bad := draftOf(t, e, "pricing", func(d map[string]any) {
		d["display"].(map[string]any)["accentColor"] = "teal"
		d["display"].(map[string]any)["colour"] = "#fff"
	})
	tests := []struct {
		name, agent, path string
		body              map[string]any
		status            int
		code              string
		fields            []any // the error's fields, when it has any
	}{
		{"ErrVisitorConfig", "", "api/v1/visitor/config", page, 403, "forbidden", nil},
		{"ErrAgentWithoutPermissionConfig", "a1", "api/v1/visitor/config", page, 403, "forbidden", nil},
		{"ErrWithoutPreview", "admin1", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/", "draft": draft}, 400, "bad_request", nil},
		{"ErrInvalidDraft", "admin1", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/", "preview": "pricing", "draft": bad}, 400, "bad_request", []any{
			map[string]any{"path": "draft.display.colour", "message": "unknown field"},
			map[string]any{"path": "draft.display.accentColor", "message": "must be #rrggbb"},
		}},
		{"ErrDraftNotAnObject", "admin1", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/", "preview": "pricing", "draft": "a string"}, 400, "bad_request", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.previewBrowser(tt.agent)
			status, body, cookie := b.do(tt.path, tt.body)
			require.Equal(t, tt.status, status, "%v", body)
			require.Equal(t, tt.code, errCode(body))
			require.NotEmpty(t, body["error"].(map[string]any)["message"])
			require.False(t, cookie, "a refused call makes no visitor")
			if tt.fields != nil {
				require.Equal(t, "invalid chatflow", body["error"].(map[string]any)["message"])
				require.ElementsMatch(t, tt.fields, body["error"].(map[string]any)["fields"])
			}
		})
	}

	// The draft is read as sent, as the admin API reads a body: a
	// duplicate field or a number that is not an integer is refused.
	t.Run("ErrDraftAsSent", func(t *testing.T) {
		b := e.previewBrowser("admin1")
		status, body, cookie := b.do("api/v1/visitor/config", json.RawMessage(`{"url": "https://shop.example/", "preview": "pricing", "draft": {"name": "A", "name": "B", "priority": 1e2}}`))
		require.Equal(t, 400, status, "%v", body)
		require.False(t, cookie)
		var paths []any
		for _, f := range body["error"].(map[string]any)["fields"].([]any) {
			paths = append(paths, f.(map[string]any)["path"])
		}
		require.ElementsMatch(t, []any{"draft.name", "draft.priority"}, paths)
		status, body, _ = b.do("api/v1/visitor/config", json.RawMessage(`{"url": "https://shop.example/", "preview": "pricing", "draft": null}`))
		require.Equal(t, 200, status, "a null draft is none: %v", body)
	})

	// The chat call checks the same: a visitor's chat call with a draft is
	// refused, the same call without it answers.
	t.Run("ErrVisitorChat", func(t *testing.T) {
		b := e.previewBrowser("")
		status, body, _ := b.do("api/v1/visitor/config", map[string]any{"url": "https://shop.example/pricing"})
		require.Equal(t, 200, status, "%v", body)
		chatReq := map[string]any{"url": "https://shop.example/pricing", "preview": "pricing", "draft": draft}
		status, body, _ = b.do("api/v1/visitor/chat", chatReq)
		require.Equal(t, 403, status, "%v", body)
		require.Equal(t, "forbidden", errCode(body))
		delete(chatReq, "draft")
		status, body, _ = b.do("api/v1/visitor/chat", chatReq)
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, "#e0457b", body["chat"].(map[string]any)["accentColor"])
		require.Equal(t, false, body["chat"].(map[string]any)["preview"], "a visitor gets no preview")
	})
}

// TestPreviewPageDevices: the preview page frames a tablet and a phone,
// whose widget behaves as that device whatever the agent's screen.
func TestPreviewPageDevices(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Flows = pricingAndSupport() })
	get := func(query string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", e.base+"api/v1/admin/chatflows/pricing/preview"+query, nil)
		req.Header.Set("X-Test-Agent", "admin1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		require.Equal(t, 200, resp.StatusCode, "%s", page)
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'")
		return string(page)
	}
	tests := []struct {
		name, query string
		has, hasNot []string
	}{
		{"Desktop", "", []string{`data-preview="pricing"`, `<a href="?" aria-current="page">Desktop</a>`, `href="?view=tablet"`, `href="?view=mobile"`}, []string{"data-device", "<iframe"}},
		{"TabletFrame", "?view=tablet", []string{`<iframe title="Tablet preview" src="?embed=tablet">`, "width:768px;height:1024px", `<a href="?view=tablet" aria-current="page">`}, []string{"widget.js", `<a href="?" aria-current`}},
		{"PhoneFrame", "?view=mobile", []string{`<iframe title="Phone preview" src="?embed=mobile">`, "width:375px;height:700px"}, []string{"widget.js"}},
		{"EmbedDesktop", "?embed=desktop", []string{`data-preview="pricing" data-device="desktop"`}, []string{"<h1>", "<iframe"}},
		{"EmbedTablet", "?embed=tablet", []string{`data-preview="pricing" data-device="tablet"`}, []string{"<h1>"}},
		{"EmbedPhone", "?embed=mobile", []string{`data-preview="pricing" data-device="mobile"`}, []string{"<h1>"}},
		{"EmbedUnknownDevice", "?embed=watch", []string{`data-preview="pricing"`}, []string{"data-device", "<h1>"}},
		{"UnknownView", "?view=watch", []string{`data-preview="pricing"`}, []string{"<iframe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := get(tt.query)
			for _, s := range tt.has {
				require.Contains(t, page, s)
			}
			for _, s := range tt.hasNot {
				require.NotContains(t, page, s)
			}
		})
	}
}

// A preview keeps nothing on the server: the draft travels with every
// call, so each node answers it, whichever the load balancer picks.
func TestPreviewDraftAnyNode(t *testing.T) {
	nodes, _ := cluster(t, 2)
	draft := draftOf(t, nodes[0], livechat.DefaultChatflowID, func(d map[string]any) {
		d["display"].(map[string]any)["accentColor"] = "#0f766e"
		d["display"].(map[string]any)["heading"].(map[string]any)["title"] = "Typed on one node"
	})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	agent := http.Header{"X-Test-Agent": {"admin1"}}
	page := map[string]any{"url": "https://shop.example/", "device": "desktop", "preview": livechat.DefaultChatflowID, "draft": draft}
	// The config call to one node, the chat call to the other, then the
	// other way round.
	for _, order := range [][2]int{{0, 1}, {1, 0}} {
		resp, body := doWithHeaders(t, client, "POST", nodes[order[0]].base+"api/v1/visitor/config", page, agent)
		require.Equal(t, 200, resp.StatusCode, "%v", body)
		require.Equal(t, "#0f766e", body["chat"].(map[string]any)["accentColor"])
		resp, body = doWithHeaders(t, client, "POST", nodes[order[1]].base+"api/v1/visitor/chat", page, agent)
		require.Equal(t, 200, resp.StatusCode, "%v", body)
		require.Equal(t, "Typed on one node", body["chat"].(map[string]any)["title"])
	}
	for _, n := range nodes {
		v := n.newVisitor()
		chat := v.configFor("https://shop.example/")
		require.NotEqual(t, "Typed on one node", chat["title"], "visitors of every node see the stored chatflow")
		sf, err := n.chat.Chatflow(context.Background(), livechat.DefaultChatflowID)
		require.NoError(t, err)
		require.EqualValues(t, 1, sf.Version)
	}
}
