// Package transport carries live events between the chat server and its
// clients and between server nodes.
//
// [Conn] wraps one WebSocket with a bounded send queue and a read loop in
// the caller's goroutine. Its writer goroutine runs only while frames
// wait, writes all of them at each turn, and, for clients that ask, joins
// them into one message; the keepalive ping never holds it up. An idle
// connection is one goroutine. A client that does not read is
// disconnected once its queue is full instead of slowing anyone else; it
// resumes by sequence number when it comes back. A [Pressure] shared by a
// server's Conns pauses their reading while the server is behind with its
// writes, so that an overloaded server slows its senders down rather than
// drop the clients that read.
//
// [Broker] moves opaque payloads by topic to every subscriber on every
// node. [LocalBroker] is the in-process broker for a single node; a broker
// for several nodes implements [Broker], and also [StateNotifier] when it
// can lose payloads to a broken connection, so that the node catches its
// clients up from the storage when the connection returns. Package
// brokertest is the conformance suite every broker passes.
package transport
