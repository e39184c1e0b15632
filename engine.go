package livechat

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
)

// post appends a message and publishes it. created is false when the
// sender already used the client message id in the conversation; the
// original message is returned.
func (h *Handler) post(ctx context.Context, m *Message, alias string) (*Message, bool, error) {
	if m.Sender != SenderSystem {
		if err := h.checkText(m.Text); err != nil {
			return nil, false, err
		}
	}
	if m.ClientMsgID != "" {
		if err := checkClientMsgID(m.ClientMsgID); err != nil {
			return nil, false, err
		}
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = h.now().UTC()
	}
	unlock := h.lockConversation(m.ConversationID)
	defer unlock()
	stored, created, err := h.store.AppendMessage(ctx, m)
	if err != nil {
		return nil, false, fmt.Errorf("livechat: append message: %w", err)
	}
	if created {
		h.publish(ctx, Event{Type: EventMessage, ConversationID: stored.ConversationID, Seq: stored.Seq, Message: stored, AuthorAlias: alias})
	}
	return stored, created, nil
}

// resentMessage returns the message the sender already stored in the
// conversation under clientMsgID, or nil. A resend gets the original
// message even when a new message would be refused (rate limited, closed
// conversation), so callers look it up only before refusing: the normal
// path costs nothing more. The key includes the sender, so it finds only
// the sender's own messages.
func (h *Handler) resentMessage(ctx context.Context, convID string, sender SenderKind, authorID, clientMsgID string) *Message {
	if !validID(convID) || !validID(clientMsgID) {
		return nil
	}
	m, err := h.store.MessageByClientID(ctx, convID, sender, authorID, clientMsgID)
	if err != nil {
		if !isNotFound(err) {
			h.log.Warn("livechat: look up a resent message", "conversation", convID, "err", err)
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
func (h *Handler) conversation(ctx context.Context, convID string) (*Conversation, error) {
	if !validID(convID) {
		return nil, errConversationNotFound
	}
	c, err := h.store.Conversation(ctx, convID)
	if isNotFound(err) {
		return nil, errConversationNotFound
	}
	return c, err
}

// visitorConversationByID returns the visitor's conversation, or
// errConversationNotFound when it does not exist or belongs to someone
// else.
func (h *Handler) visitorConversationByID(ctx context.Context, visitorID, convID string) (*Conversation, error) {
	c, err := h.conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	if c.VisitorID != visitorID {
		return nil, errConversationNotFound
	}
	return c, nil
}

// StartConversation returns the visitor's open conversation, or starts one
// when there is none; created reports which. pageURL is where the visitor
// started it. It returns ErrNotFound for an unknown visitor.
func (h *Handler) StartConversation(ctx context.Context, visitorID, pageURL string) (conv *Conversation, created bool, err error) {
	return h.startConversation(ctx, visitorID, pageURL, "", nil)
}

// startConversation is StartConversation for a chatflow; an unknown
// chatflow id is dropped. admit, when set, may refuse a new conversation;
// it is not asked when the visitor has an open one.
func (h *Handler) startConversation(ctx context.Context, visitorID, pageURL, chatflowID string, admit func() error) (conv *Conversation, created bool, err error) {
	var props map[string]string
	if f := h.flowFor(ctx, chatflowID); f != nil {
		props = maps.Clone(f.Options.ConversationProperties)
	} else {
		chatflowID = ""
	}
	if _, err := h.store.Visitor(ctx, visitorID); err != nil {
		return nil, false, fmt.Errorf("livechat: visitor: %w", err)
	}
	unlock := h.lockConversation("visitor:" + visitorID)
	defer unlock()
	open, err := h.store.Conversations(ctx, ConversationFilter{VisitorID: visitorID, Status: StatusOpen, Limit: 1})
	if err != nil {
		return nil, false, fmt.Errorf("livechat: list conversations: %w", err)
	}
	if len(open) > 0 {
		return open[0], false, nil
	}
	if admit != nil {
		if err := admit(); err != nil {
			return nil, false, err
		}
	}
	now := h.now().UTC()
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
	if err := h.store.CreateConversation(ctx, c); err != nil {
		return nil, false, fmt.Errorf("livechat: create conversation: %w", err)
	}
	h.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Conversation: c})
	h.notify(ctx, Notification{Kind: NotifyNewConversation, ConversationID: c.ID, ChatflowID: c.ChatflowID})
	if routed, _, err := h.route(ctx, c); err != nil {
		h.log.Warn("livechat: route a new conversation", "conversation", c.ID, "err", err)
	} else {
		c = routed
	}
	return c, true, nil
}

// Conversation returns one conversation. Returns ErrNotFound.
func (h *Handler) Conversation(ctx context.Context, id string) (*Conversation, error) {
	return h.store.Conversation(ctx, id)
}

// Conversations lists conversations, newest activity first: at most
// f.Limit (0 means 100), after f.After when set. ConversationPage pages
// through all of them with an opaque cursor.
func (h *Handler) Conversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error) {
	return h.store.Conversations(ctx, f)
}

