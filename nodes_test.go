package livechat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/transport"
)

// nodeBroker is one node's connection to a broker shared in the process:
// it records what reaches the node, and a test can cut it (what is
// published to or by the node meanwhile is lost) and restore it, which it
// reports as a network broker does.
type nodeBroker struct {
	shared *transport.LocalBroker

	mu       sync.Mutex
	cut      bool
	dropping bool // loses what is published, not yet reported
	received []livechat.Event
	onState  map[int]func(transport.State)
	next     int
}

var _ transport.StateNotifier = (*nodeBroker)(nil)

func (b *nodeBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	b.mu.Lock()
	lost := b.cut || b.dropping
	b.mu.Unlock()
	if lost {
		return nil // lost on the way
	}
	return b.shared.Publish(ctx, topic, payload)
}

func (b *nodeBroker) Subscribe(topic string, fn func([]byte)) (func(), error) {
	return b.shared.Subscribe(topic, func(p []byte) {
		var env struct{ Event livechat.Event }
		_ = json.Unmarshal(p, &env)
		b.mu.Lock()
		cut := b.cut
		if !cut {
			b.received = append(b.received, env.Event)
		}
		b.mu.Unlock()
		if !cut {
			fn(p)
		}
	})
}

func (b *nodeBroker) Close() error { return nil } // the shared broker is the test's

func (b *nodeBroker) OnState(fn func(transport.State)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.onState == nil {
		b.onState = make(map[int]func(transport.State))
	}
	id := b.next
	b.next++
	b.onState[id] = fn
	return func() {
		b.mu.Lock()
		delete(b.onState, id)
		b.mu.Unlock()
	}
}

// setDropping makes the node's publishes vanish before the broker has
// noticed anything wrong.
func (b *nodeBroker) setDropping(on bool) {
	b.mu.Lock()
	b.dropping = on
	b.mu.Unlock()
}

// setCut cuts or restores the node's connection and reports it.
func (b *nodeBroker) setCut(cut bool) {
	b.mu.Lock()
	b.cut = cut
	b.dropping = false
	fns := make([]func(transport.State), 0, len(b.onState))
	for _, fn := range b.onState {
		fns = append(fns, fn)
	}
	b.mu.Unlock()
	state := transport.StateConnected
	if cut {
		state = transport.StateDisconnected
	}
	for _, fn := range fns {
		fn(state)
	}
}

// conversationsSeen lists the conversations whose events reached the node.
func (b *nodeBroker) conversationsSeen() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int{}
	for _, ev := range b.received {
		if ev.ConversationID != "" {
			out[ev.ConversationID]++
		}
	}
	return out
}

// cluster is n Handlers sharing one Storage and one broker, each on its
// own server.
func cluster(t *testing.T, n int) ([]*testEnv, []*nodeBroker) {
	t.Helper()
	store := memory.New()
	shared := transport.NewLocalBroker()
	t.Cleanup(func() {
		shared.Close()
		store.Close()
	})
	var envs []*testEnv
	var brokers []*nodeBroker
	for range n {
		b := &nodeBroker{shared: shared}
		envs = append(envs, newEnv(t, func(c *livechat.Config) { c.Storage, c.Broker = store, b }))
		brokers = append(brokers, b)
	}
	return envs, brokers
}

