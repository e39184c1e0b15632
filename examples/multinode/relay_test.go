package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// TestVisitorAndAgentOnTwoNodes runs the program with each broker. A
// visitor on node 1 writes, Ada's inbox socket on node 2 receives it and
// answers, and the visitor receives the answer; then a second visitor
// does the same with every request, the WebSocket included, going
// through the balancer. Stopping the program closes the WebSockets
// still open.
func TestVisitorAndAgentOnTwoNodes(t *testing.T) {
	for _, broker := range []string{"redis", "nats", "postgres"} {
		t.Run(broker, func(t *testing.T) {
			d := startDemo(t, broker)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			// The balancer sends requests to each node in turn.
			var servedBy []string
			for range 4 {
				resp, err := http.Get(d.balancer + "/")
				require.NoError(t, err)
				resp.Body.Close()
				servedBy = append(servedBy, resp.Header.Get("X-Served-By"))
			}
			require.ElementsMatch(t, []string{"node 1", "node 1", "node 2", "node 2"}, servedBy, "X-Served-By through the balancer")
			require.NotEqual(t, servedBy[0], servedBy[1], "two requests in a row through the balancer")

			agent := dial(ctx, t, d.nodes[1], "agent", http.Header{"Cookie": {"demo_agent=ada"}})

			t.Run("visitor on node 1, agent on node 2", func(t *testing.T) {
				v := newVisitor(ctx, t, d.nodes[0])
				talk(ctx, t, v, agent, "Hello from node 1", "Ada on node 2 here")
			})
			t.Run("visitor through the balancer, agent on node 2", func(t *testing.T) {
				v := newVisitor(ctx, t, d.balancer)
				talk(ctx, t, v, agent, "Hello through the balancer", "Ada again, still on node 2")
			})

			// SIGINT: the program closes every WebSocket, on a node and
			// through the balancer, as going away, and returns.
			v := newVisitor(ctx, t, d.balancer)
			closed := make(chan error, 2)
			for _, s := range []*socket{agent, v.ws} {
				go func() {
					for {
						if _, _, err := s.conn.Read(ctx); err != nil {
							closed <- err
							return
						}
					}
				}()
			}
			d.stop(t)
			for range 2 {
				err := <-closed
				require.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "a WebSocket closed by shutdown: %v", err)
			}
		})
	}
}

// talk has the visitor write hello and the agent answer reply, each
// checking that the other's message arrives.
func talk(ctx context.Context, t *testing.T, v *visitor, agent *socket, hello, reply string) {
	t.Helper()
	v.ws.send(t, v.conv, "v1", hello)
	got := agent.waitMessage(t, v.conv, "visitor")
	require.Equal(t, hello, got.Text, "what the agent receives")
	require.EqualValues(t, 1, got.Seq)

	agent.send(t, v.conv, "a1", reply)
	got = v.ws.waitMessage(t, v.conv, "agent")
	require.Equal(t, reply, got.Text, "what the visitor receives")
	require.EqualValues(t, 2, got.Seq)
}

// visitor is a browser's cookies, its conversation and its widget's
// WebSocket.
type visitor struct {
	conv string
	ws   *socket
}

// newVisitor views a page of base, starts a conversation and opens the
// widget's WebSocket subscribed to it, each through base.
func newVisitor(ctx context.Context, t *testing.T, base string) *visitor {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	page := map[string]any{"url": base + "/"}
	postJSON(t, c, base+"/livechat/api/v1/visitor/config", page, &struct{}{})
	var started struct {
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
	}
	postJSON(t, c, base+"/livechat/api/v1/visitor/conversations", page, &started)
	require.NotEmpty(t, started.Conversation.ID)

	mount, err := url.Parse(base + "/livechat/")
	require.NoError(t, err)
	h := http.Header{}
	for _, ck := range jar.Cookies(mount) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	v := &visitor{conv: started.Conversation.ID, ws: dial(ctx, t, base, "visitor", h)}
	v.ws.write(t, map[string]any{"type": "subscribe", "conversationId": v.conv, "after": 0})
	v.ws.waitFrame(t, "subscribed", func(f frame) bool { return f.ConversationID == v.conv })
	return v
}

func postJSON(t *testing.T, c *http.Client, url string, body, out any) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	resp, err := c.Post(url, "application/json", bytes.NewReader(data))
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, "POST %s: %s", url, answer)
	require.NoError(t, json.Unmarshal(answer, out), "POST %s: %s", url, answer)
}

// socket is a visitor's or an agent's WebSocket.
type socket struct {
	ctx  context.Context
	conn *websocket.Conn
}

// frame is the part of a server frame the tests read.
type frame struct {
	Type           string          `json:"type"`
	Ref            string          `json:"ref"`
	ConversationID string          `json:"conversationId"`
	Message        json.RawMessage `json:"message"`
}

type message struct {
	Seq    int64  `json:"seq"`
	Sender string `json:"sender"`
	Text   string `json:"text"`
}

// dial opens the WebSocket of who ("visitor" or "agent") at base and
// reads its ready frame; it is closed when the test ends.
func dial(ctx context.Context, t *testing.T, base, who string, h http.Header) *socket {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/livechat/api/v1/" + who + "/ws"
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	require.NoError(t, err, "open %s", u)
	t.Cleanup(func() { conn.CloseNow() })
	conn.SetReadLimit(1 << 20)
	s := &socket{ctx: ctx, conn: conn}
	s.waitFrame(t, "ready", func(frame) bool { return true })
	return s
}

func (s *socket) write(t *testing.T, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, s.conn.Write(s.ctx, websocket.MessageText, data))
}

// waitFrame reads frames until one of the type for which match is true;
// it fails on an error frame.
func (s *socket) waitFrame(t *testing.T, typ string, match func(frame) bool) frame {
	t.Helper()
	for {
		_, data, err := s.conn.Read(s.ctx)
		require.NoError(t, err, "waiting for a %s frame", typ)
		var f frame
		require.NoError(t, json.Unmarshal(data, &f), "frame %s", data)
		require.NotEqual(t, "error", f.Type, "error frame %s", data)
		if f.Type == typ && match(f) {
			return f
		}
	}
}

// send posts text to the conversation and waits for its ack.
func (s *socket) send(t *testing.T, conv, clientMessageID, text string) {
	t.Helper()
	ref := "ref-" + clientMessageID
	s.write(t, map[string]any{"type": "send", "ref": ref, "conversationId": conv, "clientMessageId": clientMessageID, "text": text})
	s.waitFrame(t, "ack", func(f frame) bool { return f.Ref == ref })
}

// waitMessage reads frames until a message of the conversation from
// sender arrives.
func (s *socket) waitMessage(t *testing.T, conv, sender string) message {
	t.Helper()
	var m message
	s.waitFrame(t, "message", func(f frame) bool {
		require.NoError(t, json.Unmarshal(f.Message, &m), "message %s", f.Message)
		return f.ConversationID == conv && m.Sender == sender
	})
	return m
}
