package livechat_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/targeting"
)

func pricingAndSupport() []*flow.Chatflow {
	pricing := flow.New("Sales")
	pricing.ID = "pricing"
	pricing.Priority = 10
	pricing.Display.Heading.Title = "Talk to sales"
	pricing.Display.AccentColor = "#e0457b"
	pricing.Options.ConversationProperties = map[string]string{"team": "sales"}
	pricing.Target = targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: "/pricing"},
	}}}}
	support := flow.New("Support")
	support.ID = "support"
	support.Display.Heading.Title = "Support"
	support.Target = targeting.Rules{Exclude: []targeting.Rule{
		{Field: targeting.FieldPath, Op: targeting.OpIs, Value: "/privacy"},
	}}
	return []*flow.Chatflow{pricing, support}
}

// configFor asks for the widget config of a page and returns the chat.
func (v *visitor) configFor(url string) map[string]any {
	v.e.t.Helper()
	return v.fullChat(map[string]any{"url": url, "device": "desktop"})
}

// fullChat is the chat for a page view as the widget gets it once the
// chat loads: the config call, then the chat call for the same page view.
// It is nil when the config call shows no chat.
func (v *visitor) fullChat(page map[string]any) map[string]any {
	v.e.t.Helper()
	status, body := v.do("POST", "api/v1/visitor/config", page)
	require.Equal(v.e.t, 200, status, "%v", body)
	if body["chat"] == nil {
		return nil
	}
	req := map[string]any{}
	for _, k := range []string{"url", "language", "device", "preview"} {
		if x, ok := page[k]; ok {
			req[k] = x
		}
	}
	status, body = v.do("POST", "api/v1/visitor/chat", req)
	require.Equal(v.e.t, 200, status, "%v", body)
	chat, _ := body["chat"].(map[string]any)
	return chat
}

func TestChatflowSelection(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Flows = pricingAndSupport() })
	v := e.newVisitor()
	tests := []struct {
		name, url, want string
	}{
		{"PricingGetsSales", "https://shop.example/pricing", "pricing"},
		{"PricingSubpageGetsSales", "https://shop.example/pricing/plans?x=1#top", "pricing"},
		{"HelpGetsSupport", "https://shop.example/help", "support"},
		{"PrivacyGetsNoChat", "https://shop.example/privacy/", ""},
		{"MalformedURLGetsSupport", "::not a url", "support"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := v.configFor(tt.url)
			if tt.want == "" {
				require.Nil(t, chat)
				return
			}
			require.NotNil(t, chat)
			require.Equal(t, tt.want, chat["chatflowId"])
		})
	}
	chat := v.configFor("https://shop.example/pricing")
	require.Equal(t, "Talk to sales", chat["title"])
	require.Equal(t, "#e0457b", chat["accentColor"])
	require.Equal(t, "prompt", chat["desktop"].(map[string]any)["behavior"])

	// A conversation started from the pricing chat belongs to it.
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/pricing", "chatflowId": "pricing"})
	require.Equal(t, 201, status)
	conv, err := e.store.Conversation(context.Background(), body["conversation"].(map[string]any)["id"].(string))
	require.NoError(t, err)
	require.Equal(t, "pricing", conv.ChatflowID)
	require.Equal(t, map[string]string{"team": "sales"}, conv.Properties, "the chatflow's default properties")
}

func TestNewRejectsInvalidFlows(t *testing.T) {
	store := memory.New()
	defer store.Close()
	bad := flow.New("Bad")
	bad.ID = "bad"
	bad.Display.AccentColor = "red"
	noID := flow.New("No id")
	_, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret, Flows: []*flow.Chatflow{bad, noID}})
	require.ErrorContains(t, err, "display.accentColor")
	require.ErrorContains(t, err, "needs an ID")
	flows, err := store.Chatflows(context.Background())
	require.NoError(t, err)
	require.Empty(t, flows, "an invalid Config stores nothing")
}

// Config.Flows seeds the Storage; edits made at run time survive a restart.
func TestFlowsSeedOnce(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()
	h1, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret, Flows: pricingAndSupport()})
	require.NoError(t, err)
	sf, err := h1.Chatflow(ctx, "pricing")
	require.NoError(t, err)
	sf.Chatflow.Display.Heading.Title = "Edited"
	_, err = h1.UpdateChatflow(ctx, sf.Chatflow, sf.Version)
	require.NoError(t, err)
	require.NoError(t, h1.Close())

	h2, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret, Flows: pricingAndSupport()})
	require.NoError(t, err)
	defer h2.Close()
	sf, err = h2.Chatflow(ctx, "pricing")
	require.NoError(t, err)
	require.Equal(t, "Edited", sf.Chatflow.Display.Heading.Title)
	require.EqualValues(t, 2, sf.Version)
}

