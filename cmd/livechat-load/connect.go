package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// connectResult is connections per second of one kind.
type connectResult struct {
	Server string  `json:"server"` // "livechat" or "bare"
	What   string  `json:"what"`
	PerSec float64 `json:"perSec"`
	P50Ms  num     `json:"p50Ms"`
	P99Ms  num     `json:"p99Ms"`
	CPUPer num     `json:"serverCpuMicrosPerConnect"`
	// ServerWaitPercent is how long the server's threads waited for a CPU
	// while runnable, against the window.
	ServerWaitPercent num `json:"serverWaitPercent"`
	// LoadCPUPercent is the tool's own CPU against the window: near 100 %
	// per load CPU, the tool and not the server set the pace.
	LoadCPUPercent num            `json:"loadCpuPercent"`
	Errors         map[string]int `json:"errors,omitempty"`
	Clients        int            `json:"clients"`
}

// runConnect measures how many visitors a second can arrive: the config
// call, the WebSocket handshake and the first frame, against bare
// handshakes (accept and send one frame).
func runConnect(ctx context.Context, o *options) (*table, error) {
	t := &table{Scenario: "connect", Title: fmt.Sprintf("connect: %d concurrent clients; ceiling: bare coder/websocket accept + one frame", o.connectClients)}
	var results []*connectResult
	defer func() { t.Result = results }()
	kinds := []string{"config+ws", "returning", "ws", "bare"}
	runs := make([][]*connectResult, len(kinds))
	for range o.repeat {
		for i, what := range kinds {
			r, err := runConnectOnce(ctx, o, what)
			if r != nil {
				results = append(results, r)
				runs[i] = append(runs[i], r)
			}
			if err != nil {
				return t, err
			}
		}
	}
	if o.repeat > 1 {
		t.Notes = append(t.Notes, fmt.Sprintf("each kind ran %d times, alternately; the table shows the medians", o.repeat))
	}
	ours, returning, tokenWS, bare := medianConnect(runs[0]), medianConnect(runs[1]), medianConnect(runs[2]), medianConnect(runs[3])
	for _, k := range []struct {
		name string
		r    *connectResult
	}{
		{"new visitor: config + handshake + first frame", ours},
		{"returning visitor: config + handshake + first frame", returning},
		{"handshake + first frame (token reused)", tokenWS},
	} {
		t.add(k.name+" per second", "/s", k.r.PerSec, bare.PerSec)
		t.add("  p99", "ms", float64(k.r.P99Ms), float64(bare.P99Ms))
		t.add("  server CPU per connect", "µs", float64(k.r.CPUPer), float64(bare.CPUPer))
		t.add("  connects per server CPU-second", "/s", perCPUSecond(k.r.CPUPer), perCPUSecond(bare.CPUPer))
		t.add("  load generator CPU", "%", float64(k.r.LoadCPUPercent), float64(bare.LoadCPUPercent))
	}
	t.add("server threads waited for a CPU (config+ws)", "%", float64(ours.ServerWaitPercent), float64(bare.ServerWaitPercent))
	for _, r := range results {
		if len(r.Errors) > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("%s %s: errors %s", r.Server, r.What, fmtMap(r.Errors)))
		}
	}
	return t, nil
}

