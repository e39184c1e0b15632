package livechat

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/golivechat/livechat/transport"
)

// Topics on the broker. Each conversation's events go to the
// conversation's own topic, for the nodes where a visitor of it is
// connected or a long poll waits on it; every event, presence included,
// also goes to the inbox topic, for the nodes where an agent is connected
// (an agent's inbox shows every conversation). A node subscribes to a
// topic only while one of its clients needs it, so a node receives
// nothing of a conversation none of its clients follows.
const (
	topicPrefix = "livechat.v1."
	inboxTopic  = topicPrefix + "inbox"
	// chatflowsTopic carries chatflow changes, to every node.
	chatflowsTopic = topicPrefix + "chatflows"
)

// conversationTopic is the topic of one conversation's events.
func conversationTopic(id string) string { return topicPrefix + "conversation." + id }

// envelope is an Event as it travels through the broker.
type envelope struct {
	Event Event `json:"event"`
}

// eventCodec encodes events for the broker and decodes them on arrival.
// An in-process broker hands subscribers the very payload that was
// published: the codec remembers the last payload it encoded, and hands
// that one's event back without decoding it again. Payloads from another
// process are always decoded.
type eventCodec struct {
	mu   sync.Mutex
	last []byte
	ev   Event
}

func (c *eventCodec) encode(ev Event) ([]byte, error) {
	payload, err := encodeEnvelope(ev)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.last, c.ev = payload, ev
	c.mu.Unlock()
	return payload, nil
}

func (c *eventCodec) decode(payload []byte) (Event, error) {
	c.mu.Lock()
	if len(payload) > 0 && len(payload) == len(c.last) && &payload[0] == &c.last[0] {
		ev := c.ev
		c.mu.Unlock()
		return ev, nil
	}
	c.mu.Unlock()
	var env envelope
	err := json.Unmarshal(payload, &env)
	return env.Event, err
}

// hub fans events out to this node's connections, subscribing this node
// to the topics they need.
type hub struct {
	mu       sync.RWMutex
	visitors map[string]map[*client]struct{} // conversation id -> visitor clients
	agents   map[*client]struct{}
	all      map[*client]struct{}
	waiters  map[string]map[chan struct{}]struct{} // conversation id -> long-poll waiters
	onError  func(error)
	closed   bool

	codec   *eventCodec
	topics  *topics
	metrics *metrics
}

func newHub(broker transport.Broker, codec *eventCodec, onError func(error)) *hub {
	return &hub{
		visitors: make(map[string]map[*client]struct{}),
		agents:   make(map[*client]struct{}),
		all:      make(map[*client]struct{}),
		waiters:  make(map[string]map[chan struct{}]struct{}),
		onError:  onError,
		codec:    codec,
		topics:   &topics{broker: broker, subs: make(map[string]*topicSub)},
		metrics:  noMetrics,
	}
}

// topics is this node's broker subscriptions, shared by the clients that
// need them and cancelled when the last one is done. Its lock is never
// held by a broker callback, and the hub's is never held while
// subscribing, so that neither waits on the other.
type topics struct {
	broker transport.Broker
	mu     sync.Mutex
	subs   map[string]*topicSub
	closed bool
}

type topicSub struct {
	users  int
	cancel func()
}

// acquire subscribes fn to topic unless this node already is; once it
// returns, events published on topic reach fn.
func (t *topics) acquire(topic string, fn func([]byte)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errShuttingDown
	}
	if s := t.subs[topic]; s != nil {
		s.users++
		return nil
	}
	cancel, err := t.broker.Subscribe(topic, fn)
	if err != nil {
		return fmt.Errorf("livechat: subscribe to %s: %w", topic, err)
	}
	t.subs[topic] = &topicSub{users: 1, cancel: cancel}
	return nil
}

// release ends one acquire of topic; the last one unsubscribes.
func (t *topics) release(topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.subs[topic]
	if s == nil {
		return
	}
	if s.users--; s.users == 0 {
		s.cancel()
		delete(t.subs, topic)
	}
}

// count is how many topics this node is subscribed to.
func (t *topics) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.subs)
}

// close cancels every subscription; acquire fails from then on.
func (t *topics) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for topic, s := range t.subs {
		s.cancel()
		delete(t.subs, topic)
	}
}

