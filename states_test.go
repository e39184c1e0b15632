package livechat_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// clock is a settable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClockEnv(t *testing.T) (*testEnv, *clock) {
	clk := &clock{now: time.Now().UTC()}
	return newEnv(t, func(c *livechat.Config) { c.Now = clk.Now }), clk
}

func convField(body map[string]any, field string) any {
	c, _ := body["conversation"].(map[string]any)
	return c[field]
}

func (e *testEnv) setState(agent, conv string, body any) (int, map[string]any) {
	return e.agentDo(agent, "POST", "api/v1/agent/conversations/"+conv+"/state", body)
}

func TestConversationStates(t *testing.T) {
	e, clk := newClockEnv(t)
	v := e.newVisitor()
	conv := v.start()
	send := func(cid, text string) {
		t.Helper()
		status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": cid, "text": text})
		require.Equal(t, http.StatusCreated, status, "%v", body)
	}
	agentStatus := func() string {
		t.Helper()
		_, body := e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv, nil)
		return convField(body, "status").(string)
	}
	listed := func(query string) int {
		t.Helper()
		status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations?"+query, nil)
		require.Equal(t, 200, status, "%v", body)
		return len(body["conversations"].([]any))
	}
	send("c1", "hello")
	ws := e.dialAgent("a2")
	defer ws.close()

	t.Run("PendingUntilTheVisitorWrites", func(t *testing.T) {
		status, body := e.setState("a1", conv, map[string]any{"status": "pending"})
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, "pending", convField(body, "status"))
		require.Equal(t, "pending", ws.nextOf("conversation")["conversation"].(map[string]any)["status"], "other agents see it live")
		require.Equal(t, 1, listed("status=pending"))
		require.Equal(t, 0, listed("status=open"))
		require.Equal(t, 1, listed("status=all"))

		// The visitor sees an open conversation and can write in it.
		_, body = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages?after=0", nil)
		require.Equal(t, "open", convField(body, "status"))
		_, body2 := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://example.com/pricing"})
		require.Equal(t, conv, convField(body2, "id"), "a new chat continues the pending conversation")
		send("c2", "still there?")
		require.Equal(t, "open", agentStatus(), "the visitor's message makes it open")
		require.Equal(t, "open", ws.nextOf("conversation")["conversation"].(map[string]any)["status"])
	})

	t.Run("SnoozedUntilItsTime", func(t *testing.T) {
		until := clk.Now().Add(time.Hour)
		status, body := e.setState("a1", conv, map[string]any{"status": "snoozed", "snoozedUntil": until})
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, "snoozed", convField(body, "status"))
		require.Equal(t, until.Truncate(time.Second).Format(time.RFC3339Nano), convField(body, "snoozedUntil"))
		ws.nextOf("conversation")
		require.Equal(t, 1, listed("status=snoozed"))

		e.chat.WakeSnoozes(context.Background())
		require.Equal(t, "snoozed", agentStatus(), "not yet due")
		clk.Add(time.Hour + time.Second)
		e.chat.WakeSnoozes(context.Background())
		require.Equal(t, "open", agentStatus())
		f := ws.nextOf("conversation")["conversation"].(map[string]any)
		require.Equal(t, "open", f["status"])
		require.Nil(t, f["snoozedUntil"])
	})

	t.Run("SnoozeEndsWhenTheVisitorWrites", func(t *testing.T) {
		status, body := e.setState("a1", conv, map[string]any{"status": "snoozed", "snoozedUntil": clk.Now().Add(24 * time.Hour)})
		require.Equal(t, 200, status, "%v", body)
		send("c3", "one more thing")
		require.Equal(t, "open", agentStatus())
	})

	t.Run("CloseAndReopen", func(t *testing.T) {
		status, body := e.setState("a1", conv, map[string]any{"status": "closed"})
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, "closed", convField(body, "status"))
		_, body = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages?after=0", nil)
		msgs := body["messages"].([]any)
		require.Equal(t, "conversation_ended", msgs[len(msgs)-1].(map[string]any)["code"])

		status, body = e.setState("a1", conv, map[string]any{"status": "pending"})
		require.Equal(t, 409, status, "a closed conversation is reopened first: %v", body)
		status, body = e.setState("a1", conv, map[string]any{"status": "open"})
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, "open", convField(body, "status"))
		require.Nil(t, convField(body, "closedAt"))
		_, body = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages?after=0", nil)
		require.Equal(t, "open", convField(body, "status"), "the visitor can write again")
		send("c4", "thanks for reopening")
	})

	t.Run("NoReopenWhileAnotherIsGoing", func(t *testing.T) {
		status, _ := e.setState("a1", conv, map[string]any{"status": "closed"})
		require.Equal(t, 200, status)
		other := v.start()
		require.NotEqual(t, conv, other)
		status, body := e.setState("a1", conv, map[string]any{"status": "open"})
		require.Equal(t, 409, status, "%v", body)
		require.Equal(t, "closed", agentStatus())
	})
}

