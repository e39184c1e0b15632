package livechat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/transport"
)

// engineEnv is the conversation engine on storage/memory and an
// in-process broker, with no server: what it publishes is collected.
type engineEnv struct {
	eng   *livechat.Engine
	store livechat.Storage
	clock *testClock
	cfg   livechat.Config

	mu     sync.Mutex
	events []livechat.Event
}

func newEngineEnv(t *testing.T, mutate ...func(*livechat.Config)) *engineEnv {
	t.Helper()
	broker := transport.NewLocalBroker()
	t.Cleanup(func() { broker.Close() })
	x := &engineEnv{store: memory.New(), clock: newTestClock()}
	cfg := livechat.Config{Storage: x.store, Secret: make([]byte, 32), Broker: broker, Now: x.clock.Now}
	for _, m := range mutate {
		m(&cfg)
	}
	var err error
	x.cfg = cfg
	x.eng, err = livechat.NewEngine(cfg)
	require.NoError(t, err)
	_, err = broker.Subscribe(livechat.EventsTopic, func(payload []byte) {
		var env struct{ Event livechat.Event }
		if json.Unmarshal(payload, &env) == nil {
			x.mu.Lock()
			x.events = append(x.events, env.Event)
			x.mu.Unlock()
		}
	})
	require.NoError(t, err)
	return x
}

// take returns the events published since the last take.
func (x *engineEnv) take() []livechat.Event {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := x.events
	x.events = nil
	return out
}

func (x *engineEnv) visitor(t *testing.T, id string) {
	t.Helper()
	require.NoError(t, x.store.CreateVisitor(context.Background(), &livechat.Visitor{ID: id, CreatedAt: x.clock.Now()}))
}

// available stores an agent who chose available and whose inbox is
// connected now.
func (x *engineEnv) available(t *testing.T, id string, capacity int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, x.store.PutAgent(ctx, &livechat.Agent{ID: id, Name: "Agent " + id, Capacity: capacity, Presence: livechat.PresenceAway}))
	require.NoError(t, x.store.TouchAgent(ctx, id, x.clock.Now()))
	_, err := x.eng.SetPresence(ctx, id, livechat.PresenceAvailable)
	require.NoError(t, err)
}

