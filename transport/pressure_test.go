package transport

import (
	"context"
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
		p.wait(nil)
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
	p.wait(nil) // not above High: returns at once

	stop := make(chan struct{})
	p.add(10)
	go close(stop)
	p.wait(stop) // a closing connection stops waiting
}

// serveOne runs one Conn with opts and returns it, the client, and the
// frames the server read.
func serveOne(t *testing.T, opts *ConnOptions) (*Conn, *websocket.Conn, chan string) {
	t.Helper()
	conns := make(chan *Conn, 1)
	frames := make(chan string, 16)
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c := NewConn(ws, opts)
		conns <- c
		c.Run(context.Background(), func(f []byte) { frames <- string(f) })
		close(done)
	}))
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

// A client that does not read adds nothing to the pressure: its writer is
// in a write, so what waits behind it says nothing about the server's CPU.
func TestStalledClientAddsNoPressure(t *testing.T) {
	p := &Pressure{High: 4}
	c, _, _ := serveOne(t, &ConnOptions{Pressure: p}) // the client never reads
	require.True(t, c.Send([]byte(strings.Repeat("b", 16<<20))))
	require.Eventually(t, func() bool { return c.Queued() == 0 }, 5*time.Second, time.Millisecond)
	for range 100 {
		require.True(t, c.Send([]byte(`{"type":"x"}`)))
	}
	require.Equal(t, 100, c.Queued())
	require.EqualValues(t, 0, p.Waiting())
	c.Close(websocket.StatusNormalClosure, "")
	require.EqualValues(t, 0, p.Waiting())
}
