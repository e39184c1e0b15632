package livechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/golivechat/livechat/internal/typing"
	"github.com/golivechat/livechat/transport"
)

// engine is the conversation engine: it starts conversations, posts and
// reads messages, marks them read, forwards typing, assigns, closes and
// sets presence, checking consent and the text rules on the way, with
// routing and the queue in its router. It knows the Storage, the broker
// (through its outbox), the clock and the policy packages, and nothing of
// HTTP, frames or cookies: every endpoint and the host's Go API call the
// same methods.
type engine struct {
	cfg     *Config // read only
	store   Storage
	out     *outbox
	now     func() time.Time
	log     *slog.Logger
	flows   *flowCache
	routing *router
	typists *typing.Gate
	// states changes conversations' statuses (engine_states.go).
	states  *conversationStates
	metrics *metrics

	// convLocks serialises append+publish per conversation on this node so
	// that live events leave in sequence order.
	convLocks [64]sync.Mutex
}

// newEngine assembles the engine and its parts on cfg (its defaults
// filled in), publishing on broker through codec; connected lists the agents with a live
// connection on this node.
func newEngine(cfg *Config, broker transport.Broker, codec *eventCodec, connected func() []string) *engine {
	_, mayLose := broker.(transport.StateNotifier)
	out := &outbox{broker: broker, codec: codec, mayLose: mayLose, notifier: cfg.Notifier, now: cfg.Now, log: cfg.Logger}
	flows := &flowCache{store: cfg.Storage, now: cfg.Now, log: cfg.Logger}
	e := &engine{
		cfg:     cfg,
		store:   cfg.Storage,
		out:     out,
		now:     cfg.Now,
		log:     cfg.Logger,
		flows:   flows,
		routing: newRouter(cfg, out, flows, connected),
		typists: typing.New(),
		metrics: noMetrics,
	}
	e.states = &conversationStates{e}
	return e
}

// outbox is how the engine's decisions leave it: events to every node
// through the broker, notifications to the host's Notifier. It remembers
// which conversations' events may not have left, so that they go again
// once the broker is back (engine.republish).
type outbox struct {
	broker   transport.Broker
	codec    *eventCodec
	notifier Notifier
	now      func() time.Time
	log      *slog.Logger

	// mayLose is whether the broker reports lost connections
	// (transport.StateNotifier); only then is there anything to remember.
	mayLose bool

	mu sync.Mutex
	// lost is set while the broker reports its connection lost: every
	// event published meanwhile may be lost.
	lost bool
	// unsent is what to publish again: per conversation, the lowest
	// message seq (0: only the conversation's state).
	unsent map[string]int64
	// cur and prev are the conversations published to in the current and
	// the previous lossWindow, for the events a broker lost before it
	// noticed.
	cur, prev map[string]int64
	curStart  time.Time
}

// lossWindow is how long before a broker reports its connection lost its
// publishes may have been lost unnoticed.
const lossWindow = 5 * time.Second

// maxUnsent bounds what the outbox remembers to publish again; beyond it,
// clients find the gaps themselves (PROTOCOL.md, "Gaps").
const maxUnsent = 100_000

// firstSeq merges two "lowest seq to publish again" values, 0 being none.
func firstSeq(a, b int64) int64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// remember records a conversation's published event: in the loss window,
// and as unsent when the broker refused it or is lost.
func (o *outbox) remember(ev Event, failed bool) {
	if ev.ConversationID == "" || ev.Type == EventTyping || ev.Type == EventRead {
		return // only what a client cannot do without: messages and state
	}
	seq := int64(0)
	if ev.Type == EventMessage {
		seq = ev.Seq
	}
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if failed || o.lost {
		o.addUnsent(ev.ConversationID, seq)
		return
	}
	if o.cur == nil || now.Sub(o.curStart) >= lossWindow {
		o.prev, o.cur, o.curStart = o.cur, make(map[string]int64), now
	}
	o.cur[ev.ConversationID] = firstSeq(o.cur[ev.ConversationID], seq)
}

func (o *outbox) addUnsent(convID string, seq int64) {
	if o.unsent == nil {
		o.unsent = make(map[string]int64)
	}
	if prev, ok := o.unsent[convID]; ok {
		o.unsent[convID] = firstSeq(prev, seq)
	} else if len(o.unsent) < maxUnsent {
		o.unsent[convID] = seq
	}
}

