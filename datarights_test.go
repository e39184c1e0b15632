package livechat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExportAndErase(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	status, _ := v.do("POST", "api/v1/visitor/email", map[string]any{"email": "zoe@example.com"})
	require.Equal(t, 200, status)
	status, _ = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "m1", "text": "Please forget me"})
	require.Equal(t, 201, status)
	status, _ = v.do("POST", "api/v1/visitor/consent", map[string]any{"kind": "processing", "granted": true, "textHash": hashOf("text")})
	require.Equal(t, 201, status)
	c, err := e.store.Conversation(ctx, conv)
	require.NoError(t, err)
	visitorID := c.VisitorID

	status, body := e.agentDo("a1", "GET", "api/v1/admin/visitors/"+visitorID+"/export", nil)
	require.Equal(t, 403, status, "needs the manage_data permission: %v", body)

	status, body = e.agentDo("dpo1", "GET", "api/v1/admin/visitors/"+visitorID+"/export", nil)
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, "zoe@example.com", body["contact"].(map[string]any)["email"])
	convs := body["conversations"].([]any)
	require.Len(t, convs, 1)
	msgs := convs[0].(map[string]any)["messages"].([]any)
	require.Equal(t, "Please forget me", msgs[0].(map[string]any)["text"])
	require.Len(t, body["consents"], 1)

	ws := v.dial()
	status, _ = e.agentDo("dpo1", "DELETE", "api/v1/admin/visitors/"+visitorID+"?contact=true", nil)
	require.Equal(t, 204, status)
	_, _, err = ws.conn.Read(ctx)
	require.Error(t, err, "the erased visitor's connection is closed")

	status, _ = e.agentDo("dpo1", "GET", "api/v1/admin/visitors/"+visitorID+"/export", nil)
	require.Equal(t, 404, status)
	_, err = e.store.Conversation(ctx, conv)
	require.Error(t, err)
	_, err = e.store.ContactByEmail(ctx, "zoe@example.com")
	require.Error(t, err)
	recs, err := e.store.Consents(ctx, visitorID)
	require.NoError(t, err)
	require.Empty(t, recs)
	// The old cookie no longer opens anything.
	status, _ = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, 404, status)
}
