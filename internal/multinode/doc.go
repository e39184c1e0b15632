// Package multinode holds the tests that run several chat nodes in one
// process: each node is a [livechat.Handler] behind its own HTTP server,
// and the nodes share one PostgreSQL storage (storage/postgres) and one
// broker (transport/redisbroker, transport/natsbroker or
// transport/pgbroker). Visitors and agents are WebSocket clients that speak
// the wire protocol of PROTOCOL.md: they place messages by seq, drop the
// ones they already hold and subscribe again with their contiguous mark
// when they reconnect.
//
// The tests show that every message reaches every client exactly once
// while two pairs of visitors and agents talk across nodes, when a node
// dies in the middle and its clients move to another, and when a node
// loses its broker for a few seconds; and that conversations started at
// once on every node are handed to agents without exceeding anyone's
// capacity.
//
// They need LIVECHAT_TEST_POSTGRES and, for each broker, LIVECHAT_TEST_REDIS
// or LIVECHAT_TEST_NATS; without them they are skipped, and when CI is set
// a missing service fails the run. Each test keeps its tables in a schema
// of its own and its broker traffic under a prefix of its own, and drops
// them when it ends:
//
//	LIVECHAT_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	LIVECHAT_TEST_REDIS=127.0.0.1:6379 LIVECHAT_TEST_NATS=nats://127.0.0.1:4222 \
//	  go test -race ./internal/multinode
//
// The package has no code of its own: the tests are in its test files.
package multinode
