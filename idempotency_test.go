package livechat_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// An agent who sends a client message id the visitor (or another agent)
// already used gets a message of their own, not the other sender's.
func TestClientMessageIDPerSender(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	path := "api/v1/visitor/conversations/" + conv + "/messages"
	status, body := v.do("POST", path, map[string]any{"clientMessageId": "shared", "text": "from the visitor"})
	require.Equal(t, http.StatusCreated, status, "%v", body)

	agentPath := "api/v1/agent/conversations/" + conv + "/messages"
	status, body = e.agentDo("a1", "POST", agentPath, map[string]any{"clientMessageId": "shared", "text": "from a1"})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	require.Equal(t, "from a1", msgText(body))
	first := body["message"]

	ws := e.dialAgent("a2")
	ws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "shared", "text": "from a2"})
	ack := ws.nextOf("ack")
	require.Equal(t, "from a2", msgText(ack))

	// Each sender's resend still returns their own original.
	status, body = e.agentDo("a1", "POST", agentPath, map[string]any{"clientMessageId": "shared", "text": "from a1"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, first, body["message"])
	status, body = v.do("POST", path, map[string]any{"clientMessageId": "shared", "text": "from the visitor"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "from the visitor", msgText(body))

	msgs, err := e.chat.Messages(context.Background(), conv, 0, 100)
	require.NoError(t, err)
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	require.Equal(t, []string{"from the visitor", "from a1", "from a2"}, texts)
}

// A resend of a stored message returns the original after the
// conversation was closed, over HTTP and WebSocket; a new message is
// refused.
func TestResendAfterClose(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	path := "api/v1/visitor/conversations/" + conv + "/messages"
	status, sent := v.do("POST", path, map[string]any{"clientMessageId": "by-http", "text": "first"})
	require.Equal(t, http.StatusCreated, status, "%v", sent)
	ws := v.dial()
	ws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "by-ws", "text": "second"})
	wsSent := ws.nextOf("ack")["message"]

	status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/close", map[string]any{})
	require.Equal(t, http.StatusOK, status, "%v", body)

	status, body = v.do("POST", path, map[string]any{"clientMessageId": "by-http", "text": "first"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, sent["message"], body["message"])
	status, body = v.do("POST", path, map[string]any{"clientMessageId": "by-ws", "text": "second"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, wsSent, body["message"])
	status, body = v.do("POST", path, map[string]any{"clientMessageId": "new", "text": "third"})
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "conversation_closed", errCode(body))

	ws.send(map[string]any{"type": "send", "ref": "r2", "conversationId": conv, "clientMessageId": "by-ws", "text": "second"})
	ack := ws.nextOf("ack")
	require.Equal(t, "r2", ack["ref"])
	require.Equal(t, wsSent, ack["message"])
	ws.send(map[string]any{"type": "send", "ref": "r3", "conversationId": conv, "clientMessageId": "by-http", "text": "first"})
	ack = ws.nextOf("ack")
	require.Equal(t, "r3", ack["ref"])
	require.Equal(t, sent["message"], ack["message"])
	ws.send(map[string]any{"type": "send", "ref": "r4", "conversationId": conv, "clientMessageId": "new", "text": "third"})
	f := ws.nextOf("error")
	require.Equal(t, "r4", f["ref"])
	require.Equal(t, "conversation_closed", f["code"])

	msgs, err := e.chat.Messages(context.Background(), conv, 0, 100)
	require.NoError(t, err)
	require.Len(t, msgs, 3, "two messages and the close")
}

// A resend of a stored message returns the original while the visitor is
// rate limited, over HTTP and WebSocket; a new message is refused.
func TestResendWhileRateLimited(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	e := newEnv(t, func(c *livechat.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now } // frozen: nothing refills
	})
	v := e.newVisitor()
	conv := v.start()
	path := "api/v1/visitor/conversations/" + conv + "/messages"
	var first map[string]any
	for i := 0; ; i++ {
		require.Less(t, i, 1000, "the default limit never refused")
		status, body := v.do("POST", path, map[string]any{"clientMessageId": fmt.Sprint("m", i), "text": "hi"})
		if status == http.StatusTooManyRequests {
			require.Equal(t, "rate_limited", errCode(body))
			require.Positive(t, i, "the first message is never limited")
			break
		}
		require.Equal(t, http.StatusCreated, status, "%v", body)
		if i == 0 {
			first = body
		}
	}
	stored, err := e.chat.Messages(context.Background(), conv, 0, 1000)
	require.NoError(t, err)

	status, body := v.do("POST", path, map[string]any{"clientMessageId": "m0", "text": "hi"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, first["message"], body["message"])

	ws := v.dial()
	ws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "m0", "text": "hi"})
	ack := ws.nextOf("ack")
	require.Equal(t, "r1", ack["ref"])
	require.Equal(t, first["message"], ack["message"])
	ws.send(map[string]any{"type": "send", "ref": "r2", "conversationId": conv, "clientMessageId": "brand-new", "text": "hi"})
	f := ws.nextOf("error")
	require.Equal(t, "r2", f["ref"])
	require.Equal(t, "rate_limited", f["code"])

	after, err := e.chat.Messages(context.Background(), conv, 0, 1000)
	require.NoError(t, err)
	require.Len(t, after, len(stored), "resends store nothing")
}

// A resend still gets the original when the text rules have tightened
// since it was stored: a client retrying across an upgrade loses nothing.
func TestResendUnderStricterRules(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "m1", "text": "a message of some length"})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	status, body = e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "r1", "text": "a reply of some length"})
	require.Equal(t, http.StatusCreated, status, "%v", body)

	strict := newEnv(t, func(c *livechat.Config) { c.Storage = e.store; c.MaxMessageLength = 10 })
	ctx := context.Background()
	c, err := strict.chat.Conversation(ctx, conv)
	require.NoError(t, err)
	m, err := strict.chat.Send(ctx, c.VisitorID, conv, "m1", "a message of some length")
	require.NoError(t, err)
	require.EqualValues(t, 1, m.Seq)
	r, err := strict.chat.Reply(ctx, conv, "a1", "r1", "a reply of some length")
	require.NoError(t, err)
	require.EqualValues(t, 2, r.Seq)

	// A new message under the new rules is refused as before.
	_, err = strict.chat.Send(ctx, c.VisitorID, conv, "m2", "a message of some length")
	require.ErrorIs(t, err, livechat.ErrTooLarge)
}
