package livechat_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
)

// plainStorage hides a Storage's optional livechat.ConditionalAppender:
// the Handler reads the conversation before each append, as with a
// Storage that does not have it.
type plainStorage struct{ livechat.Storage }

// countingAppender counts the appends made through a Storage's
// livechat.ConditionalAppender.
type countingAppender struct {
	livechat.Storage
	n atomic.Int64
}

func (s *countingAppender) AppendMessageIf(ctx context.Context, m *livechat.Message, cond livechat.AppendCondition) (*livechat.Message, *livechat.Conversation, bool, error) {
	s.n.Add(1)
	return s.Storage.(livechat.ConditionalAppender).AppendMessageIf(ctx, m, cond)
}

// Posting a message answers the same whether the Storage checks the
// conversation in its append (livechat.ConditionalAppender) or the
// Handler reads it first: every acceptance, resend and refusal, for
// visitors and agents.
func TestSendAnswersTheSameWithoutConditionalAppender(t *testing.T) {
	var want []string
	for _, st := range storages {
		for _, plain := range []bool{false, true} {
			name := st.name
			if plain {
				name += ", read before append"
			}
			t.Run(name, func(t *testing.T) {
				store := st.open(t)
				counting := &countingAppender{Storage: store}
				if plain {
					store = plainStorage{store}
				} else {
					_, ok := store.(livechat.ConditionalAppender)
					require.True(t, ok, "%T is a livechat.ConditionalAppender", store)
					store = counting
				}
				got := sendTranscript(t, store)
				if !plain {
					require.Positive(t, counting.n.Load(), "messages posted through AppendMessageIf")
				}
				if want == nil {
					want = got
					return
				}
				require.Equal(t, want, got)
			})
		}
	}
}

