package transport

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

func TestPressureWaitsUntilHalf(t *testing.T) {
	p := &Pressure{High: 4}
	p.add(6)
	released := make(chan struct{})
	go func() {
		p.wait(nil, time.Minute)
		close(released)
	}()
	require.Eventually(t, p.waiting.Load, 5*time.Second, time.Millisecond)
	p.add(-1) // 5: still above High
	p.add(-2) // 3: below High, above half
	select {
	case <-released:
		t.Fatal("a reader went on above half of High")
	case <-time.After(50 * time.Millisecond):
	}
	p.add(-1) // 2: half
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("the reader was not released at half of High")
	}
	require.EqualValues(t, 2, p.Waiting())
	p.wait(nil, time.Minute) // not above High: returns at once

	stop := make(chan struct{})
	p.add(10)
	go close(stop)
	p.wait(stop, time.Minute) // a closing connection stops waiting
}

// serveOne runs one Conn with opts and returns it, the client, and the
// frames the server read.
func serveOne(t *testing.T, opts *ConnOptions) (*Conn, *websocket.Conn, chan string) {
	return serveOneOn(t, opts, nil)
}

// serveOneOn is serveOne with the server's listener wrapped by wrap, when
// not nil.
func serveOneOn(t *testing.T, opts *ConnOptions, wrap func(net.Listener) net.Listener) (*Conn, *websocket.Conn, chan string) {
	t.Helper()
	conns := make(chan *Conn, 1)
	frames := make(chan string, 16)
	done := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c := NewConn(ws, opts)
		conns <- c
		c.Run(context.Background(), func(f []byte) { frames <- string(f) })
		close(done)
	}))
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	c := <-conns
	t.Cleanup(func() {
		client.CloseNow()
		c.Close(websocket.StatusNormalClosure, "")
		<-done
		srv.Close()
	})
	return c, client, frames
}

// While the server is behind with its writes, a connection reads its
// client's next frame only once the backlog is down to half.
func TestPressurePausesReading(t *testing.T) {
	p := &Pressure{High: 4}
	p.add(10)
	_, client, frames := serveOne(t, &ConnOptions{Pressure: p})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, client.Write(ctx, websocket.MessageText, []byte("one")))
	select {
	case f := <-frames:
		t.Fatalf("read %q under pressure", f)
	case <-time.After(100 * time.Millisecond):
	}
	p.add(-10)
	select {
	case f := <-frames:
		require.Equal(t, "one", f)
	case <-time.After(5 * time.Second):
		t.Fatal("reading did not go on")
	}
}

// What waits behind a write in progress counts, as a client that reads
// slowly must slow the senders down; once the write has made no progress
// for stallAfter the client counts as not reading, and what waits for it
// no longer holds anyone up.
func TestStalledClientStopsCounting(t *testing.T) {
	p := &Pressure{High: 1 << 20}
	c, _, _ := serveOne(t, &ConnOptions{Pressure: p}) // the client never reads
	require.True(t, c.Send([]byte(strings.Repeat("b", 16<<20))))
	require.Eventually(t, func() bool { return c.Queued() == 0 }, 5*time.Second, time.Millisecond)
	for range 100 {
		require.True(t, c.Send([]byte(`{"type":"x"}`)))
	}
	require.Equal(t, 100, c.Queued())
	// Counted until the write has taken stallAfter (unless this machine
	// was slower than that already).
	require.Eventually(t, func() bool { return p.Waiting() == 0 }, stallAfter+5*time.Second, 5*time.Millisecond)
	for range 100 {
		require.True(t, c.Send([]byte(`{"type":"x"}`)))
	}
	require.Equal(t, 200, c.Queued())
	require.EqualValues(t, 0, p.Waiting(), "a stalled client's frames do not count")
	c.Close(websocket.StatusNormalClosure, "")
	require.EqualValues(t, 0, p.Waiting())
}

// A client that reads, however slowly, has what waits for it counted.
func TestSlowReaderCounts(t *testing.T) {
	p := &Pressure{High: 1 << 20}
	c, client, _ := serveOne(t, &ConnOptions{Pressure: p})
	require.True(t, c.Send([]byte(strings.Repeat("b", 16<<20))))
	require.Eventually(t, func() bool { return c.Queued() == 0 }, 5*time.Second, time.Millisecond)
	for range 10 {
		require.True(t, c.Send([]byte(`{"type":"x"}`)))
	}
	require.EqualValues(t, 10, p.Waiting(), "frames behind a write in progress count")
	// Reading everything ends the write and takes the rest.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client.SetReadLimit(-1)
	for range 11 {
		_, _, err := client.Read(ctx)
		require.NoError(t, err)
	}
	require.EqualValues(t, 0, p.Waiting())
}

