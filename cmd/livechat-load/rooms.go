package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// agentsPerRoom is how many agent connections receive every conversation's
// events, as the inbox does.
const agentsPerRoom = 2

const (
	visitorBit = 1 << agentsPerRoom
	fullMask   = visitorBit | (visitorBit - 1)
)

// roomsStep is one measurement of the rooms scenario at one offered rate.
type roomsStep struct {
	Server      string  `json:"server"` // "livechat" or "hub"
	OfferedRate float64 `json:"offeredRate"`
	Rooms       int     `json:"rooms"`
	// Messages were scheduled inside the measurement window; Skipped of
	// them never left the client because its send queue was full (the
	// server stopped reading); Incomplete had not reached every recipient
	// when the drain after the run ended.
	Messages   int   `json:"messages"`
	Skipped    int   `json:"skipped"`
	Incomplete int   `json:"incomplete"`
	Deliveries int64 `json:"deliveries"`
	// DeliveriesPerSec counts a message's arrival at each recipient (both
	// agents and the sender's own connection, by its ack or echo) in the
	// window.
	DeliveriesPerSec float64 `json:"deliveriesPerSec"`
	AcksPerSec       float64 `json:"acksPerSec"`
	// Latency from the scheduled send to the last recipient, over the
	// window's messages that reached every recipient.
	P50Ms    num `json:"p50Ms"`
	P99Ms    num `json:"p99Ms"`
	MaxMs    num `json:"maxMs"`
	AckP99Ms num `json:"ackP99Ms"`
	// ServerCPUMicrosPerDelivery is the server process's CPU in the window
	// divided by the deliveries in it.
	ServerCPUMicrosPerDelivery num            `json:"serverCpuMicrosPerDelivery"`
	ServerCPUPercent           num            `json:"serverCpuPercent"`
	LoadCPUPercent             num            `json:"loadCpuPercent"`
	Errors                     map[string]int `json:"errors,omitempty"`
	Disconnects                map[string]int `json:"disconnects,omitempty"`
	WriteErrors                int64          `json:"writeErrors,omitempty"`
}

// healthy says whether the step kept up: nearly everything delivered, no
// connection dropped, p99 within limit.
func (s *roomsStep) healthy(p99Limit time.Duration) bool {
	lost := float64(s.Incomplete+s.Skipped) / math.Max(1, float64(s.Messages))
	return lost <= 0.01 && len(s.Disconnects) == 0 && !math.IsNaN(float64(s.P99Ms)) &&
		float64(s.P99Ms) <= float64(p99Limit)/float64(time.Millisecond)
}

// msgRec follows one load message.
type msgRec struct {
	sent    atomic.Int64 // scheduled send time, Unix ns
	mask    atomic.Int32 // recipients reached
	done    atomic.Int64 // latency to the last recipient, ns
	ack     atomic.Int64 // latency of the ack, ns
	skipped bool
}

type roomVisitor struct {
	conn *websocket.Conn
	conv string
	ch   chan int32
}

// roomsRun is the state of one rooms measurement.
type roomsRun struct {
	o        *options
	step     *roomsStep
	msgs     []msgRec
	measured [2]int // message indexes [from, to) scheduled in the window

	deliveries atomic.Int64
	acks       atomic.Int64
	completed  atomic.Int64 // measured messages at every recipient
	writeErrs  atomic.Int64
	errs       counter
	drops      counter
	stopping   atomic.Bool
}

