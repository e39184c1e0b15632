package livechat_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

func TestSurvey(t *testing.T) {
	f := flow.New("Support")
	f.ID = "support"
	f.Options.SurveyID = "csat"
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
	v := e.newVisitor()
	require.Equal(t, map[string]any{"id": "csat"}, v.configFor("https://shop.example/")["survey"])
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": e.srv.URL + "/pricing", "chatflowId": "support"})
	require.Equal(t, 201, status, "%v", body)
	conv := body["conversation"].(map[string]any)["id"].(string)
	survey := func(body any) (int, map[string]any) {
		return v.do("POST", "api/v1/visitor/conversations/"+conv+"/survey", body)
	}

	status, body = survey(map[string]any{"rating": 5})
	require.Equal(t, 400, status, "not before the conversation ends: %v", body)

	_, err := e.chat.CloseConversation(context.Background(), conv, "")
	require.NoError(t, err)
	for _, bad := range []map[string]any{{"rating": 0}, {"rating": 6}, {"rating": 3, "comment": strings.Repeat("x", 1001)}} {
		status, _ := survey(bad)
		require.Contains(t, []int{400, 413}, status, "%v", bad)
	}
	status, body = survey(map[string]any{"rating": 4, "comment": "Quick and kind"})
	require.Equal(t, 201, status, "%v", body)
	status, body = survey(map[string]any{"rating": 1})
	require.Equal(t, 409, status, "once per conversation")
	require.Equal(t, "conflict", errCode(body))

	// Another visitor cannot answer it; agents see the answer in the thread.
	status, _ = e.newVisitor().do("POST", "api/v1/visitor/conversations/"+conv+"/survey", map[string]any{"rating": 1})
	require.Equal(t, 404, status)
	_, body = e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv, nil)
	got := body["survey"].(map[string]any)
	require.EqualValues(t, 4, got["rating"])
	require.Equal(t, "Quick and kind", got["comment"])
}

// A conversation whose chatflow has no survey takes no answer, and one
// without a chatflow neither.
func TestSurveyWithoutSurvey(t *testing.T) {
	f := flow.New("Support")
	f.ID = "support"
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
	for _, chatflowID := range []string{"support", ""} {
		v := e.newVisitor()
		status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": e.srv.URL + "/pricing", "chatflowId": chatflowID})
		require.Equal(t, 201, status, "%v", body)
		conv := body["conversation"].(map[string]any)
		closed, err := e.chat.CloseConversation(context.Background(), conv["id"].(string), "")
		require.NoError(t, err)
		require.Equal(t, chatflowID, closed.ChatflowID)
		status, body = v.do("POST", "api/v1/visitor/conversations/"+conv["id"].(string)+"/survey", map[string]any{"rating": 5})
		require.Equal(t, 400, status, "%v", body)
		require.Equal(t, "bad_request", errCode(body))
		_, body = e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv["id"].(string), nil)
		require.Nil(t, body["survey"], "nothing stored")
	}
}

// The answer reaches connected agents at once, as a survey event.
func TestSurveyLive(t *testing.T) {
	f := flow.New("Support")
	f.ID = "support"
	f.Options.SurveyID = "csat"
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
	v := e.newVisitor()
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": e.srv.URL + "/pricing", "chatflowId": "support"})
	require.Equal(t, 201, status, "%v", body)
	conv := body["conversation"].(map[string]any)["id"].(string)
	closed, err := e.chat.CloseConversation(context.Background(), conv, "")
	require.NoError(t, err)
	agent := e.dialAgent("a1")
	vws := v.dial()
	vws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": closed.LastSeq})
	require.Equal(t, "subscribed", vws.nextOf("subscribed")["type"])

	status, body = v.do("POST", "api/v1/visitor/conversations/"+conv+"/survey", map[string]any{"rating": 4, "comment": "Quick"})
	require.Equal(t, 201, status, "%v", body)
	ev := agent.nextOf("survey")
	require.Equal(t, conv, ev["conversationId"])
	require.EqualValues(t, closed.LastSeq, seqOf(ev))
	s := ev["survey"].(map[string]any)
	require.EqualValues(t, 4, s["rating"])
	require.Equal(t, "Quick", s["comment"])

	// Visitors are not sent the survey event: the next frame they get is
	// the pong.
	vws.send(map[string]any{"type": "ping"})
	for f := vws.next(); f["type"] != "pong"; f = vws.next() {
		require.NotEqual(t, "survey", f["type"])
	}
}
