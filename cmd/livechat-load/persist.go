package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// persistResult is one Storage under senders that each wait for their ack.
type persistResult struct {
	Storage    string  `json:"storage"`
	Senders    int     `json:"senders"`
	AcksPerSec float64 `json:"acksPerSec"`
	AckP50Ms   num     `json:"ackP50Ms"`
	AckP99Ms   num     `json:"ackP99Ms"`
	AckMaxMs   num     `json:"ackMaxMs"`
	CPUPerAck  num     `json:"serverCpuMicrosPerAck"`
	// ServerWaitPercent is how long the server's threads waited for a CPU
	// while runnable, against the window: other work on the machine.
	ServerWaitPercent num            `json:"serverWaitPercent"`
	Errors            map[string]int `json:"errors,omitempty"`
	Raw               *rawResult     `json:"raw,omitempty"`
}

// runPersist measures acknowledged messages per second for each Storage,
// against a raw insert loop with the same driver and schema.
func runPersist(ctx context.Context, o *options) (*table, error) {
	if o.url != "" {
		return nil, errors.New("persist starts a server per Storage; drop -url")
	}
	storages := []string{"memory", "sqlite"}
	if o.postgres != "" {
		storages = append(storages, "postgres")
	}
	if o.persistStorages != "" {
		storages = strings.Split(o.persistStorages, ",")
	}
	t := &table{Scenario: "persist", Title: fmt.Sprintf("persist: %d senders, each waiting for its ack; ceiling: raw inserts into the Storage's messages table with the same driver (one row per transaction, and %d per transaction, one for each of %d conversations)", o.senders, o.batch, o.batch)}
	var results []*persistResult
	defer func() { t.Result = results }()
	for _, s := range storages {
		s = strings.TrimSpace(s)
		if s != "memory" && s != "sqlite" && s != "postgres" {
			return t, fmt.Errorf("-storages: unknown storage %q", s)
		}
		if s == "postgres" && o.postgres == "" {
			return t, errors.New("-storages postgres needs -postgres or LIVECHAT_TEST_POSTGRES")
		}
		r, err := runPersistOnce(ctx, o, s)
		if err != nil {
			return t, fmt.Errorf("%s: %w", s, err)
		}
		results = append(results, r)
		if s != "memory" {
			if r.Raw, err = runRawInsert(ctx, o, s); err != nil {
				return t, fmt.Errorf("%s raw insert: %w", s, err)
			}
		}
	}
	var memory float64
	for _, r := range results {
		if r.Storage == "memory" {
			memory = r.AcksPerSec
			t.add("memory: acks/s (ceiling: none)", "/s", r.AcksPerSec, nan64())
			t.add("memory: acks per server CPU-second", "/s", perCPUSecond(r.CPUPerAck), nan64())
		} else {
			t.add(r.Storage+": acks/s vs batched raw inserts/s", "/s", r.AcksPerSec, r.Raw.BatchedRowsPerSec)
			t.add(r.Storage+": acks/s vs single-row raw inserts/s", "/s", r.AcksPerSec, r.Raw.SingleRowsPerSec)
			t.add(r.Storage+": acks/s vs 100 raw rows of one conversation a transaction (the ceiling before)", "/s", r.AcksPerSec, r.Raw.OneConversationRowsPerSec)
			if memory > 0 {
				t.add(r.Storage+": acks/s vs memory's", "/s", r.AcksPerSec, memory)
			}
			t.add(r.Storage+": server CPU per ack vs per batched raw row", "µs", float64(r.CPUPerAck), float64(r.Raw.BatchedCPUMicrosPerRow))
			t.add(r.Storage+": acks vs batched raw rows per CPU-second", "/s", perCPUSecond(r.CPUPerAck), perCPUSecond(r.Raw.BatchedCPUMicrosPerRow))
			if r.Raw.BatchedCPUMicrosPerRow.unknown() {
				t.Notes = append(t.Notes, r.Storage+": the batched raw inserts' CPU is n/a: under /proc's 10 ms resolution in so short a run; a longer -duration measures it")
			}
		}
		if r.CPUPerAck.unknown() {
			t.Notes = append(t.Notes, r.Storage+": the server's CPU per ack is n/a: under /proc's 10 ms resolution in so short a run; a longer -duration measures it")
		}
		t.add(r.Storage+": ack p50", "ms", float64(r.AckP50Ms), nan64())
		t.add(r.Storage+": ack p99", "ms", float64(r.AckP99Ms), nan64())
		t.add(r.Storage+": server threads waited for a CPU", "%", float64(r.ServerWaitPercent), nan64())
		if n := sumMap(r.Errors); n > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: error frames %s", r.Storage, fmtMap(r.Errors)))
		}
	}
	return t, nil
}

func nan64() float64 { return float64(nan) }

