package transport

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Close statuses the server uses.
const (
	// StatusGoingAway: the server is shutting down.
	StatusGoingAway = websocket.StatusGoingAway
	// StatusTryAgainLater: the client could not keep up with its events;
	// it should reconnect and resume from its last sequence number.
	StatusTryAgainLater = websocket.StatusTryAgainLater
	// StatusPolicyViolation: the client broke a rule it cannot recover from
	// on this connection (authentication lost).
	StatusPolicyViolation = websocket.StatusPolicyViolation
)

// ConnOptions tunes a Conn. A nil *ConnOptions means the defaults.
type ConnOptions struct {
	// QueueSize is how many frames may wait to be written before the
	// client counts as too slow and is disconnected. Default 256.
	QueueSize int
	// ReadLimit is the largest frame accepted from the client, in bytes;
	// a bigger one closes the connection with status 1009. Default 64 KiB.
	ReadLimit int64
	// PingInterval is how often the server pings. Default 20 s.
	PingInterval time.Duration
	// PingTimeout is how long a pong may take before the connection is
	// closed. Default 10 s.
	PingTimeout time.Duration
	// WriteTimeout bounds each frame write. Default 10 s.
	WriteTimeout time.Duration
}

func (o *ConnOptions) withDefaults() ConnOptions {
	var c ConnOptions
	if o != nil {
		c = *o
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 256
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 64 << 10
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	return c
}

// Conn is a server-side WebSocket with a bounded send queue. Send never
// blocks; frames are written by one writer goroutine in the order they were
// queued. Run reads frames in the caller's goroutine.
type Conn struct {
	ws    *websocket.Conn
	opts  ConnOptions
	queue chan []byte

	closeOnce sync.Once
	closing   chan struct{} // closed when the connection must end
	mu        sync.Mutex
	status    websocket.StatusCode
	reason    string
}

// NewConn wraps an accepted WebSocket. The caller must call Run.
func NewConn(ws *websocket.Conn, opts *ConnOptions) *Conn {
	o := opts.withDefaults()
	ws.SetReadLimit(o.ReadLimit)
	return &Conn{
		ws:      ws,
		opts:    o,
		queue:   make(chan []byte, o.QueueSize),
		closing: make(chan struct{}),
	}
}

// Send queues a text frame. It never blocks: when the queue is full the
// connection is closed with StatusTryAgainLater and Send returns false.
// It returns false after the connection started closing.
func (c *Conn) Send(frame []byte) bool {
	select {
	case <-c.closing:
		return false
	default:
	}
	select {
	case c.queue <- frame:
		return true
	default:
		c.Close(StatusTryAgainLater, "too slow")
		return false
	}
}

// Close asks the connection to end with the status and reason. Frames
// already queued are dropped. It returns at once; Run returns once the
// connection is closed.
func (c *Conn) Close(status websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.status, c.reason = status, reason
		c.mu.Unlock()
		close(c.closing)
	})
}

// Done is closed when the connection starts closing.
func (c *Conn) Done() <-chan struct{} { return c.closing }

// Run starts the writer goroutine and reads frames until the connection
// ends, calling onFrame for each data frame in the caller's goroutine. When
// ctx is done the connection is closed with StatusGoingAway. Run returns
// after both goroutines have stopped and the WebSocket is closed; a normal
// close by either side returns nil.
func (c *Conn) Run(ctx context.Context, onFrame func(frame []byte)) error {
	writerDone := make(chan error, 1)
	go func() { writerDone <- c.writeLoop(ctx) }()

	var err error
	for {
		// Reading is not bound to ctx: cancelling a read would drop the
		// connection without the close handshake the writer performs.
		_, data, rerr := c.ws.Read(context.Background())
		if rerr != nil {
			err = rerr
			break
		}
		onFrame(data)
	}
	c.Close(websocket.StatusNormalClosure, "")
	werr := <-writerDone
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway:
		err = nil
	}
	if err == nil {
		err = werr
	}
	return err
}

// SendWait queues a frame, waiting while the queue is full, until ctx is
// done or the connection closes. It is for bulk sends from the reading
// goroutine (replays), which may wait; live events use Send.
func (c *Conn) SendWait(ctx context.Context, frame []byte) bool {
	select {
	case c.queue <- frame:
		return true
	case <-c.closing:
		return false
	case <-ctx.Done():
		return false
	}
}

func (c *Conn) writeLoop(ctx context.Context) error {
	ping := time.NewTicker(c.opts.PingInterval)
	defer ping.Stop()
	// A ping waits for its pong on a goroutine of its own, so that frames
	// keep flowing meanwhile; at most one is in flight, and the writer
	// waits for it before returning.
	pong := make(chan error, 1)
	pinging := false
	defer func() {
		if pinging {
			c.ws.CloseNow() // ends the ping at once if it still waits
			<-pong
		}
	}()
	for {
		select {
		case <-c.closing:
			c.closeWS()
			return nil
		case <-ctx.Done():
			c.Close(StatusGoingAway, "server shutting down")
			c.closeWS()
			return nil
		case frame := <-c.queue:
			wctx, cancel := context.WithTimeout(context.Background(), c.opts.WriteTimeout)
			err := c.ws.Write(wctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.Close(websocket.StatusInternalError, "write failed")
				c.ws.CloseNow()
				return fmt.Errorf("transport: write: %w", err)
			}
		case <-ping.C:
			if pinging {
				continue // the previous ping still waits for its pong
			}
			pinging = true
			go func() {
				pctx, cancel := context.WithTimeout(context.Background(), c.opts.PingTimeout)
				defer cancel()
				pong <- c.ws.Ping(pctx)
			}()
		case err := <-pong:
			pinging = false
			if err != nil {
				c.Close(websocket.StatusPolicyViolation, "ping timeout")
				c.ws.CloseNow()
				return fmt.Errorf("transport: ping: %w", err)
			}
		}
	}
}

// closeWS performs the close handshake; the read loop, still running,
// receives the peer's close frame and ends. A peer that does not answer is
// dropped after the library's timeout.
func (c *Conn) closeWS() {
	c.mu.Lock()
	status, reason := c.status, c.reason
	c.mu.Unlock()
	if err := c.ws.Close(status, reason); err != nil {
		c.ws.CloseNow()
	}
}
