package livechat

import (
	"context"
	"sync"
	"time"
)

// Typing indicators are coalesced per conversation and participant, so
// that however many typing frames a client sends, the others receive at
// most one "typing" event a second and one "stopped", and a participant
// who goes silent is stopped for them.
const (
	// typingEvery is the least time between two typing=true events of
	// one participant in one conversation.
	typingEvery = time.Second
	// typingTimeout is how long typing=true holds without a refresh
	// before the server publishes typing=false itself.
	typingTimeout = 6 * time.Second
)

// typingGate decides which typing changes are published. It is one node's
// view; with several nodes, each coalesces the frames it receives.
type typingGate struct {
	mu     sync.Mutex
	states map[typingKey]*typingState
}

type typingKey struct{ conversationID, participant string }

type typingState struct {
	on       bool      // what was last published
	sentAt   time.Time // when it was published
	activeAt time.Time // the last typing=true received
}

func newTypingGate() *typingGate {
	return &typingGate{states: make(map[typingKey]*typingState)}
}

// admit records a typing frame at now and reports whether to publish it.
func (g *typingGate) admit(convID, participant string, on bool, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := typingKey{convID, participant}
	s := g.states[k]
	if !on {
		if s == nil || !s.on {
			return false // nobody was told it started
		}
		s.on, s.sentAt = false, now
		return true
	}
	if s == nil {
		s = &typingState{}
		g.states[k] = s
	}
	s.activeAt = now
	if !s.sentAt.IsZero() && now.Sub(s.sentAt) < typingEvery {
		return false
	}
	s.on, s.sentAt = true, now
	return true
}

// expire forgets settled states and returns the conversations and
// participants whose typing timed out at now, for which typing=false is to
// be published.
func (g *typingGate) expire(now time.Time) []typingKey {
	g.mu.Lock()
	defer g.mu.Unlock()
	var stopped []typingKey
	for k, s := range g.states {
		switch {
		case s.on && now.Sub(s.activeAt) >= typingTimeout:
			s.on, s.sentAt = false, now
			stopped = append(stopped, k)
		case !s.on && now.Sub(s.sentAt) >= typingEvery:
			delete(g.states, k)
		}
	}
	return stopped
}

// runTyping publishes the automatic stops until ctx is done.
func (e *engine) runTyping(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, k := range e.typists.expire(e.now()) {
				e.out.publish(ctx, Event{Type: EventTyping, ConversationID: k.conversationID, Participant: k.participant, Typing: false})
			}
		}
	}
}