func runPersistOnce(ctx context.Context, o *options, storage string) (*persistResult, error) {
	po := *o
	po.storage = storage
	args, cleanup, err := livechatChildArgs(&po, "persist-"+storage)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	ch, err := startChild(ctx, o, true, args...)
	if err != nil {
		return nil, err
	}
	defer ch.stop()
	t := newTarget(ch.base+"livechat/", false, o.agentHeader)
	defer t.close()
	setupCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	type sender struct {
		conn *websocket.Conn
		conv string
	}
	senders := make([]*sender, o.senders)
	defer func() {
		for _, s := range senders {
			if s != nil {
				s.conn.CloseNow()
			}
		}
	}()
	o.logf("persist: %s: %d senders", storage, o.senders)
	err = parallel(setupCtx, o.senders, 16, func(ctx context.Context, i int) error {
		tok, err := t.visitorToken(ctx)
		if err != nil {
			return err
		}
		conv, err := t.startConversation(ctx, tok)
		if err != nil {
			return err
		}
		c, err := t.dialVisitor(ctx, tok, "")
		if err != nil {
			return err
		}
		senders[i] = &sender{conn: c, conv: conv}
		return nil
	})
	if err != nil {
		return nil, err
	}

	res := &persistResult{Storage: storage, Senders: o.senders}
	start := time.Now()
	winStart, winEnd := start.Add(o.warmup), start.Add(o.warmup+o.duration)
	var acks atomic.Int64
	var errs counter
	var latMu sync.Mutex
	var lat []float64
	runCtx, cancelRun := context.WithDeadline(ctx, winEnd.Add(10*time.Second))
	defer cancelRun()
	var wg sync.WaitGroup
	pad := strings.Repeat("x", o.textSize)
	for i, s := range senders {
		wg.Go(func() {
			var fr frameReader
			var mine []float64
			defer func() {
				latMu.Lock()
				lat = append(lat, mine...)
				latMu.Unlock()
			}()
			for n := 0; time.Now().Before(winEnd); n++ {
				ref := fmt.Sprintf("p%d-%d", i, n)
				frame := fmt.Sprintf(`{"type":"send","ref":%q,"conversationId":%q,"clientMessageId":%q,"text":%q}`, ref, s.conv, ref, pad)
				sent := time.Now()
				if err := s.conn.Write(runCtx, websocket.MessageText, []byte(frame)); err != nil {
					errs.add("write: "+closeReason(err), 1)
					return
				}
				answered := false
				for !answered {
					err := fr.next(runCtx, s.conn, func(f []byte) bool {
						typ := frameType(f)
						if (typ != "ack" && typ != "error") || refOf(f) != ref {
							return true
						}
						answered = true
						if typ == "error" {
							errs.add(errorCode(f), 1)
							return false
						}
						now := time.Now()
						if !sent.Before(winStart) && now.Before(winEnd) {
							acks.Add(1)
							mine = append(mine, float64(now.Sub(sent))/1e6)
						}
						return false
					})
					if err != nil && !errors.Is(err, errStop) {
						errs.add("read: "+closeReason(err), 1)
						return
					}
				}
			}
		})
	}
	time.Sleep(time.Until(winStart))
	cpu0, cpuErr := ch.cpu()
	wait0, _ := procRunWait(ch.pid)
	t0 := time.Now()
	if o.cpuProfile != "" {
		ch.get(ctx, "_load/profile?start=1")
	}
	time.Sleep(time.Until(winEnd))
	cpu1, err1 := ch.cpu()
	cpuErr = errors.Join(cpuErr, err1)
	wait1, _ := procRunWait(ch.pid)
	el := time.Since(t0)
	res.ServerWaitPercent = num(100 * (wait1 - wait0).Seconds() / el.Seconds())
	if o.cpuProfile != "" {
		ch.get(ctx, "_load/profile?stop=1")
	}
	wg.Wait()
	slices.Sort(lat)
	n := acks.Load()
	res.AcksPerSec = float64(n) / el.Seconds()
	res.AckP50Ms, res.AckP99Ms, res.AckMaxMs = pct(lat, 0.5), pct(lat, 0.99), pct(lat, 1)
	// Unknown when the server's CPU did not fill one of /proc's 10 ms
	// ticks in the window, or was not read.
	res.CPUPerAck = nan
	if cpuErr == nil && n > 0 {
		res.CPUPerAck = (&cpuTally{cpu1 - cpu0, int(n)}).microsPer()
	}
	res.Errors = nilIfEmpty(errs.snapshot())
	return res, ctx.Err()
}

// refOf is a frame's "ref".
func refOf(f []byte) string {
	var v struct {
		Ref string `json:"ref"`
	}
	json.Unmarshal(f, &v)
	return v.Ref
}

// runRawInsert runs the raw insert ceiling as a child pinned like the
// server.
func runRawInsert(ctx context.Context, o *options, storage string) (*rawResult, error) {
	args := []string{"-mode", "rawinsert", "-storage", storage, "-duration", o.duration.String(),
		"-batch", strconv.Itoa(o.batch), "-conversations", strconv.Itoa(o.batch), "-text-size", strconv.Itoa(o.textSize)}
	switch storage {
	case "sqlite":
		dir, err := os.MkdirTemp("", "livechat-load-raw-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		args = append(args, "-dir", dir)
	case "postgres":
		args = append(args, "-postgres", o.postgres, "-schema", newSchemaName())
	}
	o.logf("persist: %s: raw inserts", storage)
	ch, err := startChild(ctx, o, false, args...)
	if err != nil {
		return nil, err
	}
	defer ch.stop()
	line, err := ch.readLine(2*o.duration + o.timeout)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, ch.stderr.String())
	}
	var r rawResult
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return nil, fmt.Errorf("raw insert said %q: %w (%s)", line, err, ch.stderr.String())
	}
	return &r, nil
}
