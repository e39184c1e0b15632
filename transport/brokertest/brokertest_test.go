package brokertest_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/brokertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// cluster joins in-process brokers into the nodes of one server that the
// test can cut, so that the suite's own tests for several nodes and for
// reconnection run without a server.
type cluster struct {
	mu    sync.Mutex
	nodes map[*node]bool
}

type node struct {
	*transport.LocalBroker
	c *cluster

	mu     sync.Mutex
	next   int
	states map[int]func(transport.State)
	cuts   sync.WaitGroup
}

var _ transport.StateNotifier = (*node)(nil)

func (c *cluster) open() *node {
	n := &node{LocalBroker: transport.NewLocalBroker(), c: c, states: map[int]func(transport.State){}}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodes[n] = true
	return n
}

func (n *node) Publish(ctx context.Context, topic string, payload []byte) error {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if !n.c.nodes[n] {
		return transport.ErrBrokerClosed
	}
	for other := range n.c.nodes {
		if err := other.LocalBroker.Publish(ctx, topic, payload); err != nil {
			return err
		}
	}
	return nil
}

func (n *node) Close() error {
	n.c.mu.Lock()
	delete(n.c.nodes, n)
	n.c.mu.Unlock()
	n.cuts.Wait()
	return n.LocalBroker.Close()
}

func (n *node) OnState(fn func(transport.State)) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.next++
	id := n.next
	n.states[id] = fn
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.states, id)
	}
}

// cut reports a lost connection and its return, on a goroutine of its own
// as a real broker would.
func (n *node) cut() {
	n.cuts.Go(func() {
		for _, st := range []transport.State{transport.StateDisconnected, transport.StateConnected} {
			n.mu.Lock()
			fns := make([]func(transport.State), 0, len(n.states))
			for _, fn := range n.states {
				fns = append(fns, fn)
			}
			n.mu.Unlock()
			for _, fn := range fns {
				fn(st)
			}
		}
	})
}

func TestRunSeveralNodes(t *testing.T) {
	c := &cluster{nodes: map[*node]bool{}}
	brokertest.Run(t, func(t *testing.T) transport.Broker { return c.open() }, &brokertest.Options{
		Cut: func(t *testing.T, b transport.Broker) { b.(*node).cut() },
	})
}

// The proxy forwards, cuts the connections through it, and refuses new
// ones while told to.
func TestProxy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			})
		}
	})
	p := brokertest.NewProxy(t, ln.Addr().String())
	echo := func(c net.Conn) error {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		require.Equal(t, "ping", string(buf))
		return nil
	}

	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, echo(c))
	require.Equal(t, 1, p.Cut())
	require.Error(t, echo(c), "a cut connection is closed")

	p.Refuse(true)
	refused, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer refused.Close()
	require.Error(t, echo(refused), "a refused connection is closed")

	p.Refuse(false)
	again, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer again.Close()
	require.NoError(t, echo(again))
}
