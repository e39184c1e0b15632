package multinode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// wireMessage is a message as the protocol carries it.
type wireMessage struct {
	ID              string `json:"id"`
	ClientMessageID string `json:"clientMessageId"`
	ConversationID  string `json:"conversationId"`
	Seq             int64  `json:"seq"`
	Sender          string `json:"sender"`
	Text            string `json:"text"`
}

// wireConversation is the part of a conversation the tests look at.
type wireConversation struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	AssigneeID string `json:"assigneeId"`
	LastSeq    int64  `json:"lastSeq"`
}

// serverFrame is any frame from the server; Message is an object in
// message and ack frames and a string in error frames.
type serverFrame struct {
	Type           string            `json:"type"`
	Ref            string            `json:"ref"`
	ConversationID string            `json:"conversationId"`
	Seq            int64             `json:"seq"`
	Code           string            `json:"code"`
	Message        json.RawMessage   `json:"message"`
	Conversation   *wireConversation `json:"conversation"`
}

// view is what a client holds of one conversation: every message by seq
// and its contiguous mark.
type view struct {
	have       map[int64]wireMessage
	mark       int64 // every seq up to it is held
	highest    int64
	duplicates int   // frames carrying a seq already held
	late       int   // messages that arrived after a higher seq
	lateEvents int   // of them, those in message events (not acks)
	subscribed int64 // the highest seq a subscribed frame named
}

func (v *view) place(m wireMessage, event bool) (conflict string) {
	if old, ok := v.have[m.Seq]; ok {
		v.duplicates++
		if old.ID != m.ID {
			return fmt.Sprintf("seq %d arrived as message %s and as message %s", m.Seq, old.ID, m.ID)
		}
		return ""
	}
	if m.Seq < v.highest {
		v.late++
		if event {
			v.lateEvents++
		}
	}
	v.highest = max(v.highest, m.Seq)
	v.have[m.Seq] = m
	for {
		if _, ok := v.have[v.mark+1]; !ok {
			break
		}
		v.mark++
	}
	return ""
}

// errDropped answers a send whose connection dropped before its ack.
var errDropped = errors.New("connection dropped")

type sendResult struct {
	msg *wireMessage
	err error
}

// client is a visitor's widget or an agent's inbox: a WebSocket to one of
// its nodes, tried in turn. It places every message it receives by seq,
// drops a seq it holds, and after a reconnect subscribes to each
// conversation it follows with its contiguous mark.
type client struct {
	t      testing.TB
	name   string
	path   string // the WebSocket's path below the mount
	header http.Header
	nodes  []*node
	// reconnect says whether the client connects again when its
	// connection drops; a client without it stays gone, as an agent whose
	// machine died with the node.
	reconnect bool

	refs atomic.Int64

	mu       sync.Mutex
	at       int // index in nodes of the node connected to, or tried next
	conn     *websocket.Conn
	ready    chan struct{} // closed while conn is usable
	views    map[string]*view
	waiting  map[string]chan sendResult // by ref
	acked    map[string][]wireMessage   // by conversation, in ack order
	assigned map[string][]string        // assignees seen per conversation, in order
	statuses map[string][]string        // statuses of the conversation events per conversation, in order
	problems []string
	connects int

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// newClient connects to the first of nodes and keeps the connection up
// until the test ends.
func newClient(t testing.TB, name, path string, header http.Header, reconnect bool, nodes ...*node) *client {
	t.Helper()
	c := &client{
		t: t, name: name, path: path, header: header, nodes: nodes, reconnect: reconnect,
		ready:    make(chan struct{}),
		views:    map[string]*view{},
		waiting:  map[string]chan sendResult{},
		acked:    map[string][]wireMessage{},
		assigned: map[string][]string{},
		statuses: map[string][]string{},
		done:     make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	conn, err := c.dial()
	require.NoError(t, err, "%s: connect to %s", name, nodes[0].name)
	go c.run(conn)
	t.Cleanup(c.close)
	return c
}

// dial opens the WebSocket to the current node and reads its ready frame.
func (c *client) dial() (*websocket.Conn, error) {
	c.mu.Lock()
	nd := c.nodes[c.at]
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(nd.base, "http")+c.path, &websocket.DialOptions{HTTPHeader: c.header})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	_, data, err := conn.Read(ctx)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	var f serverFrame
	if err := json.Unmarshal(data, &f); err != nil || f.Type != "ready" {
		conn.CloseNow()
		return nil, fmt.Errorf("first frame %s, want ready", data)
	}
	return conn, nil
}

// run serves connections until the client closes, or until the first
// drops for a client that does not reconnect.
func (c *client) run(conn *websocket.Conn) {
	defer close(c.done)
	for {
		c.serve(conn)
		if c.ctx.Err() != nil || !c.reconnect {
			return
		}
		backoff := 20 * time.Millisecond
		for conn = nil; conn == nil; {
			var err error
			if conn, err = c.dial(); err == nil {
				break
			}
			if c.ctx.Err() != nil {
				return
			}
			c.mu.Lock()
			c.at = (c.at + 1) % len(c.nodes) // the load balancer tries the next node
			c.mu.Unlock()
			select {
			case <-c.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 200*time.Millisecond)
		}
	}
}

// serve subscribes to every conversation the client follows with its
// mark, then reads frames until the connection drops.
func (c *client) serve(conn *websocket.Conn) {
	c.mu.Lock()
	c.conn = conn
	c.connects++
	subs := make(map[string]int64, len(c.views))
	for id, v := range c.views {
		subs[id] = v.mark
	}
	close(c.ready)
	c.mu.Unlock()
	for id, after := range subs {
		c.write(conn, map[string]any{"type": "subscribe", "conversationId": id, "after": after})
	}
	for {
		_, data, err := conn.Read(c.ctx)
		if err != nil {
			break
		}
		c.handle(data)
	}
	conn.CloseNow()
	c.mu.Lock()
	c.conn = nil
	c.ready = make(chan struct{})
	for ref, ch := range c.waiting {
		ch <- sendResult{err: errDropped}
		delete(c.waiting, ref)
	}
	c.mu.Unlock()
}

func (c *client) write(conn *websocket.Conn, frame any) error {
	data, err := json.Marshal(frame)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, data)
}