func types(evs []livechat.Event) (out []livechat.EventType) {
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

// started stores a visitor and starts their conversation.
func (x *engineEnv) started(t *testing.T, visitorID string) *livechat.Conversation {
	t.Helper()
	x.visitor(t, visitorID)
	c, created, err := x.eng.Start(context.Background(), visitorID, "https://example.com/pricing")
	require.NoError(t, err)
	require.True(t, created)
	return c
}

// The engine alone posts, deduplicates, refuses and tells: no HTTP server,
// no WebSocket, only storage/memory and a broker.
func TestEngineMessages(t *testing.T) {
	ctx := context.Background()
	x := newEngineEnv(t)
	c := x.started(t, "v1")
	require.Equal(t, []livechat.EventType{livechat.EventConversation}, types(x.take()))

	again, created, err := x.eng.Start(ctx, "v1", "https://example.com/")
	require.NoError(t, err)
	require.False(t, created, "the open conversation is returned")
	require.Equal(t, c.ID, again.ID)

	m, created, err := x.eng.SendAsVisitor(ctx, "v1", c.ID, "m1", "hello")
	require.NoError(t, err)
	require.True(t, created)
	require.EqualValues(t, 1, m.Seq)
	evs := x.take()
	require.Equal(t, []livechat.EventType{livechat.EventMessage}, types(evs))
	require.Equal(t, "hello", evs[0].Message.Text)

	dup, created, err := x.eng.SendAsVisitor(ctx, "v1", c.ID, "m1", "hello again")
	require.NoError(t, err)
	require.False(t, created, "a resend is the original")
	require.Equal(t, m.ID, dup.ID)
	require.Empty(t, x.take(), "a resend publishes nothing")

	_, _, err = x.eng.SendAsVisitor(ctx, "v2", c.ID, "m2", "not mine")
	require.ErrorIs(t, err, livechat.ErrNotFound, "another visitor's conversation does not exist for them")
	_, _, err = x.eng.SendAsVisitor(ctx, "v1", c.ID, "m3", "\u200b ")
	require.ErrorIs(t, err, livechat.ErrInvalid)
	require.Empty(t, x.take(), "a refusal publishes nothing")

	_, err = x.store.Agent(ctx, "a1")
	require.ErrorIs(t, err, livechat.ErrNotFound)
	require.NoError(t, x.store.PutAgent(ctx, &livechat.Agent{ID: "a1", Name: "Ada", Presence: livechat.PresenceAway}))
	reply, _, err := x.eng.SendAsAgent(ctx, c.ID, "a1", "r1", "hi, how can I help?")
	require.NoError(t, err)
	require.EqualValues(t, 2, reply.Seq)
	require.Equal(t, "Ada", reply.AuthorName)
	x.take()

	// A read mark is told when it moves, and only then.
	mark, err := x.eng.MarkRead(ctx, c.ID, "visitor", 2)
	require.NoError(t, err)
	require.EqualValues(t, 2, mark.Seq)
	require.Equal(t, []livechat.EventType{livechat.EventRead}, types(x.take()))
	_, err = x.eng.MarkRead(ctx, c.ID, "visitor", 1)
	require.NoError(t, err)
	require.Empty(t, x.take())

	// Closing adds a system message and tells everyone; the visitor can no
	// longer send, but a resend still gets its original.
	closed, err := x.eng.Close(ctx, c.ID, "a1")
	require.NoError(t, err)
	require.Equal(t, livechat.StatusClosed, closed.Status)
	require.Equal(t, []livechat.EventType{livechat.EventMessage, livechat.EventConversation}, types(x.take()))
	_, _, err = x.eng.SendAsVisitor(ctx, "v1", c.ID, "m4", "one more thing")
	require.ErrorIs(t, err, livechat.ErrClosed)
	dup, _, err = x.eng.SendAsVisitor(ctx, "v1", c.ID, "m1", "hello")
	require.NoError(t, err)
	require.Equal(t, m.ID, dup.ID)
}

// Typing is coalesced on the engine's clock: one event a second at most.
func TestEngineTyping(t *testing.T) {
	ctx := context.Background()
	x := newEngineEnv(t)
	c := x.started(t, "v1")
	x.take()
	for range 10 {
		x.eng.Typing(ctx, c.ID, "visitor", true)
		x.clock.Add(50 * time.Millisecond)
	}
	require.Len(t, x.take(), 1, "ten keystrokes in half a second are one typing event")
	x.eng.Typing(ctx, c.ID, "visitor", false)
	evs := x.take()
	require.Len(t, evs, 1)
	require.False(t, evs[0].Typing)
}

// New conversations go to available agents within their capacity; the
// rest wait in order, and a close hands the next one out.
func TestEngineRouting(t *testing.T) {
	ctx := context.Background()
	x := newEngineEnv(t)
	x.available(t, "a1", 1)
	for _, v := range []string{"v1", "v2", "v3"} {
		x.visitor(t, v)
	}
	c1, _, err := x.eng.Start(ctx, "v1", "")
	require.NoError(t, err)
	require.Equal(t, "a1", c1.AssigneeID)
	x.clock.Add(time.Second)
	c2, _, err := x.eng.Start(ctx, "v2", "")
	require.NoError(t, err)
	require.Empty(t, c2.AssigneeID, "a1 is at capacity")
	x.clock.Add(time.Second)
	c3, _, err := x.eng.Start(ctx, "v3", "")
	require.NoError(t, err)
	for want, c := range []*livechat.Conversation{c2, c3} {
		pos, err := x.eng.QueuePosition(ctx, c)
		require.NoError(t, err)
		require.Equal(t, want+1, pos)
	}

	_, err = x.eng.Close(ctx, c1.ID, "a1")
	require.NoError(t, err)
	got, err := x.store.Conversation(ctx, c2.ID)
	require.NoError(t, err)
	require.Equal(t, "a1", got.AssigneeID, "the oldest waiting conversation goes to the agent who has room")
	pos, err := x.eng.QueuePosition(ctx, c3)
	require.NoError(t, err)
	require.Equal(t, 1, pos)
}

// Nodes that drain one queue at the same moment hand each conversation out
// once: one assignment each, no agent over capacity.
func TestEngineQueueOnceAcrossNodes(t *testing.T) {
	ctx := context.Background()
	x := newEngineEnv(t)
	for i := range 30 {
		id := fmt.Sprintf("v%02d", i)
		x.visitor(t, id)
		_, _, err := x.eng.Start(ctx, id, "") // nobody is available: they wait
		require.NoError(t, err)
		x.clock.Add(time.Millisecond)
	}
	// Two more engines on the same Storage and broker: three nodes.
	nodes := []*livechat.Engine{x.eng}
	for range 2 {
		eng, err := livechat.NewEngine(x.cfg)
		require.NoError(t, err)
		nodes = append(nodes, eng)
	}
	for _, id := range []string{"a1", "a2"} { // available, without a drain of their own
		require.NoError(t, x.store.PutAgent(ctx, &livechat.Agent{ID: id, Capacity: 10, Presence: livechat.PresenceAvailable}))
		require.NoError(t, x.store.TouchAgent(ctx, id, x.clock.Now()))
	}
	x.take()
	var wg sync.WaitGroup
	for _, n := range nodes {
		for range 3 {
			wg.Go(func() { n.Drain(ctx) })
		}
	}
	wg.Wait()
	assignments := map[string]int{}
	for _, ev := range x.take() {
		if ev.Type == livechat.EventConversation && ev.Conversation.AssigneeID != "" {
			assignments[ev.ConversationID]++
		}
	}
	require.Len(t, assignments, 20, "two agents of capacity 10 take 20 conversations")
	for id, n := range assignments {
		require.Equal(t, 1, n, "conversation %s handed out %d times", id, n)
	}
	open, err := x.store.OpenCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"a1": 10, "a2": 10}, open)
}