// runRoomsOnce measures the livechat server (server "livechat") or the
// bare hub (server "hub") at one offered rate, each with a fresh server.
func runRoomsOnce(ctx context.Context, o *options, server string, rate float64) (*roomsStep, error) {
	var ch *child
	var t *target
	var err error
	switch {
	case server == "livechat" && o.url != "":
		t = newTarget(o.url, false, o.agentHeader)
	case server == "livechat":
		args, cleanup, err := livechatChildArgs(o, "rooms-"+strconv.Itoa(int(rate)))
		if err != nil {
			return nil, err
		}
		defer cleanup()
		if ch, err = startChild(ctx, o, true, args...); err != nil {
			return nil, err
		}
		t = newTarget(ch.base+"livechat/", false, o.agentHeader)
	default:
		if ch, err = startChild(ctx, o, true, "-mode", "hub"); err != nil {
			return nil, err
		}
		t = newTarget(ch.base, true, o.agentHeader)
	}
	if ch != nil {
		defer ch.stop()
	}
	defer t.close()

	o.logf("rooms: %s, %d conversations, %.0f messages/s: setting up", server, o.rooms, rate)
	setupCtx, cancelSetup := context.WithTimeout(ctx, o.timeout)
	defer cancelSetup()
	agents := make([]*websocket.Conn, agentsPerRoom)
	visitors := make([]*roomVisitor, o.rooms)
	defer func() {
		for _, c := range agents {
			if c != nil {
				c.CloseNow()
			}
		}
		for _, v := range visitors {
			if v != nil {
				v.conn.CloseNow()
			}
		}
	}()
	for i := range agents {
		if agents[i], err = t.dialAgent(setupCtx, fmt.Sprintf("load-agent-%d", i+1)); err != nil {
			return nil, fmt.Errorf("agent: %w", err)
		}
	}
	err = parallel(setupCtx, o.rooms, 32, func(ctx context.Context, i int) error {
		v := &roomVisitor{ch: make(chan int32, 256)}
		if t.bare {
			v.conv = strconv.Itoa(i)
			c, err := t.dialVisitor(ctx, "", "room="+v.conv)
			if err != nil {
				return err
			}
			v.conn = c
			visitors[i] = v
			return nil
		}
		tok, err := t.visitorToken(ctx)
		if err != nil {
			return err
		}
		if v.conv, err = t.startConversation(ctx, tok); err != nil {
			return err
		}
		if v.conn, err = t.dialVisitor(ctx, tok, ""); err != nil {
			return err
		}
		visitors[i] = v
		sub := fmt.Sprintf(`{"type":"subscribe","conversationId":%q,"after":0}`, v.conv)
		if err := v.conn.Write(ctx, websocket.MessageText, []byte(sub)); err != nil {
			return err
		}
		_, err = waitFrame(ctx, v.conn, "subscribed")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("visitors: %w", err)
	}

	total := int(rate * (o.warmup + o.duration).Seconds())
	r := &roomsRun{
		o:        o,
		step:     &roomsStep{Server: server, OfferedRate: rate, Rooms: o.rooms},
		msgs:     make([]msgRec, total),
		measured: [2]int{int(rate * o.warmup.Seconds()), total},
	}
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var wg sync.WaitGroup
	for i, c := range agents {
		wg.Go(func() { r.read(runCtx, c, "agent", 1<<i) })
	}
	for _, v := range visitors {
		wg.Go(func() { r.read(runCtx, v.conn, "visitor", visitorBit) })
		wg.Go(func() { r.write(runCtx, v) })
	}
	o.logf("rooms: %s: running %v", server, o.warmup+o.duration)
	window := r.schedule(ctx, ch, visitors, rate)
	r.drain(ctx)
	r.stopping.Store(true)
	cancelRun()
	for _, v := range visitors {
		close(v.ch)
	}
	for _, c := range agents {
		c.CloseNow()
	}
	for _, v := range visitors {
		v.conn.CloseNow()
	}
	wg.Wait()
	r.finish(window)
	if ch != nil {
		if err := ch.stop(); err != nil && !isKilled(err) {
			return r.step, fmt.Errorf("server child: %w (%s)", err, ch.stderr.String())
		}
	}
	return r.step, ctx.Err()
}

// livechatChildArgs are the arguments of a livechat server child with the
// chosen storage; cleanup removes what the storage left.
func livechatChildArgs(o *options, profileTag string) ([]string, func(), error) {
	args := []string{"-mode", "livechat", "-storage", o.storage, "-agent-header", o.agentHeader,
		"-send-queue", strconv.Itoa(o.sendQueue)}
	cleanup := func() {}
	switch o.storage {
	case "sqlite":
		dir, err := os.MkdirTemp("", "livechat-load-")
		if err != nil {
			return nil, nil, err
		}
		args = append(args, "-dir", dir)
		cleanup = func() { os.RemoveAll(dir) }
	case "postgres":
		args = append(args, "-postgres", o.postgres, "-schema", newSchemaName())
	}
	if o.cpuProfile != "" {
		args = append(args, "-cpuprofile", profilePath(o.cpuProfile, profileTag))
	}
	return args, cleanup, nil
}

// profilePath adds tag to a profile's file name: cpu.out → cpu-tag.out.
func profilePath(path, tag string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + tag + ext
}

func newSchemaName() string {
	return fmt.Sprintf("livechat_load_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
}

// window is what was measured between the window's start and end.
type window struct {
	elapsed    time.Duration
	deliveries int64
	acks       int64
	serverCPU  time.Duration // -1 when unknown
	loadCPU    time.Duration
}

// schedule offers messages at rate, open loop: message i is due at
// start + i/rate whatever happened to the ones before, and its latency
// counts from then. It returns what the measurement window saw.
func (r *roomsRun) schedule(ctx context.Context, ch *child, visitors []*roomVisitor, rate float64) window {
	interval := float64(time.Second) / rate
	start := time.Now()
	winStart := start.Add(r.o.warmup)
	winEnd := winStart.Add(r.o.duration)
	var w window
	var d0, a0 int64
	var s0, l0 time.Duration
	snap := func() (int64, int64, time.Duration, time.Duration) {
		s := time.Duration(-1)
		if ch != nil {
			if c, err := ch.cpu(); err == nil {
				s = c
			}
		}
		l, _ := procCPU(os.Getpid())
		return r.deliveries.Load(), r.acks.Load(), s, l
	}
	profile := func(what string) {
		if ch != nil && r.o.cpuProfile != "" && r.step.Server == "livechat" {
			go ch.get(ctx, "_load/profile?"+what+"=1")
		}
	}
	inWindow := false
	if r.o.warmup == 0 {
		d0, a0, s0, l0 = snap()
		profile("start")
		inWindow = true
	}
	total := len(r.msgs)
	for i := 0; i < total && ctx.Err() == nil; {
		now := time.Now()
		if !inWindow && !now.Before(winStart) {
			d0, a0, s0, l0 = snap()
			winStart = now
			profile("start")
			inWindow = true
		}
		due := min(total, int(float64(now.Sub(start))/interval)+1)
		for ; i < due; i++ {
			rec := &r.msgs[i]
			rec.sent.Store(start.UnixNano() + int64(float64(i)*interval))
			select {
			case visitors[i%len(visitors)].ch <- int32(i):
			default:
				rec.skipped = true
			}
		}
		if i < total {
			next := start.Add(time.Duration(float64(i) * interval))
			time.Sleep(max(time.Until(next), 50*time.Microsecond))
		}
	}
	if d := time.Until(winEnd); d > 0 {
		time.Sleep(d)
	}
	d1, a1, s1, l1 := snap()
	profile("stop")
	w.elapsed = time.Since(winStart)
	w.deliveries, w.acks = d1-d0, a1-a0
	w.serverCPU = -1
	if s0 >= 0 && s1 >= 0 {
		w.serverCPU = s1 - s0
	}
	w.loadCPU = l1 - l0
	return w
}

// drain waits until every measured message has reached every recipient,
// or for at most five seconds after the last was sent.
func (r *roomsRun) drain(ctx context.Context) {
	want := int64(0)
	for i := r.measured[0]; i < r.measured[1]; i++ {
		if !r.msgs[i].skipped {
			want++
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.completed.Load() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}

// write sends the visitor's messages in order.
func (r *roomsRun) write(ctx context.Context, v *roomVisitor) {
	pad := strings.Repeat("x", r.o.textSize)
	prefix := []byte(`{"type":"send","conversationId":` + strconv.Quote(v.conv) + `,"ref":"`)
	buf := make([]byte, 0, len(prefix)+r.o.textSize+96)
	for id := range v.ch {
		n := strconv.Itoa(int(id))
		buf = append(buf[:0], prefix...)
		buf = append(buf, n...)
		buf = append(buf, `","clientMessageId":"m`...)
		buf = append(buf, n...)
		buf = append(buf, `","text":"lt:`...)
		buf = append(buf, n...)
		buf = append(buf, ':')
		buf = append(buf, pad[:max(1, r.o.textSize-len(n)-4)]...)
		buf = append(buf, `"}`...)
		if err := v.conn.Write(ctx, websocket.MessageText, buf); err != nil {
			if !r.stopping.Load() {
				r.writeErrs.Add(1)
			}
			for range v.ch { // keep the scheduler from blocking
			}
			return
		}
	}
}

// read counts what one connection receives until it closes.
func (r *roomsRun) read(ctx context.Context, c *websocket.Conn, role string, bit int32) {
	var fr frameReader
	handle := func(f []byte) bool {
		switch frameType(f) {
		case "message", "send":
			r.deliver(markOf(f), bit)
		case "ack":
			id := markOf(f)
			if id >= 0 && id < int64(len(r.msgs)) {
				rec := &r.msgs[id]
				if rec.ack.CompareAndSwap(0, max(1, time.Now().UnixNano()-rec.sent.Load())) {
					r.acks.Add(1)
				}
			}
			r.deliver(id, bit)
		case "error":
			r.errs.add(errorCode(f), 1)
		}
		return true
	}
	for {
		if err := fr.next(ctx, c, handle); err != nil {
			if !r.stopping.Load() && ctx.Err() == nil {
				r.drops.add(role+" "+closeReason(err), 1)
			}
			return
		}
	}
}

// deliver notes that message id reached the recipient bit.
func (r *roomsRun) deliver(id int64, bit int32) {
	if id < 0 || id >= int64(len(r.msgs)) {
		return
	}
	rec := &r.msgs[id]
	old := rec.mask.Or(bit)
	if old&bit != 0 {
		return
	}
	r.deliveries.Add(1)
	if old|bit == fullMask {
		rec.done.Store(max(1, time.Now().UnixNano()-rec.sent.Load()))
		if int(id) >= r.measured[0] && int(id) < r.measured[1] {
			r.completed.Add(1)
		}
	}
}

// finish fills the step's figures.
func (r *roomsRun) finish(w window) {
	s := r.step
	var lat, acks []float64
	for i := r.measured[0]; i < r.measured[1]; i++ {
		rec := &r.msgs[i]
		s.Messages++
		switch {
		case rec.skipped:
			s.Skipped++
		case rec.done.Load() > 0:
			lat = append(lat, float64(rec.done.Load())/1e6)
		default:
			s.Incomplete++
		}
		if a := rec.ack.Load(); a > 0 {
			acks = append(acks, float64(a)/1e6)
		}
	}
	slices.Sort(lat)
	slices.Sort(acks)
	s.P50Ms, s.P99Ms, s.MaxMs = pct(lat, 0.50), pct(lat, 0.99), pct(lat, 1)
	s.AckP99Ms = pct(acks, 0.99)
	s.Deliveries = w.deliveries
	s.DeliveriesPerSec = float64(w.deliveries) / w.elapsed.Seconds()
	s.AcksPerSec = float64(w.acks) / w.elapsed.Seconds()
	s.ServerCPUMicrosPerDelivery, s.ServerCPUPercent = nan, nan
	if w.serverCPU >= 0 {
		s.ServerCPUPercent = num(100 * w.serverCPU.Seconds() / w.elapsed.Seconds())
		if w.deliveries > 0 {
			s.ServerCPUMicrosPerDelivery = num(float64(w.serverCPU.Microseconds()) / float64(w.deliveries))
		}
	}
	s.LoadCPUPercent = num(100 * w.loadCPU.Seconds() / w.elapsed.Seconds())
	s.Errors = nilIfEmpty(r.errs.snapshot())
	s.Disconnects = nilIfEmpty(r.drops.snapshot())
	s.WriteErrors = r.writeErrs.Load()
}

func nilIfEmpty(m map[string]int) map[string]int {
	if len(m) == 0 {
		return nil
	}
	return m
}

// pct is the q-quantile of sorted values, NaN when there are none.
func pct(sorted []float64, q float64) num {
	if len(sorted) == 0 {
		return nan
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return num(sorted[max(0, min(i, len(sorted)-1))])
}

func isKilled(err error) bool {
	return err != nil && strings.Contains(err.Error(), "killed")
}

// roomsResult is the rooms scenario: the steps of each server and, with
// -find-saturation, the saturation and the p99 at half of it.
type roomsResult struct {
	Steps []*roomsStep `json:"steps"`
	// Saturation is the most deliveries per second a server reached while
	// healthy, at offered rate SaturationRate.
	Saturation     map[string]float64    `json:"saturation,omitempty"`
	SaturationRate map[string]float64    `json:"saturationRate,omitempty"`
	HalfSaturation map[string]*roomsStep `json:"halfSaturation,omitempty"`
}

// runRooms runs the rooms scenario for each rate (or the saturation
// search) against the livechat server and the bare hub.
func runRooms(ctx context.Context, o *options) (*table, error) {
	res := &roomsResult{}
	t := &table{Scenario: "rooms", Result: res,
		Title: fmt.Sprintf("rooms: %d conversations, %d agents each, %d-byte messages, open loop; ceiling: bare coder/websocket hub", o.rooms, agentsPerRoom, o.textSize)}
	var rates []float64
	if o.rates != "" {
		for _, s := range strings.Split(o.rates, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("-rates: %q is not a positive number", s)
			}
			rates = append(rates, v)
		}
	} else if !o.findSat {
		rates = []float64{o.rate}
	}
	for _, rate := range rates {
		var pair [2]*roomsStep
		for i, server := range []string{"livechat", "hub"} {
			st, err := runRoomsOnce(ctx, o, server, rate)
			if st != nil {
				res.Steps = append(res.Steps, st)
				pair[i] = st
			}
			if err != nil {
				return t, err
			}
		}
		t.addRoomsPair(pair[0], pair[1])
	}
	if o.findSat {
		res.Saturation, res.SaturationRate = map[string]float64{}, map[string]float64{}
		res.HalfSaturation = map[string]*roomsStep{}
		for _, server := range []string{"livechat", "hub"} {
			best, bestRate, err := findSaturation(ctx, o, server, res)
			if err != nil {
				return t, err
			}
			res.Saturation[server], res.SaturationRate[server] = best, bestRate
			if bestRate > 0 {
				st, err := runRoomsOnce(ctx, o, server, bestRate/2)
				if st != nil {
					res.Steps = append(res.Steps, st)
					res.HalfSaturation[server] = st
				}
				if err != nil {
					return t, err
				}
			}
		}
		t.add("saturation, deliveries/s (healthy: ≤1% lost, no disconnect, p99 ≤ 100 ms)", "/s", res.Saturation["livechat"], res.Saturation["hub"])
		t.add("  at offered messages/s", "/s", res.SaturationRate["livechat"], res.SaturationRate["hub"])
		if h, b := res.HalfSaturation["livechat"], res.HalfSaturation["hub"]; h != nil && b != nil {
			t.add(fmt.Sprintf("p99 at half of own saturation (%.0f vs %.0f msgs/s)", h.OfferedRate, b.OfferedRate), "ms", float64(h.P99Ms), float64(b.P99Ms))
			t.add("  server CPU per delivery there", "µs", float64(h.ServerCPUMicrosPerDelivery), float64(b.ServerCPUMicrosPerDelivery))
		}
	}
	t.Steps = roomsStepGrid(res.Steps)
	return t, nil
}

// findSaturation doubles the offered rate from -rate until the server
// stops being healthy or its deliveries/s stop rising by 5 %, and returns
// its best healthy deliveries/s and the rate that gave them.
func findSaturation(ctx context.Context, o *options, server string, res *roomsResult) (float64, float64, error) {
	const p99Limit = 100 * time.Millisecond
	best, bestRate := 0.0, 0.0
	for rate := o.rate; rate <= o.maxSatRate; rate *= 2 {
		st, err := runRoomsOnce(ctx, o, server, rate)
		if st != nil {
			res.Steps = append(res.Steps, st)
		}
		if err != nil {
			return best, bestRate, err
		}
		if !st.healthy(p99Limit) {
			o.logf("rooms: %s at %.0f/s is past saturation (p99 %.1f ms, lost %d, disconnects %v)", server, rate, float64(st.P99Ms), st.Incomplete+st.Skipped, st.Disconnects)
			break
		}
		rising := st.DeliveriesPerSec > best*1.05
		if st.DeliveriesPerSec > best {
			best, bestRate = st.DeliveriesPerSec, rate
		}
		if !rising {
			break
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return best, bestRate, ctx.Err()
	}
	return best, bestRate, nil
}

func (t *table) addRoomsPair(a, b *roomsStep) {
	if a == nil || b == nil {
		return
	}
	at := fmt.Sprintf(" at %.0f msgs/s", a.OfferedRate)
	t.add("deliveries/s"+at, "/s", a.DeliveriesPerSec, b.DeliveriesPerSec)
	t.add("  latency p50", "ms", float64(a.P50Ms), float64(b.P50Ms))
	t.add("  latency p99", "ms", float64(a.P99Ms), float64(b.P99Ms))
	t.add("  latency max", "ms", float64(a.MaxMs), float64(b.MaxMs))
	t.add("  server CPU per delivery", "µs", float64(a.ServerCPUMicrosPerDelivery), float64(b.ServerCPUMicrosPerDelivery))
	t.add("  lost (not everywhere after 5 s drain)", "", float64(a.Incomplete+a.Skipped), float64(b.Incomplete+b.Skipped))
	t.add("  disconnects", "", float64(sumMap(a.Disconnects)), float64(sumMap(b.Disconnects)))
	t.add("  error frames", "", float64(sumMap(a.Errors)), float64(sumMap(b.Errors)))
}

func sumMap(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func roomsStepGrid(steps []*roomsStep) *grid {
	g := &grid{Header: []string{"server", "offered/s", "deliv/s", "p50 ms", "p99 ms", "max ms", "ack p99", "µs/deliv", "srv CPU%", "load CPU%", "lost", "errors", "disconnects"}}
	for _, s := range steps {
		g.Rows = append(g.Rows, []string{s.Server, fmtNum(s.OfferedRate), fmtNum(s.DeliveriesPerSec),
			fmtNum(float64(s.P50Ms)), fmtNum(float64(s.P99Ms)), fmtNum(float64(s.MaxMs)), fmtNum(float64(s.AckP99Ms)),
			fmtNum(float64(s.ServerCPUMicrosPerDelivery)), fmtNum(float64(s.ServerCPUPercent)), fmtNum(float64(s.LoadCPUPercent)),
			strconv.Itoa(s.Incomplete + s.Skipped), fmtMap(s.Errors), fmtMap(s.Disconnects)})
	}
	return g
}