// sendTranscript posts messages in every situation the Handler tells
// apart and returns what each answer says, without ids and times.
func sendTranscript(t *testing.T, store livechat.Storage) []string {
	strict := flow.New("Strict")
	strict.ID = "strict"
	strict.Options.Consent.Processing.Kind = consent.ProcessingExplicit
	e := newEnv(t, func(c *livechat.Config) { c.Storage = store; c.Flows = []*flow.Chatflow{strict} })
	ctx := context.Background()
	var out []string
	note := func(what string, status int, body map[string]any) {
		t.Helper()
		line := fmt.Sprintf("%s: %d", what, status)
		if m, ok := body["message"].(map[string]any); ok {
			line += fmt.Sprintf(" seq=%v client=%v sender=%v text=%q", m["seq"], m["clientMessageId"], m["sender"], m["text"])
		} else {
			line += fmt.Sprintf(" %v", body["error"])
		}
		out = append(out, line)
	}
	v, w := e.newVisitor(), e.newVisitor()
	conv, others := v.start(), w.start()
	visitorSend := func(what, id, clientID, text string) {
		t.Helper()
		status, body := v.do("POST", "api/v1/visitor/conversations/"+id+"/messages", map[string]any{"clientMessageId": clientID, "text": text})
		note("visitor "+what, status, body)
	}
	agentSend := func(what, id, clientID, text string) {
		t.Helper()
		status, body := e.agentDo("agent-1", "POST", "api/v1/agent/conversations/"+id+"/messages", map[string]any{"clientMessageId": clientID, "text": text})
		note("agent "+what, status, body)
	}
	visitorSend("first", conv, "m1", "hello")
	visitorSend("resend", conv, "m1", "hello again")
	visitorSend("resend with a refused text", conv, "m1", strings.Repeat(" ", 3))
	visitorSend("refused text", conv, "m2", strings.Repeat(" ", 3))
	visitorSend("bad client id", conv, "m 2", "hello")
	visitorSend("to another visitor's", others, "m2", "hello")
	visitorSend("to an unknown", "5b0e0a4e-8f3c-4c1e-9a43-2f6d1e7c9b10", "m2", "hello")
	visitorSend("to a malformed id", "nope", "m2", "hello")
	visitorSend("second", conv, "m2", "second")
	agentSend("first", conv, "a1", "hi, how can I help?")
	agentSend("resend", conv, "a1", "hi again")
	agentSend("same client id as the visitor", conv, "m1", "a message of its own")
	agentSend("to an unknown", "5b0e0a4e-8f3c-4c1e-9a43-2f6d1e7c9b10", "a2", "hello")
	agentSend("refused text", conv, "a2", "")
	m, err := e.chat.Reply(ctx, conv, "agent-1", "", "no client id")
	require.NoError(t, err)
	out = append(out, fmt.Sprintf("agent through Go without a client id: seq=%d", m.Seq))
	_, err = e.chat.Reply(ctx, others, "agent-1", "bad id", "hello")
	out = append(out, fmt.Sprintf("agent through Go with a bad client id: %v", err))
	_, err = e.chat.Reply(ctx, "nope", "agent-1", "bad id", "hello")
	out = append(out, fmt.Sprintf("agent through Go with a bad client id to a malformed conversation id: %v", err))
	_, err = e.chat.Send(ctx, "someone", conv, "m9", "hello")
	out = append(out, fmt.Sprintf("someone else through Go: %v", err))

	_, err = e.chat.CloseConversation(ctx, conv, "agent-1")
	require.NoError(t, err)
	visitorSend("resend after the close", conv, "m2", "second")
	visitorSend("after the close", conv, "m3", "anyone?")
	agentSend("after the close", conv, "a3", "one more thing")

	x := e.newVisitor()
	status, body := x.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/", "chatflowId": "strict"})
	require.Equal(t, 201, status, "%v", body)
	strictConv := body["conversation"].(map[string]any)["id"].(string)
	send := func(what, clientID string) {
		t.Helper()
		status, body := x.do("POST", "api/v1/visitor/conversations/"+strictConv+"/messages", map[string]any{"clientMessageId": clientID, "text": "hello"})
		note("explicit consent: "+what, status, body)
	}
	send("before consent", "s1")
	status, _ = x.do("POST", "api/v1/visitor/consent", map[string]any{"kind": "processing", "granted": true, "textHash": hashOf("text")})
	require.Equal(t, 201, status)
	send("after consent", "s1")
	status, _ = x.do("POST", "api/v1/visitor/consent", map[string]any{"kind": "processing", "granted": false, "textHash": hashOf("text")})
	require.Equal(t, 201, status)
	send("resend after withdrawing", "s1")
	send("after withdrawing", "s2")

	for _, id := range []string{conv, others, strictConv} {
		msgs, err := store.Messages(ctx, id, 0, 100)
		require.NoError(t, err)
		for _, m := range msgs {
			if m.Sender == livechat.SenderSystem {
				m.ClientMsgID = "" // made of the time
			}
			out = append(out, fmt.Sprintf("stored: seq=%d sender=%s client=%q text=%q code=%q", m.Seq, m.Sender, m.ClientMsgID, m.Text, m.Code))
		}
		c, err := store.Conversation(ctx, id)
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("conversation: status=%s lastSeq=%d", c.Status, c.LastSeq))
	}
	return out
}

// Handler.Send with an empty visitor id answers ErrNotFound and stores
// nothing, with or without the Storage's ConditionalAppender: no
// conversation is the visitor's, and AppendCondition's empty VisitorID
// (no requirement) must not let the message into someone else's.
func TestSendWithEmptyVisitorID(t *testing.T) {
	for _, st := range storages {
		for _, plain := range []bool{false, true} {
			name := st.name
			if plain {
				name += ", read before append"
			}
			t.Run(name, func(t *testing.T) {
				store := st.open(t)
				if plain {
					store = plainStorage{store}
				}
				e := newEnv(t, func(c *livechat.Config) { c.Storage = store })
				v := e.newVisitor()
				conv := v.start()
				_, err := e.chat.Send(context.Background(), "", conv, "m1", "injected")
				require.ErrorIs(t, err, livechat.ErrNotFound, "another visitor's conversation")
				msgs, err := store.Messages(context.Background(), conv, 0, 100)
				require.NoError(t, err)
				for _, m := range msgs {
					require.NotEqual(t, "injected", m.Text, "stored in visitor %q's conversation", "")
				}
			})
		}
	}
}
