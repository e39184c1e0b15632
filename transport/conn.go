package transport

import (
	"bytes"
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
	// client counts as too slow and is disconnected. Frames wait only
	// while the client does not read as fast as they come; a client that
	// reads has its whole queue written at each turn of the writer.
	// Default 4096.
	QueueSize int
	// ReadLimit is the largest frame accepted from the client, in bytes;
	// a bigger one closes the connection with status 1009. Default 64 KiB.
	ReadLimit int64
	// PingInterval is how often the server pings. Default 20 s.
	PingInterval time.Duration
	// PingTimeout is how long a pong may take before the connection is
	// closed. Default 10 s.
	PingTimeout time.Duration
	// WriteTimeout bounds each write: a message the client has not taken
	// within it closes the connection. Default 10 s.
	WriteTimeout time.Duration
	// Batch lets one WebSocket message carry several frames that waited
	// together, joined by a newline ('\n'), up to MaxBatch bytes. The
	// frames must not contain a newline themselves (encoded JSON never
	// does). Off by default: each frame is a message of its own.
	Batch bool
	// MaxBatch is the largest message a batch makes, in bytes; a frame
	// larger than that is sent alone. Default 16 KiB.
	MaxBatch int
	// Pressure, shared by the Conns of a server, pauses reading while the
	// server is behind with its writes (see Pressure). Nil: never pause.
	Pressure *Pressure
}

func (o *ConnOptions) withDefaults() ConnOptions {
	var c ConnOptions
	if o != nil {
		c = *o
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 4096
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
	if c.MaxBatch <= 0 {
		c.MaxBatch = 16 << 10
	}
	return c
}

// Conn is a server-side WebSocket with a bounded send queue. Send never
// blocks. Frames are written in the order they were queued, by a writer
// goroutine that runs only while frames wait: an idle connection costs the
// goroutine that reads it and nothing more. The keepalive ping waits for
// its pong on a goroutine of its own, so frames flow meanwhile. Run reads
// frames in the caller's goroutine.
type Conn struct {
	ws   *websocket.Conn
	opts ConnOptions

	mu         sync.Mutex
	queue      [][]byte  // frames waiting to be written
	spare      [][]byte  // the last batch's slice, for the next queue
	writing    bool      // a writer goroutine runs
	inWrite    bool      // the writer is in a write call
	stalled    bool      // that write has made no progress for stallAfter
	writeStart time.Time // when the write in progress started or last made progress
	counted    int64     // frames of queue counted in opts.Pressure
	closed     bool      // Close was called; nothing is written any more
	status     websocket.StatusCode
	reason     string
	werr       error         // why writing failed
	space      chan struct{} // closed when the writer takes the queue; for SendWait
	closing    chan struct{} // closed by Close

	// goroutines holds the writer, the close handshake and a ping in
	// flight; Run waits for them.
	goroutines sync.WaitGroup
	// watchTimer runs watch while the writer runs: it marks a write that
	// has taken stallAfter as stalled and aborts one that has taken
	// WriteTimeout. One timer, armed once per turn of the writer rather
	// than once per write, since most writes take microseconds.
	watchTimer *time.Timer
	watching   bool // watchTimer is armed
	pingTimer  *time.Timer
	// writer is writeLoop bound once, so that starting the writer
	// allocates nothing.
	writer func()
}

// NewConn wraps an accepted WebSocket. The caller must call Run.
func NewConn(ws *websocket.Conn, opts *ConnOptions) *Conn {
	o := opts.withDefaults()
	ws.SetReadLimit(o.ReadLimit)
	c := &Conn{ws: ws, opts: o, closing: make(chan struct{})}
	c.writer = c.writeLoop
	return c
}

// Send queues a text frame. It never blocks: when the queue is full the
// connection is closed with StatusTryAgainLater and Send returns false.
// It returns false after the connection started closing. The frame is
// not copied and must not change afterwards; one frame may be sent on
// many connections.
func (c *Conn) Send(frame []byte) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= c.opts.QueueSize {
		c.mu.Unlock()
		c.Close(StatusTryAgainLater, "too slow")
		return false
	}
	c.enqueueLocked(frame)
	return true
}

// enqueueLocked appends a frame and starts the writer unless it runs; it
// unlocks c.mu.
func (c *Conn) enqueueLocked(frame []byte) {
	if c.queue == nil {
		if c.spare != nil {
			c.queue, c.spare = c.spare, nil
		} else {
			// The queue and the batch being written trade places with a
			// slice each, kept while small: no allocation per frame.
			c.queue = make([][]byte, 0, 8)
		}
	}
	c.queue = append(c.queue, frame)
	if p := c.opts.Pressure; p != nil && !c.stalled {
		c.counted++
		p.add(1)
	}
	start := !c.writing
	if start {
		c.writing = true
		c.goroutines.Add(1)
	}
	c.mu.Unlock()
	if start {
		go c.writer()
	}
}