// Messages returns up to limit messages of a conversation after the
// sequence number after, in order. Returns ErrNotFound.
func (h *Handler) Messages(ctx context.Context, conversationID string, after int64, limit int) ([]*Message, error) {
	return h.store.Messages(ctx, conversationID, after, limit)
}

// Send posts a visitor's message to their conversation; it is stored
// before Send returns. clientMsgID makes a retry safe: a repeat returns the
// original message, even once the conversation is closed. Returns ErrNotFound for a conversation that is not the
// visitor's, ErrClosed when it is closed, ErrInvalid or ErrTooLarge for bad
// text.
func (h *Handler) Send(ctx context.Context, visitorID, conversationID, clientMsgID, text string) (*Message, error) {
	m, _, err := h.sendAsVisitor(ctx, visitorID, conversationID, clientMsgID, text)
	return m, err
}

func (h *Handler) sendAsVisitor(ctx context.Context, visitorID, conversationID, clientMsgID, text string) (*Message, bool, error) {
	if err := checkClientMsgID(clientMsgID); err != nil {
		return nil, false, err
	}
	c, err := h.visitorConversationByID(ctx, visitorID, conversationID)
	if err != nil {
		return nil, false, err
	}
	if err := h.checkText(text); err != nil {
		// Stored under older rules (a longer MaxMessageLength, say).
		if m := h.resentMessage(ctx, c.ID, SenderVisitor, visitorID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, err
	}
	if c.Status == StatusClosed {
		if m := h.resentMessage(ctx, c.ID, SenderVisitor, visitorID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, publicf(ErrClosed, "conversation is closed")
	}
	if err := h.checkConsent(ctx, visitorID, c); err != nil {
		if m := h.resentMessage(ctx, c.ID, SenderVisitor, visitorID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, err
	}
	m, created, err := h.post(ctx, &Message{
		ConversationID: c.ID,
		ClientMsgID:    clientMsgID,
		Sender:         SenderVisitor,
		AuthorID:       visitorID,
		Text:           text,
	}, "")
	if err == nil && created {
		h.afterVisitorMessage(ctx, c, m)
	}
	return m, created, err
}

// Reply posts an agent's message to a conversation; it is stored before
// Reply returns. clientMsgID may be empty; when set, a repeat returns the
// original message. Returns ErrNotFound, ErrInvalid or ErrTooLarge.
func (h *Handler) Reply(ctx context.Context, conversationID, agentID, clientMsgID, text string) (*Message, error) {
	m, _, err := h.sendAsAgent(ctx, conversationID, agentID, clientMsgID, text)
	return m, err
}

func (h *Handler) sendAsAgent(ctx context.Context, conversationID, agentID, clientMsgID, text string) (*Message, bool, error) {
	if err := h.checkText(text); err != nil {
		// Stored under older rules (a longer MaxMessageLength, say).
		if m := h.resentMessage(ctx, conversationID, SenderAgent, agentID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, err
	}
	a, err := h.store.Agent(ctx, agentID)
	if err != nil {
		return nil, false, fmt.Errorf("livechat: agent: %w", err)
	}
	c, err := h.conversation(ctx, conversationID)
	if err != nil {
		return nil, false, err
	}
	return h.post(ctx, &Message{
		ConversationID: conversationID,
		ClientMsgID:    clientMsgID,
		Sender:         SenderAgent,
		AuthorID:       a.ID,
		AuthorName:     a.Name,
		Text:           text,
	}, brandAlias(h.flowFor(ctx, c.ChatflowID)))
}

// CloseConversation closes a conversation on behalf of an agent (agentID
// may be empty for the host itself) and adds a system message so that
// every client learns it in sequence. Closing a closed conversation
// changes nothing. Returns ErrNotFound.
func (h *Handler) CloseConversation(ctx context.Context, conversationID, agentID string) (*Conversation, error) {
	c, err := h.store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		return c, nil
	}
	by := brandAlias(h.flowFor(ctx, c.ChatflowID))
	if by == "" && agentID != "" {
		if a, err := h.store.Agent(ctx, agentID); err == nil {
			by = a.Name
		}
	}
	text := "The conversation has ended."
	if by != "" {
		text = by + " ended the conversation."
	}
	now := h.now().UTC()
	c.Status = StatusClosed
	c.ClosedAt = now
	c.UpdatedAt = now
	if err := h.store.UpdateConversation(ctx, c); err != nil {
		return nil, fmt.Errorf("livechat: close conversation: %w", err)
	}
	if _, _, err := h.post(ctx, &Message{ConversationID: c.ID, ClientMsgID: fmt.Sprintf("close-%d", now.UnixNano()), Sender: SenderSystem, AuthorName: by, Text: text, Code: CodeConversationEnded}, ""); err != nil {
		return nil, err
	}
	if c, err = h.store.Conversation(ctx, conversationID); err != nil {
		return nil, err
	}
	h.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Seq: c.LastSeq, Conversation: c})
	if c.AssigneeID != "" {
		h.drainQueue(ctx) // the agent has room for a waiting conversation
	}
	return c, nil
}

// Assign gives a conversation to an agent, within the agent's capacity;
// an empty agentID unassigns it. Returns ErrNotFound for an unknown
// conversation or agent and ErrAtCapacity when the agent has no room.
func (h *Handler) Assign(ctx context.Context, conversationID, agentID string) (*Conversation, error) {
	c, err := h.store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	capacity := 0
	if agentID != "" {
		a, err := h.store.Agent(ctx, agentID)
		if isNotFound(err) {
			return nil, errAgentNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("livechat: agent: %w", err)
		}
		capacity = h.capacity(a)
	}
	if c.AssigneeID == agentID {
		return c, nil
	}
	previous := c.AssigneeID
	c, err = h.store.AssignConversation(ctx, conversationID, agentID, capacity, h.now().UTC())
	if err != nil {
		return nil, fmt.Errorf("livechat: assign conversation: %w", err)
	}
	h.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Seq: c.LastSeq, Conversation: c})
	if agentID != "" {
		h.notify(ctx, Notification{Kind: NotifyAssigned, ConversationID: c.ID, ChatflowID: c.ChatflowID, AgentID: agentID})
	}
	if previous != "" && c.Status == StatusOpen {
		h.drainQueue(ctx) // the previous agent has room again
	}
	return c, nil
}

