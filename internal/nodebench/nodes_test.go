package nodebench_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/transport"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testSecret = []byte("0123456789abcdef0123456789abcdef-nodebench")

// node is one Handler mounted at /livechat/ on an HTTP server of its own.
type node struct {
	chat *livechat.Handler
	srv  *httptest.Server
	base string // server URL and mount
}

// startNode starts a Handler on store and broker (nil: its own
// in-process broker), with every rate limit and connection cap off: all
// clients of the benchmark come from one address.
func startNode(store livechat.Storage, broker transport.Broker, closers *[]func()) (*node, error) {
	chat, err := livechat.New(livechat.Config{
		Storage:             store,
		Secret:              testSecret,
		Broker:              broker,
		AgentAuth:           agentAuth,
		Logger:              slog.New(slog.NewTextHandler(io.Discard, nil)),
		VisitorRate:         -1,
		IPMessageRate:       -1,
		NewVisitorRate:      -1,
		NewConversationRate: -1,
		MaxConnsPerVisitor:  -1,
		MaxConnsPerIP:       -1,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	srv := httptest.NewServer(mux)
	*closers = append(*closers, func() {
		chat.Close()
		srv.Close()
	})
	return &node{chat: chat, srv: srv, base: srv.URL + "/livechat/"}, nil
}

// agentAuth signs in the agent the X-Bench-Agent header names.
func agentAuth(r *http.Request) (*livechat.Agent, error) {
	id := r.Header.Get("X-Bench-Agent")
	if id == "" {
		return nil, errors.New("not signed in")
	}
	return &livechat.Agent{ID: id, Name: "Agent " + id}, nil
}

func agentHeader(id string) http.Header {
	return http.Header{"X-Bench-Agent": {id}}
}

// startConversation has a new visitor of nd load a page and start a
// conversation, then connects the visitor's WebSocket, subscribed to it.
func startConversation(ctx context.Context, nd *node) (*visitor, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if _, err := postJSON(ctx, client, nd.base+"api/v1/visitor/config", `{"url":"https://example.com/pricing"}`); err != nil {
		return nil, err
	}
	body, err := postJSON(ctx, client, nd.base+"api/v1/visitor/conversations", `{"url":"https://example.com/pricing"}`)
	if err != nil {
		return nil, err
	}
	var started struct {
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
	}
	if err := json.Unmarshal(body, &started); err != nil || started.Conversation.ID == "" {
		return nil, fmt.Errorf("start a conversation: no id in %s", body)
	}
	h := http.Header{}
	req, err := http.NewRequest("GET", nd.base, nil)
	if err != nil {
		return nil, err
	}
	for _, c := range jar.Cookies(req.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	ws, err := dial(ctx, nd.base+"api/v1/visitor/ws", h)
	if err != nil {
		return nil, fmt.Errorf("visitor: %w", err)
	}
	v := &visitor{conv: started.Conversation.ID, ws: ws, seen: make(chan int64, 64)}
	if err := ws.write(ctx, fmt.Sprintf(`{"type":"subscribe","conversationId":%q,"after":0}`, v.conv)); err != nil {
		ws.close()
		return nil, fmt.Errorf("visitor: subscribe: %w", err)
	}
	if err := ws.awaitType(ctx, "subscribed"); err != nil {
		ws.close()
		return nil, fmt.Errorf("visitor: subscribe: %w", err)
	}
	// The visitor's acks and echoes are read and dropped, so that its
	// socket never backs up; an error frame fails the benchmark.
	ws.reading.Add(1)
	go func() {
		defer ws.reading.Done()
		ws.readAll(func(frame) {})
	}()
	return v, nil
}

func postJSON(ctx context.Context, c *http.Client, url, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, bytes.TrimSpace(data))
	}
	return data, nil
}

// wsConn is a client WebSocket. readAll records the first problem it
// meets: an error frame, a read error other than the close, or what the
// handler reports with fail.
type wsConn struct {
	conn    *websocket.Conn
	reading sync.WaitGroup

	mu      sync.Mutex
	err     error
	closing bool
	frames  map[string]int // frames read, by type, for the failure
}

// dial connects to a WebSocket URL given as http(s) and waits for ready.
func dial(ctx context.Context, url string, h http.Header) (*wsConn, error) {
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{HTTPHeader: h})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	ws := &wsConn{conn: c}
	if err := ws.awaitType(ctx, "ready"); err != nil {
		c.CloseNow()
		return nil, err
	}
	return ws, nil
}