// SendWait queues a frame, waiting while the queue is full, until ctx is
// done or the connection closes. It is for bulk sends from the reading
// goroutine (replays), which may wait; live events use Send.
func (c *Conn) SendWait(ctx context.Context, frame []byte) bool {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return false
		}
		if len(c.queue) < c.opts.QueueSize {
			c.enqueueLocked(frame)
			return true
		}
		if c.space == nil {
			c.space = make(chan struct{})
		}
		space := c.space
		c.mu.Unlock()
		select {
		case <-space:
		case <-c.closing:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// Queued is how many frames wait to be written.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// Close asks the connection to end with the status and reason. Frames
// not yet written are dropped. It returns at once; Run returns once the
// connection is closed.
func (c *Conn) Close(status websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closeLocked(status, reason)
	c.goroutines.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.goroutines.Done()
		// The close handshake: the read loop, still running, receives the
		// peer's close frame and ends. A peer that does not answer is
		// dropped after the library's timeout.
		if err := c.ws.Close(status, reason); err != nil {
			c.ws.CloseNow()
		}
	}()
}

// closeLocked marks the connection closed and drops what waits; c.mu is
// held.
func (c *Conn) closeLocked(status websocket.StatusCode, reason string) {
	if c.closed {
		return
	}
	c.closed = true
	c.status, c.reason = status, reason
	c.queue = nil
	c.uncountLocked()
	close(c.closing)
}

// Done is closed when the connection starts closing.
func (c *Conn) Done() <-chan struct{} { return c.closing }

// Run reads frames until the connection ends, calling onFrame for each
// data frame in the caller's goroutine. The frame's bytes are valid until
// onFrame returns: a frame kept longer must be copied. When ctx is done the connection is
// closed with StatusGoingAway. Run returns once the WebSocket is closed
// and the goroutines of the connection have ended; a normal close by
// either side returns nil.
func (c *Conn) Run(ctx context.Context, onFrame func(frame []byte)) error {
	stop := context.AfterFunc(ctx, func() { c.Close(StatusGoingAway, "server shutting down") })
	defer stop()
	c.mu.Lock()
	c.pingTimer = time.AfterFunc(c.opts.PingInterval, c.ping)
	c.mu.Unlock()

	var err error
	for {
		if p := c.opts.Pressure; p != nil {
			p.wait(c.closing, c.opts.PingTimeout/2)
		}
		// Reading is not bound to ctx: cancelling a read would drop the
		// connection without the close handshake.
		_, r, rerr := c.ws.Reader(context.Background())
		if rerr != nil {
			err = rerr
			break
		}
		// The frame is read into a buffer shared through a pool, taken
		// only once a frame has begun: an idle connection holds none.
		bp := readBuffers.Get().(*bytes.Buffer)
		bp.Reset()
		if _, rerr = bp.ReadFrom(r); rerr != nil {
			readBuffers.Put(bp)
			err = rerr
			break
		}
		onFrame(bp.Bytes())
		if bp.Cap() <= maxPooledRead {
			readBuffers.Put(bp)
		}
	}
	if websocket.CloseStatus(err) == -1 {
		// The client went without a close frame (its network dropped, or
		// the connection broke): there is no one to shake hands with.
		c.mu.Lock()
		c.closeLocked(websocket.StatusAbnormalClosure, "")
		c.mu.Unlock()
		c.ws.CloseNow()
	} else {
		c.Close(websocket.StatusNormalClosure, "")
	}
	c.mu.Lock()
	c.pingTimer.Stop()
	c.mu.Unlock()
	c.goroutines.Wait()
	c.mu.Lock()
	if c.watchTimer != nil {
		c.watchTimer.Stop()
	}
	c.mu.Unlock()
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway:
		err = nil
	}
	if err == nil {
		c.mu.Lock()
		err = c.werr
		c.mu.Unlock()
	}
	return err
}

// stallAfter is how long a write may go without progress before its
// client counts as not reading: what waits behind it no longer counts as
// pressure. A turn of the writer that writes many messages makes progress
// with each message written, so a client that reads a long backlog
// slowly, message by message, keeps counting. Three seconds, not less: an
// agent's connection carries every conversation's events, so once it no
// longer counts its queue fills within a fraction of a second under
// load, and a client that pauses for a second (a busy machine, a mobile
// network) is still one that reads; a client that has stopped reading
// holds the senders up for at most this long.
const stallAfter = 3 * time.Second

// progressed records, between two messages of one turn of the writer,
// that the client took the last one: the time a write may take without
// progress (stallAfter, WriteTimeout) counts again from now, and a client
// marked stalled counts as reading again.
func (c *Conn) progressed() {
	c.mu.Lock()
	c.writeStart = time.Now()
	c.stalled = false
	c.mu.Unlock()
}

