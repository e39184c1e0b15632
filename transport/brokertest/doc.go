// Package brokertest is the conformance suite for [transport.Broker]
// implementations, in the manner of testing/fstest.TestFS: a broker's own
// test calls [Run] with a function that connects a new broker (a node) to
// a shared server.
//
//	func TestBroker(t *testing.T) {
//		prefix := randomPrefix()
//		brokertest.Run(t, func(t *testing.T) transport.Broker {
//			b, err := mybroker.Open(addr, prefix)
//			require.NoError(t, err)
//			return b
//		}, &brokertest.Options{Cut: cutConnection})
//	}
//
// Run closes every broker it is given when the subtest that asked for it
// ends, so open must not close it.
//
// [Options].Cut breaks one broker's connection to its server. A test that
// cannot do that from the server's side (CLIENT KILL in Redis,
// pg_terminate_backend in PostgreSQL) connects each broker through a
// [Proxy] of its own and calls [Proxy.Cut]; [Proxy.Refuse] also keeps the
// server unreachable for as long as a test needs.
//
// # What the suite expects beyond the interface's documentation
//
//   - Delivery starts when Subscribe returns: a payload published after
//     that, on any node, reaches the subscriber.
//   - Topics are arbitrary strings: the empty one, and ones holding dots,
//     wildcards ("*", ">"), spaces, control characters and non-ASCII
//     text, are all distinct topics ("A" is not "a", nor "%41").
//   - Payloads are arbitrary bytes up to [MaxPayload] (64 KiB, the frame
//     limit): any byte value, the empty payload, sizes around 8,000 bytes
//     (PostgreSQL's NOTIFY limit).
//   - While the broker stays connected, nothing is lost and nothing is
//     delivered twice, with hundreds of payloads in flight from several
//     goroutines on several nodes.
//   - After a subscription's cancel function returns, payloads published
//     later do not reach it. After Close returns, no subscriber of that
//     broker is called again; Publish and Subscribe return errors wrapping
//     [transport.ErrBrokerClosed]; cancel functions may still be called;
//     Close again returns nil or ErrBrokerClosed.
//   - A broker that implements [transport.StateNotifier] reports
//     [transport.StateDisconnected] then [transport.StateConnected] when
//     [Options].Cut breaks its connection, within a minute, and then
//     delivers both ways again, to old subscriptions and new ones. A
//     Subscribe made right after the cut, while the broker may or may not
//     have noticed it, returns within that minute (it need not wait for
//     the reconnection) and is active once StateConnected is reported.
//
// Order is tested per publisher and topic only; the order of payloads
// from different publishers or of different topics is left open.
//
// Subtests do not run in parallel. Each publishes on topics of its own
// (random ones), so the brokers of every subtest may share one server and
// one channel prefix.
package brokertest