func runConnectOnce(ctx context.Context, o *options, what string) (*connectResult, error) {
	var ch *child
	var t *target
	var err error
	server := "livechat"
	switch {
	case what == "bare":
		server = "bare"
		args := []string{"-mode", "connect"}
		if o.cpuProfile != "" {
			args = append(args, "-cpuprofile", profilePath(o.cpuProfile, "connect-bare"))
		}
		if ch, err = startChild(ctx, o, true, args...); err != nil {
			return nil, err
		}
		t = newTarget(ch.base, true, o.agentHeader)
	case o.url != "":
		t = newTarget(o.url, false, o.agentHeader)
	default:
		args, cleanup, err := livechatChildArgs(o, "connect-"+what)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		if ch, err = startChild(ctx, o, true, args...); err != nil {
			return nil, err
		}
		t = newTarget(ch.base+"livechat/", false, o.agentHeader)
	}
	if ch != nil {
		defer ch.stop()
	}
	defer t.close()
	o.logf("connect: %s %s, %d clients", server, what, o.connectClients)
	res := &connectResult{Server: server, What: what, Clients: o.connectClients}

	// One visitor per client when the token is reused.
	tokens := make([]string, o.connectClients)
	if what == "ws" || what == "returning" {
		err := parallel(ctx, o.connectClients, 16, func(ctx context.Context, i int) error {
			var err error
			tokens[i], err = t.visitorToken(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	once := func(ctx context.Context, i int) error {
		var c *websocket.Conn
		var err error
		switch what {
		case "bare":
			c, err = t.dialReady(ctx, t.wsURL("ws"), nil)
		case "ws":
			c, err = t.dialVisitor(ctx, tokens[i], "")
		case "returning":
			var tok string
			if tok, err = t.pageView(ctx, tokens[i]); err == nil {
				tokens[i] = tok
				c, err = t.dialVisitor(ctx, tok, "")
			}
		default:
			var tok string
			if tok, err = t.visitorToken(ctx); err == nil {
				c, err = t.dialVisitor(ctx, tok, "")
			}
		}
		if err != nil {
			return err
		}
		return c.Close(websocket.StatusNormalClosure, "")
	}

	start := time.Now()
	winStart, winEnd := start.Add(o.warmup), start.Add(o.warmup+o.duration)
	var count atomic.Int64
	var errs counter
	var mu sync.Mutex
	var lat []float64
	var wg sync.WaitGroup
	for i := range o.connectClients {
		wg.Go(func() {
			var mine []float64
			for time.Now().Before(winEnd) && ctx.Err() == nil {
				callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
				t0 := time.Now()
				err := once(callCtx, i)
				cancel()
				t1 := time.Now()
				if err != nil {
					errs.add(shortErr(err), 1)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if !t0.Before(winStart) && t1.Before(winEnd) {
					count.Add(1)
					mine = append(mine, float64(t1.Sub(t0))/1e6)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	time.Sleep(time.Until(winStart))
	profile := func(what string) {
		if ch != nil && o.cpuProfile != "" {
			ch.get(ctx, "_load/profile?"+what+"=1")
		}
	}
	profile("start")
	var cpu0, cpu1, wait0, wait1 time.Duration = -1, -1, -1, -1
	load0, _ := procCPU(os.Getpid())
	if ch != nil {
		cpu0, _ = ch.cpu()
		wait0, _ = procRunWait(ch.pid)
	}
	t0 := time.Now()
	time.Sleep(time.Until(winEnd))
	if ch != nil {
		cpu1, _ = ch.cpu()
		wait1, _ = procRunWait(ch.pid)
	}
	el := time.Since(t0)
	load1, _ := procCPU(os.Getpid())
	profile("stop")
	res.LoadCPUPercent = num(100 * (load1 - load0).Seconds() / el.Seconds())
	res.ServerWaitPercent = nan
	if ch != nil {
		res.ServerWaitPercent = num(100 * (wait1 - wait0).Seconds() / el.Seconds())
	}
	wg.Wait()
	slices.Sort(lat)
	n := count.Load()
	res.PerSec = float64(n) / el.Seconds()
	res.P50Ms, res.P99Ms = pct(lat, 0.5), pct(lat, 0.99)
	res.CPUPer = nan
	if ch != nil && n > 0 {
		res.CPUPer = num(float64((cpu1 - cpu0).Microseconds()) / float64(n))
	}
	res.Errors = nilIfEmpty(errs.snapshot())
	return res, ctx.Err()
}

// medianConnect is the median of each figure of runs of one kind.
func medianConnect(runs []*connectResult) *connectResult {
	if len(runs) == 1 {
		return runs[0]
	}
	med := func(f func(*connectResult) float64) float64 { return medianBy(runs, f) }
	m := *runs[0]
	m.PerSec = med(func(r *connectResult) float64 { return r.PerSec })
	m.P50Ms = num(med(func(r *connectResult) float64 { return float64(r.P50Ms) }))
	m.P99Ms = num(med(func(r *connectResult) float64 { return float64(r.P99Ms) }))
	m.CPUPer = num(med(func(r *connectResult) float64 { return float64(r.CPUPer) }))
	m.ServerWaitPercent = num(med(func(r *connectResult) float64 { return float64(r.ServerWaitPercent) }))
	m.LoadCPUPercent = num(med(func(r *connectResult) float64 { return float64(r.LoadCPUPercent) }))
	return &m
}

// shortErr is an error's text cut to a key for counting.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}
