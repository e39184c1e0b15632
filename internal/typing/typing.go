// Package typing coalesces typing indicators: however many typing frames
// a client sends, a [Gate] lets through at most one "typing" a second per
// conversation and participant, one "stopped" after it, and stops by
// itself a participant who went silent for [Timeout].
//
// Time is passed in, so that callers and tests decide the clock. A Gate is
// one node's view: with several nodes, each coalesces the frames it
// receives.
package typing

import (
	"sync"
	"time"
)

const (
	// Every is the least time between two "typing" of one participant in
	// one conversation.
	Every = time.Second
	// Timeout is how long "typing" holds without a refresh before Expire
	// reports it stopped.
	Timeout = 6 * time.Second
)

// Key is one participant in one conversation.
type Key struct{ ConversationID, Participant string }

// Gate decides which typing changes are published. The zero value is not
// ready: use New. It is safe for concurrent use.
type Gate struct {
	mu     sync.Mutex
	states map[Key]*state
}

type state struct {
	on       bool      // what was last published
	sentAt   time.Time // when it was published
	activeAt time.Time // the last typing=true received
}

// New returns an empty Gate.
func New() *Gate {
	return &Gate{states: make(map[Key]*state)}
}

// Admit records a typing frame at now and reports whether to publish it.
func (g *Gate) Admit(k Key, on bool, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.states[k]
	if !on {
		if s == nil || !s.on {
			return false // nobody was told it started
		}
		s.on, s.sentAt = false, now
		return true
	}
	if s == nil {
		s = &state{}
		g.states[k] = s
	}
	s.activeAt = now
	if !s.sentAt.IsZero() && now.Sub(s.sentAt) < Every {
		return false
	}
	s.on, s.sentAt = true, now
	return true
}

// Expire forgets settled states and returns the participants whose typing
// timed out at now, for whom "stopped" is to be published.
func (g *Gate) Expire(now time.Time) []Key {
	g.mu.Lock()
	defer g.mu.Unlock()
	var stopped []Key
	for k, s := range g.states {
		switch {
		case s.on && now.Sub(s.activeAt) >= Timeout:
			s.on, s.sentAt = false, now
			stopped = append(stopped, k)
		case !s.on && now.Sub(s.sentAt) >= Every:
			delete(g.states, k)
		}
	}
	return stopped
}

// Len is how many participants the Gate remembers.
func (g *Gate) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.states)
}