// add registers a connection; agents receive every event from then on.
// It fails when the hub is closed or the broker refuses the inbox topic.
func (h *hub) add(c *client) error {
	if c.isAgent() {
		if err := h.topics.acquire(inboxTopic, h.receiveInbox); err != nil {
			return err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		if c.isAgent() {
			h.topics.release(inboxTopic)
		}
		return errShuttingDown
	}
	h.all[c] = struct{}{}
	if c.isAgent() {
		h.agents[c] = struct{}{}
	}
	return nil
}

// watch subscribes a visitor client to a conversation's events; once it
// returns, they reach the client.
func (h *hub) watch(c *client, convID string) error {
	if err := h.topics.acquire(conversationTopic(convID), h.receiveConversation); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.visitors[convID]
	if s == nil {
		s = make(map[*client]struct{})
		h.visitors[convID] = s
	}
	s[c] = struct{}{}
	return nil
}

// remove drops c and every conversation it watched (convIDs).
func (h *hub) remove(c *client, convIDs []string) {
	h.mu.Lock()
	_, wasAgent := h.agents[c]
	delete(h.agents, c)
	delete(h.all, c)
	var released []string
	for _, id := range convIDs {
		if s := h.visitors[id]; s != nil {
			if _, ok := s[c]; ok {
				delete(s, c)
				released = append(released, id)
			}
			if len(s) == 0 {
				delete(h.visitors, id)
			}
		}
	}
	h.mu.Unlock()
	if wasAgent {
		h.topics.release(inboxTopic)
	}
	for _, id := range released {
		h.topics.release(conversationTopic(id))
	}
}

// wait returns a channel that is closed on the next message event of the
// conversation, and a function to stop waiting.
func (h *hub) wait(convID string) (<-chan struct{}, func(), error) {
	ch := make(chan struct{})
	topic := conversationTopic(convID)
	if err := h.topics.acquire(topic, h.receiveConversation); err != nil {
		if errors.Is(err, errShuttingDown) {
			close(ch)
			return ch, func() {}, nil
		}
		return nil, nil, err
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.topics.release(topic)
		close(ch)
		return ch, func() {}, nil
	}
	s := h.waiters[convID]
	if s == nil {
		s = make(map[chan struct{}]struct{})
		h.waiters[convID] = s
	}
	s[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			if s := h.waiters[convID]; s != nil {
				if _, ok := s[ch]; ok {
					delete(s, ch)
					if len(s) == 0 {
						delete(h.waiters, convID)
					}
				}
			}
			h.mu.Unlock()
			h.topics.release(topic)
		})
	}, nil
}

// decode reads an event from the broker, or reports why it cannot.
func (h *hub) decode(payload []byte) (Event, bool) {
	ev, err := h.codec.decode(payload)
	if err != nil {
		h.onError(err)
		return Event{}, false
	}
	return ev, true
}

// receiveConversation is the callback of conversation topics: it wakes the
// conversation's long polls and delivers the event to its visitors. It
// must not block.
func (h *hub) receiveConversation(payload []byte) {
	ev, ok := h.decode(payload)
	if !ok || ev.ConversationID == "" {
		return
	}
	isMsg := ev.Type == EventMessage
	if isMsg {
		h.mu.Lock()
		for ch := range h.waiters[ev.ConversationID] {
			close(ch)
		}
		delete(h.waiters, ev.ConversationID)
		h.mu.Unlock()
	}
	vev, ok := visitorEvent(ev)
	// A private note is never sent to a visitor, but its seq counts as
	// delivered to each of them (seqMark), as the replay counts it.
	note := ev.Type == EventMessage && ev.Message != nil && !forVisitor(ev.Message)
	if !ok && !note || ev.Type == EventTyping && ev.Participant == participantVisitor {
		return // not for visitors, or their own typing
	}
	// Encoded once, when the first connection needs it: the visitor who
	// sent a message gets its ack instead, and is often the only one.
	var frame []byte
	encoded := note // a note has no frame
	encode := func() []byte {
		if !encoded {
			encoded = true
			var err error
			if frame, err = encodeVisitorEvent(vev); err != nil {
				h.onError(err)
				frame = nil
			}
		}
		return frame
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	msg := eventMessage(ev)
	n := 0
	for c := range h.visitors[ev.ConversationID] {
		if c.deliver(ev.ConversationID, ev.Seq, encode, msg) {
			n++
		}
	}
	h.metrics.delivered(false, n, msg)
}

// eventMessage is the message of a message event, nil for other events.
func eventMessage(ev Event) *Message {
	switch {
	case ev.Type != EventMessage:
		return nil
	case ev.Message == nil:
		return &Message{} // malformed, from another process: still a message
	}
	return ev.Message
}

// receiveInbox is the callback of the inbox topic: it delivers the event
// to this node's agents. It must not block.
func (h *hub) receiveInbox(payload []byte) {
	ev, ok := h.decode(payload)
	if !ok {
		return
	}
	frame, err := h.codec.agentFrame(payload, ev)
	if err != nil {
		h.onError(err)
		return
	}
	msg := eventMessage(ev)
	n := 0
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.agents {
		// An agent's own typing is not echoed back to the same agent.
		if ev.Type == EventTyping && ev.Participant == agentParticipant(c.agentID) {
			continue
		}
		if c.deliverFrame(ev.ConversationID, ev.Seq, frame, msg) {
			n++
		}
	}
	h.metrics.delivered(true, n, msg)
}

// closeAll closes every connection with status going away and ends this
// node's subscriptions.
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	for c := range h.all {
		c.conn.Close(transport.StatusGoingAway, "server shutting down")
	}
	for _, s := range h.waiters {
		for ch := range s {
			close(ch)
		}
	}
	h.waiters = make(map[string]map[chan struct{}]struct{})
	h.mu.Unlock()
	h.topics.close()
}

// clients lists this node's live connections.
func (h *hub) clients() []*client {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*client, 0, len(h.all))
	for c := range h.all {
		out = append(out, c)
	}
	return out
}

// count is how many visitor and agent connections this node has.
func (h *hub) count() (visitors, agents int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.all) - len(h.agents), len(h.agents)
}

// agentIDs lists the agents with a live connection on this node.
func (h *hub) agentIDs() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for c := range h.agents {
		if !seen[c.agentID] {
			seen[c.agentID] = true
			out = append(out, c.agentID)
		}
	}
	return out
}

// closeVisitor ends a visitor's live connections.
func (h *hub) closeVisitor(visitorID string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.all {
		if c.visitorID == visitorID {
			c.conn.Close(4401, "erased")
		}
	}
}
