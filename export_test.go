package livechat

import (
	"context"
	"time"
)

// KeyedLimiter exposes the per-key rate limiter to the external tests.
type KeyedLimiter struct{ l *keyedLimiter }

func NewKeyedLimiter(perSecond float64, burst int) KeyedLimiter {
	return KeyedLimiter{newKeyedLimiter(perSecond, burst)}
}

func (k KeyedLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	return k.l.allow(key, now)
}

func (k KeyedLimiter) Size() int { return k.l.size() }

// OpenConns is how many visitor WebSockets the Handler counts, by IP and
// by visitor.
func (h *Handler) OpenConns() (byIP, byVisitor int) { return h.srv.limits.conns.open() }

// SetDeliverHook makes fn see every frame the hub delivers to a live
// connection, on the delivering goroutine; nil removes it. Tests that set
// it must not run in parallel.
func SetDeliverHook(fn func(toAgent bool, frame []byte)) { deliverHook = fn }

// EventsTopic is the broker topic that carries every event the engine
// publishes (the inbox topic).
const EventsTopic = inboxTopic

// Engine is the conversation engine alone, with no server around it, for
// the engine's unit tests.
type Engine struct{ e *engine }

// NewEngine builds an engine on cfg (defaults filled in as New does),
// publishing on cfg.Broker, which is required.
func NewEngine(cfg Config) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Engine{newEngine(&cfg, cfg.Broker, &eventCodec{}, func() []string { return nil })}, nil
}

func (x *Engine) Start(ctx context.Context, visitorID, pageURL string) (*Conversation, bool, error) {
	return x.e.startConversation(ctx, visitorID, pageURL, "", nil)
}

func (x *Engine) SendAsVisitor(ctx context.Context, visitorID, convID, clientMsgID, text string) (*Message, bool, error) {
	return x.e.sendAsVisitor(ctx, visitorID, convID, clientMsgID, text)
}

func (x *Engine) SendAsAgent(ctx context.Context, convID, agentID, clientMsgID, text string) (*Message, bool, error) {
	return x.e.sendAsAgent(ctx, convID, agentID, clientMsgID, text)
}

func (x *Engine) MarkRead(ctx context.Context, convID, participant string, seq int64) (ReadMark, error) {
	return x.e.markRead(ctx, convID, participant, seq)
}

func (x *Engine) Typing(ctx context.Context, convID, participant string, on bool) {
	x.e.typing(ctx, convID, participant, on)
}

func (x *Engine) Close(ctx context.Context, convID, agentID string) (*Conversation, error) {
	return x.e.closeConversation(ctx, convID, agentID)
}

func (x *Engine) SetPresence(ctx context.Context, agentID string, p Presence) (*Agent, error) {
	return x.e.setPresence(ctx, agentID, p)
}

func (x *Engine) QueuePosition(ctx context.Context, c *Conversation) (int, error) {
	return x.e.routing.queuePosition(ctx, c)
}

// Topics is how many broker topics the Handler's node is subscribed to
// for its live clients.
func (h *Handler) Topics() int { return h.hub.topics.count() }

// Drain offers the waiting conversations to agents with room, as every
// tick does.
func (x *Engine) Drain(ctx context.Context) { x.e.routing.drainQueue(ctx) }

// ConversationTopic is the broker topic of one conversation's events.
func ConversationTopic(id string) string { return conversationTopic(id) }

// WakeSnoozes runs one pass of the node's wake-up of due snoozes, as its
// loop does every second.
func (h *Handler) WakeSnoozes(ctx context.Context) { h.eng.states.wake(ctx) }
