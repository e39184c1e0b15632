package livechat

import (
	"context"
	"sync"
	"time"

	"github.com/golivechat/livechat/transport"
)

func (c *client) participant() string {
	if c.isAgent() {
		return agentParticipant(c.agentID)
	}
	return participantVisitor
}

// subscribe replays a conversation's messages after `after` from storage,
// then lets live events through, in sequence order.
func (h *Handler) subscribe(ctx context.Context, c *client, watched map[string]bool, conv *Conversation, after int64, ref string) {
	c.mu.Lock()
	c.replaying[conv.ID] = []seqFrame{}
	c.mu.Unlock()
	if !c.isAgent() && !watched[conv.ID] {
		h.hub.watch(c, conv.ID)
		watched[conv.ID] = true
	}
	// A client that claims more than there is gets the real end: the replay
	// starts there and `subscribed` carries the conversation's last seq.
	last := min(after, conv.LastSeq)
	alias := ""
	if !c.isAgent() {
		alias = brandAlias(h.flowFor(ctx, conv.ChatflowID))
	}
	var replayErr error
	for {
		msgs, err := h.store.Messages(ctx, conv.ID, last, 100)
		if err != nil {
			replayErr = err
			break
		}
		for _, m := range msgs {
			if !c.conn.SendWait(ctx, h.eventFrame(c, Event{Type: EventMessage, ConversationID: conv.ID, Seq: m.Seq, Message: m, AuthorAlias: alias})) {
				return
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
		h.frameError(c, ref, replayErr)
		return
	}
	c.conn.Send(mustJSON(subscribedFrame{Type: "subscribed", ConversationID: conv.ID, Seq: last}))
	// The conversation as it is now: a close or an assignment made while
	// the client was away is not in the message replay.
	if cur, err := h.store.Conversation(ctx, conv.ID); err == nil {
		c.conn.Send(h.eventFrame(c, Event{Type: EventConversation, ConversationID: cur.ID, Seq: cur.LastSeq, Conversation: cur}))
	}
}

// eventFrame encodes an event for a client.
func (h *Handler) eventFrame(c *client, ev Event) []byte {
	if c.isAgent() {
		return mustJSON(ev)
	}
	vev, _ := visitorEvent(ev)
	return mustJSON(vev)
}

// client is one live connection (WebSocket) of a visitor or an agent.
type client struct {
	conn      *transport.Conn
	visitorID string // set for visitors
	agentID   string // set for agents
	ipKey     string // the client IP as the per-IP limits count it, for visitors

	mu sync.Mutex
	// replaying holds, per conversation being replayed from storage, the
	// live message frames that arrived meanwhile; they are sent after the
	// replay so that the client sees seq order.
	replaying map[string][]seqFrame

	// signalsQuietUntil is when typing and read frames refused by the
	// rate limit get an answer again; only the reading goroutine uses it.
	signalsQuietUntil time.Time
}

type seqFrame struct {
	seq   int64
	frame []byte
}

func (c *client) isAgent() bool { return c.agentID != "" }

// deliver queues a frame, holding it back while its conversation replays.
func (c *client) deliver(convID string, seq int64, frame []byte, isMessage bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pending, ok := c.replaying[convID]; ok && isMessage {
		c.replaying[convID] = append(pending, seqFrame{seq, frame})
		return
	}
	c.conn.Send(frame)
}
