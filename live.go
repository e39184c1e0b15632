package livechat

import (
	"context"
	"sync"
	"time"

	"github.com/golivechat/livechat/transport"
)

// client is one live connection (WebSocket) of a visitor or an agent: it
// subscribes to conversations, replays what the client missed from the
// Storage, and delivers live events in sequence order. The hub calls
// deliver; the connection's own goroutine calls everything else.
type client struct {
	conn      *transport.Conn
	visitorID string // set for visitors
	agentID   string // set for agents
	ipKey     string // the client IP as the per-IP limits count it, for visitors

	hub   *hub
	store Storage
	flows *flowCache

	mu sync.Mutex
	// replaying holds, per conversation being replayed from storage, the
	// live message frames that arrived meanwhile; they are sent after the
	// replay so that the client sees seq order.
	replaying map[string][]seqFrame

	// watched is the conversations a visitor subscribed to, and
	// signalsQuietUntil when typing and read frames refused by the rate
	// limit get an answer again; only the reading goroutine uses them.
	watched           map[string]bool
	signalsQuietUntil time.Time
}

type seqFrame struct {
	seq   int64
	frame []byte
}

func (c *client) isAgent() bool { return c.agentID != "" }

func (c *client) participant() string {
	if c.isAgent() {
		return agentParticipant(c.agentID)
	}
	return participantVisitor
}

// deliverHook, set only by tests, sees every frame the hub delivers, on
// the goroutine that delivers it.
var deliverHook func(toAgent bool, frame []byte)

// deliver queues a frame, holding it back while its conversation replays.
func (c *client) deliver(convID string, seq int64, frame []byte, isMessage bool) {
	if deliverHook != nil {
		deliverHook(c.isAgent(), frame)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pending, ok := c.replaying[convID]; ok && isMessage {
		c.replaying[convID] = append(pending, seqFrame{seq, frame})
		return
	}
	c.conn.Send(frame)
}

// watchedIDs lists the conversations the client subscribed to.
func (c *client) watchedIDs() []string {
	ids := make([]string, 0, len(c.watched))
	for id := range c.watched {
		ids = append(ids, id)
	}
	return ids
}

// subscribe replays a conversation's messages after `after` from storage,
// then lets live events through, in sequence order. It returns the
// Storage's error when the replay could not finish; the client then has
// what was sent and no `subscribed` frame.
func (c *client) subscribe(ctx context.Context, conv *Conversation, after int64) error {
	c.mu.Lock()
	c.replaying[conv.ID] = []seqFrame{}
	c.mu.Unlock()
	if !c.isAgent() && !c.watched[conv.ID] {
		c.hub.watch(c, conv.ID)
		c.watched[conv.ID] = true
	}
	// A client that claims more than there is gets the real end: the replay
	// starts there and `subscribed` carries the conversation's last seq.
	last := min(after, conv.LastSeq)
	alias := ""
	if !c.isAgent() {
		alias = brandAlias(c.flows.flowFor(ctx, conv.ChatflowID))
	}
	var replayErr error
	for {
		msgs, err := c.store.Messages(ctx, conv.ID, last, 100)
		if err != nil {
			replayErr = err
			break
		}
		for _, m := range msgs {
			if !c.conn.SendWait(ctx, c.eventFrame(Event{Type: EventMessage, ConversationID: conv.ID, Seq: m.Seq, Message: m, AuthorAlias: alias})) {
				return nil
			}
			last = m.Seq
		}
		if len(msgs) < 100 {
			break
		}
	}
	c.mu.Lock()
	pending := c.replaying[conv.ID]
	delete(c.replaying, conv.ID)
	for _, p := range pending {
		if p.seq > last {
			c.conn.Send(p.frame)
			last = p.seq
		}
	}
	c.mu.Unlock()
	if replayErr != nil {
		return replayErr
	}
	c.conn.Send(mustJSON(subscribedFrame{Type: "subscribed", ConversationID: conv.ID, Seq: last}))
	// The conversation as it is now: a close or an assignment made while
	// the client was away is not in the message replay.
	if cur, err := c.store.Conversation(ctx, conv.ID); err == nil {
		c.conn.Send(c.eventFrame(Event{Type: EventConversation, ConversationID: cur.ID, Seq: cur.LastSeq, Conversation: cur}))
	}
	return nil
}

// eventFrame encodes an event for the client: an agent sees it whole, a
// visitor as visitorEvent shows it.
func (c *client) eventFrame(ev Event) []byte {
	if c.isAgent() {
		return mustJSON(ev)
	}
	vev, _ := visitorEvent(ev)
	return mustJSON(vev)
}
