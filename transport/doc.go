// Package transport carries live events between the chat server and its
// clients and between server nodes.
//
// [Conn] wraps one WebSocket with a bounded send queue, a writer goroutine
// that also pings, and a read loop in the caller's goroutine: two
// goroutines per connection. A client that cannot keep up is disconnected
// instead of slowing anyone else; it resumes by sequence number when it
// comes back.
//
// [Broker] moves opaque payloads by topic to every subscriber on every
// node. [LocalBroker] is the in-process broker for a single node, the only
// one in this module; a broker for several nodes implements [Broker].
package transport