// watch runs on watchTimer. A write in progress that has made no
// progress for stallAfter is marked stalled; one that has made none for
// WriteTimeout aborts the connection. While the writer runs the timer is armed again for the next
// of those two moments of the write in progress (or stallAfter from now
// between writes); the writer stops it when it ends its turn.
func (c *Conn) watch() {
	c.mu.Lock()
	c.watching = false
	if c.closed || !c.writing {
		c.mu.Unlock()
		return
	}
	next := stallAfter
	if c.inWrite {
		took := time.Since(c.writeStart)
		if took >= c.opts.WriteTimeout {
			c.mu.Unlock()
			c.ws.CloseNow()
			return
		}
		if took >= stallAfter && !c.stalled {
			c.stalled = true
			c.uncountLocked()
		}
		next = c.opts.WriteTimeout - took
		if took < stallAfter {
			next = min(next, stallAfter-took)
		}
	}
	c.watching = true
	c.watchTimer.Reset(next)
	c.mu.Unlock()
}

// uncountLocked takes the frames of the queue out of the pressure count.
func (c *Conn) uncountLocked() {
	if c.counted != 0 {
		c.opts.Pressure.add(-c.counted)
		c.counted = 0
	}
}

// writeLoop writes what waits, all of it at each turn, and ends when the
// queue is empty.
func (c *Conn) writeLoop() {
	defer c.goroutines.Done()
	for {
		c.mu.Lock()
		if c.closed || len(c.queue) == 0 {
			c.writing = false
			if c.watching {
				// Stopped once per turn: left armed, it would fire a
				// second later for nothing, and on a quiet server each
				// firing wakes the process.
				c.watchTimer.Stop()
				c.watching = false
			}
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		c.uncountLocked()
		c.inWrite, c.stalled = true, false
		c.writeStart = time.Now()
		if c.space != nil {
			close(c.space)
			c.space = nil
		}
		if !c.watching {
			c.watching = true
			first := min(stallAfter, c.opts.WriteTimeout)
			if c.watchTimer == nil {
				c.watchTimer = time.AfterFunc(first, c.watch)
			} else {
				c.watchTimer.Reset(first)
			}
		}
		c.mu.Unlock()

		err := c.write(batch)
		clear(batch)
		c.mu.Lock()
		c.inWrite, c.stalled = false, false
		if cap(batch) <= 64 {
			c.spare = batch[:0] // a busy connection reuses its slice; a big one is let go
		}
		if err != nil && !c.closed {
			c.werr = fmt.Errorf("transport: write: %w", err)
			c.writing = false
			c.mu.Unlock()
			c.Close(websocket.StatusInternalError, "write failed")
			c.ws.CloseNow()
			return
		}
		c.mu.Unlock()
	}
}

// readBuffers holds the buffers frames are read into; one bigger than
// maxPooledRead is let go after its frame.
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledRead = 64 << 10

// batchBuffers holds the buffers batches are joined in.
var batchBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// write writes frames in order: one message each, or joined in batches.
func (c *Conn) write(frames [][]byte) error {
	if !c.opts.Batch || len(frames) == 1 {
		for i, f := range frames {
			if i > 0 {
				c.progressed()
			}
			if err := c.ws.Write(context.Background(), websocket.MessageText, f); err != nil {
				return err
			}
		}
		return nil
	}
	bp := batchBuffers.Get().(*[]byte)
	defer batchBuffers.Put(bp)
	buf := (*bp)[:0]
	wrote := false
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if wrote {
			c.progressed()
		}
		err := c.ws.Write(context.Background(), websocket.MessageText, buf)
		buf, wrote = buf[:0], true
		return err
	}
	for _, f := range frames {
		if len(buf) > 0 && len(buf)+1+len(f) > c.opts.MaxBatch {
			if err := flush(); err != nil {
				return err
			}
		}
		if len(buf) > 0 {
			buf = append(buf, '\n')
		}
		buf = append(buf, f...)
	}
	err := flush()
	if cap(buf) <= 4*c.opts.MaxBatch {
		*bp = buf
	}
	return err
}

// ping sends the keepalive ping and waits for its pong, then arms the
// next one; a pong that does not come in time closes the connection.
func (c *Conn) ping() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.goroutines.Add(1)
	c.mu.Unlock()
	defer c.goroutines.Done()
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.PingTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if err != nil {
		c.werr = fmt.Errorf("transport: ping: %w", err)
		c.mu.Unlock()
		c.Close(websocket.StatusPolicyViolation, "ping timeout")
		c.ws.CloseNow()
		c.mu.Lock()
		return
	}
	c.pingTimer.Reset(c.opts.PingInterval)
}