func (c *client) handle(data []byte) {
	var f serverFrame
	if err := json.Unmarshal(data, &f); err != nil {
		c.problem("undecodable frame %s", data)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch f.Type {
	case "message", "ack":
		var m wireMessage
		if err := json.Unmarshal(f.Message, &m); err != nil {
			c.problemLocked("undecodable %s frame %s", f.Type, data)
			return
		}
		if f.Type == "ack" {
			if ch, ok := c.waiting[f.Ref]; ok {
				ch <- sendResult{msg: &m}
				delete(c.waiting, f.Ref)
			}
			c.acked[m.ConversationID] = append(c.acked[m.ConversationID], m)
		}
		if v := c.views[m.ConversationID]; v != nil {
			if conflict := v.place(m, f.Type == "message"); conflict != "" {
				c.problemLocked("%s", conflict)
			}
		}
	case "subscribed":
		if v := c.views[f.ConversationID]; v != nil {
			v.subscribed = max(v.subscribed, f.Seq)
		}
	case "conversation":
		if f.Conversation != nil {
			seen := c.assigned[f.ConversationID]
			if a := f.Conversation.AssigneeID; a != "" && (len(seen) == 0 || seen[len(seen)-1] != a) {
				c.assigned[f.ConversationID] = append(seen, a)
			}
			c.statuses[f.ConversationID] = append(c.statuses[f.ConversationID], f.Conversation.Status)
		}
	case "error":
		var text string
		_ = json.Unmarshal(f.Message, &text)
		err := fmt.Errorf("%s: %s", f.Code, text)
		if ch, ok := c.waiting[f.Ref]; ok && f.Ref != "" {
			ch <- sendResult{err: err}
			delete(c.waiting, f.Ref)
			return
		}
		c.problemLocked("error frame %s", data)
	}
}

func (c *client) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problemLocked(format, args...)
}

func (c *client) problemLocked(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// follow starts keeping the conversation and subscribes to it from its
// first message.
func (c *client) follow(conversationID string) {
	c.t.Helper()
	c.mu.Lock()
	if c.views[conversationID] == nil {
		c.views[conversationID] = &view{have: map[int64]wireMessage{}}
	}
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		// A connection that drops meanwhile subscribes again when it is back.
		_ = c.write(conn, map[string]any{"type": "subscribe", "conversationId": conversationID, "after": 0})
	}
}

// send posts one message and waits for its ack. A send whose connection
// drops goes again, with the same client message id, once the client is
// connected again, as the widget does.
func (c *client) send(conversationID, clientMessageID, text string) (*wireMessage, error) {
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ready := c.ready
		c.mu.Unlock()
		select {
		case <-ready:
		case <-deadline.C:
			return nil, fmt.Errorf("%s: not connected for 30 s", c.name)
		case <-c.ctx.Done():
			return nil, c.ctx.Err()
		}
		ref := fmt.Sprintf("r%d", c.refs.Add(1))
		ch := make(chan sendResult, 1)
		c.mu.Lock()
		conn := c.conn
		if conn == nil {
			c.mu.Unlock()
			continue
		}
		c.waiting[ref] = ch
		c.mu.Unlock()
		err := c.write(conn, map[string]any{
			"type": "send", "ref": ref, "conversationId": conversationID,
			"clientMessageId": clientMessageID, "text": text,
		})
		if err != nil {
			// The reader sees the same failure and answers errDropped.
			conn.CloseNow()
		}
		select {
		case r := <-ch:
			if errors.Is(r.err, errDropped) {
				continue
			}
			return r.msg, r.err
		case <-deadline.C:
			return nil, fmt.Errorf("%s: no ack for %s within 30 s", c.name, clientMessageID)
		case <-c.ctx.Done():
			return nil, c.ctx.Err()
		}
	}
}

