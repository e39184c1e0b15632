package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// idleResult is what N idle connections cost one server, per connection.
type idleResult struct {
	Server          string  `json:"server"` // "livechat" or "bare"
	Conns           int     `json:"conns"`
	HeapPerConn     float64 `json:"heapBytesPerConn"`
	StackPerConn    float64 `json:"stackBytesPerConn"`
	RSSPerConn      float64 `json:"rssBytesPerConn"`
	GoroutinesPerCn float64 `json:"goroutinesPerConn"`
	Before          *serverStats
	After           *serverStats
}

// runIdle opens -conns idle visitor connections to the livechat server and
// to a bare accept + read loop server, and compares what each costs.
func runIdle(ctx context.Context, o *options) (*table, error) {
	if o.url != "" {
		return nil, errors.New("idle needs the server it starts (its control endpoint reports memory); drop -url")
	}
	if lim := fileLimit(); lim > 0 && uint64(o.idleConns)+256 > lim {
		return nil, fmt.Errorf("-conns %d needs more open files than the limit %d", o.idleConns, lim)
	}
	t := &table{Scenario: "idle", Title: fmt.Sprintf("idle: %d idle visitor WebSockets; ceiling: bare accept + read loop", o.idleConns)}
	var results []*idleResult
	for _, server := range []string{"livechat", "bare"} {
		r, err := runIdleOnce(ctx, o, server)
		if err != nil {
			return t, err
		}
		results = append(results, r)
	}
	a, b := results[0], results[1]
	t.Result = results
	t.add("heap per connection", "B", a.HeapPerConn, b.HeapPerConn)
	t.add("stack per connection", "B", a.StackPerConn, b.StackPerConn)
	t.add("heap + stack per connection", "B", a.HeapPerConn+a.StackPerConn, b.HeapPerConn+b.StackPerConn)
	t.add("RSS per connection", "B", a.RSSPerConn, b.RSSPerConn)
	t.add("goroutines per connection", "", a.GoroutinesPerCn, b.GoroutinesPerCn)
	return t, nil
}

func runIdleOnce(ctx context.Context, o *options, server string) (*idleResult, error) {
	var ch *child
	var err error
	var t *target
	if server == "livechat" {
		args, cleanup, err := livechatChildArgs(o, "idle")
		if err != nil {
			return nil, err
		}
		defer cleanup()
		if ch, err = startChild(ctx, o, true, args...); err != nil {
			return nil, err
		}
		t = newTarget(ch.base+"livechat/", false, o.agentHeader)
	} else {
		if ch, err = startChild(ctx, o, true, "-mode", "idle"); err != nil {
			return nil, err
		}
		t = newTarget(ch.base, true, o.agentHeader)
	}
	defer ch.stop()
	defer t.close()
	setupCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	// Visitors get their tokens before the first measurement, so that what
	// the Storage keeps of them is not counted as the connections' cost.
	tokens := make([]string, o.idleConns)
	if !t.bare {
		o.logf("idle: %s: %d config calls", server, o.idleConns)
		err := parallel(setupCtx, o.idleConns, 32, func(ctx context.Context, i int) error {
			var err error
			tokens[i], err = t.visitorToken(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	t.close()
	time.Sleep(200 * time.Millisecond)
	before, err := ch.stats(setupCtx, true)
	if err != nil {
		return nil, err
	}
	o.logf("idle: %s: opening %d connections", server, o.idleConns)
	conns := make([]*websocket.Conn, o.idleConns)
	var wg sync.WaitGroup
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.CloseNow()
			}
		}
		wg.Wait()
	}()
	err = parallel(setupCtx, o.idleConns, 64, func(ctx context.Context, i int) error {
		var c *websocket.Conn
		var err error
		if t.bare {
			c, err = t.dial(ctx, t.wsURL("ws"), nil)
		} else {
			c, err = t.dialVisitor(ctx, tokens[i], "")
		}
		if err != nil {
			return err
		}
		conns[i] = c
		// A reader answers the server's pings, as a browser does.
		wg.Go(func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
			}
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("connections: %w", err)
	}
	time.Sleep(time.Second)
	after, err := ch.stats(setupCtx, true)
	if err != nil {
		return nil, err
	}
	n := float64(o.idleConns)
	return &idleResult{
		Server:          server,
		Conns:           o.idleConns,
		HeapPerConn:     (float64(after.HeapInuse) - float64(before.HeapInuse)) / n,
		StackPerConn:    (float64(after.StackInuse) - float64(before.StackInuse)) / n,
		RSSPerConn:      (float64(after.RSS) - float64(before.RSS)) / n,
		GoroutinesPerCn: float64(after.Goroutines-before.Goroutines) / n,
		Before:          before,
		After:           after,
	}, nil
}