// A reader paused by the pressure still reads now and then, so the pong of
// its keepalive ping arrives and the connection stays up.
func TestPressureKeepsPings(t *testing.T) {
	p := &Pressure{High: 4}
	p.add(10) // paused for good
	defer p.add(-10)
	conns := make(chan *Conn, 1)
	done := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c := NewConn(ws, &ConnOptions{Pressure: p, PingInterval: 50 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
		conns <- c
		done <- c.Run(context.Background(), func([]byte) {})
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	defer client.CloseNow()
	readCtx := client.CloseRead(context.Background()) // answers pings
	c := <-conns
	select {
	case err := <-done:
		t.Fatalf("the connection ended under pressure: %v", err)
	case <-readCtx.Done():
		t.Fatal("the server closed the connection")
	case <-time.After(time.Second): // many pings later
	}
	c.Close(websocket.StatusNormalClosure, "")
	require.NoError(t, <-done)
}

// The timer that watches a connection's writes is stopped when the writer
// ends its turn: left armed, every connection that wrote would fire it a
// second later for nothing, waking a quiet server once per connection.
func TestWriterStopsItsWatch(t *testing.T) {
	c, client, _ := serveOne(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 3 {
		require.True(t, c.Send([]byte(`{"type":"x"}`)))
		_, _, err := client.Read(ctx)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return !c.writing
		}, 5*time.Second, time.Millisecond, "the writer ends once the queue is empty")
		c.mu.Lock()
		watching := c.watching
		stopped := c.watchTimer.Stop() // false: it was stopped already
		c.mu.Unlock()
		require.False(t, watching, "the watch is off between turns")
		require.False(t, stopped, "the watch timer is not armed between turns")
	}
}

// slowConn is a server-side connection whose every write takes delay, as
// a client that reads slowly but steadily makes it.
type slowConn struct {
	net.Conn
	delay time.Duration
}

func (c slowConn) Write(b []byte) (int, error) {
	time.Sleep(c.delay)
	return c.Conn.Write(b)
}

type slowListener struct {
	net.Listener
	delay time.Duration
}

func (l slowListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return slowConn{c, l.delay}, nil
}

// A client that takes a long backlog message by message, slowly, keeps
// counting as reading: a turn of the writer that lasts longer than
// stallAfter, but makes progress with each message, is not a stall, and
// what waits behind it still slows the senders down.
func TestLongTurnThatProgressesCounts(t *testing.T) {
	p := &Pressure{High: 1 << 20}
	c, client, _ := serveOneOn(t, &ConnOptions{Pressure: p, Batch: true, MaxBatch: 1 << 10},
		func(l net.Listener) net.Listener { return slowListener{l, 40 * time.Millisecond} })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	received := make(chan int, 1)
	go func() {
		n := 0
		for {
			_, msg, err := client.Read(ctx)
			if err != nil {
				received <- n
				return
			}
			n += strings.Count(string(msg), "\n") + 1
		}
	}()

	frame := []byte(`{"type":"x","text":"` + strings.Repeat("a", 900) + `"}`) // one message each
	require.True(t, c.Send(frame))
	require.Eventually(t, func() bool { return c.Queued() == 0 }, 5*time.Second, time.Millisecond)
	// Queued while the first write sleeps: the next turn writes a
	// message every 40 ms for a second longer than stallAfter.
	messages := int((stallAfter + time.Second) / (40 * time.Millisecond))
	for range messages {
		require.True(t, c.Send(frame))
	}
	require.Eventually(t, func() bool { return c.Queued() == 0 }, 5*time.Second, time.Millisecond)
	time.Sleep(stallAfter + 300*time.Millisecond)
	for range 5 {
		require.True(t, c.Send([]byte(`{"type":"y"}`)))
	}
	require.Equal(t, 5, c.Queued(), "the long turn is still writing")
	require.EqualValues(t, 5, p.Waiting(), "what waits behind a turn that makes progress counts")
	require.Eventually(t, func() bool { return p.Waiting() == 0 && c.Queued() == 0 }, 10*time.Second, 5*time.Millisecond)
	c.Close(websocket.StatusNormalClosure, "")
	select {
	case n := <-received:
		require.GreaterOrEqual(t, n, 1+messages+5, "every frame arrived")
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not see the close")
	}
}
