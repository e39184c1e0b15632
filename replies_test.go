package livechat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// Agents whose id starts with "lead" may manage saved replies.
func newRepliesEnv(t *testing.T, mutate ...func(*livechat.Config)) *testEnv {
	return newEnv(t, append([]func(*livechat.Config){func(c *livechat.Config) {
		c.AgentAuth = testAgentAuth(func(a *livechat.Agent) {
			if strings.HasPrefix(a.ID, "lead") {
				a.Permissions = []string{livechat.PermissionManageReplies}
			}
		})
	}}, mutate...)...)
}

func replyShortcuts(t *testing.T, e *testEnv, agent string) []string {
	t.Helper()
	status, body := e.agentDo(agent, "GET", "api/v1/agent/replies", nil)
	require.Equal(t, 200, status, "%v", body)
	out := []string{}
	for _, r := range body["replies"].([]any) {
		out = append(out, r.(map[string]any)["shortcut"].(string))
	}
	return out
}

func TestSavedReplies(t *testing.T) {
	e := newRepliesEnv(t)
	status, body := e.agentDo("a1", "GET", "api/v1/agent/replies", nil)
	require.Equal(t, 200, status)
	require.Equal(t, map[string]any{"replies": []any{}, "canManage": false}, body)

	status, body = e.agentDo("lead1", "POST", "api/v1/agent/replies", map[string]any{"shortcut": "refund", "text": "Refunds take 5 days.\nAnything else?"})
	require.Equal(t, 201, status, "%v", body)
	r := body["reply"].(map[string]any)
	require.Equal(t, "refund", r["shortcut"])
	require.Equal(t, "Refunds take 5 days.\nAnything else?", r["text"])
	id := r["id"].(string)
	status, _ = e.agentDo("lead1", "POST", "api/v1/agent/replies", map[string]any{"shortcut": "hello", "text": "Hi there!"})
	require.Equal(t, 201, status)

	// Every agent lists them, by shortcut.
	require.Equal(t, []string{"hello", "refund"}, replyShortcuts(t, e, "a1"))
	status, body = e.agentDo("lead1", "GET", "api/v1/agent/replies", nil)
	require.Equal(t, 200, status)
	require.Equal(t, true, body["canManage"])

	status, body = e.agentDo("lead1", "PUT", "api/v1/agent/replies/"+id, map[string]any{"shortcut": "refund-time", "text": "Refunds take 3 days."})
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, "refund-time", body["reply"].(map[string]any)["shortcut"])
	require.Equal(t, []string{"hello", "refund-time"}, replyShortcuts(t, e, "a1"))

	status, _ = e.agentDo("lead1", "DELETE", "api/v1/agent/replies/"+id, nil)
	require.Equal(t, 204, status)
	require.Equal(t, []string{"hello"}, replyShortcuts(t, e, "a1"))
}