func TestConversationStateBadInput(t *testing.T) {
	e, clk := newClockEnv(t)
	v := e.newVisitor()
	conv := v.start()
	stored := func() livechat.Conversation {
		c, err := e.store.Conversation(context.Background(), conv)
		require.NoError(t, err)
		return *c
	}
	before := stored()
	for _, tt := range []struct {
		name string
		body any
		want string
	}{
		{"UnknownStatus", map[string]any{"status": "archived"}, "status must be open, pending, snoozed or closed"},
		{"NoStatus", map[string]any{}, "status must be open, pending, snoozed or closed"},
		{"SnoozeWithoutTime", map[string]any{"status": "snoozed"}, "snoozedUntil is required to snooze"},
		{"SnoozeInThePast", map[string]any{"status": "snoozed", "snoozedUntil": clk.Now().Add(-time.Minute)}, "snoozedUntil must be in the future"},
		{"SnoozeTooFar", map[string]any{"status": "snoozed", "snoozedUntil": clk.Now().Add(400 * 24 * time.Hour)}, "snoozedUntil must be within 366 days"},
		{"TimeWithoutSnooze", map[string]any{"status": "pending", "snoozedUntil": clk.Now().Add(time.Hour)}, "snoozedUntil is only for status snoozed"},
		{"NotATime", `{"status":"snoozed","snoozedUntil":"tomorrow"}`, ""},
		{"UnknownField", map[string]any{"status": "pending", "until": "x"}, ""},
		{"NotJSON", "status=pending", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.setState("a1", conv, tt.body)
			require.Equal(t, 400, status, "%v", body)
			if tt.want != "" {
				require.Equal(t, tt.want, body["error"].(map[string]any)["message"])
			}
			require.Equal(t, before, stored(), "nothing changed")
		})
	}
	t.Run("UnknownConversation", func(t *testing.T) {
		status, body := e.setState("a1", "no-such-conversation", map[string]any{"status": "pending"})
		require.Equal(t, 404, status, "%v", body)
	})
	t.Run("NotAnAgent", func(t *testing.T) {
		status, _ := e.setState("", conv, map[string]any{"status": "pending"})
		require.Equal(t, 401, status)
		// A visitor's cookie is no agent's sign-in, not even for their own conversation.
		status, _ = v.do("POST", "api/v1/agent/conversations/"+conv+"/state", map[string]any{"status": "pending"})
		require.Equal(t, 401, status)
		require.Equal(t, before, stored(), "nothing changed")
	})
}

// noStates hides the optional interfaces of the memory store.
type noStates struct{ livechat.Storage }

