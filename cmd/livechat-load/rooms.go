package main

import (
	"context"
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
	Messages   int `json:"messages"`
	Skipped    int `json:"skipped"`
	Incomplete int `json:"incomplete"`
	// AckedIncomplete were acknowledged but had not reached every
	// recipient after the drain.
	AckedIncomplete int   `json:"ackedIncomplete"`
	Deliveries      int64 `json:"deliveries"`
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
	ServerCPUMicrosPerDelivery num `json:"serverCpuMicrosPerDelivery"`
	ServerCPUPercent           num `json:"serverCpuPercent"`
	LoadCPUPercent             num `json:"loadCpuPercent"`
	// ServerWaitPercent and LoadWaitPercent are the time each side's
	// threads waited for a CPU while runnable, against the window (other
	// work on the machine, and a side's own threads queueing for its CPU).
	// SchedLagMaxMs is how late the tool sent a
	// message at worst.
	ServerWaitPercent num            `json:"serverWaitPercent"`
	LoadWaitPercent   num            `json:"loadWaitPercent"`
	SchedLagMaxMs     num            `json:"schedLagMaxMs"`
	Errors            map[string]int `json:"errors,omitempty"`
	Disconnects       map[string]int `json:"disconnects,omitempty"`
	WriteErrors       int64          `json:"writeErrors,omitempty"`
}

