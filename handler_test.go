package livechat_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

func TestNew(t *testing.T) {
	store := memory.New()
	defer store.Close()
	tests := []struct {
		name string
		cfg  livechat.Config
		want string
	}{
		{"ErrStorageRequired", livechat.Config{Secret: testSecret}, "Storage is required"},
		{"ErrSecretRequired", livechat.Config{Storage: store}, "Secret must be at least 32 bytes"},
		{"ErrSecretShort", livechat.Config{Storage: store, Secret: []byte("short")}, "Secret must be at least 32 bytes"},
		{"ErrAccentColor", livechat.Config{Storage: store, Secret: testSecret, AccentColor: "blue"}, "AccentColor"},
		{"ErrPath", livechat.Config{Storage: store, Secret: testSecret, Path: "chat"}, "Path"},
		{"ErrOrigin", livechat.Config{Storage: store, Secret: testSecret, AllowedOrigins: []string{"https://x.com/"}}, "AllowedOrigins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := livechat.New(tt.cfg)
			require.ErrorContains(t, err, tt.want)
		})
	}
	t.Run("OK", func(t *testing.T) {
		h, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret})
		require.NoError(t, err)
		require.NoError(t, h.Close())
	})
}

// A visitor writes, the agent sees it live and answers, the visitor sees
// the answer live.
func TestLiveRoundTrip(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()

	agent := e.dialAgent("a1")
	vws := v.dial()
	vws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	require.Equal(t, "subscribed", vws.next()["type"])

	vws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c1", "text": "Hello there"})
	got := agent.nextOf("message")
	require.Equal(t, "Hello there", msgText(got))
	require.EqualValues(t, 1, seqOf(got))
	ack := vws.nextOf("ack")
	require.Equal(t, "r1", ack["ref"])

	status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/messages",
		map[string]any{"clientMessageId": "a-1", "text": "Hi! How can I help?"})
	require.Equal(t, http.StatusCreated, status, "%v", body)

	got = vws.nextOf("message")
	require.Equal(t, "Hi! How can I help?", msgText(got))
	require.EqualValues(t, 2, seqOf(got))
	m := got["message"].(map[string]any)
	require.Equal(t, "agent", m["sender"])
	require.Equal(t, "Agent a1", m["authorName"])
	require.NotContains(t, m, "authorId")

	// Typing and read receipts reach the other side.
	agent.send(map[string]any{"type": "typing", "conversationId": conv, "typing": true})
	typing := vws.nextOf("typing")
	require.Equal(t, "agent", typing["participant"])
	vws.send(map[string]any{"type": "read", "conversationId": conv, "seq": 2})
	read := agent.nextOf("read")
	require.Equal(t, "visitor", read["participant"])
	require.EqualValues(t, 2, seqOf(read))
	marks, err := e.store.ReadMarks(context.Background(), conv)
	require.NoError(t, err)
	require.Len(t, marks, 1)
	require.EqualValues(t, 2, marks[0].Seq)
}

// After missing five agent messages, a reconnecting visitor gets exactly
// those five, in order.
func TestReconnectReplaysGap(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	vws := v.dial()
	vws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c1", "text": "first"})
	ack := vws.nextOf("ack")
	last := int64(ack["message"].(map[string]any)["seq"].(float64))
	vws.close()

	for i := range 5 {
		_, err := e.chat.Reply(context.Background(), conv, mustAgent(t, e, "a1"), fmt.Sprintf("m%d", i), fmt.Sprintf("reply %d", i))
		require.NoError(t, err)
	}

	vws = v.dial()
	vws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": last})
	for i := range 5 {
		f := vws.next()
		require.Equal(t, "message", f["type"])
		require.Equal(t, fmt.Sprintf("reply %d", i), msgText(f))
		require.EqualValues(t, last+1+int64(i), seqOf(f))
	}
	sub := vws.next()
	require.Equal(t, "subscribed", sub["type"])
	require.EqualValues(t, last+5, seqOf(sub))
}

func mustAgent(t *testing.T, e *testEnv, id string) string {
	t.Helper()
	status, _ := e.agentDo(id, "GET", "api/v1/agent/me", nil)
	require.Equal(t, http.StatusOK, status)
	return id
}

