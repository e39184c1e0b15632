package nodebench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/storage/postgres"
	"github.com/golivechat/livechat/storage/sqlite"
	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/natsbroker"
	"github.com/golivechat/livechat/transport/pgbroker"
	"github.com/golivechat/livechat/transport/redisbroker"
)

// conversations is how many conversations send at once. Each has one
// message in flight: its visitor sends the next only once the agent has
// received the previous, so that up to this many messages are in flight
// together and the benchmark measures throughput, not one message's
// latency.
const conversations = 20

// setup is one way of running the chat: one node or two, a storage and a
// broker.
type setup struct {
	name    string
	nodes   int
	storage string // memory, sqlite or postgres
	broker  string // local (in-process), redis, nats or pgbroker
}

// setups lists every benchmark case; the first is the run's baseline.
// Two nodes on one memory store are possible only in one process (both
// Handlers hold the same store, and with the local broker the same
// in-process broker): they are not a deployment, they tell the cost of a
// second node and of each broker apart from the storage's.
var setups = []setup{
	{"1node/memory/local", 1, "memory", "local"},
	{"1node/sqlite/local", 1, "sqlite", "local"},
	{"1node/postgres/local", 1, "postgres", "local"},
	{"2nodes/postgres/redis", 2, "postgres", "redis"},
	{"2nodes/postgres/nats", 2, "postgres", "nats"},
	{"2nodes/postgres/pgbroker", 2, "postgres", "pgbroker"},
	{"2nodes/memory/local", 2, "memory", "local"},
	{"2nodes/memory/redis", 2, "memory", "redis"},
	{"2nodes/memory/nats", 2, "memory", "nats"},
	{"2nodes/memory/pgbroker", 2, "memory", "pgbroker"},
	{"2nodes/sqlite/redis", 2, "sqlite", "redis"},
	{"2nodes/sqlite/nats", 2, "sqlite", "nats"},
	{"2nodes/sqlite/pgbroker", 2, "sqlite", "pgbroker"},
}

// BenchmarkThroughput measures visitor → agent messages a second: 20
// visitors send over the WebSocket of node 1, each waiting until the
// agent's WebSocket (on node 2 when there are two nodes, else on node 1)
// has received its message before sending the next. ns/op is the time per
// delivered message across all conversations; cpu-µs/msg and cores are
// the CPU time of this process (both nodes and every client, not the
// storage or broker servers) per message and per second of the run;
// µs/publish is how long the nodes' Publish calls took on average, for the
// cases that give the nodes a broker.
//
// Each case starts its nodes once and keeps them for all of its runs (the
// testing package calls a benchmark several times while it settles on
// b.N), so that migrating a schema is not measured.
func BenchmarkThroughput(b *testing.B) {
	var closers []func()
	b.Cleanup(func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	})
	for _, s := range setups {
		var c *chat
		b.Run(s.name, func(b *testing.B) {
			if c == nil {
				c = startChat(b, s, &closers)
			}
			c.run(b)
		})
	}
}

// chat is the nodes of one setup with its conversations and the agent.
type chat struct {
	visitors []*visitor
	agent    *agent
	sent     atomic.Int64 // numbers the client message ids across runs
	publish  publishTimes // the nodes' Publish calls, with a broker given
}

// visitor is a conversation's visitor, connected to node 1.
type visitor struct {
	conv string
	ws   *wsConn
	seen chan int64 // the seqs of the visitor's messages the agent received
	last int64      // the highest seq the agent received
}

// startChat starts the setup's nodes, the conversations and the agent;
// closers gets what stops them, run when the whole benchmark ends.
func startChat(b *testing.B, s setup, closers *[]func()) *chat {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stores := openStores(ctx, b, s, closers)
	brokers := openBrokers(ctx, b, s, closers)
	c := &chat{}
	nodes := make([]*node, s.nodes)
	for i := range nodes {
		nd, err := startNode(stores[i], timed(brokers[i], &c.publish), closers)
		if err != nil {
			b.Fatal(err)
		}
		nodes[i] = nd
	}
	for range conversations {
		v, err := startConversation(ctx, nodes[0])
		if err != nil {
			b.Fatal(err)
		}
		c.visitors = append(c.visitors, v)
		*closers = append(*closers, v.ws.close)
	}
	a, err := connectAgent(ctx, nodes[len(nodes)-1], c.visitors)
	if err != nil {
		b.Fatal(err)
	}
	*closers = append(*closers, a.stop)
	c.agent = a
	return c
}