func flowJSON(t *testing.T, f *flow.Chatflow) []byte {
	data, err := json.Marshal(f)
	require.NoError(t, err)
	return data
}

func (e *testEnv) admin(agentID, method, path string, body any, ifMatch string) (int, map[string]any) {
	h := http.Header{}
	if agentID != "" {
		h.Set("X-Test-Agent", agentID)
	}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	return doJSON(e.t, http.DefaultClient, method, e.base+"api/v1/admin/chatflows"+path, body, h)
}

func TestAdminAPI(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Flows = pricingAndSupport() })
	ctx := context.Background()

	t.Run("Unauthorized", func(t *testing.T) {
		status, body := e.admin("", "GET", "", nil, "")
		require.Equal(t, 401, status)
		require.Equal(t, "unauthorized", errCode(body))
	})
	t.Run("ForbiddenWithoutPermission", func(t *testing.T) {
		status, body := e.admin("a1", "GET", "", nil, "")
		require.Equal(t, 403, status)
		require.Equal(t, "forbidden", errCode(body))
	})
	t.Run("List", func(t *testing.T) {
		status, body := e.admin("admin1", "GET", "", nil, "")
		require.Equal(t, 200, status)
		require.Len(t, body["chatflows"], 2)
	})
	t.Run("CreateInvalidStoresNothing", func(t *testing.T) {
		doc := `{"name":"","display":{"accentColor":"blue","heading":{"colour":"x"}},"target":{"groups":[{"rules":[{"field":"path","op":"matches_regex","value":"("}]}]}}`
		status, body := e.admin("admin1", "POST", "", doc, "")
		require.Equal(t, 400, status, "%v", body)
		require.Equal(t, "bad_request", errCode(body))
		fields := body["error"].(map[string]any)["fields"].([]any)
		var paths []string
		for _, f := range fields {
			paths = append(paths, f.(map[string]any)["path"].(string))
		}
		require.Contains(t, paths, "display.heading.colour")
		flows, err := e.store.Chatflows(ctx)
		require.NoError(t, err)
		require.Len(t, flows, 2)
	})

	var id string
	t.Run("CreateUpdatePublishDelete", func(t *testing.T) {
		f := flow.New("Help center")
		f.Enabled = false
		f.Priority = 100
		f.Target = targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: "/help"}}}}}
		status, body := e.admin("admin1", "POST", "", flowJSON(t, f), "")
		require.Equal(t, 201, status, "%v", body)
		require.EqualValues(t, 1, body["version"])
		id = body["chatflow"].(map[string]any)["id"].(string)

		v := e.newVisitor()
		require.Equal(t, "support", v.configFor("https://shop.example/help")["chatflowId"], "unpublished chatflows are not shown")

		f.ID = id
		f.Display.Heading.Title = "Help"
		status, body = e.admin("admin1", "PUT", "/"+id, flowJSON(t, f), `"1"`)
		require.Equal(t, 200, status, "%v", body)
		require.EqualValues(t, 2, body["version"])

		status, body = e.admin("admin1", "PUT", "/"+id, flowJSON(t, f), `"1"`)
		require.Equal(t, 409, status, "a stale version must conflict")
		require.Equal(t, "conflict", errCode(body))

		status, body = e.admin("admin1", "POST", "/"+id+"/publish", nil, "")
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, id, v.configFor("https://shop.example/help")["chatflowId"], "published at once")

		status, _ = e.admin("admin1", "POST", "/"+id+"/unpublish", nil, "")
		require.Equal(t, 200, status)
		require.Equal(t, "support", v.configFor("https://shop.example/help")["chatflowId"])

		status, _ = e.admin("admin1", "DELETE", "/"+id, nil, `"1"`)
		require.Equal(t, 409, status)
		status, _ = e.admin("admin1", "DELETE", "/"+id, nil, "")
		require.Equal(t, 204, status)
		status, body = e.admin("admin1", "GET", "/"+id, nil, "")
		require.Equal(t, 404, status)
		require.Equal(t, "not_found", errCode(body))
	})

	t.Run("Preview", func(t *testing.T) {
		// The preview page loads the widget for this chatflow.
		req, _ := http.NewRequest("GET", e.base+"api/v1/admin/chatflows/pricing/preview", nil)
		req.Header.Set("X-Test-Agent", "admin1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		require.Contains(t, string(page), `data-preview="pricing"`)
		require.Contains(t, string(page), `/livechat/widget.js`)

		// An admin previewing gets the chatflow whatever its targeting; a
		// visitor asking for a preview gets the normal choice.
		body := map[string]any{"url": "https://shop.example/privacy", "preview": "pricing"}
		status, got := doJSON(t, http.DefaultClient, "POST", e.base+"api/v1/visitor/config", body, http.Header{"X-Test-Agent": {"admin1"}})
		require.Equal(t, 200, status)
		require.Equal(t, "pricing", got["chat"].(map[string]any)["chatflowId"])
		require.Equal(t, true, got["chat"].(map[string]any)["preview"])
		status, got = doJSON(t, http.DefaultClient, "POST", e.base+"api/v1/visitor/config", body, nil)
		require.Equal(t, 200, status)
		require.Nil(t, got["chat"])
	})
}