// Resending with the same client message id never makes a second message,
// over HTTP or WebSocket, even concurrently.
func TestDuplicateClientMessageID(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	status, first := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "same", "text": "once"})
	require.Equal(t, http.StatusCreated, status)
	status, again := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "same", "text": "once"})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, first["message"], again["message"])

	ws := v.dial()
	ws.send(map[string]any{"type": "send", "ref": "r", "conversationId": conv, "clientMessageId": "same", "text": "once"})
	ack := ws.nextOf("ack")
	require.Equal(t, first["message"].(map[string]any)["id"], ack["message"].(map[string]any)["id"])

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "burst", "text": "burst"})
		})
	}
	wg.Wait()
	msgs, err := e.store.Messages(context.Background(), conv, 0, 100)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
}

// Bad input gets a clear error and changes nothing.
func TestBadInput(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.MaxMessageLength = 20 })
	v := e.newVisitor()
	conv := v.start()
	other := e.newVisitor()
	otherConv := other.start()
	send := func(text string) (int, map[string]any) {
		return v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "x", "text": text})
	}

	t.Run("HTTP", func(t *testing.T) {
		tests := []struct {
			name   string
			do     func() (int, map[string]any)
			status int
			code   string
		}{
			{"EmptyText", func() (int, map[string]any) { return send("") }, 400, "bad_request"},
			{"WhitespaceText", func() (int, map[string]any) { return send(" \n\t ") }, 400, "bad_request"},
			{"TooLong", func() (int, map[string]any) { return send(strings.Repeat("å", 21)) }, 413, "too_large"},
			{"InvalidUTF8", func() (int, map[string]any) {
				return v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", []byte("{\"clientMessageId\":\"x\",\"text\":\"\xff\xfe\"}"))
			}, 400, "bad_request"},
			{"MalformedJSON", func() (int, map[string]any) {
				return v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", "{not json")
			}, 400, "bad_request"},
			{"UnknownField", func() (int, map[string]any) {
				return v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "x", "text": "hi", "admin": true})
			}, 400, "bad_request"},
			{"BadClientMessageID", func() (int, map[string]any) {
				return v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "no spaces", "text": "hi"})
			}, 400, "bad_request"},
			{"UnknownConversation", func() (int, map[string]any) {
				return v.do("POST", "api/v1/visitor/conversations/nope/messages", map[string]any{"clientMessageId": "x", "text": "hi"})
			}, 404, "not_found"},
			{"OtherVisitorsConversation", func() (int, map[string]any) {
				return v.do("POST", "api/v1/visitor/conversations/"+otherConv+"/messages", map[string]any{"clientMessageId": "x", "text": "hi"})
			}, 404, "not_found"},
			{"OtherVisitorsHistory", func() (int, map[string]any) {
				return v.do("GET", "api/v1/visitor/conversations/"+otherConv+"/messages", nil)
			}, 404, "not_found"},
			{"MissingToken", func() (int, map[string]any) {
				return doJSON(t, http.DefaultClient, "GET", e.base+"api/v1/visitor/conversations", nil, nil)
			}, 401, "unauthorized"},
			{"ForgedToken", func() (int, map[string]any) {
				h := http.Header{"Cookie": {"livechat_visitor=v1.abc.1700000000.AAAA"}}
				return doJSON(t, http.DefaultClient, "GET", e.base+"api/v1/visitor/conversations", nil, h)
			}, 401, "unauthorized"},
			{"AgentWithoutAuth", func() (int, map[string]any) { return e.agentDo("", "GET", "api/v1/agent/conversations", nil) }, 401, "unauthorized"},
			{"WrongContentType", func() (int, map[string]any) {
				return doJSON(t, http.DefaultClient, "POST", e.base+"api/v1/visitor/config", nil, http.Header{"Content-Type": {"text/plain"}})
			}, 415, "unsupported_media_type"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, body := tt.do()
				require.Equal(t, tt.status, status, "%v", body)
				require.Equal(t, tt.code, errCode(body))
			})
		}
		msgs, err := e.store.Messages(context.Background(), conv, 0, 100)
		require.NoError(t, err)
		require.Empty(t, msgs, "bad input must change nothing")
		msgs, err = e.store.Messages(context.Background(), otherConv, 0, 100)
		require.NoError(t, err)
		require.Empty(t, msgs)
	})

	t.Run("ExpiredToken", func(t *testing.T) {
		now := time.Now()
		clock := func() time.Time { return now }
		e2 := newEnv(t, func(c *livechat.Config) { c.Now = func() time.Time { return clock() }; c.VisitorTokenTTL = time.Hour })
		v2 := e2.newVisitor()
		status, _ := v2.do("GET", "api/v1/visitor/conversations", nil)
		require.Equal(t, 200, status)
		clock = func() time.Time { return now.Add(2 * time.Hour) }
		status, body := v2.do("GET", "api/v1/visitor/conversations", nil)
		require.Equal(t, 401, status)
		require.Equal(t, "unauthorized", errCode(body))
	})

	t.Run("WebSocket", func(t *testing.T) {
		ws := v.dial()
		tests := []struct {
			name  string
			frame string
			code  string
		}{
			{"MalformedJSON", `{"type":`, "bad_request"},
			{"NoType", `{}`, "bad_request"},
			{"UnknownType", `{"type":"explode"}`, "bad_request"},
			{"EmptyText", `{"type":"send","conversationId":"` + conv + `","clientMessageId":"w","text":"  "}`, "bad_request"},
			{"TooLong", `{"type":"send","conversationId":"` + conv + `","clientMessageId":"w","text":"` + strings.Repeat("x", 21) + `"}`, "too_large"},
			{"InvalidUTF8", "{\"type\":\"send\",\"conversationId\":\"" + conv + "\",\"clientMessageId\":\"w\",\"text\":\"\xc3\x28\"}", "bad_request"},
			{"OtherVisitorsConversation", `{"type":"send","conversationId":"` + otherConv + `","clientMessageId":"w","text":"hi"}`, "not_found"},
			{"SubscribeOther", `{"type":"subscribe","conversationId":"` + otherConv + `"}`, "not_found"},
			{"UnknownConversation", `{"type":"subscribe","conversationId":"nope"}`, "not_found"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ws.sendRaw([]byte(tt.frame))
				f := ws.next()
				require.Equal(t, "error", f["type"], "%v", f)
				require.Equal(t, tt.code, f["code"])
				// The connection stays open.
				ws.send(map[string]any{"type": "ping"})
				require.Equal(t, "pong", ws.next()["type"])
			})
		}
		msgs, err := e.store.Messages(context.Background(), conv, 0, 100)
		require.NoError(t, err)
		require.Empty(t, msgs)
	})

	t.Run("CrossOriginWebSocket", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h := http.Header{"Origin": {"https://evil.example"}}
		u, _ := http.NewRequest("GET", e.base, nil)
		for _, c := range v.client.Jar.Cookies(u.URL) {
			h.Add("Cookie", c.Name+"="+c.Value)
		}
		_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.base, "http")+"api/v1/visitor/ws", &websocket.DialOptions{HTTPHeader: h})
		require.Error(t, err)
		require.NotNil(t, resp)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("WebSocketWithoutToken", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.base, "http")+"api/v1/visitor/ws", nil)
		require.Error(t, err)
		require.NotNil(t, resp)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})

	t.Run("ClosedConversation", func(t *testing.T) {
		v3 := e.newVisitor()
		c3 := v3.start()
		_, err := e.chat.CloseConversation(context.Background(), c3, "")
		require.NoError(t, err)
		status, body := v3.do("POST", "api/v1/visitor/conversations/"+c3+"/messages", map[string]any{"clientMessageId": "late", "text": "hello?"})
		require.Equal(t, 409, status)
		require.Equal(t, "conversation_closed", errCode(body))
	})
}

