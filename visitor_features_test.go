package livechat_test

// Visitor-facing chatflow features through the Handler, as a visitor's
// browser gets them: who the header shows, which team a conversation goes
// to, which chatflow the visitor's contact and the page's query select,
// and the email capture modes.

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/identity"
	"github.com/golivechat/livechat/targeting"
)

// onPath makes f the chatflow of pages whose path starts with prefix.
func onPath(f *flow.Chatflow, prefix string) *flow.Chatflow {
	f.Target = targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: prefix},
	}}}}
	return f
}

func namedFlow(id string) *flow.Chatflow {
	f := flow.New(id)
	f.ID = id
	return f
}

func avatarsOf(chat map[string]any) []any {
	a, _ := chat["avatars"].([]any)
	return a
}

func av(name, url string) map[string]any {
	m := map[string]any{"name": name}
	if url != "" {
		m["avatarUrl"] = url
	}
	return m
}

// The header shows the chosen agents and teams by name and avatar; by
// default the available agents among those the chatflow assigns to; and
// for an owner heading, the owner of the visitor's contact, else the
// chosen agents.
func TestHeadingAvatars(t *testing.T) {
	chosen := onPath(namedFlow("chosen"), "/chosen")
	chosen.Display.Heading.UserIDs = []string{"ann"}
	chosen.Display.Heading.TeamIDs = []string{"sales"}
	assigned := onPath(namedFlow("assigned"), "/assigned")
	assigned.Build.Assignment.TeamIDs = []string{"sales"}
	owner := onPath(namedFlow("owner"), "/owner")
	owner.Display.Heading.Kind = flow.HeadingOwner
	owner.Display.Heading.UserIDs = []string{"ann"}
	now := time.Now()
	e := newEnv(t, func(c *livechat.Config) {
		c.Flows = []*flow.Chatflow{chosen, assigned, owner}
		c.Now = func() time.Time { return now }
	})
	ctx := context.Background()
	for _, a := range []*livechat.Agent{
		{ID: "ann", Name: "Ann", AvatarURL: "/ann.png", Presence: livechat.PresenceAway},
		{ID: "bob", Name: "Bob", AvatarURL: "/bob.png", Presence: livechat.PresenceAvailable, TeamIDs: []string{"support"}},
		{ID: "carl", Name: "Carl", Presence: livechat.PresenceAvailable, TeamIDs: []string{"sales"}},
		{ID: "dora", Name: "Dora", Presence: livechat.PresenceAway, TeamIDs: []string{"sales"}},
	} {
		a.LastSeenAt = now
		require.NoError(t, e.store.PutAgent(ctx, a))
	}
	require.NoError(t, e.store.PutTeam(ctx, &livechat.Team{ID: "sales", Name: "Sales team", AvatarURL: "/sales.png"}))
	require.NoError(t, e.store.CreateContact(ctx, &livechat.Contact{ID: "c-owned", Email: "owned@example.com", OwnerID: "bob", CreatedAt: now, UpdatedAt: now}))

	v := e.newVisitor()
	t.Run("ChosenAgentsAndTeams", func(t *testing.T) {
		require.Equal(t, []any{av("Ann", "/ann.png"), av("Sales team", "/sales.png")}, avatarsOf(v.configFor(e.srv.URL+"/chosen")))
	})
	t.Run("AvailableAssignees", func(t *testing.T) {
		require.Equal(t, []any{av("Carl", "")}, avatarsOf(v.configFor(e.srv.URL+"/assigned")),
			"the available members of the assigned team only")
	})
	t.Run("OwnerFallback", func(t *testing.T) {
		require.Equal(t, []any{av("Ann", "/ann.png")}, avatarsOf(v.configFor(e.srv.URL+"/owner")), "no contact: the chosen agents")
	})
	t.Run("ContactOwner", func(t *testing.T) {
		status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": "owned@example.com", "chatflowId": "owner"})
		require.Equal(t, http.StatusOK, status, "%v", body)
		require.Equal(t, []any{av("Bob", "/bob.png")}, avatarsOf(v.configFor(e.srv.URL+"/owner")))
	})
}

