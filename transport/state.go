package transport

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// State is a broker's connection to its server, as a [StateNotifier]
// reports it.
type State int

const (
	// StateDisconnected is reported when the broker has lost its
	// connection to the server, or has otherwise dropped payloads (a
	// subscriber too slow for the server, for instance). From then until
	// the StateConnected that follows, payloads published on any topic,
	// by any node, may not reach this broker's subscribers, and this
	// broker's own Publish calls may be lost.
	StateDisconnected State = iota + 1
	// StateConnected is reported after a StateDisconnected, once the
	// broker is connected again and every subscription is active on the
	// server: payloads published from then on are delivered. A node
	// answers it by catching its live clients up from the storage.
	StateConnected
)

// String returns "connected" or "disconnected".
func (s State) String() string {
	switch s {
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// A StateNotifier is a [Broker] that reports losing and regaining its
// connection to its server. It is optional: a node finds it by type
// assertion. A Broker that does not implement it never loses payloads to
// a broken connection; [LocalBroker], which has no connection, does not
// implement it.
//
// A broker is connected when its constructor returns. It reports changes
// only, never the state it starts in: the reports alternate,
// StateDisconnected first, then StateConnected, then StateDisconnected
// again, and so on. The broker may stay disconnected for as long as its
// server is unreachable; it reconnects on its own and never reports
// after Close.
type StateNotifier interface {
	Broker
	// OnState calls fn with every change of the broker's state until the
	// returned cancel function is called. Calls of one fn do not overlap;
	// fn runs on the broker's goroutine and must not block (a node starts
	// its catch-up on a goroutine of its own). cancel may be called more
	// than once, and from fn.
	OnState(fn func(State)) (cancel func())
}

// StateListeners keeps the functions a [StateNotifier] reports to: a
// broker returns Add from its OnState and calls Report when its state
// changes. The zero value is ready to use, and it is safe for concurrent
// use.
type StateListeners struct {
	mu   sync.Mutex
	next uint64
	regs map[uint64]*stateListener
}

type stateListener struct {
	fn        func(State)
	cancelled atomic.Bool
}

// Add registers fn until the returned cancel function is called; once
// cancel has returned, fn is not called again. cancel may be called more
// than once, and from fn.
func (l *StateListeners) Add(fn func(State)) (cancel func()) {
	r := &stateListener{fn: fn}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.regs == nil {
		l.regs = make(map[uint64]*stateListener)
	}
	l.next++
	id := l.next
	l.regs[id] = r
	return func() {
		r.cancelled.Store(true)
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.regs, id)
	}
}

// Report calls every registered function with st, one after the other, on
// the caller's goroutine.
func (l *StateListeners) Report(st State) {
	l.mu.Lock()
	regs := make([]*stateListener, 0, len(l.regs))
	for _, r := range l.regs {
		regs = append(regs, r)
	}
	l.mu.Unlock()
	for _, r := range regs {
		if !r.cancelled.Load() {
			r.fn(st)
		}
	}
}
