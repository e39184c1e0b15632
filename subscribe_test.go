package livechat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// A client that asks for messages after a seq beyond the end learns the
// conversation's real last seq, from subscribe and from long-poll, and
// then gets the next message: trusting the answer loses nothing.
func TestSubscribeAfterBeyondEnd(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	agent := mustAgent(t, e, "a1")
	status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "c1", "text": "first"})
	require.Equal(t, 201, status, "%v", body)

	vws := v.dial()
	vws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 5})
	sub := vws.next()
	require.Equal(t, "subscribed", sub["type"], "%v", sub)
	require.EqualValues(t, 1, seqOf(sub), "subscribed.seq is the conversation's last seq")

	_, err := e.chat.Reply(context.Background(), conv, agent, "r1", "second")
	require.NoError(t, err)
	f := vws.nextOf("message")
	require.EqualValues(t, 2, seqOf(f))
	require.Equal(t, "second", msgText(f))

	// Long-poll: the answer's seq is the last seq too, and asking from
	// beyond the end gets what comes after the real end.
	status, body = v.do("GET", "api/v1/visitor/poll?conversationId="+conv+"&after=9&timeout=1", nil)
	require.Equal(t, 200, status, "%v", body)
	require.EqualValues(t, 2, seqOf(body), "poll seq after an after beyond the end")
	require.Empty(t, body["events"])
	status, body = e.agentDo(agent, "GET", "api/v1/agent/poll?conversationId="+conv+"&after=1&timeout=1", nil)
	require.Equal(t, 200, status, "%v", body)
	require.EqualValues(t, 2, seqOf(body))
	require.Len(t, body["events"], 1)
}
