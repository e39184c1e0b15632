package livechat

import (
	"encoding/json"
	"sync"

	"github.com/golivechat/livechat/transport"
)

// eventsTopic is the broker topic every node publishes its events on. Each
// node filters locally by conversation, which keeps the broker simple and
// the set of subscriptions constant.
const eventsTopic = "livechat.events.v1"

// envelope is an Event as it travels through the broker.
type envelope struct {
	Event Event `json:"event"`
}

// hub fans events out to this node's connections.
type hub struct {
	mu       sync.RWMutex
	visitors map[string]map[*client]struct{} // conversation id -> visitor clients
	agents   map[*client]struct{}
	all      map[*client]struct{}
	waiters  map[string]map[chan struct{}]struct{} // conversation id -> long-poll waiters
	onError  func(error)
	closed   bool
}

func newHub(onError func(error)) *hub {
	return &hub{
		visitors: make(map[string]map[*client]struct{}),
		agents:   make(map[*client]struct{}),
		all:      make(map[*client]struct{}),
		waiters:  make(map[string]map[chan struct{}]struct{}),
		onError:  onError,
	}
}

// add registers a connection; agents receive every event from then on.
// It reports false when the hub is closed.
func (h *hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.all[c] = struct{}{}
	if c.isAgent() {
		h.agents[c] = struct{}{}
	}
	return true
}

// watch subscribes a visitor client to a conversation's events.
func (h *hub) watch(c *client, convID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.visitors[convID]
	if s == nil {
		s = make(map[*client]struct{})
		h.visitors[convID] = s
	}
	s[c] = struct{}{}
}

// remove drops every subscription of c.
func (h *hub) remove(c *client, convIDs []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.agents, c)
	delete(h.all, c)
	for _, id := range convIDs {
		if s := h.visitors[id]; s != nil {
			delete(s, c)
			if len(s) == 0 {
				delete(h.visitors, id)
			}
		}
	}
}

// wait returns a channel that is closed on the next message event of the
// conversation, and a function to stop waiting.
func (h *hub) wait(convID string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(ch)
		return ch, func() {}
	}
	s := h.waiters[convID]
	if s == nil {
		s = make(map[chan struct{}]struct{})
		h.waiters[convID] = s
	}
	s[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if s := h.waiters[convID]; s != nil {
			if _, ok := s[ch]; ok {
				delete(s, ch)
				if len(s) == 0 {
					delete(h.waiters, convID)
				}
			}
		}
	}
}

// receive is the broker callback: it must not block.
func (h *hub) receive(payload []byte) {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		h.onError(err)
		return
	}
	ev := env.Event
	agentFrame, err := json.Marshal(ev)
	if err != nil {
		h.onError(err)
		return
	}
	var visitorFrame []byte
	if ev.ConversationID != "" && ev.Type != EventPresence {
		if vev, ok := visitorEvent(ev); ok {
			visitorFrame, err = json.Marshal(vev)
			if err != nil {
				h.onError(err)
				return
			}
		}
	}
	isMsg := ev.Type == EventMessage

	h.mu.Lock()
	if isMsg {
		for ch := range h.waiters[ev.ConversationID] {
			close(ch)
		}
		delete(h.waiters, ev.ConversationID)
	}
	h.mu.Unlock()

	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.agents {
		// An agent's own typing is not echoed back to the same agent.
		if ev.Type == EventTyping && ev.Participant == "agent:"+c.agentID {
			continue
		}
		c.deliver(ev.ConversationID, ev.Seq, agentFrame, isMsg)
	}
	if visitorFrame != nil {
		for c := range h.visitors[ev.ConversationID] {
			if ev.Type == EventTyping && ev.Participant == participantVisitor {
				continue
			}
			c.deliver(ev.ConversationID, ev.Seq, visitorFrame, isMsg)
		}
	}
}

// closeAll closes every connection with status going away.
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
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