// SetPresence sets an agent's presence and tells the other agents.
// Returns ErrNotFound for an unknown agent and ErrInvalid for an unknown
// presence.
func (h *Handler) SetPresence(ctx context.Context, agentID string, p Presence) (*Agent, error) {
	if p != PresenceAvailable && p != PresenceAway {
		return nil, publicf(ErrInvalid, `presence must be "available" or "away"`)
	}
	a, err := h.store.Agent(ctx, agentID)
	if err != nil {
		return nil, err
	}
	a.Presence = p
	a.UpdatedAt = h.now().UTC()
	if err := h.store.PutAgent(ctx, a); err != nil {
		return nil, fmt.Errorf("livechat: store agent: %w", err)
	}
	h.agentsMu.Lock()
	h.agentsSeen[a.ID] = *a
	h.agentsMu.Unlock()
	h.publish(ctx, Event{Type: EventPresence, AgentID: a.ID, Presence: p})
	if p == PresenceAvailable {
		h.drainQueue(ctx)
	}
	return a, nil
}

// markRead stores a read mark and tells the other side when it moved.
func (h *Handler) markRead(ctx context.Context, convID, participant string, seq int64) (ReadMark, error) {
	if seq < 0 {
		return ReadMark{}, publicf(ErrInvalid, "seq must not be negative")
	}
	c, err := h.store.Conversation(ctx, convID)
	if err != nil {
		return ReadMark{}, err
	}
	if seq > c.LastSeq {
		seq = c.LastSeq
	}
	// A mark that does not move is neither written nor told to anyone.
	marks, err := h.store.ReadMarks(ctx, convID)
	if err != nil {
		return ReadMark{}, fmt.Errorf("livechat: read marks: %w", err)
	}
	for _, m := range marks {
		if m.Participant == participant && m.Seq >= seq {
			return m, nil
		}
	}
	mark, err := h.store.SetReadMark(ctx, ReadMark{ConversationID: convID, Participant: participant, Seq: seq, UpdatedAt: h.now().UTC()})
	if err != nil {
		return ReadMark{}, fmt.Errorf("livechat: read mark: %w", err)
	}
	h.publish(ctx, Event{Type: EventRead, ConversationID: convID, Seq: mark.Seq, Participant: participant})
	return mark, nil
}

func (h *Handler) lockConversation(id string) func() {
	f := fnv.New32a()
	f.Write([]byte(id))
	m := &h.convLocks[f.Sum32()%uint32(len(h.convLocks))]
	m.Lock()
	return m.Unlock
}

// publish sends an event to every node.
func (hd *Handler) publish(ctx context.Context, ev Event) {
	payload, err := json.Marshal(envelope{Event: ev})
	if err != nil {
		hd.log.Error("livechat: encode event", "err", err)
		return
	}
	if err := hd.broker.Publish(ctx, eventsTopic, payload); err != nil {
		// Clients recover missed messages from storage by sequence number.
		hd.log.Warn("livechat: publish event", "type", string(ev.Type), "conversation", ev.ConversationID, "err", err)
	}
}

// notify hands a notification to the Notifier; it never fails the caller.
func (h *Handler) notify(ctx context.Context, n Notification) {
	if h.cfg.Notifier == nil {
		return
	}
	n.ID = newID()
	n.Time = h.now().UTC()
	if err := h.cfg.Notifier.Notify(context.WithoutCancel(ctx), n); err != nil {
		h.log.Warn("livechat: notify", "kind", string(n.Kind), "conversation", n.ConversationID, "err", err)
	}
}

// typing forwards a typing indicator, coalesced; it is not stored.
func (h *Handler) typing(ctx context.Context, convID, participant string, on bool) {
	if h.typists.admit(convID, participant, on, h.now()) {
		h.publish(ctx, Event{Type: EventTyping, ConversationID: convID, Participant: participant, Typing: on})
	}
}