// A node receives the events of a conversation only while one of its
// clients needs them: a visitor of it, or an agent (whose inbox shows
// every conversation).
func TestNodeReceivesOnlyWhatItsClientsNeed(t *testing.T) {
	nodes, brokers := cluster(t, 2)
	// Node 1: a visitor in conversation X and an agent.
	vx := nodes[0].newVisitor()
	x := vx.start()
	agent := nodes[0].dialAgent("a1")
	wx := vx.dial()
	wx.send(map[string]any{"type": "subscribe", "conversationId": x, "after": 0})
	wx.nextOf("subscribed")
	// Node 2: a visitor in conversation Y only.
	vy := nodes[1].newVisitor()
	y := vy.start()
	wy := vy.dial()
	wy.send(map[string]any{"type": "subscribe", "conversationId": y, "after": 0})
	wy.nextOf("subscribed")
	require.Equal(t, 1, nodes[1].chat.Topics(), "node 2 follows conversation Y only")

	for i := range 3 {
		wx.send(map[string]any{"type": "send", "conversationId": x, "clientMessageId": "x" + string(rune('0'+i)), "text": "hello"})
		wx.nextOf("ack")
		agent.nextOf("message")
	}
	wx.send(map[string]any{"type": "typing", "conversationId": x, "typing": true})
	_, err := nodes[0].chat.Reply(context.Background(), x, "a1", "r1", "hi there")
	require.NoError(t, err)
	wx.nextOf("message")

	wy.send(map[string]any{"type": "send", "conversationId": y, "clientMessageId": "y1", "text": "me too"})
	wy.nextOf("ack")
	for agent.nextOf("message")["conversationId"] != y { // the agent on node 1 sees conversation Y
	}

	seen := brokers[1].conversationsSeen()
	require.Zero(t, seen[x], "node 2 has no client of conversation X and received none of its events")
	require.NotZero(t, seen[y])

	// An agent on node 2 needs every conversation: X's events reach it.
	agent2 := nodes[1].dialAgent("a2")
	wx.send(map[string]any{"type": "send", "conversationId": x, "clientMessageId": "x9", "text": "anyone?"})
	require.Equal(t, x, agent2.nextOf("message")["conversationId"])

	// Once its clients are gone, node 2 follows nothing.
	agent2.close()
	wy.close()
	require.Eventually(t, func() bool { return nodes[1].chat.Topics() == 0 }, 5*time.Second, 10*time.Millisecond)
}

// When a node's broker connection comes back, the node catches its live
// clients up from the Storage: a visitor gets the messages it missed, in
// order, on the same socket; an agent learns of the conversation that
// started meanwhile.
func TestBrokerCatchUp(t *testing.T) {
	nodes, brokers := cluster(t, 2)
	v := nodes[1].newVisitor()
	conv := v.start()
	ws := v.dial()
	ws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	ws.nextOf("subscribed")
	agent := nodes[1].dialAgent("a2")
	nodes[0].dialAgent("a1") // signs a1 in

	brokers[1].setCut(true)
	ctx := context.Background()
	for i, text := range []string{"one", "two", "three"} {
		_, err := nodes[0].chat.Reply(ctx, conv, "a1", "r"+string(rune('0'+i)), text)
		require.NoError(t, err)
	}
	other := nodes[0].newVisitor()
	otherConv := other.start()
	brokers[1].setCut(false)

	for _, want := range []string{"one", "two", "three"} {
		f := ws.nextOf("message")
		require.Equal(t, want, f["message"].(map[string]any)["text"])
	}
	require.Equal(t, "conversation", ws.nextOf("conversation")["type"])
	for {
		f := agent.nextOf("conversation")
		if f["conversationId"] == otherConv {
			break
		}
	}
}

// A chatflow changed through one node shows on every node at once.
func TestChatflowChangeReachesEveryNode(t *testing.T) {
	nodes, _ := cluster(t, 2)
	welcome := func(n *testEnv) string {
		v := n.newVisitor()
		_, body := v.do("POST", "api/v1/visitor/config", map[string]any{"url": n.srv.URL + "/pricing"})
		return body["chat"].(map[string]any)["welcome"].(string)
	}
	before := welcome(nodes[1]) // node 2 has read the chatflows
	ctx := context.Background()
	sf, err := nodes[0].chat.Chatflow(ctx, livechat.DefaultChatflowID)
	require.NoError(t, err)
	sf.Chatflow.Build.Welcome = "Welcome back, we answer within the hour."
	_, err = nodes[0].chat.UpdateChatflow(ctx, sf.Chatflow, sf.Version)
	require.NoError(t, err)
	require.NotEqual(t, before, sf.Chatflow.Build.Welcome)
	require.Equal(t, "Welcome back, we answer within the hour.", welcome(nodes[1]))
}

