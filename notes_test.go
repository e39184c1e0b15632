package livechat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

const secretNote = "NOTE-7f3a: refund approved, do not tell yet"

// noteEnv is a conversation with, in seq order: the visitor's "hello" (1),
// a private note (2) and the agent's reply "on it" (3).
type noteEnv struct {
	*testEnv
	v    *visitor
	conv string
}

func newNoteEnv(t *testing.T) *noteEnv {
	t.Helper()
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "v1", "text": "hello"})
	require.Equal(t, 201, status, "%v", body)
	return &noteEnv{testEnv: e, v: v, conv: conv}
}

func (n *noteEnv) note(text string) map[string]any {
	n.t.Helper()
	status, body := n.agentDo("a1", "POST", "api/v1/agent/conversations/"+n.conv+"/notes", map[string]any{"clientMessageId": fmt.Sprintf("n-%d", time.Now().UnixNano()), "text": text})
	require.Equal(n.t, 201, status, "%v", body)
	return body["message"].(map[string]any)
}

func (n *noteEnv) reply(text string) {
	n.t.Helper()
	status, body := n.agentDo("a1", "POST", "api/v1/agent/conversations/"+n.conv+"/messages", map[string]any{"clientMessageId": fmt.Sprintf("r-%d", time.Now().UnixNano()), "text": text})
	require.Equal(n.t, 201, status, "%v", body)
}

// readRaw returns the next frame's bytes, or nil when none comes within d.
func readRaw(t *testing.T, c *websocket.Conn, d time.Duration) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		return nil
	}
	return data
}

func TestNoteIsStoredAndShownToAgents(t *testing.T) {
	n := newNoteEnv(t)
	agentWS := n.dialAgent("a2")
	m := n.note(secretNote)
	require.Equal(t, "note", m["sender"])
	require.Equal(t, "Agent a1", m["authorName"])
	require.EqualValues(t, 2, m["seq"])

	f := agentWS.nextOf("message")
	require.Equal(t, "note", f["message"].(map[string]any)["sender"])
	require.Equal(t, secretNote, msgText(f))

	status, body := n.agentDo("a2", "GET", "api/v1/agent/conversations/"+n.conv, nil)
	require.Equal(t, 200, status)
	msgs := body["messages"].([]any)
	require.Len(t, msgs, 2)
	require.Equal(t, "note", msgs[1].(map[string]any)["sender"])

	// A resend returns the original, 200.
	cid := m["clientMessageId"].(string)
	status, body = n.agentDo("a1", "POST", "api/v1/agent/conversations/"+n.conv+"/notes", map[string]any{"clientMessageId": cid, "text": "again"})
	require.Equal(t, 200, status)
	require.Equal(t, m["id"], body["message"].(map[string]any)["id"])
}

func TestNoteAuthorizationAndBadInput(t *testing.T) {
	n := newNoteEnv(t)
	path := "api/v1/agent/conversations/" + n.conv + "/notes"
	// A visitor, with their cookie, is no agent.
	status, body := n.v.do("POST", path, map[string]any{"clientMessageId": "x1", "text": "hi"})
	require.Equal(t, 401, status, "%v", body)
	// Nor on their WebSocket: there is no note frame.
	ws := n.v.dial()
	ws.send(map[string]any{"type": "note", "ref": "r1", "conversationId": n.conv, "clientMessageId": "x2", "text": "hi"})
	f := ws.nextOf("error")
	require.Equal(t, "bad_request", f["code"])
	require.Equal(t, "unknown frame type", f["message"])

	cases := []struct {
		name   string
		path   string
		body   any
		status int
		msg    string
	}{
		{"EmptyText", path, map[string]any{"clientMessageId": "x3", "text": "  "}, 400, "text is empty"},
		{"BadClientID", path, map[string]any{"clientMessageId": "bad id", "text": "x"}, 400, "clientMessageId must be 1 to 64 characters of A-Z, a-z, 0-9, - and _"},
		{"UnknownField", path, map[string]any{"clientMessageId": "x4", "text": "x", "note": true}, 400, `unknown field "note"`},
		{"TooLong", path, map[string]any{"clientMessageId": "x5", "text": strings.Repeat("a", 5001)}, 413, "text is too long (limit 5000 characters)"},
		{"UnknownConversation", "api/v1/agent/conversations/nope/notes", map[string]any{"clientMessageId": "x6", "text": "x"}, 404, "conversation not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := n.agentDo("a1", "POST", tc.path, tc.body)
			require.Equal(t, tc.status, status, "%v", body)
			require.Equal(t, tc.msg, body["error"].(map[string]any)["message"])
		})
	}
	status, _ = n.agentDo("", "POST", path, map[string]any{"clientMessageId": "x7", "text": "x"})
	require.Equal(t, 401, status)
	c, err := n.store.Conversation(context.Background(), n.conv)
	require.NoError(t, err)
	require.EqualValues(t, 1, c.LastSeq, "nothing stored")
}

