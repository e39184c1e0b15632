package livechat_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// The visitor's conversation list pages like the agents' one: limit and
// cursor, nextCursor while more follow, newest first, each conversation
// once; nothing is cut off without saying so.
func TestVisitorConversationListPages(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	var started []string
	for i := range 3 {
		id := v.start()
		started = append(started, id)
		if i < 2 {
			status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+id+"/close", map[string]any{})
			require.Equal(t, 200, status, "%v", body)
		}
	}

	status, body := v.do("GET", "api/v1/visitor/conversations?limit=2", nil)
	require.Equal(t, 200, status, "%v", body)
	page := body["conversations"].([]any)
	require.Len(t, page, 2)
	next, ok := body["nextCursor"].(string)
	require.True(t, ok, "a next page is announced: %v", body)
	status, body = v.do("GET", "api/v1/visitor/conversations?limit=2&cursor="+url.QueryEscape(next), nil)
	require.Equal(t, 200, status, "%v", body)
	page = append(page, body["conversations"].([]any)...)
	require.NotContains(t, body, "nextCursor", "the last page says so")
	var got []string
	for _, c := range page {
		got = append(got, c.(map[string]any)["id"].(string))
	}
	require.Equal(t, []string{started[2], started[1], started[0]}, got, "newest first, each once")

	status, body = v.do("GET", "api/v1/visitor/conversations", nil)
	require.Equal(t, 200, status)
	require.Len(t, body["conversations"], 3, "one page by default")
	require.NotContains(t, body, "nextCursor")

	for _, bad := range []string{"limit=0", "limit=101", "cursor=nonsense"} {
		status, body = v.do("GET", "api/v1/visitor/conversations?"+bad, nil)
		require.Equal(t, 400, status, bad)
		require.Equal(t, "bad_request", errCode(body))
	}
}

// A conversation behind more than 1,000 waiting ones is told 1001 ("more
// than 1,000 ahead"), never 0, which says it is not waiting.
func TestQueuePositionBeyondTheCountedPart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Hour)
	for i := range 1000 {
		at := start.Add(time.Duration(i) * time.Millisecond)
		require.NoError(t, e.store.CreateConversation(ctx, &livechat.Conversation{
			ID: fmt.Sprintf("waiting-%04d", i), VisitorID: fmt.Sprintf("other-%04d", i),
			Status: livechat.StatusOpen, CreatedAt: at, UpdatedAt: at,
		}))
	}
	v := e.newVisitor()
	v.start()
	status, body := v.do("GET", "api/v1/visitor/conversations/"+v.conv+"/queue", nil)
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, float64(1001), body["position"])
}
