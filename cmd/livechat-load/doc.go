// Command livechat-load drives a livechat server with real WebSocket
// clients and measures it against a ceiling run in the same invocation, so
// that its figures are ratios rather than absolute times on a shared
// machine.
//
// By default it starts the server itself, as a child process (its own
// executable with the hidden subcommand "serve"): livechat.New and its
// Handler on 127.0.0.1, with the chosen Storage, the per-IP and per-visitor
// limits turned off (the load comes from one address), and agents
// signed in by a header (-agent-header) through the Config.AgentAuth the
// child sets up. The child has a control endpoint of its own, outside the
// library, reporting its heap, stack, RSS, goroutines and CPU. The
// server's CPU is read from /proc/<pid>/stat. The ceilings run as the same
// kind of child. With -url the tool drives an existing server instead
// (rooms and connect only; its CPU is then not measured).
//
// The tool speaks the public protocol (PROTOCOL.md): a visitor makes the
// config call, takes the visitor token from its cookie (or the answer),
// starts a conversation and opens the visitor WebSocket; an agent opens
// the agent WebSocket with batch=1, as the inbox does. A WebSocket message
// may hold several JSON frames separated by "\n"; each is read.
//
// # Scenarios
//
// -scenario rooms (the default): -rooms conversations (1000), each with a
// visitor connection, and two agent connections that receive every
// conversation's events, as the inbox does. Visitors send -text-size
// (200) byte messages at an open-loop offered -rate (messages per second,
// spread over the conversations): message i is due at i/rate whatever
// became of the ones before, and its latency counts from then. Reported:
// deliveries per second (a message reaching a recipient: each agent, and
// the sender's own connection by its ack or echo), latency from the
// scheduled send to the last recipient (p50, p99, max), messages not at
// every recipient -drain (5 s) after the run, error frames, disconnects
// by close status, and server CPU per delivery. The ceiling is a bare
// coder/websocket hub that forwards each frame to both agents and echoes
// it to its sender. -rates 1000,2000,4000 steps through rates, and
// -repeat N runs each rate N times per server, alternately, showing the
// medians (a shared machine stalls now and then). -find-saturation doubles
// the rate from -rate until a server stops keeping up (under 90 % of the
// expected deliveries per second, more than 1 % of the messages unsent or
// lost, a disconnect, or p99 over a second; such a step is run once more
// before it counts) or its deliveries per second stop rising by 5 %, then
// halves the gap to the first rate it could not keep up with twice. Its
// best deliveries per second while keeping up is its saturation; then it
// runs at half of that rate (for the p99 there) and at twice it (overload:
// disconnects, messages acknowledged but not delivered everywhere, unsent
// messages, error frames such as rate_limited). Every step starts a fresh
// server.
// A message is unsent when its visitor's send queue in the tool is full
// because the server stopped reading the socket.
//
// -scenario idle: -conns idle visitor WebSockets (5000): heap, stack, RSS
// and goroutines per connection from the server's control endpoint (after
// a garbage collection; visitors make their config calls before the first
// reading, so what the Storage keeps of them is not counted), against a
// bare server that accepts and reads. The tool raises its open-file limit
// to the hard limit; it needs one file per connection on each side.
//
// -scenario persist: -senders (50), each sending its next message only
// when the last is acknowledged: acknowledgements per second, ack p50 and
// p99, and server CPU per ack, for each Storage (-storages; memory and
// SQLite, and PostgreSQL when -postgres or LIVECHAT_TEST_POSTGRES is set).
// The ceiling of SQLite and PostgreSQL is a raw insert loop with the same
// driver into the Storage's own messages table (the Storage is opened once
// so that its migrations make the schema), with version 7 message ids as
// the Storages make: one row per transaction, and -batch rows per
// transaction, one for each of as many conversations in turn (by default
// -senders: the largest group commit the senders, each in a conversation
// of its own, can form), alternating in five slices of each for -duration
// in all, each figure the median slice. A third loop, shown for
// comparison, inserts 100 rows of one conversation per transaction, the
// batched ceiling of earlier versions of the tool: its rows share their
// index pages, as no group of the scenario's can. PostgreSQL runs in a
// schema of its own, dropped afterwards.
//
// -scenario connect: -clients (16) concurrent clients, each making a
// config call, a WebSocket handshake and reading the first frame, then
// closing, as fast as it can: as a new visitor each time (no cookie), as a
// returning visitor (its cookie), and the handshake alone with a token
// each client got once. The ceiling is a bare server that accepts and
// sends one frame. -repeat N alternates the four N times and shows the
// medians.
//
// -scenario all runs the four in turn.
//
// # Pinning and profiles
//
// -server-cpu 0 -load-cpu 1 pins the server child (and every ceiling) to
// CPU 0 and the load generator to CPU 1 with taskset, when it is on PATH,
// and sets each side's GOMAXPROCS to its number of CPUs; without taskset
// the tool says so and runs unpinned. Pinning keeps the two sides apart but
// not other work on the machine: each rooms step reports how long the
// server's and the tool's threads waited for a CPU while runnable (from
// /proc/<pid>/task/*/schedstat; a process's own threads queueing for its
// one CPU count too, so it is not zero on a quiet machine), and -nice -10
// (as root) lowers what other work takes from them. -cpuprofile cpu.out makes each
// livechat server child, and the connect ceiling, write a CPU profile of
// its measurement window (cpu-rooms-2000.out, cpu-persist-sqlite.out,
// cpu-connect-config+ws.out, cpu-connect-bare.out, ...) for go tool pprof.
//
// # Output
//
// Each scenario prints an aligned table of our figure, the ceiling's and
// their ratio (ours / ceiling), then its steps; -json prints the same,
// with every step, as JSON. Rows "per server CPU-second" are one second
// divided by the server's CPU per operation: what one core would do if
// nothing else held it back, the steadier comparison when other work on
// the machine (or the load generator's own core) sets the pace. A figure
// shown as "-" is unknown, and so is its ratio: a CPU figure is unknown
// when the CPU spent stayed under the 10 ms that /proc counts in (too short
// a -duration), and a note says so; a ratio against a ceiling of 0 is too.
//
// # Examples
//
//	go build -o /tmp/livechat-load ./cmd/livechat-load
//	/tmp/livechat-load -scenario rooms -rate 3000 -server-cpu 0 -load-cpu 1
//	/tmp/livechat-load -scenario rooms -find-saturation -rate 1000 -server-cpu 0 -load-cpu 1
//	/tmp/livechat-load -scenario idle -conns 10000 -server-cpu 0 -load-cpu 1
//	LIVECHAT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  /tmp/livechat-load -scenario persist -server-cpu 0 -load-cpu 1
//	/tmp/livechat-load -scenario connect -server-cpu 0 -load-cpu 1 -json
//	/tmp/livechat-load -url http://127.0.0.1:8080/livechat/ -scenario rooms -rooms 50 -rate 100
package main