func TestLongPoll(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	agent := mustAgent(t, e, "a1")
	done := make(chan map[string]any, 1)
	go func() {
		_, body := v.do("GET", "api/v1/visitor/poll?conversationId="+conv+"&after=0&timeout=10", nil)
		done <- body
	}()
	time.Sleep(100 * time.Millisecond)
	_, err := e.chat.Reply(context.Background(), conv, agent, "p1", "via poll")
	require.NoError(t, err)
	select {
	case body := <-done:
		events := body["events"].([]any)
		require.Len(t, events, 1)
		require.Equal(t, "via poll", msgText(events[0].(map[string]any)))
		require.EqualValues(t, 1, seqOf(body))
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not answer")
	}
	// Nothing new: the poll times out empty.
	status, body := v.do("GET", "api/v1/visitor/poll?conversationId="+conv+"&after=1&timeout=1", nil)
	require.Equal(t, 200, status)
	require.Empty(t, body["events"])
	// Same authorization as everything else.
	other := e.newVisitor()
	status, body = other.do("GET", "api/v1/visitor/poll?conversationId="+conv+"&after=0&timeout=1", nil)
	require.Equal(t, 404, status)
	require.Equal(t, "not_found", errCode(body))
}

// Close ends every WebSocket with 1001 and waits for its goroutines.
func TestCloseGoingAway(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	v.start()
	ws := v.dial()
	agent := e.dialAgent("a1")
	errs := make(chan error, 2)
	for _, c := range []*wsClient{ws, agent} {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _, err := c.conn.Read(ctx)
			errs <- err
		}()
	}
	require.NoError(t, e.chat.Close())
	for range 2 {
		err := <-errs
		require.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
	}
}

