package livechat

import (
	"cmp"
	"context"
	"slices"
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
	// watched is the conversations the client subscribed to, each with
	// what it was sent of them, for a catch-up after the broker lost
	// events (catchUp).
	watched map[string]*seqMark

	// sending is the client message id of the send frame the reading
	// goroutine is handling: the hub does not echo that message back to
	// this connection, which gets its ack.
	sending string

	// signalsQuietUntil is when typing and read frames refused by the
	// rate limit get an answer again; only the reading goroutine uses it.
	signalsQuietUntil time.Time
}

// seqMark is what a client was sent of a conversation's messages: every
// seq up to upTo, and those in above.
type seqMark struct {
	upTo  int64
	above map[int64]struct{}
}

// maxAbove bounds what a seqMark remembers above its contiguous part; a
// catch-up may send those again, which clients drop by seq.
const maxAbove = 1024

func (m *seqMark) add(seq int64) {
	switch {
	case seq <= m.upTo:
	case seq == m.upTo+1:
		m.upTo = seq
		for {
			if _, ok := m.above[m.upTo+1]; !ok {
				break
			}
			delete(m.above, m.upTo+1)
			m.upTo++
		}
	case len(m.above) < maxAbove:
		if m.above == nil {
			m.above = make(map[int64]struct{})
		}
		m.above[seq] = struct{}{}
	}
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

// deliver queues an event's frame, holding it back while its
// conversation replays. msg is the message of a message event, nil for
// other events. frame returns the encoded frame, nil when it cannot be
// encoded; it is called only when the frame is needed (a sender's own
// message needs none), so that an event nobody on this node receives is
// never encoded. It reports whether a frame was queued (or held for after
// the replay).
func (c *client) deliver(convID string, seq int64, frame func() []byte, msg *Message) bool {
	if deliverHook != nil {
		if f := frame(); f != nil {
			deliverHook(c.isAgent(), f)
		}
	}
	isMessage := msg != nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if pending, ok := c.replaying[convID]; ok && isMessage {
		// Without a frame (a private note, for a visitor) its seq still
		// counts as sent.
		f := frame()
		c.replaying[convID] = append(pending, seqFrame{seq, f})
		return f != nil
	}
	if m := c.watched[convID]; m != nil && isMessage {
		m.add(seq)
	}
	if isMessage && c.sending != "" && c.sentBy(msg) {
		return false // the sender's own message: its ack carries it
	}
	if f := frame(); f != nil {
		c.conn.Send(f)
		return true
	}
	return false
}

// deliverFrame is deliver with a frame already encoded.
func (c *client) deliverFrame(convID string, seq int64, frame []byte, msg *Message) bool {
	return c.deliver(convID, seq, func() []byte { return frame }, msg)
}

// sentBy reports whether msg is the one this connection is sending.
func (c *client) sentBy(msg *Message) bool {
	if msg.ClientMsgID != c.sending {
		return false
	}
	if c.isAgent() {
		return msg.Sender == SenderAgent && msg.AuthorID == c.agentID
	}
	return msg.Sender == SenderVisitor
}

// setSending records the send frame being handled ("" when done).
func (c *client) setSending(clientMsgID string) {
	c.mu.Lock()
	c.sending = clientMsgID
	c.mu.Unlock()
}

// watchedIDs lists the conversations the client subscribed to.
func (c *client) watchedIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
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
	_, watched := c.watched[conv.ID]
	c.mu.Unlock()
	if !watched {
		// Agents receive every conversation's events already (the inbox
		// topic); a visitor's arrive from now on.
		if !c.isAgent() {
			if err := c.hub.watch(c, conv.ID); err != nil {
				c.mu.Lock()
				delete(c.replaying, conv.ID)
				c.mu.Unlock()
				return err
			}
		}
		c.mu.Lock()
		c.watched[conv.ID] = &seqMark{}
		c.mu.Unlock()
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
			if c.receives(m) && !c.conn.SendWait(ctx, c.eventFrame(Event{Type: EventMessage, ConversationID: conv.ID, Seq: m.Seq, Message: m, AuthorAlias: alias})) {
				return nil
			}
			last = m.Seq
		}
		if len(msgs) < 100 {
			break
		}
	}
	c.mu.Lock()
	// Live events may come from several nodes, out of order: they are
	// sent in seq order, each once, after what the replay sent.
	pending := c.replaying[conv.ID]
	delete(c.replaying, conv.ID)
	slices.SortStableFunc(pending, func(a, b seqFrame) int { return cmp.Compare(a.seq, b.seq) })
	for _, p := range pending {
		if p.seq > last {
			if p.frame != nil {
				c.conn.Send(p.frame)
			}
			last = p.seq
		}
	}
	mark := c.watched[conv.ID]
	mark.upTo, mark.above = last, nil
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

// receives reports whether the client is sent m: an agent every message,
// a visitor all but private notes.
func (c *client) receives(m *Message) bool { return c.isAgent() || forVisitor(m) }

// eventFrame encodes an event for the client: an agent sees it whole, a
// visitor as visitorEvent shows it.
func (c *client) eventFrame(ev Event) []byte {
	var frame []byte
	var err error
	if c.isAgent() {
		frame, err = encodeEvent(ev)
	} else {
		vev, _ := visitorEvent(ev)
		frame, err = encodeVisitorEvent(vev)
	}
	if err != nil {
		panic("livechat: encode frame: " + err.Error())
	}
	return frame
}

// catchUp sends the client what the broker may have lost since `since`:
// the messages of each conversation it follows after what it was sent,
// each conversation as it is now, and to an agent every conversation that
// changed since. Clients drop what they already have by seq.
func (c *client) catchUp(ctx context.Context, since time.Time) {
	c.mu.Lock()
	from := make(map[string]int64, len(c.watched))
	for id, m := range c.watched {
		from[id] = m.upTo
	}
	c.mu.Unlock()
	for id, after := range from {
		conv, err := c.store.Conversation(ctx, id)
		if err != nil {
			continue // erased meanwhile, or the Storage is down: the client's own gap check remains
		}
		alias := ""
		if !c.isAgent() {
			alias = brandAlias(c.flows.flowFor(ctx, conv.ChatflowID))
		}
		for after < conv.LastSeq {
			msgs, err := c.store.Messages(ctx, id, after, 100)
			if err != nil || len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				var frame []byte // none for a message the client does not receive: its seq counts as sent
				if c.receives(m) {
					frame = c.eventFrame(Event{Type: EventMessage, ConversationID: id, Seq: m.Seq, Message: m, AuthorAlias: alias})
				}
				c.deliverFrame(id, m.Seq, frame, m)
				after = m.Seq
			}
		}
		c.deliverFrame(id, conv.LastSeq, c.eventFrame(Event{Type: EventConversation, ConversationID: id, Seq: conv.LastSeq, Conversation: conv}), nil)
	}
	if !c.isAgent() {
		return
	}
	changed, err := c.store.Conversations(ctx, ConversationFilter{Limit: maxConversationPage})
	if err != nil {
		return
	}
	for _, conv := range changed {
		if conv.UpdatedAt.Before(since) {
			break // newest activity first
		}
		if _, ok := from[conv.ID]; !ok {
			c.deliverFrame(conv.ID, conv.LastSeq, c.eventFrame(Event{Type: EventConversation, ConversationID: conv.ID, Seq: conv.LastSeq, Conversation: conv}), nil)
		}
	}
}
