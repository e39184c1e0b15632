package transport_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs a Conn per WebSocket request and hands it to the test.
func serve(t *testing.T, opts *transport.ConnOptions, onFrame func(c *transport.Conn, frame []byte)) (url string, conns chan *transport.Conn, done chan error) {
	t.Helper()
	conns = make(chan *transport.Conn, 1)
	done = make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c := transport.NewConn(ws, opts)
		conns <- c
		done <- c.Run(ctx, func(frame []byte) { onFrame(c, frame) })
	}))
	t.Cleanup(func() {
		cancel()
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http"), conns, done
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func TestEcho(t *testing.T) {
	url, _, done := serve(t, nil, func(c *transport.Conn, frame []byte) { c.Send(frame) })
	c := dial(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, msg := range []string{"one", "two", "three"} {
		require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(msg)))
		_, got, err := c.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, msg, string(got))
	}
	require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
	require.NoError(t, <-done)
}

// A client that does not read is disconnected once its queue is full; the
// sender never blocks.
func TestSlowClientIsDisconnected(t *testing.T) {
	url, conns, done := serve(t, &transport.ConnOptions{QueueSize: 4}, func(*transport.Conn, []byte) {})
	client := dial(t, url) // never reads
	_ = client
	c := <-conns
	frame := []byte(strings.Repeat("x", 64<<10))
	start := time.Now()
	sent := 0
	for sent < 10000 && c.Send(frame) {
		sent++
	}
	require.Less(t, sent, 10000, "the queue must overflow")
	require.Less(t, time.Since(start), 5*time.Second, "Send must never block")
	select {
	case <-c.Done():
	default:
		t.Fatal("a slow client must be closed")
	}
	client.CloseNow()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// A write that takes longer than WriteTimeout ends the connection, also
// when writes before it went quickly.
func TestWriteTimeout(t *testing.T) {
	url, conns, done := serve(t, &transport.ConnOptions{WriteTimeout: 300 * time.Millisecond}, func(*transport.Conn, []byte) {})
	client := dial(t, url)
	c := <-conns
	// A few quick writes the client reads, then a flood it does not.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 3 {
		require.True(t, c.Send([]byte("quick")))
		_, _, err := client.Read(ctx)
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
	}
	start := time.Now()
	frame := []byte(strings.Repeat("x", 64<<10))
	for range 200 {
		c.Send(frame)
	}
	select {
	case err := <-done:
		require.Error(t, err)
		require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	case <-time.After(10 * time.Second):
		t.Fatal("a write past WriteTimeout did not end the connection")
	}
}

// An unanswered ping ends the connection.
func TestPingTimeout(t *testing.T) {
	url, _, done := serve(t, &transport.ConnOptions{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}, func(*transport.Conn, []byte) {})
	_ = dial(t, url) // a client that never reads never answers pings
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("ping timeout did not close the connection")
	}
}

// Cancelling Run's context closes the connection with status going away.
func TestGoingAway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		transport.NewConn(ws, nil).Run(ctx, func([]byte) {})
	}))
	defer srv.Close()
	c := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"))
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background())
		errc <- err
	}()
	cancel()
	require.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(<-errc))
}

func TestLocalBrokerConformance(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) transport.Broker {
		return transport.NewLocalBroker()
	}, &brokertest.Options{SingleNode: true})
}

func TestLocalBroker(t *testing.T) {
	b := transport.NewLocalBroker()
	var a, z atomic.Int32
	cancelA, err := b.Subscribe("t", func(p []byte) { a.Add(1) })
	require.NoError(t, err)
	_, err = b.Subscribe("other", func(p []byte) { z.Add(1) })
	require.NoError(t, err)
	require.NoError(t, b.Publish(context.Background(), "t", []byte("x")))
	cancelA()
	cancelA() // idempotent
	require.NoError(t, b.Publish(context.Background(), "t", []byte("x")))
	require.EqualValues(t, 1, a.Load())
	require.EqualValues(t, 0, z.Load())
	require.NoError(t, b.Close())
	require.ErrorIs(t, b.Publish(context.Background(), "t", nil), transport.ErrBrokerClosed)
	_, err = b.Subscribe("t", func([]byte) {})
	require.ErrorIs(t, err, transport.ErrBrokerClosed)
}