// The Handler works under any prefix, with or without http.StripPrefix.
func TestMountAnywhere(t *testing.T) {
	store := memory.New()
	defer store.Close()
	chat, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret})
	require.NoError(t, err)
	defer chat.Close()
	mux := http.NewServeMux()
	mux.Handle("/support/chat/", chat)
	mux.Handle("/stripped/", http.StripPrefix("/stripped", chat))
	// A router that reports no pattern and strips nothing.
	mux.Handle("/nopattern/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.Pattern = ""
		chat.ServeHTTP(w, r2)
	}))
	srv := httptestServer(t, mux)
	for _, prefix := range []string{"/support/chat/", "/stripped/", "/nopattern/"} {
		t.Run(strings.Trim(prefix, "/"), func(t *testing.T) {
			for _, file := range []string{"widget.js", "widget.css", "chat.js", "chat.css"} {
				resp, err := http.Get(srv + prefix + file)
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, 200, resp.StatusCode, file)
			}
			status, body := doJSON(t, http.DefaultClient, "POST", srv+prefix+"api/v1/visitor/config", map[string]any{"url": "https://x.test/"}, nil)
			require.Equal(t, 200, status, "%v", body)
			require.NotNil(t, body["chat"])
		})
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.base+"widget.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	require.Contains(t, resp.Header.Get("Content-Type"), "javascript")
	require.Contains(t, resp.Header.Get("Cache-Control"), "max-age")
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)

	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotModified, resp.StatusCode)

	for _, p := range []string{"widget.css", "chat.js", "chat.css", "inbox/", "inbox/inbox.js", "inbox/inbox.css", "inbox/target.js", "inbox/hours.js"} {
		resp, err := http.Get(e.base + p)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, p)
	}
}

func TestAgentAPI(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	_, _ = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "c1", "text": "help"})

	status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations?assignee=unassigned", nil)
	require.Equal(t, 200, status)
	list := body["conversations"].([]any)
	require.Len(t, list, 1)
	row := list[0].(map[string]any)
	require.EqualValues(t, 1, row["unread"])
	require.Equal(t, "help", row["lastMessage"].(map[string]any)["text"])

	status, body = e.agentDo("a1", "PUT", "api/v1/agent/presence", map[string]any{"presence": "available"})
	require.Equal(t, 200, status, "%v", body)
	status, body = e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/assign", map[string]any{"agentId": "a1"})
	require.Equal(t, 200, status, "%v", body)
	status, body = e.agentDo("a1", "GET", "api/v1/agent/conversations?assignee=me", nil)
	require.Equal(t, 200, status)
	require.Len(t, body["conversations"], 1)
	status, _ = e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/read", map[string]any{"seq": 1})
	require.Equal(t, 200, status)
	_, body = e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv, nil)
	require.EqualValues(t, 0, body["conversation"].(map[string]any)["unread"])
	require.Len(t, body["messages"], 1)

	status, body = e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/close", map[string]any{})
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, "closed", body["conversation"].(map[string]any)["status"])
	status, body = e.agentDo("a1", "GET", "api/v1/agent/conversations?status=closed", nil)
	require.Equal(t, 200, status)
	require.Len(t, body["conversations"], 1)

	// The visitor sees the close as a system message in sequence.
	_, body = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages?after=0", nil)
	msgs := body["messages"].([]any)
	require.Equal(t, "system", msgs[len(msgs)-1].(map[string]any)["sender"])
	require.Equal(t, "closed", body["conversation"].(map[string]any)["status"])
}

func TestVisitorRateLimit(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.VisitorRate = 0.001; c.VisitorBurst = 3 })
	v := e.newVisitor()
	conv := v.start()
	for i := range 3 {
		status, _ := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": fmt.Sprint("m", i), "text": "hi"})
		require.Equal(t, 201, status)
	}
	status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "m9", "text": "hi"})
	require.Equal(t, 429, status)
	require.Equal(t, "rate_limited", errCode(body))
}
