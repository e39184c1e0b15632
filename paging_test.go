package livechat_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// listPage gets one page of the agent conversation list and returns the
// ids and the next cursor.
func listPage(t *testing.T, e *testEnv, query url.Values) ([]string, string) {
	t.Helper()
	status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations?"+query.Encode(), nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	var ids []string
	for _, c := range body["conversations"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	next, _ := body["nextCursor"].(string)
	return ids, next
}

// An agent reaches every conversation, the 150th of 250 included, by
// following nextCursor; conversations started meanwhile do not repeat or
// shift the pages.
func TestAgentConversationPaging(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	e := newEnv(t, func(c *livechat.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	})
	ctx := context.Background()
	start := func(i int) string {
		t.Helper()
		vid := fmt.Sprintf("visitor-%d", i)
		mu.Lock()
		at := now // the handler's clock moves it too
		mu.Unlock()
		require.NoError(t, e.store.CreateVisitor(ctx, &livechat.Visitor{ID: vid, CreatedAt: at}))
		c, created, err := e.chat.StartConversation(ctx, vid, "https://example.com/")
		require.NoError(t, err)
		require.True(t, created)
		return c.ID
	}
	var started []string // oldest first
	for i := range 250 {
		started = append(started, start(i))
	}
	number150 := started[149]

	first, cursor := listPage(t, e, nil)
	require.Len(t, first, 100, "the default page size")
	require.NotEmpty(t, cursor)
	require.NotContains(t, first, number150)
	require.Equal(t, started[249], first[0], "newest first")

	for i := range 3 {
		started = append(started, start(1000+i)) // newer: they go to the top
	}
	got := first
	for pages := 1; cursor != ""; pages++ {
		require.Less(t, pages, 10, "paging does not end")
		var ids []string
		ids, cursor = listPage(t, e, url.Values{"cursor": {cursor}})
		got = append(got, ids...)
	}
	require.Len(t, got, 250, "every conversation that existed when paging began")
	require.Contains(t, got, number150)
	seen := map[string]bool{}
	for i, id := range got {
		require.False(t, seen[id], "%s listed twice", id)
		seen[id] = true
		require.Equal(t, started[249-i], id, "position %d", i)
	}

	status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations/"+number150, nil)
	require.Equal(t, http.StatusOK, status, "%v", body)

	// A smaller page size pages the same way.
	ids, cursor := listPage(t, e, url.Values{"limit": {"2"}})
	require.Equal(t, []string{started[252], started[251]}, ids)
	ids, _ = listPage(t, e, url.Values{"limit": {"2"}, "cursor": {cursor}})
	require.Equal(t, []string{started[250], started[249]}, ids)

	// So does the Go API.
	var all []string
	cursor = ""
	for {
		page, next, err := e.chat.ConversationPage(ctx, livechat.ConversationFilter{Limit: 60}, cursor)
		require.NoError(t, err)
		for _, c := range page {
			all = append(all, c.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Len(t, all, 253)
	require.Equal(t, started[252], all[0])
	require.Equal(t, started[0], all[252])
}

// The list filters by state, assignee and chatflow, combined, on every
// page; bad parameters are bad_request.
func TestAgentConversationFilters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	base := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	type fixture struct {
		status             livechat.ConversationStatus
		assignee, chatflow string
	}
	fixtures := []fixture{
		{livechat.StatusOpen, "", ""},
		{livechat.StatusOpen, "a1", "sales"},
		{livechat.StatusOpen, "a2", "sales"},
		{livechat.StatusClosed, "a1", "sales"},
		{livechat.StatusClosed, "", "support"},
		{livechat.StatusOpen, "a1", "support"},
		{livechat.StatusClosed, "a2", ""},
	}
	var ids []string
	for i, f := range fixtures {
		// Three conversations of each kind, so that pages of two split them.
		for j := range 3 {
			id := fmt.Sprintf("c%d-%d", i, j)
			at := base.Add(time.Duration(i*3+j) * time.Minute)
			require.NoError(t, e.store.CreateConversation(ctx, &livechat.Conversation{
				ID: id, VisitorID: "v" + id, Status: f.status, AssigneeID: f.assignee, ChatflowID: f.chatflow,
				CreatedAt: at, UpdatedAt: at,
			}))
			ids = append(ids, id)
		}
	}
	want := func(match func(f fixture) bool) []string {
		var out []string
		for i := len(ids) - 1; i >= 0; i-- { // newest first
			if match(fixtures[i/3]) {
				out = append(out, ids[i])
			}
		}
		return out
	}
	all := func(query url.Values) []string {
		t.Helper()
		query.Set("limit", "2")
		var out []string
		for pages := 0; ; pages++ {
			require.Less(t, pages, 20, "paging does not end")
			ids, next := listPage(t, e, query)
			out = append(out, ids...)
			if next == "" {
				return out
			}
			query.Set("cursor", next)
		}
	}
	tests := []struct {
		name  string
		query url.Values
		match func(f fixture) bool
	}{
		{"DefaultIsOpen", url.Values{}, func(f fixture) bool { return f.status == livechat.StatusOpen }},
		{"Closed", url.Values{"status": {"closed"}}, func(f fixture) bool { return f.status == livechat.StatusClosed }},
		{"All", url.Values{"status": {"all"}}, func(f fixture) bool { return true }},
		{"Me", url.Values{"assignee": {"me"}, "status": {"all"}}, func(f fixture) bool { return f.assignee == "a1" }},
		{"AgentID", url.Values{"assignee": {"a2"}, "status": {"all"}}, func(f fixture) bool { return f.assignee == "a2" }},
		{"UnassignedOpen", url.Values{"assignee": {"unassigned"}}, func(f fixture) bool { return f.assignee == "" && f.status == livechat.StatusOpen }},
		{"Chatflow", url.Values{"chatflow": {"sales"}, "status": {"all"}}, func(f fixture) bool { return f.chatflow == "sales" }},
		{"ChatflowOpenMine", url.Values{"chatflow": {"support"}, "assignee": {"me"}}, func(f fixture) bool {
			return f.chatflow == "support" && f.assignee == "a1" && f.status == livechat.StatusOpen
		}},
		{"ClosedAgentChatflow", url.Values{"status": {"closed"}, "assignee": {"a1"}, "chatflow": {"sales"}}, func(f fixture) bool {
			return f.status == livechat.StatusClosed && f.assignee == "a1" && f.chatflow == "sales"
		}},
		{"UnknownChatflow", url.Values{"chatflow": {"none"}, "status": {"all"}}, func(f fixture) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, want(tt.match), all(tt.query))
		})
	}

	_, cursor := listPage(t, e, url.Values{"limit": {"1"}})
	bad := []string{
		"cursor=not-a-cursor",
		"cursor=" + cursor + "x",
		"cursor=eyJ0IjoiMjAyNS0wMy0wNFQwNTowNjowN1oifQ", // no id
		"limit=0", "limit=101", "limit=x",
		"assignee=" + url.QueryEscape("a b"), "chatflow=" + url.QueryEscape("x/y"), "status=archived",
	}
	for _, q := range bad {
		status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations?"+q, nil)
		require.Equal(t, http.StatusBadRequest, status, q)
		require.Equal(t, "bad_request", errCode(body), q)
	}
}