// run sends b.N messages over the conversations and reports msgs/s.
func (c *chat) run(b *testing.B) {
	next := atomic.Int64{}
	failed := make(chan error, conversations)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	began, cpuBefore := time.Now(), processCPU()
	calls, spent := c.publish.calls.Load(), c.publish.total.Load()
	for _, v := range c.visitors {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := c.roundTrip(v); err != nil {
					failed <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(began), processCPU()-cpuBefore
	b.StopTimer()
	close(failed)
	for err := range failed {
		b.Error(err)
	}
	if err := c.agent.failure(); err != nil {
		b.Error(err)
	}
	for _, v := range c.visitors {
		if err := v.ws.failure(); err != nil {
			b.Error(err)
		}
	}
	if b.Failed() {
		b.FailNow()
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	if cpu > 0 {
		// The CPU both nodes and all clients used (this process: the
		// storage and broker servers are not counted), per message and
		// in cores busy on average.
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/msg")
		b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cores")
	}
	if n := c.publish.calls.Load() - calls; n > 0 {
		b.ReportMetric(float64(c.publish.total.Load()-spent)/float64(n)/1e3, "µs/publish")
	}
}

// deliveryTimeout bounds one message's trip; a busy machine takes
// milliseconds, a lost message takes it all.
const deliveryTimeout = 30 * time.Second

// roundTrip sends one message as v and waits until the agent has it.
func (c *chat) roundTrip(v *visitor) error {
	ctx, cancel := context.WithTimeout(context.Background(), deliveryTimeout)
	defer cancel()
	n := c.sent.Add(1)
	frame := fmt.Sprintf(`{"type":"send","ref":"r%d","conversationId":%q,"clientMessageId":"m%d","text":"hello agent %d"}`, n, v.conv, n, n)
	if err := v.ws.write(ctx, frame); err != nil {
		return fmt.Errorf("visitor of %s: send: %w", v.conv, err)
	}
	for {
		select {
		case seq := <-v.seen:
			if seq > v.last { // a replay may repeat a seq
				v.last = seq
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("the agent did not receive message m%d of %s within %v (last seq %d)", n, v.conv, deliveryTimeout, v.last)
		}
	}
}

// agent is an agent's inbox WebSocket; a goroutine reads it and hands the
// seq of every visitor message to the conversation's visitor.
type agent struct {
	ws   *wsConn
	done chan struct{}
}

// connectAgent opens agent a1's inbox on nd and subscribes it to every
// conversation, then starts reading.
func connectAgent(ctx context.Context, nd *node, visitors []*visitor) (*agent, error) {
	ws, err := dial(ctx, nd.base+"api/v1/agent/ws", agentHeader("a1"))
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	byConv := map[string]*visitor{}
	for _, v := range visitors {
		byConv[v.conv] = v
		if err := ws.write(ctx, fmt.Sprintf(`{"type":"subscribe","conversationId":%q,"after":0}`, v.conv)); err != nil {
			ws.close()
			return nil, fmt.Errorf("agent: subscribe: %w", err)
		}
		if err := ws.awaitType(ctx, "subscribed"); err != nil {
			ws.close()
			return nil, fmt.Errorf("agent: subscribe to %s: %w", v.conv, err)
		}
	}
	a := &agent{ws: ws, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		ws.readAll(func(f frame) {
			if f.Type != "message" || f.Message.Sender != "visitor" {
				return
			}
			if v := byConv[f.ConversationID]; v != nil {
				select {
				case v.seen <- f.Seq:
				default:
					ws.fail(fmt.Errorf("agent: %s: seqs pile up unread", f.ConversationID))
				}
			}
		})
	}()
	return a, nil
}

func (a *agent) failure() error { return a.ws.failure() }

// stop closes the inbox and waits for its reader.
func (a *agent) stop() {
	a.ws.close()
	<-a.done
}

// String describes the setup for messages.
func (s setup) String() string {
	return fmt.Sprintf("%d node(s), %s storage, %s broker", s.nodes, s.storage, s.broker)
}

// frame is the part of a server frame the benchmark reads.
type frame struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversationId"`
	Seq            int64  `json:"seq"`
	Code           string `json:"code"`
	Message        struct {
		Sender string `json:"sender"`
	} `json:"message"`
}

// decodeFrame reads a frame; an error frame's message is a string, which
// leaves Message empty.
func decodeFrame(data []byte) (frame, error) {
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		var loose struct {
			Type string `json:"type"`
			Code string `json:"code"`
		}
		if err2 := json.Unmarshal(data, &loose); err2 != nil {
			return f, fmt.Errorf("decode frame %q: %w", data, err)
		}
		return frame{Type: loose.Type, Code: loose.Code}, nil
	}
	return f, nil
}

// openStores returns one Storage per node: the same memory store, or a
// handle of its own on one SQLite file or one PostgreSQL schema.
func openStores(ctx context.Context, b *testing.B, s setup, closers *[]func()) []livechat.Storage {
	b.Helper()
	stores := make([]livechat.Storage, s.nodes)
	switch s.storage {
	case "memory":
		m := memory.New()
		*closers = append(*closers, func() { m.Close() })
		for i := range stores {
			stores[i] = m
		}
	case "sqlite":
		// Not b.TempDir: a sub-benchmark's own cleanups run after each of
		// its runs, and the file serves them all.
		dir, err := os.MkdirTemp("", "nodebench")
		if err != nil {
			b.Fatal(err)
		}
		*closers = append(*closers, func() { os.RemoveAll(dir) })
		path := filepath.Join(dir, "chat.db")
		for i := range stores {
			st, err := sqlite.OpenContext(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			*closers = append(*closers, func() { st.Close() })
			stores[i] = st
		}
	case "postgres":
		dsn := postgresDSN(b)
		schema := newSchema(b, dsn, closers)
		for i := range stores {
			st, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
			if err != nil {
				b.Fatal(err)
			}
			*closers = append(*closers, func() { st.Close() })
			stores[i] = st
		}
	default:
		b.Fatalf("unknown storage %q", s.storage)
	}
	return stores
}

// openBrokers returns one broker connection per node sharing a random
// prefix; for the local broker, nil (the Handler's own in-process
// broker) for one node, and one in-process broker for both of two.
func openBrokers(ctx context.Context, b *testing.B, s setup, closers *[]func()) []transport.Broker {
	b.Helper()
	brokers := make([]transport.Broker, s.nodes)
	if s.broker == "local" {
		if s.nodes > 1 {
			local := transport.NewLocalBroker()
			*closers = append(*closers, func() { local.Close() })
			for i := range brokers {
				brokers[i] = local
			}
		}
		return brokers
	}
	prefix := randomName("bench")
	var schema, dsn string
	if s.broker == "pgbroker" {
		dsn = postgresDSN(b)
		schema = newSchema(b, dsn, closers)
	}
	for i := range brokers {
		var (
			br  transport.Broker
			err error
		)
		switch s.broker {
		case "redis":
			br, err = redisbroker.Open(ctx, redisAddr(b), redisbroker.WithPrefix(prefix))
		case "nats":
			br, err = natsbroker.Connect(natsURL(b), natsbroker.WithPrefix(prefix))
		case "pgbroker":
			br, err = pgbroker.Open(ctx, dsn, pgbroker.WithPrefix(prefix), pgbroker.WithSchema(schema))
		default:
			b.Fatalf("unknown broker %q", s.broker)
		}
		if err != nil {
			b.Fatalf("%v: %v", s, err)
		}
		*closers = append(*closers, func() { br.Close() })
		brokers[i] = br
	}
	return brokers
}