// With a brand alias the agent's own name never reaches the visitor.
func TestBrandAlias(t *testing.T) {
	brand := flow.New("Brand")
	brand.ID = "brand"
	brand.Display.Heading = flow.Heading{Kind: flow.HeadingBrand, Title: "Acme", BrandName: "Acme", BrandAvatarURL: "/acme.png", BrandAlias: true}
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{brand} })
	v := e.newVisitor()
	chat := v.configFor("https://shop.example/")
	require.Equal(t, []any{map[string]any{"name": "Acme", "avatarUrl": "/acme.png"}}, chat["avatars"])
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/", "chatflowId": "brand"})
	require.Equal(t, 201, status)
	conv := body["conversation"].(map[string]any)["id"].(string)
	ws := v.dial()
	ws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	ws.nextOf("subscribed")
	agent := e.dialAgent("a1")

	_, err := e.chat.Reply(context.Background(), conv, mustAgent(t, e, "a1"), "r1", "Hello from the team")
	require.NoError(t, err)
	live := ws.nextOf("message")
	require.Equal(t, "Acme", live["message"].(map[string]any)["authorName"])
	require.Equal(t, "Agent a1", agent.nextOf("message")["message"].(map[string]any)["authorName"], "agents see who wrote it")

	_, body = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, "Acme", body["messages"].([]any)[0].(map[string]any)["authorName"])
	_, body = v.do("GET", "api/v1/visitor/poll?conversationId="+conv+"&after=0&timeout=1", nil)
	require.Equal(t, "Acme", body["events"].([]any)[0].(map[string]any)["message"].(map[string]any)["authorName"])

	ws.close()
	ws = v.dial()
	ws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	require.Equal(t, "Acme", ws.nextOf("message")["message"].(map[string]any)["authorName"], "replays too")

	_, err = e.chat.CloseConversation(context.Background(), conv, "a1")
	require.NoError(t, err)
	closing := ws.nextOf("message")
	require.False(t, strings.Contains(msgText(closing), "Agent a1"), "%v", msgText(closing))
}

// A visitor cannot tie a conversation to a chatflow the server would not
// have shown them.
func TestStartChatflowNotTrusted(t *testing.T) {
	flows := pricingAndSupport()
	draft := flow.New("Draft")
	draft.ID = "draft"
	draft.Enabled = false
	draft.Options.ConversationProperties = map[string]string{"secret": "yes"}
	e := newEnv(t, func(c *livechat.Config) { c.Flows = append(flows, draft) })
	tests := []struct{ name, url, flow, want string }{
		{"Unpublished", "https://shop.example/help", "draft", ""},
		{"TargetingDoesNotMatch", "https://shop.example/help", "pricing", ""},
		{"Unknown", "https://shop.example/help", "nope", ""},
		{"Matches", "https://shop.example/pricing", "pricing", "pricing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.newVisitor()
			status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": tt.url, "device": "desktop", "chatflowId": tt.flow})
			require.Equal(t, 201, status, "%v", body)
			conv, err := e.store.Conversation(context.Background(), body["conversation"].(map[string]any)["id"].(string))
			require.NoError(t, err)
			require.Equal(t, tt.want, conv.ChatflowID)
			if tt.want == "" {
				require.Empty(t, conv.Properties)
			}
		})
	}
}