// pausingStore holds one message read, once armed, between reading and
// answering: a test acts between a subscription's replay and its switch
// to live events.
type pausingStore struct {
	livechat.Storage
	armed   atomic.Bool
	reached chan struct{}
	release chan struct{}
}

func (s *pausingStore) Messages(ctx context.Context, id string, after int64, limit int) ([]*livechat.Message, error) {
	msgs, err := s.Storage.Messages(ctx, id, after, limit)
	if s.armed.CompareAndSwap(true, false) {
		close(s.reached)
		<-s.release
	}
	return msgs, err
}

// Live events from several nodes may arrive out of order while a
// subscription replays: they are sent after the replay in seq order, none
// lost.
func TestSubscribeHandoverOutOfOrder(t *testing.T) {
	store := &pausingStore{Storage: memory.New(), reached: make(chan struct{}), release: make(chan struct{})}
	broker := transport.NewLocalBroker()
	t.Cleanup(func() { broker.Close(); store.Storage.Close() })
	e := newEnv(t, func(c *livechat.Config) { c.Storage, c.Broker = store, broker })
	ctx := context.Background()
	v := e.newVisitor()
	conv := v.start()
	e.dialAgent("a1").close() // signs a1 in
	for i, text := range []string{"one", "two"} {
		_, err := e.chat.Reply(ctx, conv, "a1", fmt.Sprint("r", i), text)
		require.NoError(t, err)
	}
	ws := v.dial()
	store.armed.Store(true)
	ws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	<-store.reached // the replay has read messages 1 and 2
	// Messages 3 and 4 are stored meanwhile, by other nodes whose events
	// arrive here in the wrong order.
	var stored []*livechat.Message
	for i, text := range []string{"three", "four"} {
		m, _, err := store.AppendMessage(ctx, &livechat.Message{ConversationID: conv, ClientMsgID: fmt.Sprint("n", i), Sender: livechat.SenderAgent, AuthorID: "a1", Text: text, CreatedAt: time.Now()})
		require.NoError(t, err)
		stored = append(stored, m)
	}
	for _, m := range []*livechat.Message{stored[1], stored[0]} {
		payload, err := json.Marshal(map[string]any{"event": livechat.Event{Type: livechat.EventMessage, ConversationID: conv, Seq: m.Seq, Message: m}})
		require.NoError(t, err)
		require.NoError(t, broker.Publish(ctx, livechat.ConversationTopic(conv), payload))
	}
	close(store.release)
	var got []string
	for len(got) < 4 {
		f := ws.nextOf("message")
		got = append(got, f["message"].(map[string]any)["text"].(string))
	}
	require.Equal(t, []string{"one", "two", "three", "four"}, got)
	require.EqualValues(t, 4, ws.nextOf("subscribed")["seq"])
}

// What a node published while its broker was lost, or just before the
// broker noticed, reaches the other nodes' clients once it is back.
func TestBrokerRepublish(t *testing.T) {
	nodes, brokers := cluster(t, 2)
	v := nodes[0].newVisitor()
	conv := v.start()
	ws := v.dial()
	ws.send(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	ws.nextOf("subscribed")
	agent := nodes[1].dialAgent("a2")
	send := func(id, text string) {
		ws.send(map[string]any{"type": "send", "conversationId": conv, "clientMessageId": id, "text": text})
		ws.nextOf("ack")
	}

	brokers[0].setDropping(true) // lost before the broker notices
	send("m1", "first")
	brokers[0].setCut(true)
	send("m2", "second")
	brokers[0].setCut(false)

	var got []string
	for len(got) < 2 {
		f := agent.nextOf("message")
		if f["conversationId"] == conv {
			got = append(got, f["message"].(map[string]any)["text"].(string))
		}
	}
	require.Equal(t, []string{"first", "second"}, got)
}