// setLost follows the broker's reports. Losing the connection makes the
// loss window's conversations unsent too; regaining it returns what to
// publish again.
func (o *outbox) setLost(lost bool) map[string]int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lost = lost
	if lost {
		for _, window := range []map[string]int64{o.prev, o.cur} {
			for id, seq := range window {
				o.addUnsent(id, seq)
			}
		}
		o.prev, o.cur = nil, nil
		return nil
	}
	out := o.unsent
	o.unsent = nil
	return out
}

// post appends a message and publishes it. created is false when the
// sender already used the client message id in the conversation; the
// original message is returned.
func (e *engine) post(ctx context.Context, m *Message, alias string) (*Message, bool, error) {
	// The text of a visitor's or an agent's message was checked by
	// sendAsVisitor or sendAsAgent, which look up a resend first when it
	// fails.
	if m.ClientMsgID != "" {
		if err := checkClientMsgID(m.ClientMsgID); err != nil {
			return nil, false, err
		}
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = e.now().UTC()
	}
	defer e.lockConversation(m.ConversationID).Unlock()
	stored, created, err := e.store.AppendMessage(ctx, m)
	if err != nil {
		return nil, false, fmt.Errorf("livechat: append message: %w", err)
	}
	if created {
		e.metrics.message(stored.Sender)
		e.out.publish(ctx, Event{Type: EventMessage, ConversationID: stored.ConversationID, Seq: stored.Seq, Message: stored, AuthorAlias: alias})
	}
	return stored, created, nil
}

// postIf is post in one call of the Storage's ConditionalAppender, which
// appends m only when its conversation meets cond and returns the
// conversation as it is after the append; alias, when set, names the
// agents in the published event from that conversation. m.ClientMsgID
// must be valid or empty. ok is false when nothing was stored because the
// Storage has no ConditionalAppender, or the conversation does not exist
// or does not meet cond (ErrNotFound, ErrConflict): the caller then takes
// the path of post, whose checks give every refusal its own answer. Other
// failures are returned as post returns them.
func (e *engine) postIf(ctx context.Context, m *Message, cond AppendCondition, alias func(*Conversation) string) (stored *Message, c *Conversation, created, ok bool, err error) {
	ca, has := e.store.(ConditionalAppender)
	if !has {
		return nil, nil, false, false, nil
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = e.now().UTC()
	}
	defer e.lockConversation(m.ConversationID).Unlock()
	stored, c, created, err = ca.AppendMessageIf(ctx, m, cond)
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		return nil, nil, false, false, nil
	case err != nil:
		return nil, nil, false, true, fmt.Errorf("livechat: append message: %w", err)
	}
	if created {
		e.metrics.message(stored.Sender)
		by := ""
		if alias != nil {
			by = alias(c)
		}
		e.out.publish(ctx, Event{Type: EventMessage, ConversationID: stored.ConversationID, Seq: stored.Seq, Message: stored, AuthorAlias: by})
	}
	return stored, c, created, true, nil
}

// resentMessage returns the message the sender already stored in the
// conversation under clientMsgID, or nil. A resend gets the original
// message even when a new message would be refused (rate limited, closed
// conversation), so callers look it up only before refusing: the normal
// path costs nothing more. The key includes the sender, so it finds only
// the sender's own messages.
func (e *engine) resentMessage(ctx context.Context, convID string, sender SenderKind, authorID, clientMsgID string) *Message {
	if !validID(convID) || !validID(clientMsgID) {
		return nil
	}
	m, err := e.store.MessageByClientID(ctx, convID, sender, authorID, clientMsgID)
	if err != nil {
		if !isNotFound(err) {
			e.log.Warn("livechat: look up a resent message", "conversation", convID, "err", err)
		}
		return nil
	}
	return m
}

// errConversationNotFound is the one answer for a conversation id that is
// malformed, unknown, or another visitor's: clients cannot tell them
// apart, and the storage's own words (ids, tables) stay in the log.
var errConversationNotFound = publicf(ErrNotFound, "conversation not found")

var errAgentNotFound = publicf(ErrNotFound, "agent not found")

// conversation returns a stored conversation, or errConversationNotFound.
func (e *engine) conversation(ctx context.Context, convID string) (*Conversation, error) {
	if !validID(convID) {
		return nil, errConversationNotFound
	}
	c, err := e.store.Conversation(ctx, convID)
	if isNotFound(err) {
		return nil, errConversationNotFound
	}
	return c, err
}