// rawClient is a WebSocket client that reads the server's frames and never
// answers a ping: a busy browser tab, or a pong lost on the way.
func rawClient(t *testing.T, url string) (frames <-chan string) {
	t.Helper()
	u := strings.TrimPrefix(url, "ws://")
	conn, err := net.DialTimeout("tcp", u, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	out := make(chan string, 100)
	go func() {
		defer close(out)
		for {
			var h [2]byte
			if _, err := io.ReadFull(br, h[:]); err != nil {
				return
			}
			n := int(h[1] & 0x7f)
			switch n {
			case 126:
				var l [2]byte
				if _, err := io.ReadFull(br, l[:]); err != nil {
					return
				}
				n = int(binary.BigEndian.Uint16(l[:]))
			case 127:
				return // not sent in this test
			}
			payload := make([]byte, n)
			if _, err := io.ReadFull(br, payload); err != nil {
				return
			}
			if h[0]&0x0f == 0x1 { // text; pings (0x9) go unanswered
				out <- string(payload)
			}
		}
	}()
	return out
}

// A ping waiting for its pong does not hold frames back: the writer goes
// on writing until the pong is late, and only then closes.
func TestPingDoesNotBlockWrites(t *testing.T) {
	url, conns, done := serve(t, &transport.ConnOptions{PingInterval: 20 * time.Millisecond, PingTimeout: 3 * time.Second}, func(*transport.Conn, []byte) {})
	frames := rawClient(t, url)
	c := <-conns
	time.Sleep(50 * time.Millisecond) // a ping is out, unanswered
	start := time.Now()
	for i := range 20 {
		require.True(t, c.Send([]byte(fmt.Sprint("frame ", i))))
		select {
		case got := <-frames:
			require.Equal(t, fmt.Sprint("frame ", i), got)
		case <-time.After(time.Second):
			t.Fatalf("frame %d was held back behind the ping", i)
		}
	}
	require.Less(t, time.Since(start), time.Second)
	select {
	case err := <-done:
		require.Error(t, err, "the unanswered ping ends the connection")
	case <-time.After(10 * time.Second):
		t.Fatal("ping timeout did not close the connection")
	}
}

// BenchmarkLocalBroker is brokertest.Benchmark on the in-process broker,
// the floor the network brokers' figures compare with.
func BenchmarkLocalBroker(b *testing.B) {
	shared := transport.NewLocalBroker()
	b.Cleanup(func() { shared.Close() })
	brokertest.Benchmark(b, func(testing.TB) transport.Broker { return shared })
}

// StateListeners calls every listener in turn, and none after its cancel,
// also when the cancel comes from a listener.
func TestStateListeners(t *testing.T) {
	var l transport.StateListeners
	var got []string
	var cancelB func()
	cancelA := l.Add(func(s transport.State) { got = append(got, "a:"+s.String()) })
	cancelB = l.Add(func(s transport.State) {
		got = append(got, "b:"+s.String())
		cancelB() // from inside: fine, and final
	})
	l.Report(transport.StateDisconnected)
	require.ElementsMatch(t, []string{"a:disconnected", "b:disconnected"}, got)
	got = nil
	l.Report(transport.StateConnected)
	require.Equal(t, []string{"a:connected"}, got)
	cancelA()
	cancelA()
	got = nil
	l.Report(transport.StateDisconnected)
	require.Empty(t, got)
}

// Frames that wait together leave in one message when the client asked
// for batches, joined by newlines, in order, and no message passes
// MaxBatch unless one frame alone does.
func TestBatchJoinsWaitingFrames(t *testing.T) {
	const maxBatch = 100
	url, conns, done := serve(t, &transport.ConnOptions{Batch: true, MaxBatch: maxBatch}, func(c *transport.Conn, frame []byte) {})
	client := dial(t, url)
	c := <-conns
	// A frame bigger than the socket buffers keeps the writer busy while
	// the others queue behind it.
	big := []byte(strings.Repeat("b", 16<<20))
	require.True(t, c.Send(big))
	var want []string
	for i := range 40 {
		f := fmt.Sprintf(`{"n":%d}`, i)
		want = append(want, f)
		require.True(t, c.Send([]byte(f)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client.SetReadLimit(-1)
	_, first, err := client.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, len(big), len(first))
	var got []string
	messages := 0
	for len(got) < len(want) {
		_, msg, err := client.Read(ctx)
		require.NoError(t, err)
		messages++
		require.LessOrEqual(t, len(msg), maxBatch)
		got = append(got, strings.Split(string(msg), "\n")...)
	}
	require.Equal(t, want, got)
	require.Less(t, messages, len(want), "frames that waited together are batched")
	require.NoError(t, client.Close(websocket.StatusNormalClosure, ""))
	require.NoError(t, <-done)
}

// Without Batch every frame is a message of its own, however many wait.
func TestNoBatchByDefault(t *testing.T) {
	url, conns, done := serve(t, nil, func(c *transport.Conn, frame []byte) {})
	client := dial(t, url)
	c := <-conns
	for i := range 200 {
		require.True(t, c.Send(fmt.Appendf(nil, `{"n":%d}`, i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 200 {
		_, msg, err := client.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf(`{"n":%d}`, i), string(msg))
	}
	require.NoError(t, client.Close(websocket.StatusNormalClosure, ""))
	require.NoError(t, <-done)
}

// An idle connection costs the goroutine that reads it and nothing more:
// the writer runs only while frames wait.
func TestIdleConnHasOnlyItsReader(t *testing.T) {
	url, conns, done := serve(t, nil, func(c *transport.Conn, frame []byte) { c.Send(frame) })
	client := dial(t, url)
	c := <-conns
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, client.Write(ctx, websocket.MessageText, []byte("hi")))
	_, got, err := client.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, "hi", string(got))
	require.Eventually(t, func() bool {
		return !strings.Contains(goroutines(), "transport.(*Conn).writeLoop")
	}, 5*time.Second, 5*time.Millisecond, "the writer ends once the queue is empty")
	require.Equal(t, 0, c.Queued())
	require.Contains(t, goroutines(), "transport.(*Conn).Run", "the reader still runs")
	require.NoError(t, client.Close(websocket.StatusNormalClosure, ""))
	require.NoError(t, <-done)
}

func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