// healthy says whether the step kept up with its offered rate: at least
// 90 % of the expected deliveries per second, at most 1 % of the messages
// unsent or lost, no connection dropped, p99 within p99Limit.
func (s *roomsStep) healthy(p99Limit time.Duration) bool {
	lost := float64(s.Incomplete+s.Skipped) / math.Max(1, float64(s.Messages))
	keptUp := s.DeliveriesPerSec >= 0.9*float64(agentsPerRoom+1)*s.OfferedRate
	return keptUp && lost <= 0.01 && len(s.Disconnects) == 0 && !math.IsNaN(float64(s.P99Ms)) &&
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
		wg.Go(func() { r.write(v) })
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
	serverWait time.Duration // -1 when unknown
	loadWait   time.Duration
	lagMax     time.Duration
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
	type snapshot struct {
		deliveries, acks                         int64
		serverCPU, loadCPU, serverWait, loadWait time.Duration
	}
	var s0 snapshot
	snap := func() snapshot {
		s := snapshot{deliveries: r.deliveries.Load(), acks: r.acks.Load(), serverCPU: -1, serverWait: -1}
		if ch != nil {
			if c, err := ch.cpu(); err == nil {
				s.serverCPU = c
			}
			if c, err := procRunWait(ch.pid); err == nil {
				s.serverWait = c
			}
		}
		s.loadCPU, _ = procCPU(os.Getpid())
		s.loadWait, _ = procRunWait(os.Getpid())
		return s
	}
	profile := func(what string) {
		if ch != nil && r.o.cpuProfile != "" && r.step.Server == "livechat" {
			go ch.get(ctx, "_load/profile?"+what+"=1")
		}
	}
	inWindow := false
	if r.o.warmup == 0 {
		s0 = snap()
		profile("start")
		inWindow = true
	}
	total := len(r.msgs)
	for i := 0; i < total && ctx.Err() == nil; {
		now := time.Now()
		if !inWindow && !now.Before(winStart) {
			s0 = snap()
			winStart = now
			profile("start")
			inWindow = true
		}
		due := min(total, int(float64(now.Sub(start))/interval)+1)
		if inWindow && i < due {
			w.lagMax = max(w.lagMax, now.Sub(start.Add(time.Duration(float64(i)*interval))))
		}
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
	s1 := snap()
	profile("stop")
	w.elapsed = time.Since(winStart)
	w.deliveries, w.acks = s1.deliveries-s0.deliveries, s1.acks-s0.acks
	w.serverCPU, w.serverWait = -1, -1
	if s0.serverCPU >= 0 && s1.serverCPU >= 0 {
		w.serverCPU = s1.serverCPU - s0.serverCPU
	}
	if s0.serverWait >= 0 && s1.serverWait >= 0 {
		w.serverWait = s1.serverWait - s0.serverWait
	}
	w.loadCPU = s1.loadCPU - s0.loadCPU
	w.loadWait = s1.loadWait - s0.loadWait
	return w
}

// drain waits until every measured message has reached every recipient,
// or for at most -drain after the last was due.
func (r *roomsRun) drain(ctx context.Context) {
	want := int64(0)
	for i := r.measured[0]; i < r.measured[1]; i++ {
		if !r.msgs[i].skipped {
			want++
		}
	}
	deadline := time.Now().Add(r.o.drain)
	for r.completed.Load() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}

// write sends the visitor's messages in order.
func (r *roomsRun) write(v *roomVisitor) {
	pad := strings.Repeat("x", r.o.textSize)
	prefix := []byte(`{"type":"send","conversationId":` + strconv.Quote(v.conv) + `,"ref":"`)
	buf := make([]byte, 0, len(prefix)+r.o.textSize+96)
	var num [20]byte
	for id := range v.ch {
		n := strconv.AppendInt(num[:0], int64(id), 10)
		buf = append(buf[:0], prefix...)
		buf = append(buf, n...)
		buf = append(buf, `","clientMessageId":"m`...)
		buf = append(buf, n...)
		buf = append(buf, `","text":"lt:`...)
		buf = append(buf, n...)
		buf = append(buf, ':')
		buf = append(buf, pad[:max(1, r.o.textSize-len(n)-4)]...)
		buf = append(buf, `"}`...)
		// Not bound to ctx: a write with a context that can be cancelled
		// costs coder/websocket an allocation and a registration with
		// the context, and the run ends by closing the connections.
		if err := v.conn.Write(context.Background(), websocket.MessageText, buf); err != nil {
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
		// As in write, the read is not bound to ctx: closing the
		// connection ends it.
		if err := fr.next(context.Background(), c, handle); err != nil {
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
			if rec.ack.Load() > 0 {
				s.AckedIncomplete++
			}
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
	s.ServerWaitPercent = nan
	if w.serverWait >= 0 {
		s.ServerWaitPercent = num(100 * w.serverWait.Seconds() / w.elapsed.Seconds())
	}
	s.LoadWaitPercent = num(100 * w.loadWait.Seconds() / w.elapsed.Seconds())
	s.SchedLagMaxMs = num(float64(w.lagMax) / 1e6)
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
	// Overload is each server at twice its saturation rate.
	Overload map[string]*roomsStep `json:"overload,omitempty"`
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
		var runs [2][]*roomsStep
		for range o.repeat {
			for i, server := range []string{"livechat", "hub"} {
				st, err := runRoomsOnce(ctx, o, server, rate)
				if st != nil {
					res.Steps = append(res.Steps, st)
					runs[i] = append(runs[i], st)
				}
				if err != nil {
					return t, err
				}
			}
		}
		t.addRoomsPair(medianStep(runs[0]), medianStep(runs[1]))
	}
	if o.repeat > 1 && len(rates) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("each rate ran %d times per server, alternately; the table shows the median of each figure and the sum of the losses, errors and disconnects", o.repeat))
	}
	if o.findSat {
		res.Saturation, res.SaturationRate = map[string]float64{}, map[string]float64{}
		res.HalfSaturation, res.Overload = map[string]*roomsStep{}, map[string]*roomsStep{}
		// runAt measures server at rate -repeat times and keeps the medians.
		runAt := func(server string, rate float64) (*roomsStep, error) {
			var runs []*roomsStep
			for range o.repeat {
				st, err := runRoomsOnce(ctx, o, server, rate)
				if st != nil {
					res.Steps = append(res.Steps, st)
					runs = append(runs, st)
				}
				if err != nil {
					return nil, err
				}
			}
			return medianStep(runs), nil
		}
		for _, server := range []string{"livechat", "hub"} {
			best, bestRate, err := findSaturation(o, res, func(rate float64) (*roomsStep, error) {
				return runRoomsOnce(ctx, o, server, rate)
			})
			if err != nil {
				return t, err
			}
			res.Saturation[server], res.SaturationRate[server] = best, bestRate
			if bestRate == 0 {
				continue
			}
			if res.HalfSaturation[server], err = runAt(server, bestRate/2); err != nil {
				return t, err
			}
			if res.Overload[server], err = runAt(server, bestRate*2); err != nil {
				return t, err
			}
		}
		t.add("saturation: most deliveries/s while keeping up", "/s", res.Saturation["livechat"], res.Saturation["hub"])
		t.add("  at offered messages/s", "/s", res.SaturationRate["livechat"], res.SaturationRate["hub"])
		if h, b := res.HalfSaturation["livechat"], res.HalfSaturation["hub"]; h != nil && b != nil {
			t.add(fmt.Sprintf("p99 at half of own saturation (%.0f vs %.0f msgs/s)", h.OfferedRate, b.OfferedRate), "ms", float64(h.P99Ms), float64(b.P99Ms))
			t.add("  server CPU per delivery there", "µs", float64(h.ServerCPUMicrosPerDelivery), float64(b.ServerCPUMicrosPerDelivery))
		}
		if h, b := res.Overload["livechat"], res.Overload["hub"]; h != nil && b != nil {
			t.add(fmt.Sprintf("at 2× own saturation (%.0f vs %.0f msgs/s): deliveries/s", h.OfferedRate, b.OfferedRate), "/s", h.DeliveriesPerSec, b.DeliveriesPerSec)
			t.add("  disconnects", "", float64(sumMap(h.Disconnects)), float64(sumMap(b.Disconnects)))
			t.add("  acknowledged, not everywhere -drain after", "", float64(h.AckedIncomplete), float64(b.AckedIncomplete))
			t.add("  unsent (server not reading)", "", float64(h.Skipped), float64(b.Skipped))
			t.add("  error frames", "", float64(sumMap(h.Errors)), float64(sumMap(b.Errors)))
			t.add("  latency p99", "ms", float64(h.P99Ms), float64(b.P99Ms))
		}
		if o.repeat > 1 {
			t.Notes = append(t.Notes, fmt.Sprintf("the runs at half and at twice saturation ran %d times each; the table shows their medians", o.repeat))
		}
	}
	t.Steps = roomsStepGrid(res.Steps)
	return t, nil
}

// satP99Limit is the p99 past which a step counts as overloaded.
const satP99Limit = time.Second

// findSaturation doubles the offered rate from -rate until the server
// stops being healthy or its deliveries/s stop rising by 5 %, then halves
// the gap between the last healthy rate and the first unhealthy one twice.
// An unhealthy step is run once more before it counts, since a shared
// machine stalls now and then. It returns the best healthy deliveries/s
// and the rate that gave them.
func findSaturation(o *options, res *roomsResult, runAt func(rate float64) (*roomsStep, error)) (float64, float64, error) {
	best, bestRate := 0.0, 0.0
	try := func(rate float64) (*roomsStep, error) {
		var st *roomsStep
		for attempt := 0; attempt < 2; attempt++ {
			s, err := runAt(rate)
			if s != nil {
				res.Steps = append(res.Steps, s)
			}
			if err != nil {
				return nil, err
			}
			if st == nil || s.healthy(satP99Limit) || s.DeliveriesPerSec > st.DeliveriesPerSec && !st.healthy(satP99Limit) {
				st = s
			}
			if st.healthy(satP99Limit) {
				break
			}
			o.logf("rooms: %s at %.0f/s: not healthy (deliveries %.0f/s, p99 %.1f ms, unsent %d, lost %d, disconnects %v)",
				s.Server, rate, s.DeliveriesPerSec, float64(s.P99Ms), s.Skipped, s.Incomplete, s.Disconnects)
		}
		if st.healthy(satP99Limit) && st.DeliveriesPerSec > best {
			best, bestRate = st.DeliveriesPerSec, rate
		}
		return st, nil
	}
	failed := 0.0
	for rate := o.rate; rate <= o.maxSatRate; rate *= 2 {
		before := best
		st, err := try(rate)
		if err != nil {
			return best, bestRate, err
		}
		if !st.healthy(satP99Limit) {
			failed = rate
			break
		}
		if st.DeliveriesPerSec <= before*1.05 {
			break
		}
	}
	lo := bestRate
	for range 2 {
		if failed == 0 || lo == 0 {
			break
		}
		mid := (lo + failed) / 2
		st, err := try(mid)
		if err != nil {
			return best, bestRate, err
		}
		if st.healthy(satP99Limit) {
			lo = mid
		} else {
			failed = mid
		}
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
	t.add("  deliveries per server CPU-second", "/s", perCPUSecond(a.ServerCPUMicrosPerDelivery), perCPUSecond(b.ServerCPUMicrosPerDelivery))
	t.add("  unsent (server not reading)", "", float64(a.Skipped), float64(b.Skipped))
	t.add("  lost (not everywhere -drain after)", "", float64(a.Incomplete), float64(b.Incomplete))
	t.add("  disconnects", "", float64(sumMap(a.Disconnects)), float64(sumMap(b.Disconnects)))
	t.add("  error frames", "", float64(sumMap(a.Errors)), float64(sumMap(b.Errors)))
	t.add("  server threads waited for a CPU", "%", float64(a.ServerWaitPercent), float64(b.ServerWaitPercent))
	t.add("  load threads waited for a CPU", "%", float64(a.LoadWaitPercent), float64(b.LoadWaitPercent))
}

// medianStep is the median of each figure of steps at one rate, with their
// losses, errors and disconnects added up.
func medianStep(steps []*roomsStep) *roomsStep {
	if len(steps) == 0 {
		return nil
	}
	if len(steps) == 1 {
		return steps[0]
	}
	med := func(f func(*roomsStep) float64) float64 { return medianBy(steps, f) }
	m := *steps[0]
	m.DeliveriesPerSec = med(func(s *roomsStep) float64 { return s.DeliveriesPerSec })
	m.AcksPerSec = med(func(s *roomsStep) float64 { return s.AcksPerSec })
	m.P50Ms = num(med(func(s *roomsStep) float64 { return float64(s.P50Ms) }))
	m.P99Ms = num(med(func(s *roomsStep) float64 { return float64(s.P99Ms) }))
	m.MaxMs = num(med(func(s *roomsStep) float64 { return float64(s.MaxMs) }))
	m.AckP99Ms = num(med(func(s *roomsStep) float64 { return float64(s.AckP99Ms) }))
	m.ServerCPUMicrosPerDelivery = num(med(func(s *roomsStep) float64 { return float64(s.ServerCPUMicrosPerDelivery) }))
	m.ServerCPUPercent = num(med(func(s *roomsStep) float64 { return float64(s.ServerCPUPercent) }))
	m.LoadCPUPercent = num(med(func(s *roomsStep) float64 { return float64(s.LoadCPUPercent) }))
	m.ServerWaitPercent = num(med(func(s *roomsStep) float64 { return float64(s.ServerWaitPercent) }))
	m.LoadWaitPercent = num(med(func(s *roomsStep) float64 { return float64(s.LoadWaitPercent) }))
	m.SchedLagMaxMs = num(med(func(s *roomsStep) float64 { return float64(s.SchedLagMaxMs) }))
	var errs, drops counter
	m.Messages, m.Skipped, m.Incomplete, m.AckedIncomplete, m.WriteErrors = 0, 0, 0, 0, 0
	for _, s := range steps {
		m.Messages += s.Messages
		m.Skipped += s.Skipped
		m.Incomplete += s.Incomplete
		m.AckedIncomplete += s.AckedIncomplete
		m.WriteErrors += s.WriteErrors
		for k, v := range s.Errors {
			errs.add(k, v)
		}
		for k, v := range s.Disconnects {
			drops.add(k, v)
		}
	}
	m.Errors, m.Disconnects = nilIfEmpty(errs.snapshot()), nilIfEmpty(drops.snapshot())
	return &m
}

// perCPUSecond turns CPU microseconds per operation into operations per
// CPU-second: what one core would do if nothing else held it back.
func perCPUSecond(micros num) float64 {
	if math.IsNaN(float64(micros)) || micros <= 0 {
		return math.NaN()
	}
	return 1e6 / float64(micros)
}

func sumMap(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func roomsStepGrid(steps []*roomsStep) *grid {
	g := &grid{Header: []string{"server", "offered/s", "deliv/s", "p50 ms", "p99 ms", "max ms", "ack p99", "µs/deliv", "srv CPU%", "load CPU%", "srv wait%", "load wait%", "send lag", "unsent", "lost", "acked lost", "errors", "disconnects"}}
	for _, s := range steps {
		g.Rows = append(g.Rows, []string{s.Server, fmtNum(s.OfferedRate), fmtNum(s.DeliveriesPerSec),
			fmtNum(float64(s.P50Ms)), fmtNum(float64(s.P99Ms)), fmtNum(float64(s.MaxMs)), fmtNum(float64(s.AckP99Ms)),
			fmtNum(float64(s.ServerCPUMicrosPerDelivery)), fmtNum(float64(s.ServerCPUPercent)), fmtNum(float64(s.LoadCPUPercent)),
			fmtNum(float64(s.ServerWaitPercent)), fmtNum(float64(s.LoadWaitPercent)), fmtNum(float64(s.SchedLagMaxMs)),
			strconv.Itoa(s.Skipped), strconv.Itoa(s.Incomplete), strconv.Itoa(s.AckedIncomplete), fmtMap(s.Errors), fmtMap(s.Disconnects)})
	}
	return g
}
