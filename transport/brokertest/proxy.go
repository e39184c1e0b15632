package brokertest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy is a TCP proxy between a broker and its server that a test can
// break: the broker connects to [Proxy.Addr] instead of the server, and
// the test cuts its connections ([Proxy.Cut]) or makes the server look
// unreachable ([Proxy.Refuse]). It is the simplest [Options].Cut for a
// broker whose driver can connect to any address.
type Proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu      sync.Mutex
	conns   map[net.Conn]bool
	refuse  bool
	stopped bool
}

// NewProxy listens on a free port of 127.0.0.1 and forwards every
// connection to target (host:port). It stops, closing every connection,
// when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("brokertest: proxy: %v", err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.stop)
	return p
}

// Addr returns the address the broker connects to, as host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection through the proxy at once, as a network
// failure or a restarting server would, and returns how many it closed
// (both sides of each count as one). New connections go through as
// before.
func (p *Proxy) Cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c, client := range p.conns {
		_ = c.Close()
		if client {
			n++
		}
	}
	clear(p.conns)
	return n
}

// Refuse makes the server unreachable, when refuse is true, until Refuse
// is called with false: new connections are closed as soon as they are
// accepted. It does not close the connections already through; Cut does.
func (p *Proxy) Refuse(refuse bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = refuse
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.forward(c) })
	}
}

func (p *Proxy) forward(client net.Conn) {
	p.mu.Lock()
	refuse := p.refuse || p.stopped
	p.mu.Unlock()
	if refuse {
		_ = client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[client], p.conns[server] = true, false
	p.mu.Unlock()
	p.wg.Go(func() {
		_, _ = io.Copy(server, client)
		_ = server.Close()
	})
	_, _ = io.Copy(client, server)
	_ = client.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

func (p *Proxy) stop() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.Cut()
	p.wg.Wait()
}