// visitorConversationByID returns the visitor's conversation, or
// errConversationNotFound when it does not exist or belongs to someone
// else.
func (e *engine) visitorConversationByID(ctx context.Context, visitorID, convID string) (*Conversation, error) {
	c, err := e.conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	if c.VisitorID != visitorID {
		return nil, errConversationNotFound
	}
	return c, nil
}

// startConversation is StartConversation for a chatflow; an unknown
// chatflow id is dropped. admit, when set, may refuse a new conversation;
// it is not asked when the visitor has an open one.
func (e *engine) startConversation(ctx context.Context, visitorID, pageURL, chatflowID string, admit func() error) (conv *Conversation, created bool, err error) {
	var props map[string]string
	if f := e.flows.flowFor(ctx, chatflowID); f != nil {
		props = maps.Clone(f.Options.ConversationProperties)
	} else {
		chatflowID = ""
	}
	if _, err := e.store.Visitor(ctx, visitorID); err != nil {
		return nil, false, fmt.Errorf("livechat: visitor: %w", err)
	}
	defer e.lockConversation("visitor:" + visitorID).Unlock()
	active, _, err := activeConversation(ctx, e.store, visitorID)
	if err != nil {
		return nil, false, fmt.Errorf("livechat: list conversations: %w", err)
	}
	if active != nil {
		return active, false, nil
	}
	if admit != nil {
		if err := admit(); err != nil {
			return nil, false, err
		}
	}
	now := e.now().UTC()
	c := &Conversation{
		ID:         newID(),
		VisitorID:  visitorID,
		ChatflowID: chatflowID,
		Properties: props,
		Status:     StatusOpen,
		PageURL:    truncate(pageURL, 2048),
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	if err := e.store.CreateConversation(ctx, c); err != nil {
		return nil, false, fmt.Errorf("livechat: create conversation: %w", err)
	}
	e.out.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Conversation: c})
	e.out.notify(ctx, Notification{Kind: NotifyNewConversation, ConversationID: c.ID, ChatflowID: c.ChatflowID})
	if routed, _, err := e.routing.route(ctx, c); err != nil {
		e.log.Warn("livechat: route a new conversation", "conversation", c.ID, "err", err)
	} else {
		c = routed
	}
	return c, true, nil
}