// A chatflow that assigns to a team gives its new conversations to an
// available member of that team, never to an agent outside it; with no
// member available the conversation waits.
func TestAssignToTeam(t *testing.T) {
	f := namedFlow("sales")
	f.Build.Assignment.TeamIDs = []string{"sales"}
	teams := map[string][]string{"a1-support": {"support"}, "a2-sales": {"sales"}}
	e := newEnv(t, func(c *livechat.Config) {
		c.Flows = []*flow.Chatflow{f}
		c.AgentAuth = testAgentAuth(func(a *livechat.Agent) { a.TeamIDs = teams[a.ID] })
	})
	now := time.Now()
	for id := range teams {
		e.makeAvailable(t, id, now)
	}
	ctx := context.Background()
	start := func() *livechat.Conversation {
		t.Helper()
		v := e.newVisitor()
		require.Equal(t, "sales", v.configFor(e.srv.URL + "/pricing")["chatflowId"])
		status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": e.srv.URL + "/pricing", "chatflowId": "sales"})
		require.Equal(t, http.StatusCreated, status, "%v", body)
		c, err := e.chat.Conversation(ctx, body["conversation"].(map[string]any)["id"].(string))
		require.NoError(t, err)
		return c
	}

	c := start()
	require.Equal(t, "sales", c.ChatflowID)
	require.Equal(t, "a2-sales", c.AssigneeID, "the team's member, though a1 sorts first")
	_, err := e.chat.CloseConversation(ctx, c.ID, "")
	require.NoError(t, err)

	status, body := e.agentDo("a2-sales", "PUT", "api/v1/agent/presence", map[string]any{"presence": "away"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Empty(t, start().AssigneeID, "no member available: the conversation waits rather than going outside the team")
}

// Visitor filters select a chatflow by what the server knows of the
// visitor's contact: known or not, and its properties. The visitor
// cannot claim either: only a contact the server has counts.
func TestVisitorFilters(t *testing.T) {
	known := namedFlow("known")
	known.Priority = 10
	known.Target = targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldContact, Op: targeting.OpKnown},
	}}}}
	vip := namedFlow("vip")
	vip.Priority = 20
	vip.Target = targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldProperty, Name: "plan", Op: targeting.OpIs, Value: "enterprise"},
	}}}}
	everyone := namedFlow("everyone")
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{known, vip, everyone} })
	ctx := context.Background()
	now := time.Now()
	require.NoError(t, e.store.CreateContact(ctx, &livechat.Contact{
		ID: "c-big", Email: "buyer@big.example", Properties: map[string]string{"plan": "enterprise"}, CreatedAt: now, UpdatedAt: now,
	}))
	page := e.srv.URL + "/pricing?plan=enterprise"

	anon := e.newVisitor()
	require.Equal(t, "everyone", anon.configFor(page)["chatflowId"], "an unknown visitor")
	status, body := anon.do("POST", "api/v1/visitor/conversations", map[string]any{"url": page, "chatflowId": "vip"})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	c, err := e.chat.Conversation(ctx, body["conversation"].(map[string]any)["id"].(string))
	require.NoError(t, err)
	require.Empty(t, c.ChatflowID, "a visitor cannot start a chatflow whose filters they do not pass")

	lead := e.newVisitor()
	status, _ = lead.do("POST", "api/v1/visitor/email", map[string]any{"email": "new@lead.example"})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "known", lead.configFor(page)["chatflowId"], "a known contact without the property")

	buyer := e.newVisitor()
	status, _ = buyer.do("POST", "api/v1/visitor/email", map[string]any{"email": "Buyer@big.example"})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "vip", buyer.configFor(page)["chatflowId"], "the contact's property")
	status, body = buyer.do("POST", "api/v1/visitor/conversations", map[string]any{"url": page, "chatflowId": "vip"})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	c, err = e.chat.Conversation(ctx, body["conversation"].(map[string]any)["id"].(string))
	require.NoError(t, err)
	require.Equal(t, "vip", c.ChatflowID)
}

// Query-parameter rules select a chatflow by the page's query string, and
// a conversation starts in that chatflow only from a page that has it.
func TestQueryRules(t *testing.T) {
	spring := namedFlow("spring")
	spring.Priority = 20
	spring.Target = targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldQuery, Name: "utm_campaign", Op: targeting.OpIs, Value: "spring"},
	}}}}
	referred := namedFlow("referred")
	referred.Priority = 10
	referred.Target = targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldQuery, Name: "ref", Op: targeting.OpPresent},
	}}}}
	everyone := namedFlow("everyone")
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{spring, referred, everyone} })
	v := e.newVisitor()
	for _, tt := range []struct{ query, want string }{
		{"?utm_campaign=spring", "spring"},
		{"?x=1&utm_campaign=spring#top", "spring"},
		{"?utm_campaign=summer", "everyone"},
		{"?ref=", "referred"},
		{"?ref=partner&utm_campaign=spring", "spring"},
		{"", "everyone"},
		{"#utm_campaign=spring", "everyone"},
	} {
		require.Equal(t, tt.want, v.configFor(e.srv.URL + "/pricing" + tt.query)["chatflowId"], "query %q", tt.query)
	}

	ctx := context.Background()
	startIn := func(url string) string {
		t.Helper()
		v := e.newVisitor()
		status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": url, "chatflowId": "spring"})
		require.Equal(t, http.StatusCreated, status, "%v", body)
		c, err := e.chat.Conversation(ctx, body["conversation"].(map[string]any)["id"].(string))
		require.NoError(t, err)
		return c.ChatflowID
	}
	require.Equal(t, "spring", startIn(e.srv.URL+"/pricing?utm_campaign=spring"))
	require.Empty(t, startIn(e.srv.URL+"/pricing"), "the campaign's chatflow from a page without the campaign")
}