func TestConversationStatesWithoutStateChanger(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.Storage = noStates{c.Storage} })
	v := e.newVisitor()
	conv := v.start()
	status, body := e.setState("a1", conv, map[string]any{"status": "snoozed", "snoozedUntil": time.Now().Add(time.Hour)})
	require.Equal(t, 409, status, "%v", body)
	require.Equal(t, "this chat's storage cannot snooze conversations", body["error"].(map[string]any)["message"])
	status, body = e.setState("a1", conv, map[string]any{"status": "pending"})
	require.Equal(t, 200, status, "pending needs no StateChanger: %v", body)
	status, body = e.agentDo("a1", "GET", "api/v1/agent/conversations?status=all&q=hello", nil)
	require.Equal(t, 409, status, "%v", body)
	require.Equal(t, "this chat's storage cannot search messages", body["error"].(map[string]any)["message"])
}

func TestInboxFilters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	require.NoError(t, e.chat.PutAgents(ctx,
		&livechat.Agent{ID: "ada", Name: "Ada", TeamIDs: []string{"sales"}},
		&livechat.Agent{ID: "bob", Name: "Bob", TeamIDs: []string{"sales", "support"}},
		&livechat.Agent{ID: "cy", Name: "Cy", TeamIDs: []string{"support"}},
	))
	now := time.Now().UTC()
	for i, c := range []struct {
		id, assignee, chatflow string
		status                 livechat.ConversationStatus
	}{
		{"f1", "ada", "pricing", livechat.StatusOpen},
		{"f2", "bob", "support", livechat.StatusPending},
		{"f3", "cy", "support", livechat.StatusOpen},
		{"f4", "", "pricing", livechat.StatusOpen},
		{"f5", "ada", "pricing", livechat.StatusClosed},
	} {
		at := now.Add(time.Duration(i) * time.Second)
		require.NoError(t, e.store.CreateConversation(ctx, &livechat.Conversation{ID: c.id, VisitorID: "v-" + c.id, ChatflowID: c.chatflow,
			Status: c.status, AssigneeID: c.assignee, CreatedAt: at, UpdatedAt: at}))
	}
	list := func(query string) []string {
		t.Helper()
		status, body := e.agentDo("ada", "GET", "api/v1/agent/conversations?"+query, nil)
		require.Equal(t, 200, status, "%v", body)
		var ids []string
		for _, c := range body["conversations"].([]any) {
			ids = append(ids, c.(map[string]any)["id"].(string))
		}
		return ids
	}
	require.Equal(t, []string{"f4", "f3", "f1"}, list(""), "open by default")
	require.Equal(t, []string{"f2"}, list("status=pending"))
	require.Equal(t, []string{"f5"}, list("status=closed"))
	require.Equal(t, []string{"f5", "f4", "f3", "f2", "f1"}, list("status=all"))
	require.Equal(t, []string{"f5", "f1"}, list("status=all&assignee=me"))
	require.Equal(t, []string{"f4"}, list("status=all&assignee=unassigned"))
	require.Equal(t, []string{"f3"}, list("status=all&assignee=cy"))
	require.Equal(t, []string{"f5", "f2", "f1"}, list("status=all&team=sales"))
	require.Equal(t, []string{"f3", "f2"}, list("status=all&team=support"))
	require.Equal(t, []string{"f3"}, list("team=support"))
	require.Equal(t, []string{"f2"}, list("status=all&team=support&assignee=bob"))
	require.Empty(t, list("status=all&team=nobody"))
	require.Equal(t, []string{"f5", "f4", "f1"}, list("status=all&chatflow=pricing"))
	require.Equal(t, []string{"f5", "f1"}, list("status=all&chatflow=pricing&team=sales"))

	// Every filter pages: one at a time, each once.
	var paged []string
	cursor := ""
	for range 10 {
		status, body := e.agentDo("ada", "GET", "api/v1/agent/conversations?status=all&team=sales&limit=1&cursor="+url.QueryEscape(cursor), nil)
		require.Equal(t, 200, status, "%v", body)
		for _, c := range body["conversations"].([]any) {
			paged = append(paged, c.(map[string]any)["id"].(string))
		}
		next, _ := body["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []string{"f5", "f2", "f1"}, paged)

	for _, tt := range []struct{ query, want string }{
		{"status=archived", "status must be open, pending, snoozed, closed or all"},
		{"team=no%20such", "team must be a team id"},
		{"team=sales&assignee=unassigned", "team lists conversations assigned to the team's members; it cannot be combined with assignee=unassigned"},
		{"assignee=a%20b", "assignee must be any, me, unassigned or an agent id"},
		{"chatflow=..", "chatflow must be a chatflow id"},
		{"q=", "q must not be empty"},
		{"q=%20%20", "q must not be empty"},
		{"q=" + strings.Repeat("x", 201), "q is too long (limit 200 characters)"},
		{"cursor=nonsense", "cursor is not one the server returned"},
	} {
		status, body := e.agentDo("ada", "GET", "api/v1/agent/conversations?"+tt.query, nil)
		require.Contains(t, []int{400, 413}, status, "%s: %v", tt.query, body)
		require.Equal(t, tt.want, body["error"].(map[string]any)["message"], tt.query)
	}
	status, _ := e.agentDo("", "GET", "api/v1/agent/conversations?status=all", nil)
	require.Equal(t, 401, status)

	// The chatflow filter's choices.
	status, body := e.agentDo("ada", "GET", "api/v1/agent/chatflows", nil)
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, []any{map[string]any{"id": "default", "name": "Default"}}, body["chatflows"])
	status, _ = e.agentDo("", "GET", "api/v1/agent/chatflows", nil)
	require.Equal(t, 401, status)
}