// sendWindow is how many sends of one client may wait for their ack at
// once, as a client that does not wait for each ack before the next.
const sendWindow = 4

// sendMany sends the messages from to to-1, with client message ids
// prefix-from … prefix-(to-1), up to sendWindow at a time.
func (c *client) sendMany(conversationID, prefix string, from, to int) error {
	var wg sync.WaitGroup
	window := make(chan struct{}, sendWindow)
	var first error
	var mu sync.Mutex
	for i := from; i < to; i++ {
		window <- struct{}{}
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		wg.Go(func() {
			defer func() { <-window }()
			id := fmt.Sprintf("%s-%d", prefix, i)
			if _, err := c.send(conversationID, id, "message "+id); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("%s: send %s: %w", c.name, id, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// snapshot returns a copy of the client's view of the conversation.
func (c *client) snapshot(conversationID string) view {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.views[conversationID]
	if v == nil {
		return view{}
	}
	out := *v
	out.have = make(map[int64]wireMessage, len(v.have))
	for k, m := range v.have {
		out.have[k] = m
	}
	return out
}

// mark returns the client's contiguous mark of the conversation.
func (c *client) mark(conversationID string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.views[conversationID]; v != nil {
		return v.mark
	}
	return 0
}

// follows reports whether the client keeps the conversation.
func (c *client) follows(conversationID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.views[conversationID] != nil
}

// ackedOf returns the messages the server acknowledged in the conversation.
func (c *client) ackedOf(conversationID string) []wireMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.acked[conversationID])
}

func (c *client) problemsSoFar() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.problems)
}

// node returns the node the client is connected to, or tries next.
func (c *client) node() *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[c.at]
}

func (c *client) connections() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connects
}

func (c *client) close() {
	c.cancel()
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		conn.CloseNow()
	}
	<-c.done
}

// visitor is a browser with its cookies; it talks to the API of any node.
type visitor struct {
	t      testing.TB
	http   *http.Client
	header http.Header // the cookies, for the WebSocket
	conv   string
}

// newVisitor makes a visitor on nd with a page view.
func newVisitor(t testing.TB, nd *node) *visitor {
	t.Helper()
	v, err := openVisitor(t, nd)
	require.NoError(t, err)
	return v
}

// openVisitor is newVisitor for any goroutine.
func openVisitor(t testing.TB, nd *node) (*visitor, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	v := &visitor{t: t, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	status, body, err := doJSON(v.http, "POST", nd.base+"api/v1/visitor/config", map[string]any{"url": "https://shop.example/pricing"}, nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("config: %d %s", status, body)
	}
	req, _ := http.NewRequest("GET", nd.base, nil)
	v.header = http.Header{}
	for _, ck := range jar.Cookies(req.URL) {
		v.header.Add("Cookie", ck.Name+"="+ck.Value)
	}
	return v, nil
}

// start begins the visitor's conversation on nd.
func (v *visitor) start(nd *node) error {
	status, body, err := doJSON(v.http, "POST", nd.base+"api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/pricing"}, nil)
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return fmt.Errorf("start a conversation: %d %s", status, body)
	}
	var out struct {
		Conversation wireConversation `json:"conversation"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return err
	}
	v.conv = out.Conversation.ID
	return nil
}

// availability asks nd for the chat's availability status, as the widget
// does on a page view.
func (v *visitor) availability(nd *node) string {
	v.t.Helper()
	status, body, err := doJSON(v.http, "POST", nd.base+"api/v1/visitor/config", map[string]any{"url": "https://shop.example/pricing"}, nil)
	require.NoError(v.t, err)
	require.Equal(v.t, http.StatusOK, status, "%s", body)
	var out struct {
		Chat struct {
			Availability struct {
				Status string `json:"status"`
			} `json:"availability"`
		} `json:"chat"`
	}
	require.NoError(v.t, json.Unmarshal(body, &out))
	return out.Chat.Availability.Status
}

// connect opens the visitor's widget on the first of nodes.
func (v *visitor) connect(name string, reconnect bool, nodes ...*node) *client {
	v.t.Helper()
	return newClient(v.t, name, "api/v1/visitor/ws", v.header, reconnect, nodes...)
}

// agentHeader signs in as the agent.
func agentHeader(id string) http.Header {
	h := http.Header{}
	h.Set("X-Test-Agent", id)
	return h
}

// connectAgent opens the agent's inbox on the first of nodes.
func connectAgent(t testing.TB, id string, reconnect bool, nodes ...*node) *client {
	t.Helper()
	return newClient(t, id, "api/v1/agent/ws", agentHeader(id), reconnect, nodes...)
}

// setPresence chooses the agent's presence through nd.
func setPresence(t testing.TB, nd *node, agentID, presence string) {
	t.Helper()
	status, body, err := doJSON(http.DefaultClient, "PUT", nd.base+"api/v1/agent/presence", map[string]any{"presence": presence}, agentHeader(agentID))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "%s", body)
}

func doJSON(c *http.Client, method, url string, body any, h http.Header) (int, []byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}