// Each email capture mode reaches the widget in the config answer with the
// prompt in the visitor's language (or the chatflow's own prompt); under
// every mode an email the visitor gives creates a contact, and the same
// address from another visitor is matched to it.
func TestEmailCaptureModes(t *testing.T) {
	modes := []flow.EmailMode{flow.EmailNever, flow.EmailBeforeFirstMessage, flow.EmailAfterFirstMessage, flow.EmailWhenAway}
	var flows []*flow.Chatflow
	for _, m := range modes {
		f := onPath(namedFlow(string(m)), "/"+string(m))
		f.Build.EmailCapture.Mode = m
		flows = append(flows, f)
	}
	custom := onPath(namedFlow("custom"), "/custom")
	custom.Build.EmailCapture = flow.EmailCapture{Mode: flow.EmailBeforeFirstMessage, Prompt: "Your work email?"}
	flows = append(flows, custom)
	e := newEnv(t, func(c *livechat.Config) { c.Flows = flows })
	ctx := context.Background()

	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			v := e.newVisitor()
			chat := v.fullChat(map[string]any{"url": e.srv.URL + "/" + string(m), "language": "sv-SE"})
			require.Equal(t, string(m), chat["chatflowId"])
			capture := chat["emailCapture"].(map[string]any)
			require.Equal(t, string(m), capture["mode"])
			require.Equal(t, "sv", chat["language"])
			texts := chat["texts"].(map[string]any)
			require.NotEmpty(t, capture["prompt"])
			require.Equal(t, texts["emailPrompt"], capture["prompt"], "the default prompt in the visitor's language")
			require.NotEqual(t, flow.DefaultEmailPrompt, capture["prompt"], "translated")

			email := "visitor-" + string(m) + "@example.com"
			status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": email, "chatflowId": string(m)})
			require.Equal(t, http.StatusOK, status, "%v", body)
			created, err := e.store.ContactByEmail(ctx, email)
			require.NoError(t, err, "a contact for the address")
			status, _ = e.newVisitor().do("POST", "api/v1/visitor/email", map[string]any{"email": "VISITOR-" + string(m) + "@example.com"})
			require.Equal(t, http.StatusOK, status)
			again, err := e.store.ContactByEmail(ctx, email)
			require.NoError(t, err)
			require.Equal(t, created.ID, again.ID, "the same address is the same contact")
		})
	}
	t.Run("CustomPrompt", func(t *testing.T) {
		capture := e.newVisitor().configFor(e.srv.URL + "/custom")["emailCapture"].(map[string]any)
		require.Equal(t, map[string]any{"mode": "before_first_message", "prompt": "Your work email?"}, capture)
	})
}

// A visitor whose email address the server knows is not asked for it:
// one identified by the host's token, and one who gave it before, on a
// later page view. Others are asked as the chatflow says.
func TestEmailCaptureSkipsKnownEmail(t *testing.T) {
	f := onPath(namedFlow("ask"), "/ask")
	f.Build.EmailCapture.Mode = flow.EmailBeforeFirstMessage
	e := newEnv(t, func(c *livechat.Config) {
		c.Flows = []*flow.Chatflow{f}
		c.Identity = &identity.Verifier{Keys: map[string][]byte{"k1": identityKey}, Audience: "shop.example"}
	})
	mode := func(v *visitor, page map[string]any) any {
		t.Helper()
		chat := v.fullChat(page)
		require.NotNil(t, chat)
		return chat["emailCapture"].(map[string]any)["mode"]
	}
	url := e.srv.URL + "/ask"

	anon := e.newVisitor()
	require.Equal(t, "before_first_message", mode(anon, map[string]any{"url": url}))
	status, body := anon.do("POST", "api/v1/visitor/email", map[string]any{"email": "zoe@example.com", "chatflowId": "ask"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "never", mode(anon, map[string]any{"url": url}), "given before")

	signedIn := e.browser()
	require.Equal(t, "never", mode(signedIn, map[string]any{"url": url, "identity": identityToken(t, "user-1")}), "identified with an email")

	noEmail := e.browser()
	tok := identityToken(t, "user-2", func(c *identity.Claims) { c.Email = "" })
	require.Equal(t, "before_first_message", mode(noEmail, map[string]any{"url": url, "identity": tok}), "identified without an email")

	require.Equal(t, "before_first_message", mode(e.newVisitor(), map[string]any{"url": url}), "a new visitor")
}
