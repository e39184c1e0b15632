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
// node. [LocalBroker] is the in-process broker for a single node; a broker
// for several nodes implements [Broker], and also [StateNotifier] when it
// can lose payloads to a broken connection, so that the node catches its
// clients up from the storage when the connection returns. Package
// brokertest is the conformance suite every broker passes.
package transport
