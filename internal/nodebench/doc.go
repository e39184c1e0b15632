// Package nodebench holds the multi-node benchmarks: visitors' messages
// travel over WebSocket to an agent's WebSocket through one Handler, or
// through two Handlers (visitors on one node, the agent on the other)
// that share a storage and a broker, and each benchmark reports how many
// messages a second arrive.
//
// The package has no code of its own: the benchmarks are in its test
// files. The ones that need PostgreSQL, Redis or NATS run when
// LIVECHAT_TEST_POSTGRES, LIVECHAT_TEST_REDIS or LIVECHAT_TEST_NATS names
// the service, as in the adapters' tests:
//
//	LIVECHAT_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	LIVECHAT_TEST_REDIS=127.0.0.1:6379 LIVECHAT_TEST_NATS=nats://127.0.0.1:4222 \
//	  go test -run '^$' -bench Throughput -benchtime=3s -count=5 ./internal/nodebench
//
// BENCHMARKS.md reports the figures.
package nodebench