// The visitor's WebSocket: live, in batches, and the replay of a
// subscribe. The note's seq is skipped; `subscribed` still carries the
// conversation's last seq.
func TestNoteNeverReachesVisitorWebSocket(t *testing.T) {
	for _, path := range []string{"api/v1/visitor/ws", "api/v1/visitor/ws?batch=1"} {
		t.Run(path, func(t *testing.T) {
			n := newNoteEnv(t)
			h := http.Header{}
			u, _ := http.NewRequest("GET", n.base, nil)
			for _, c := range n.v.client.Jar.Cookies(u.URL) {
				h.Add("Cookie", c.Name+"="+c.Value)
			}
			ws := n.dialWS(path, h)
			ws.send(map[string]any{"type": "subscribe", "conversationId": n.conv, "after": 0})
			var got []byte
			for {
				data := readRaw(t, ws.conn, 5*time.Second)
				require.NotNil(t, data)
				got = append(got, data...)
				if strings.Contains(string(data), `"subscribed"`) {
					break
				}
			}
			n.note(secretNote)
			n.reply("on it")
			for !strings.Contains(string(got), "on it") {
				data := readRaw(t, ws.conn, 5*time.Second)
				require.NotNil(t, data, "the reply arrives")
				got = append(got, data...)
			}
			require.NotContains(t, string(got), "NOTE-7f3a")
			require.NotContains(t, string(got), `"note"`)

			// Reconnected: the replay skips the note.
			ws.close()
			ws = n.dialWS(path, h)
			ws.send(map[string]any{"type": "subscribe", "conversationId": n.conv, "after": 1})
			var frames []map[string]any
			for done := false; !done; {
				data := readRaw(t, ws.conn, 5*time.Second)
				require.NotNil(t, data)
				require.NotContains(t, string(data), "NOTE-7f3a")
				for _, line := range strings.Split(string(data), "\n") {
					var f map[string]any
					require.NoError(t, json.Unmarshal([]byte(line), &f))
					frames = append(frames, f)
					done = done || f["type"] == "conversation"
				}
			}
			var seqs []int64
			for _, f := range frames {
				switch f["type"] {
				case "message":
					seqs = append(seqs, seqOf(f))
				case "subscribed":
					require.EqualValues(t, 3, seqOf(f), "the conversation's last seq")
				}
			}
			require.Equal(t, []int64{3}, seqs)
			require.Nil(t, readRaw(t, ws.conn, 300*time.Millisecond), "nothing more")
		})
	}
}

// The visitor's history pages: the note is left out, and `seq` says how
// far the page reaches, so that a client's contiguous mark moves past it.
func TestNoteNeverReachesVisitorHistory(t *testing.T) {
	n := newNoteEnv(t)
	n.note(secretNote)
	base := "api/v1/visitor/conversations/" + n.conv + "/messages"

	status, body := n.v.do("GET", base+"?after=0", nil)
	require.Equal(t, 200, status)
	require.Len(t, body["messages"], 1)
	require.EqualValues(t, 2, body["seq"], "the page covers the note's seq")
	require.Equal(t, false, body["hasMore"])

	// A page that holds only the note is empty, and says where to go on.
	status, body = n.v.do("GET", base+"?after=1&limit=1", nil)
	require.Equal(t, 200, status)
	require.Empty(t, body["messages"])
	require.EqualValues(t, 2, body["seq"])
	n.reply("on it")
	status, body = n.v.do("GET", base+"?after=1&limit=1", nil)
	require.Equal(t, 200, status)
	require.Empty(t, body["messages"])
	require.Equal(t, true, body["hasMore"])
	require.EqualValues(t, 2, body["seq"])
	status, body = n.v.do("GET", base+"?after=2", nil)
	require.Equal(t, 200, status)
	require.Len(t, body["messages"], 1)
	require.EqualValues(t, 3, body["seq"])

	// Agents page through the same thread with the note in it.
	status, body = n.agentDo("a1", "GET", "api/v1/agent/conversations/"+n.conv+"/messages?after=1", nil)
	require.Equal(t, 200, status)
	require.Len(t, body["messages"], 2)
	require.EqualValues(t, 3, body["seq"])

	// No answer the visitor can ask for holds it.
	for _, p := range []string{base + "?after=0&limit=200", "api/v1/visitor/conversations"} {
		resp, _ := doWithHeaders(t, n.v.client, "GET", n.base+p, nil, nil)
		require.Equal(t, 200, resp.StatusCode)
	}
	raw := bodyOf(t, n.v.client, n.base+base+"?after=0")
	require.NotContains(t, raw, "NOTE-7f3a")
	require.NotContains(t, bodyOf(t, n.v.client, n.base+"api/v1/visitor/conversations"), "NOTE-7f3a")
}

