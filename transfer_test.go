package livechat_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// transferEnv: agents whose id starts with "s" are in team "sales"; "c1"
// has a capacity of 1. The Notifier's notifications are kept.
type transferEnv struct {
	*testEnv
	mu     sync.Mutex
	notes  []livechat.Notification
	visitr *visitor
}

func newTransferEnv(t *testing.T) *transferEnv {
	x := &transferEnv{}
	x.testEnv = newEnv(t, func(c *livechat.Config) {
		c.AgentAuth = testAgentAuth(func(a *livechat.Agent) {
			if strings.HasPrefix(a.ID, "s") {
				a.TeamIDs = []string{"sales"}
			}
			if a.ID == "c1" {
				a.Capacity = 1
			}
		})
		c.Notifier = livechat.NotifierFunc(func(ctx context.Context, n livechat.Notification) error {
			x.mu.Lock()
			x.notes = append(x.notes, n)
			x.mu.Unlock()
			return nil
		})
	})
	return x
}

// available signs the agent in with a connected inbox, available.
func (x *transferEnv) available(id string) *wsClient {
	x.t.Helper()
	ws := x.dialAgent(id)
	status, _ := x.agentDo(id, "PUT", "api/v1/agent/presence", map[string]any{"presence": "available"})
	require.Equal(x.t, 200, status)
	return ws
}

// chat starts a conversation assigned to a1.
func (x *transferEnv) chat() string {
	x.t.Helper()
	x.visitr = x.newVisitor()
	conv := x.visitr.start()
	status, body := x.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/assign", map[string]any{"agentId": "a1"})
	require.Equal(x.t, 200, status, "%v", body)
	return conv
}

func (x *transferEnv) assignee(conv string) string {
	x.t.Helper()
	c, err := x.store.Conversation(context.Background(), conv)
	require.NoError(x.t, err)
	return c.AssigneeID
}

func (x *transferEnv) assignedTo(agent string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, n := range x.notes {
		if n.Kind == livechat.NotifyAssigned && n.AgentID == agent {
			return true
		}
	}
	return false
}

func TestTransferToAgent(t *testing.T) {
	x := newTransferEnv(t)
	conv := x.chat()
	x.agentDo("a2", "GET", "api/v1/agent/me", nil)
	ws := x.dialAgent("a2")
	status, body := x.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/transfer", map[string]any{"agentId": "a2", "note": "VIP: be gentle"})
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, "a2", body["conversation"].(map[string]any)["assigneeId"])
	require.Equal(t, "a2", x.assignee(conv))
	// The new assignee's inbox hears of it, with the note in the thread.
	for {
		f := ws.nextOf("conversation")
		if f["conversation"].(map[string]any)["assigneeId"] == "a2" {
			break
		}
	}
	f := ws.nextOf("message")
	require.Equal(t, "note", f["message"].(map[string]any)["sender"])
	require.Equal(t, "VIP: be gentle", msgText(f))
	require.Equal(t, "Agent a1", f["message"].(map[string]any)["authorName"])
	require.True(t, x.assignedTo("a2"), "the Notifier is told")
	// The visitor never sees the note.
	_, body = x.visitr.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Empty(t, body["messages"])
}

func TestTransferRespectsCapacity(t *testing.T) {
	x := newTransferEnv(t)
	busy := x.chat()
	status, _ := x.agentDo("c1", "POST", "api/v1/agent/conversations/"+busy+"/assign", map[string]any{"agentId": "c1"})
	require.Equal(t, 200, status)
	conv := x.chat()
	status, body := x.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/transfer", map[string]any{"agentId": "c1", "note": "please take it"})
	require.Equal(t, 409, status, "%v", body)
	require.Equal(t, "at_capacity", errCode(body))
	require.Equal(t, "a1", x.assignee(conv), "nothing changed")
	c, err := x.store.Conversation(context.Background(), conv)
	require.NoError(t, err)
	require.Zero(t, c.LastSeq, "no note stored")
}