func (e *engine) sendAsVisitor(ctx context.Context, visitorID, conversationID, clientMsgID, text string) (*Message, bool, error) {
	if err := checkClientMsgID(clientMsgID); err != nil {
		return nil, false, err
	}
	if visitorID != "" && validID(conversationID) && e.checkText(text) == nil {
		// The checks below in one step with the append, when the Storage
		// can: the conversation is the visitor's, open, and not of a
		// chatflow that asks for explicit consent (checkConsent). An empty
		// visitorID, which AppendCondition reads as "any visitor", takes
		// the path below, where it matches no conversation.
		if except, ok := e.flows.explicitConsentFlows(ctx); ok {
			cond := AppendCondition{VisitorID: visitorID, NotClosed: true, ExceptChatflows: except}
			m, c, created, ok, err := e.postIf(ctx, &Message{
				ConversationID: conversationID,
				ClientMsgID:    clientMsgID,
				Sender:         SenderVisitor,
				AuthorID:       visitorID,
				Text:           text,
			}, cond, nil)
			if ok {
				if err == nil && created {
					e.states.reopenOnVisitorMessage(ctx, c)
					e.routing.afterVisitorMessage(ctx, c, m)
				}
				return m, created, err
			}
		}
	}
	c, err := e.visitorConversationByID(ctx, visitorID, conversationID)
	if err != nil {
		return nil, false, err
	}
	if err := e.checkText(text); err != nil {
		// Stored under older rules (a longer MaxMessageLength, say).
		if m := e.resentMessage(ctx, c.ID, SenderVisitor, visitorID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, err
	}
	if c.Status == StatusClosed {
		if m := e.resentMessage(ctx, c.ID, SenderVisitor, visitorID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, publicf(ErrClosed, "conversation is closed")
	}
	if err := e.checkConsent(ctx, visitorID, c); err != nil {
		if m := e.resentMessage(ctx, c.ID, SenderVisitor, visitorID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, err
	}
	m, created, err := e.post(ctx, &Message{
		ConversationID: c.ID,
		ClientMsgID:    clientMsgID,
		Sender:         SenderVisitor,
		AuthorID:       visitorID,
		Text:           text,
	}, "")
	if err == nil && created {
		e.states.reopenOnVisitorMessage(ctx, c)
		e.routing.afterVisitorMessage(ctx, c, m)
	}
	return m, created, err
}

func (e *engine) sendAsAgent(ctx context.Context, conversationID, agentID, clientMsgID, text string) (*Message, bool, error) {
	if err := e.checkText(text); err != nil {
		// Stored under older rules (a longer MaxMessageLength, say).
		if m := e.resentMessage(ctx, conversationID, SenderAgent, agentID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, err
	}
	a, err := e.store.Agent(ctx, agentID)
	if err != nil {
		return nil, false, fmt.Errorf("livechat: agent: %w", err)
	}
	if validID(conversationID) && (clientMsgID == "" || validID(clientMsgID)) {
		// The conversation's existence and chatflow in one step with the
		// append, when the Storage can.
		m, _, created, ok, err := e.postIf(ctx, &Message{
			ConversationID: conversationID,
			ClientMsgID:    clientMsgID,
			Sender:         SenderAgent,
			AuthorID:       a.ID,
			AuthorName:     a.Name,
			Text:           text,
		}, AppendCondition{}, func(c *Conversation) string { return brandAlias(e.flows.flowFor(ctx, c.ChatflowID)) })
		if ok {
			return m, created, err
		}
	}
	c, err := e.conversation(ctx, conversationID)
	if err != nil {
		return nil, false, err
	}
	return e.post(ctx, &Message{
		ConversationID: conversationID,
		ClientMsgID:    clientMsgID,
		Sender:         SenderAgent,
		AuthorID:       a.ID,
		AuthorName:     a.Name,
		Text:           text,
	}, brandAlias(e.flows.flowFor(ctx, c.ChatflowID)))
}

// closeConversation closes a conversation and adds a system message so
// that every client learns it in sequence; see Handler.CloseConversation.
func (e *engine) closeConversation(ctx context.Context, conversationID, agentID string) (*Conversation, error) {
	c, err := e.store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		return c, nil
	}
	by := brandAlias(e.flows.flowFor(ctx, c.ChatflowID))
	if by == "" && agentID != "" {
		if a, err := e.store.Agent(ctx, agentID); err == nil {
			by = a.Name
		}
	}
	text := "The conversation has ended."
	if by != "" {
		text = by + " ended the conversation."
	}
	now := e.now().UTC()
	c.Status = StatusClosed
	c.ClosedAt = now
	c.UpdatedAt = now
	c.SnoozedUntil = time.Time{}
	if err := e.store.UpdateConversation(ctx, c); err != nil {
		return nil, fmt.Errorf("livechat: close conversation: %w", err)
	}
	if _, _, err := e.post(ctx, &Message{ConversationID: c.ID, ClientMsgID: fmt.Sprintf("close-%d", now.UnixNano()), Sender: SenderSystem, AuthorName: by, Text: text, Code: CodeConversationEnded}, ""); err != nil {
		return nil, err
	}
	if c, err = e.store.Conversation(ctx, conversationID); err != nil {
		return nil, err
	}
	e.out.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Seq: c.LastSeq, Conversation: c})
	if c.AssigneeID != "" {
		e.routing.drainQueue(ctx) // the agent has room for a waiting conversation
	}
	return c, nil
}

// assign gives a conversation to an agent within the agent's capacity, or
// unassigns it; see Handler.Assign.
func (e *engine) assign(ctx context.Context, conversationID, agentID string) (*Conversation, error) {
	c, err := e.store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	capacity := 0
	if agentID != "" {
		a, err := e.store.Agent(ctx, agentID)
		if isNotFound(err) {
			return nil, errAgentNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("livechat: agent: %w", err)
		}
		capacity = e.routing.capacity(a)
	}
	if c.AssigneeID == agentID {
		return c, nil
	}
	previous := c.AssigneeID
	c, err = e.store.AssignConversation(ctx, conversationID, agentID, capacity, e.now().UTC())
	if err != nil {
		return nil, fmt.Errorf("livechat: assign conversation: %w", err)
	}
	e.out.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Seq: c.LastSeq, Conversation: c})
	if agentID != "" {
		e.metrics.assigned(false)
		e.out.notify(ctx, Notification{Kind: NotifyAssigned, ConversationID: c.ID, ChatflowID: c.ChatflowID, AgentID: agentID})
	}
	if previous != "" && c.Status == StatusOpen {
		e.routing.drainQueue(ctx) // the previous agent has room again
	}
	return c, nil
}