func TestInboxSearch(t *testing.T) {
	e := newEnv(t)
	var convs []string
	for i, text := range []string{"My invoice is wrong", "hello there", "Where is the INVOICE?", "100% sure"} {
		v := e.newVisitor()
		conv := v.start()
		convs = append(convs, conv)
		status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": fmt.Sprint("m", i), "text": text})
		require.Equal(t, 201, status, "%v", body)
		status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": fmt.Sprint("n", i), "text": "and more"})
		require.Equal(t, 201, status, "%v", body)
		time.Sleep(2 * time.Millisecond) // distinct update times, so the order is known
	}
	status, _ := e.setState("a1", convs[0], map[string]any{"status": "closed"})
	require.Equal(t, 200, status)

	search := func(query string) (ids []string, seqs []float64, next string) {
		t.Helper()
		status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations?"+query, nil)
		require.Equal(t, 200, status, "%v", body)
		for _, c := range body["conversations"].([]any) {
			row := c.(map[string]any)
			ids = append(ids, row["id"].(string))
			m := row["match"].(map[string]any)
			require.Equal(t, row["id"], m["conversationId"], "the match links to its conversation")
			seqs = append(seqs, m["seq"].(float64))
		}
		next, _ = body["nextCursor"].(string)
		return ids, seqs, next
	}
	ids, seqs, _ := search("status=all&q=invoice")
	require.Equal(t, []string{convs[0], convs[2]}, ids, "the closed conversation was updated last")
	require.Equal(t, []float64{1, 1}, seqs, "each with the message that matched")
	ids, _, _ = search("q=invoice")
	require.Equal(t, []string{convs[2]}, ids, "filters apply to the search")
	ids, _, _ = search("status=all&q=100%25")
	require.Equal(t, []string{convs[3]}, ids, "% stands for itself")
	ids, _, _ = search("status=all&q=ended")
	require.Empty(t, ids, "system messages are not searched")

	// Paged, each result once.
	ids, _, next := search("status=all&q=and%20more&limit=3")
	require.Len(t, ids, 3)
	more, _, last := search("status=all&q=and%20more&limit=3&cursor=" + url.QueryEscape(next))
	require.Len(t, more, 1)
	require.Empty(t, last)
	require.ElementsMatch(t, convs, append(ids, more...))
}
