package livechat_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/routing"
)

// Skill rules route by what the visitor is: their contact's properties and
// their language. Two agents are available; the one without the skill
// sorts first, so only the rule can send the conversation to the other.
func TestSkillRouting(t *testing.T) {
	f := flow.New("Support")
	f.ID = "support"
	f.Build.Assignment.SkillRules = []routing.SkillRule{
		{When: routing.Condition{Field: routing.FieldProperty, Name: "plan", Op: routing.OpIs, Value: "enterprise"}, Skills: []string{"enterprise"}},
		{When: routing.Condition{Field: routing.FieldLanguage, Op: routing.OpIs, Value: "sv"}, Skills: []string{"swedish"}},
	}
	skills := map[string][]string{"a1-general": nil, "a2-enterprise": {"enterprise"}, "a3-swedish": {"swedish"}}
	e := newEnv(t, func(c *livechat.Config) {
		c.Flows = []*flow.Chatflow{f}
		c.AgentAuth = testAgentAuth(func(a *livechat.Agent) { a.Skills = skills[a.ID] })
	})
	now := time.Now()
	for id := range skills {
		e.makeAvailable(t, id, now)
	}
	ctx := context.Background()
	require.NoError(t, e.store.CreateContact(ctx, &livechat.Contact{
		ID: "c-big", Email: "buyer@big.example", Properties: map[string]string{"plan": "enterprise"}, CreatedAt: now, UpdatedAt: now,
	}))

	// start opens a conversation in the chatflow for a new visitor whose
	// browser reports lang (in the request, or as "Accept-Language: …"
	// only in that header), after typing email when set, and returns its
	// assignee.
	start := func(t *testing.T, lang, email string) string {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		v := &visitor{e: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
		page := e.srv.URL + "/pricing"
		req, header := map[string]any{"url": page}, http.Header{}
		if accept, ok := strings.CutPrefix(lang, "Accept-Language: "); ok {
			header.Set("Accept-Language", accept) // a client that sends no language
		} else {
			req["language"] = lang
		}
		status, body := doJSON(t, v.client, "POST", e.base+"api/v1/visitor/config", req, header)
		require.Equal(t, http.StatusOK, status, "%v", body)
		require.Equal(t, "support", body["chat"].(map[string]any)["chatflowId"])
		if email != "" {
			status, body = v.do("POST", "api/v1/visitor/email", map[string]any{"email": email, "chatflowId": "support"})
			require.Equal(t, http.StatusOK, status, "%v", body)
		}
		status, body = v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": page, "chatflowId": "support"})
		require.Equal(t, http.StatusCreated, status, "%v", body)
		id := body["conversation"].(map[string]any)["id"].(string)
		c, err := e.chat.Conversation(ctx, id)
		require.NoError(t, err)
		_, err = e.chat.CloseConversation(ctx, id, "") // frees the agent for the next case
		require.NoError(t, err)
		return c.AssigneeID
	}

	t.Run("ContactProperty", func(t *testing.T) {
		require.Equal(t, "a2-enterprise", start(t, "en-US", "Buyer@big.example"))
	})
	t.Run("Language", func(t *testing.T) {
		require.Equal(t, "a3-swedish", start(t, "sv-SE", ""))
	})
	t.Run("LanguageFromAcceptLanguage", func(t *testing.T) {
		require.Equal(t, "a3-swedish", start(t, "Accept-Language: sv-SE,sv;q=0.9,en;q=0.5", ""))
	})
	t.Run("NoRuleMatches", func(t *testing.T) {
		require.Equal(t, "a1-general", start(t, "en-US", "someone@else.example"))
	})
}
