package transport

import "strconv"

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