func bodyOf(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, resp.Body)
	require.NoError(t, err)
	return b.String()
}

// The long-poll fallback: a note alone does not answer the poll; the
// answer's seq moves past it.
func TestNoteNeverReachesVisitorLongPoll(t *testing.T) {
	n := newNoteEnv(t)
	n.note(secretNote)
	poll := "api/v1/visitor/poll?conversationId=" + n.conv + "&timeout=1&after="
	status, body := n.v.do("GET", poll+"1", nil)
	require.Equal(t, 200, status)
	require.Empty(t, body["events"], "a note is no event for a visitor")
	require.EqualValues(t, 2, body["seq"])

	done := make(chan map[string]any, 1)
	go func() {
		_, body := doJSON(t, n.v.client, "GET", n.base+poll+"0", nil, nil)
		done <- body
	}()
	body = <-done
	events := body["events"].([]any)
	require.Len(t, events, 1, "the visitor's message only")
	require.EqualValues(t, 2, body["seq"])

	// Waiting past a note: the reply that follows answers.
	go func() {
		_, body := doJSON(t, n.v.client, "GET", n.base+strings.Replace(poll, "timeout=1", "timeout=5", 1)+"1", nil, nil)
		done <- body
	}()
	time.Sleep(200 * time.Millisecond)
	n.note(secretNote + " again")
	n.reply("on it")
	body = <-done
	data, _ := json.Marshal(body)
	require.NotContains(t, string(data), "NOTE-7f3a")
	events = body["events"].([]any)
	require.NotEmpty(t, events)
	require.Equal(t, "on it", msgText(events[len(events)-1].(map[string]any)))
	require.EqualValues(t, 4, body["seq"])
}

// Exports go to the visitor: notes are the team's and are left out; the
// unread count of the launcher does not count them either.
func TestNoteNeverReachesVisitorExportOrUnread(t *testing.T) {
	n := newNoteEnv(t)
	n.note(secretNote)
	c, err := n.store.Conversation(context.Background(), n.conv)
	require.NoError(t, err)

	x, err := n.chat.ExportVisitor(context.Background(), c.VisitorID)
	require.NoError(t, err)
	require.Len(t, x.Conversations[0].Messages, 1)
	for _, m := range x.Conversations[0].Messages {
		require.NotEqual(t, livechat.SenderNote, m.Sender)
	}
	status, body := n.agentDo("dpo1", "GET", "api/v1/admin/visitors/"+c.VisitorID+"/export", nil)
	require.Equal(t, 200, status)
	data, err := json.Marshal(body)
	require.NoError(t, err)
	require.Contains(t, string(data), "hello")
	require.NotContains(t, string(data), "NOTE-7f3a")

	// Closed with a reply and a note unread: the badge counts the reply
	// and the closing message, not the note.
	n.reply("on it")
	n.note(secretNote)
	_, err = n.chat.CloseConversation(context.Background(), n.conv, "a1")
	require.NoError(t, err)
	status, body = n.v.do("POST", "api/v1/visitor/config", map[string]any{"url": n.srv.URL + "/pricing"})
	require.Equal(t, 200, status)
	require.EqualValues(t, 2, body["conversation"].(map[string]any)["unread"])
}

// A note in an older conversation moves its UpdatedAt, but the widget of
// a visitor with no open conversation keeps showing the last one they
// started.
func TestNoteDoesNotBringBackAnOldConversation(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	ctx := context.Background()
	first := v.start()
	_, err := e.chat.CloseConversation(ctx, first, "a1")
	require.NoError(t, err)
	time.Sleep(2 * time.Millisecond) // distinct creation times
	second := v.start()
	_, err = e.chat.CloseConversation(ctx, second, "a1")
	require.NoError(t, err)
	shown := func() string {
		t.Helper()
		status, body := v.do("POST", "api/v1/visitor/config", map[string]any{"url": e.srv.URL + "/"})
		require.Equal(t, 200, status, "%v", body)
		return body["conversation"].(map[string]any)["id"].(string)
	}
	require.Equal(t, second, shown())
	status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+first+"/notes", map[string]any{"clientMessageId": "n1", "text": secretNote})
	require.Equal(t, 201, status, "%v", body)
	require.Equal(t, second, shown())
}
