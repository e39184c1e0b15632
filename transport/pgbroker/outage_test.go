package pgbroker_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/pgbroker"
)

// proxy forwards TCP connections to the database until it is taken down,
// as a network failure would: then every connection is cut and new ones
// are refused until it is up again.
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() {
		p.down()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			for _, pair := range [][2]net.Conn{{c, s}, {s, c}} {
				p.wg.Go(func() {
					_, _ = io.Copy(pair[0], pair[1])
					pair[0].Close()
					pair[1].Close()
				})
			}
		}
	})
}

// down cuts every connection and refuses new ones.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// up accepts connections again, on the same address.
func (p *proxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	require.NoError(p.t, err)
	p.serve(ln)
}

// While the database cannot be reached at all, the broker keeps trying;
// Publish fails with an error of the broker's own; once the database is
// back, the broker says so and delivers again.
func TestDatabaseUnreachable(t *testing.T) {
	db := newTestDB(t)
	cfg, err := pgxpool.ParseConfig(dsn(t))
	require.NoError(t, err)
	p := newProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	host, port, _ := net.SplitHostPort(p.addr)
	portNum, _ := strconv.Atoi(port)
	cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Fallbacks = host, uint16(portNum), nil
	cfg.ConnConfig.ConnectTimeout = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	defer pool.Close()
	far, err := pgbroker.New(ctx, pool, pgbroker.WithPrefix(db.prefix), pgbroker.WithSchema(db.schema),
		pgbroker.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
	require.NoError(t, err)
	defer far.Close()
	near := db.open(t)

	states := make(chan transport.State, 10)
	defer far.OnState(func(st transport.State) { states <- st })()
	in := subscribe(t, far, "t")
	publish(t, near, "t", []byte("before"))
	in.wait(t, 1)

	p.down()
	select {
	case st := <-states:
		require.Equal(t, transport.StateDisconnected, st)
	case <-time.After(10 * time.Second):
		t.Fatal("no report of the drop")
	}
	publish(t, near, "t", []byte("lost"))
	pctx, pcancel := context.WithTimeout(context.Background(), 3*time.Second)
	err = far.Publish(pctx, "t", []byte("unsent"))
	pcancel()
	require.Error(t, err)
	require.ErrorContains(t, err, "pgbroker: publish")
	var pgErr *pgconn.PgError
	require.False(t, errors.As(err, &pgErr), "a driver error leaked: %v", err)
	time.Sleep(500 * time.Millisecond) // several failed attempts
	require.Empty(t, states)

	p.up()
	select {
	case st := <-states:
		require.Equal(t, transport.StateConnected, st)
	case <-time.After(10 * time.Second):
		t.Fatal("no report of the return")
	}
	publish(t, near, "t", []byte("after"))
	publish(t, far, "t", []byte("from far"))
	got := in.wait(t, 3)
	require.Equal(t, []string{"before", "after", "from far"}, []string{string(got[0]), string(got[1]), string(got[2])})
}