func (w *wsConn) write(ctx context.Context, frame string) error {
	return w.conn.Write(ctx, websocket.MessageText, []byte(frame))
}

// awaitType reads frames until one of the type; an error frame fails it.
func (w *wsConn) awaitType(ctx context.Context, typ string) error {
	for {
		_, data, err := w.conn.Read(ctx)
		if err != nil {
			return err
		}
		f, err := decodeFrame(data)
		if err != nil {
			return err
		}
		if f.Type == "error" {
			return fmt.Errorf("error frame %s", data)
		}
		if f.Type == typ {
			return nil
		}
	}
}

// readAll hands every frame to fn until the connection closes. Reads
// have no deadline of their own: a waiting sender's deadline ends the
// benchmark, and close ends the read.
func (w *wsConn) readAll(fn func(frame)) {
	for {
		_, data, err := w.conn.Read(context.Background())
		if err != nil {
			w.mu.Lock()
			if !w.closing {
				w.setErr(err)
			}
			w.mu.Unlock()
			return
		}
		f, err := decodeFrame(data)
		w.mu.Lock()
		if w.frames == nil {
			w.frames = map[string]int{}
		}
		w.frames[f.Type]++
		w.mu.Unlock()
		if err == nil && f.Type == "error" {
			err = fmt.Errorf("error frame %s", data)
		}
		if err != nil {
			w.fail(err)
			continue
		}
		fn(f)
	}
}

func (w *wsConn) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.setErr(err)
}

func (w *wsConn) setErr(err error) {
	if w.err == nil {
		w.err = fmt.Errorf("%s: %w", time.Now().Format("15:04:05.000"), err)
	}
}

// failure returns the first problem readAll met, with the frames it had
// read by then.
func (w *wsConn) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		return nil
	}
	return fmt.Errorf("%w (after frames %v)", w.err, w.frames)
}

// close ends the connection and waits for its reader.
func (w *wsConn) close() {
	w.mu.Lock()
	w.closing = true
	w.mu.Unlock()
	w.conn.CloseNow()
	w.reading.Wait()
}

const (
	envPostgres = "LIVECHAT_TEST_POSTGRES"
	envRedis    = "LIVECHAT_TEST_REDIS"
	envNATS     = "LIVECHAT_TEST_NATS"
)

// service returns the environment variable's value: the benchmark skips
// without it, and fails without it when CI is set.
func service(tb testing.TB, env string) string {
	tb.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set (CI is set: the multi-node benchmarks must run)", env)
		}
		tb.Skipf("%s is not set", env)
	}
	return v
}

// postgresDSN returns the test database's DSN once it answers.
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := service(tb, envPostgres)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("%s: cannot connect: %v", envPostgres, err)
	}
	_ = conn.Close(ctx)
	return dsn
}

// newSchema returns a random schema name; closers drops it with
// everything in it.
func newSchema(tb testing.TB, dsn string, closers *[]func()) string {
	name := randomName("livechat_bench_")
	*closers = append(*closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "`+name+`" CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// redisAddr returns the test Redis's address once it answers.
func redisAddr(tb testing.TB) string {
	tb.Helper()
	addr := service(tb, envRedis)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("%s=%s: %v", envRedis, addr, err)
	}
	return addr
}

// natsURL returns the test NATS's URL once it answers.
func natsURL(tb testing.TB) string {
	tb.Helper()
	u := service(tb, envNATS)
	nc, err := nats.Connect(u, nats.Timeout(10*time.Second))
	if err != nil {
		tb.Fatalf("%s=%s: %v", envNATS, u, err)
	}
	nc.Close()
	return u
}

// randomName returns prefix followed by 12 random hex digits.
func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
