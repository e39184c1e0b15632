package transport

import (
	"sync"
	"sync/atomic"
	"time"
)

// Pressure tells the Conns of one server when it is overloaded, so that
// they slow their senders down rather than drop the clients that read.
//
// It counts the frames that wait to be written to clients that read:
// frames produced faster than the server's CPU writes them, or faster
// than a client that reads takes them. A client whose write has made no
// progress for three seconds counts as not reading and adds nothing from
// then on (it is disconnected once its queue is full or the write times
// out), so a client that stops reading holds the others up for three
// seconds at most. While the
// count is above High, every Conn sharing the Pressure waits before it
// reads its client's next frame: the server's CPU goes to writing what it
// owes, the senders' frames wait in their sockets, and their acks come
// later. The readers go on once the count is down to half of High.
//
// A Pressure must not be copied after first use.
type Pressure struct {
	// High is how many frames may wait for their writers before reading
	// pauses. Zero means 1024.
	High int64

	n       atomic.Int64
	waiting atomic.Bool
	mu      sync.Mutex
	calm    chan struct{} // closed when the count falls to half of High
}

// Waiting is how many frames wait for a writer that has not run yet.
func (p *Pressure) Waiting() int64 { return p.n.Load() }

func (p *Pressure) high() int64 {
	if p.High > 0 {
		return p.High
	}
	return 1024
}

func (p *Pressure) add(d int64) {
	if n := p.n.Add(d); d < 0 && n <= p.high()/2 && p.waiting.Load() {
		p.mu.Lock()
		if p.calm != nil && p.n.Load() <= p.high()/2 {
			close(p.calm)
			p.calm = nil
			p.waiting.Store(false)
		}
		p.mu.Unlock()
	}
}

// wait returns once the count is not above High, or when stop closes.
// A wait lasts at most max, so that the reader still reads now and then:
// the pong of the connection's keepalive ping arrives only through a read.
func (p *Pressure) wait(stop <-chan struct{}, max time.Duration) {
	if p.n.Load() <= p.high() {
		return
	}
	p.mu.Lock()
	if p.n.Load() <= p.high()/2 {
		p.mu.Unlock()
		return
	}
	if p.calm == nil {
		p.calm = make(chan struct{})
	}
	calm := p.calm
	p.waiting.Store(true)
	p.mu.Unlock()
	// The count may have fallen between the check and waiting.Store: look
	// again, so that no reader waits for a wake-up that already passed.
	if p.n.Load() <= p.high()/2 {
		p.mu.Lock()
		if p.calm == calm && p.n.Load() <= p.high()/2 {
			close(p.calm)
			p.calm = nil
			p.waiting.Store(false)
		}
		p.mu.Unlock()
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-calm:
	case <-stop:
	case <-t.C:
	}
}