// setPresence sets an agent's presence and tells the other agents; see
// Handler.SetPresence.
func (e *engine) setPresence(ctx context.Context, agentID string, p Presence) (*Agent, error) {
	if p != PresenceAvailable && p != PresenceAway {
		return nil, publicf(ErrInvalid, `presence must be "available" or "away"`)
	}
	a, err := e.routing.updateAgent(ctx, agentID, func(a *Agent) error {
		a.Presence = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.out.publish(ctx, Event{Type: EventPresence, AgentID: a.ID, Presence: p})
	if p == PresenceAvailable {
		e.routing.drainQueue(ctx)
	}
	return a, nil
}

// markRead stores a read mark and tells the other side when it moved.
func (e *engine) markRead(ctx context.Context, convID, participant string, seq int64) (ReadMark, error) {
	if seq < 0 {
		return ReadMark{}, publicf(ErrInvalid, "seq must not be negative")
	}
	c, err := e.store.Conversation(ctx, convID)
	if err != nil {
		return ReadMark{}, err
	}
	if seq > c.LastSeq {
		seq = c.LastSeq
	}
	// A mark that does not move is neither written nor told to anyone.
	marks, err := e.store.ReadMarks(ctx, convID)
	if err != nil {
		return ReadMark{}, fmt.Errorf("livechat: read marks: %w", err)
	}
	for _, m := range marks {
		if m.Participant == participant && m.Seq >= seq {
			return m, nil
		}
	}
	mark, err := e.store.SetReadMark(ctx, ReadMark{ConversationID: convID, Participant: participant, Seq: seq, UpdatedAt: e.now().UTC()})
	if err != nil {
		return ReadMark{}, fmt.Errorf("livechat: read mark: %w", err)
	}
	e.out.publish(ctx, Event{Type: EventRead, ConversationID: convID, Seq: mark.Seq, Participant: participant})
	return mark, nil
}

// lockConversation locks the mutex of id's stripe and returns it, for the
// caller to unlock.
func (e *engine) lockConversation(id string) *sync.Mutex {
	// FNV-1a, as hash/fnv computes it, without its allocation.
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	m := &e.convLocks[h%uint32(len(e.convLocks))]
	m.Lock()
	return m
}

// publish sends an event to the nodes that need it: a conversation's
// event on the conversation's topic, and every event on the inbox topic
// (see hub.go).
func (o *outbox) publish(ctx context.Context, ev Event) {
	payload, err := o.codec.encode(ev)
	if err != nil {
		o.log.Error("livechat: encode event", "err", err)
		return
	}
	if ev.ConversationID != "" {
		o.send(ctx, conversationTopic(ev.ConversationID), payload, ev)
	}
	o.send(ctx, inboxTopic, payload, ev)
}

func (o *outbox) send(ctx context.Context, topic string, payload []byte, ev Event) {
	err := o.broker.Publish(ctx, topic, payload)
	if err != nil {
		// Published again when the broker is back (republish); clients
		// also find gaps by sequence number.
		o.log.Warn("livechat: publish event", "type", string(ev.Type), "conversation", ev.ConversationID, "err", err)
	}
	if o.mayLose && topic == inboxTopic { // once per event: every event goes to the inbox
		o.remember(ev, err != nil)
	}
}

// notify hands a notification to the Notifier; it never fails the caller.
func (o *outbox) notify(ctx context.Context, n Notification) {
	if o.notifier == nil {
		return
	}
	n.ID = newID()
	n.Time = o.now().UTC()
	if err := o.notifier.Notify(context.WithoutCancel(ctx), n); err != nil {
		o.log.Warn("livechat: notify", "kind", string(n.Kind), "conversation", n.ConversationID, "err", err)
	}
}

// republish publishes again what the outbox could not be sure had left
// while the broker was lost (see outbox.setLost): each conversation's
// messages from the first that may be missing, and its state. Clients drop
// what they already have by seq.
func (e *engine) republish(ctx context.Context, unsent map[string]int64) {
	for id, from := range unsent {
		c, err := e.store.Conversation(ctx, id)
		if err != nil {
			continue // erased meanwhile
		}
		alias := brandAlias(e.flows.flowFor(ctx, c.ChatflowID))
		for after := max(from-1, 0); from > 0 && after < c.LastSeq; {
			msgs, err := e.store.Messages(ctx, id, after, 100)
			if err != nil || len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				e.out.publish(ctx, Event{Type: EventMessage, ConversationID: id, Seq: m.Seq, Message: m, AuthorAlias: alias})
				after = m.Seq
			}
		}
		e.out.publish(ctx, Event{Type: EventConversation, ConversationID: id, Seq: c.LastSeq, Conversation: c})
	}
}