func TestSavedRepliesAuthorizationAndBadInput(t *testing.T) {
	e := newRepliesEnv(t)
	status, body := e.agentDo("lead1", "POST", "api/v1/agent/replies", map[string]any{"shortcut": "hello", "text": "Hi there!"})
	require.Equal(t, 201, status)
	id := body["reply"].(map[string]any)["id"].(string)
	v := e.newVisitor()

	cases := []struct {
		name          string
		agent         string
		visitor       bool
		method, path  string
		body          any
		status        int
		code, message string
	}{
		{"VisitorLists", "", true, "GET", "api/v1/agent/replies", nil, 401, "unauthorized", "not signed in as an agent"},
		{"VisitorCreates", "", true, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "x", "text": "x"}, 401, "unauthorized", "not signed in as an agent"},
		{"AgentCreates", "a1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "x", "text": "x"}, 403, "forbidden", `managing saved replies needs the "manage_replies" permission`},
		{"AgentEdits", "a1", false, "PUT", "api/v1/agent/replies/" + id, map[string]any{"shortcut": "x", "text": "x"}, 403, "forbidden", `managing saved replies needs the "manage_replies" permission`},
		{"AgentDeletes", "a1", false, "DELETE", "api/v1/agent/replies/" + id, nil, 403, "forbidden", `managing saved replies needs the "manage_replies" permission`},
		{"EmptyShortcut", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "", "text": "x"}, 400, "bad_request", "shortcut must be 1 to 32 characters of a-z, 0-9, - and _"},
		{"UppercaseShortcut", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "Hello", "text": "x"}, 400, "bad_request", "shortcut must be 1 to 32 characters of a-z, 0-9, - and _"},
		{"SpaceInShortcut", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "two words", "text": "x"}, 400, "bad_request", "shortcut must be 1 to 32 characters of a-z, 0-9, - and _"},
		{"LongShortcut", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": strings.Repeat("a", 33), "text": "x"}, 400, "bad_request", "shortcut must be 1 to 32 characters of a-z, 0-9, - and _"},
		{"EmptyText", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "x", "text": " \n"}, 400, "bad_request", "text is empty"},
		{"ControlInText", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "x", "text": "a\x00b"}, 400, "bad_request", "text must not contain control characters other than line feed and tab"},
		{"LongText", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "x", "text": strings.Repeat("a", 5001)}, 413, "too_large", "text is too long (limit 5000 characters)"},
		{"UnknownField", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "x", "text": "x", "id": "mine"}, 400, "bad_request", `unknown field "id"`},
		{"ShortcutTaken", "lead1", false, "POST", "api/v1/agent/replies", map[string]any{"shortcut": "hello", "text": "Again"}, 409, "conflict", "a saved reply with this shortcut exists"},
		{"EditUnknown", "lead1", false, "PUT", "api/v1/agent/replies/nope", map[string]any{"shortcut": "x", "text": "x"}, 404, "not_found", "no such saved reply"},
		{"EditBadShortcut", "lead1", false, "PUT", "api/v1/agent/replies/" + id, map[string]any{"shortcut": "hé", "text": "x"}, 400, "bad_request", "shortcut must be 1 to 32 characters of a-z, 0-9, - and _"},
		{"DeleteUnknown", "lead1", false, "DELETE", "api/v1/agent/replies/nope", nil, 404, "not_found", "no such saved reply"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var status int
			var body map[string]any
			if tc.visitor {
				status, body = v.do(tc.method, tc.path, tc.body)
			} else {
				status, body = e.agentDo(tc.agent, tc.method, tc.path, tc.body)
			}
			require.Equal(t, tc.status, status, "%v", body)
			require.Equal(t, tc.code, errCode(body))
			require.Equal(t, tc.message, body["error"].(map[string]any)["message"])
		})
	}
	// Nothing changed.
	status, body = e.agentDo("a1", "GET", "api/v1/agent/replies", nil)
	require.Equal(t, 200, status)
	rs := body["replies"].([]any)
	require.Len(t, rs, 1)
	require.Equal(t, map[string]any{"id": id, "shortcut": "hello", "text": "Hi there!", "updatedAt": rs[0].(map[string]any)["updatedAt"]}, rs[0])
}

func TestSavedRepliesLimit(t *testing.T) {
	e := newRepliesEnv(t)
	rs := e.store.(livechat.SavedReplyStore)
	for i := range 500 {
		require.NoError(t, rs.CreateSavedReply(context.Background(), &livechat.SavedReply{ID: fmt.Sprint("r", i), Shortcut: fmt.Sprint("s", i), Text: "x"}))
	}
	status, body := e.agentDo("lead1", "POST", "api/v1/agent/replies", map[string]any{"shortcut": "one-more", "text": "x"})
	require.Equal(t, 409, status)
	require.Equal(t, "there are 500 saved replies, the most there can be: delete one first", body["error"].(map[string]any)["message"])
	require.Len(t, replyShortcuts(t, e, "a1"), 500)
}

// noReplyStore is a Storage without saved replies.
type noReplyStore struct{ livechat.Storage }

func TestSavedRepliesWithoutStore(t *testing.T) {
	e := newRepliesEnv(t, func(c *livechat.Config) { c.Storage = noReplyStore{c.Storage} })
	status, body := e.agentDo("lead1", "GET", "api/v1/agent/replies", nil)
	require.Equal(t, 200, status)
	require.Equal(t, map[string]any{"replies": []any{}, "canManage": false}, body)
	status, body = e.agentDo("lead1", "POST", "api/v1/agent/replies", map[string]any{"shortcut": "x", "text": "x"})
	require.Equal(t, 409, status)
	require.Equal(t, "this Storage cannot keep saved replies", body["error"].(map[string]any)["message"])
}
