package livechat_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The connection that sends a message gets its ack and no message event
// of it; the visitor's other connections and the agents get the event.
func TestSenderGetsAckNotEcho(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	agentWS := e.dialAgent("a1")
	tabs := []*wsClient{v.dial(), v.dial()}
	for _, tab := range tabs {
		tab.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
		tab.nextOf("subscribed")
		tab.nextOf("conversation")
	}
	tabs[0].send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c1", "text": "hello"})
	ack := tabs[0].next()
	require.Equal(t, "ack", ack["type"], "%v", ack)
	require.Equal(t, "hello", msgText(ack))
	tabs[0].send(map[string]any{"type": "ping"})
	require.Equal(t, "pong", tabs[0].next()["type"], "no message event of its own message")

	other := tabs[1].nextOf("message")
	require.Equal(t, "hello", msgText(other))
	require.Equal(t, seqOf(ack["message"].(map[string]any)), seqOf(other))
	require.Equal(t, "hello", msgText(agentWS.nextOf("message")))

	// The same for an agent: its own connection gets the ack only, the
	// visitor gets the message.
	agentWS.send(map[string]any{"type": "send", "ref": "r2", "conversationId": conv, "clientMessageId": "a-1", "text": "hi there"})
	for {
		f := agentWS.next()
		require.False(t, f["type"] == "message" && msgText(f) == "hi there", "the agent's own message came back as an event")
		if f["type"] == "ack" {
			require.Equal(t, "hi there", msgText(f))
			break
		}
	}
	agentWS.send(map[string]any{"type": "ping"})
	for {
		f := agentWS.next()
		require.False(t, f["type"] == "message" && msgText(f) == "hi there", "the agent's own message came back as an event")
		if f["type"] == "pong" {
			break
		}
	}
	require.Equal(t, "hi there", msgText(tabs[0].nextOf("message")))
}