func TestTransferToTeam(t *testing.T) {
	x := newTransferEnv(t)
	x.available("a2") // available, but not in the team
	x.available("s1")
	conv := x.chat()
	status, body := x.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/transfer", map[string]any{"teamId": "sales"})
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, "s1", x.assignee(conv), "the team's available member")
	require.True(t, x.assignedTo("s1"))

	// Nobody of the team has room: it waits for the team, and goes to the
	// first member who becomes available, never to an agent outside it.
	status, _ = x.agentDo("s1", "PUT", "api/v1/agent/presence", map[string]any{"presence": "away"})
	require.Equal(t, 200, status)
	conv2 := x.chat()
	status, body = x.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv2+"/transfer", map[string]any{"teamId": "sales", "note": "needs a quote"})
	require.Equal(t, 200, status, "%v", body)
	got := body["conversation"].(map[string]any)
	require.Nil(t, got["assigneeId"], "queued")
	require.Equal(t, "sales", got["properties"].(map[string]any)["transfer_team"])
	status, body = x.visitr.do("GET", "api/v1/visitor/conversations/"+conv2+"/queue", nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 1, body["position"])
	x.available("a3") // not in the team
	time.Sleep(100 * time.Millisecond)
	require.Empty(t, x.assignee(conv2))
	x.available("s2")
	require.Eventually(t, func() bool { return x.assignee(conv2) == "s2" }, 5*time.Second, 20*time.Millisecond)

	// A transfer to an agent ends the team's claim.
	status, body = x.agentDo("s2", "POST", "api/v1/agent/conversations/"+conv2+"/transfer", map[string]any{"agentId": "a2"})
	require.Equal(t, 200, status, "%v", body)
	require.Nil(t, body["conversation"].(map[string]any)["properties"])
}

func TestTransferBadInput(t *testing.T) {
	x := newTransferEnv(t)
	conv := x.chat()
	closed := x.chat()
	_, err := x.testEnv.chat.CloseConversation(context.Background(), closed, "a1")
	require.NoError(t, err)
	path := "api/v1/agent/conversations/" + conv + "/transfer"
	cases := []struct {
		name          string
		path          string
		body          any
		status        int
		code, message string
	}{
		{"Neither", path, map[string]any{}, 400, "bad_request", "a transfer needs exactly one of agentId and teamId"},
		{"Both", path, map[string]any{"agentId": "a2", "teamId": "sales"}, 400, "bad_request", "a transfer needs exactly one of agentId and teamId"},
		{"UnknownAgent", path, map[string]any{"agentId": "nobody"}, 404, "not_found", "agent not found"},
		{"BadAgentID", path, map[string]any{"agentId": "no body"}, 404, "not_found", "agent not found"},
		{"UnknownTeam", path, map[string]any{"teamId": "nobody"}, 404, "not_found", "no such team"},
		{"EmptyNote", path, map[string]any{"agentId": "a1", "note": " "}, 400, "bad_request", "text is empty"},
		{"LongNote", path, map[string]any{"agentId": "a1", "note": strings.Repeat("x", 5001)}, 413, "too_large", "text is too long (limit 5000 characters)"},
		{"UnknownField", path, map[string]any{"agentId": "a1", "to": "x"}, 400, "bad_request", `unknown field "to"`},
		{"Closed", "api/v1/agent/conversations/" + closed + "/transfer", map[string]any{"agentId": "a1"}, 409, "conversation_closed", "conversation is closed"},
		{"UnknownConversation", "api/v1/agent/conversations/nope/transfer", map[string]any{"agentId": "a1"}, 404, "not_found", "conversation not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := x.agentDo("a1", "POST", tc.path, tc.body)
			require.Equal(t, tc.status, status, "%v", body)
			require.Equal(t, tc.code, errCode(body))
			require.Equal(t, tc.message, body["error"].(map[string]any)["message"])
		})
	}
	status, _ := x.visitr.do("POST", path, map[string]any{"agentId": "a1"})
	require.Equal(t, 401, status, "a visitor cannot transfer")
	c, err := x.store.Conversation(context.Background(), conv)
	require.NoError(t, err)
	require.Equal(t, "a1", c.AssigneeID)
	require.Zero(t, c.LastSeq, "nothing changed")
}
