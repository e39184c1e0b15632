package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain lets the test binary serve as the tool's server child: the tool
// starts its own executable with "serve" and childEnv set.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" && len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(serveMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

// syncBuffer collects the tool's progress lines and the children's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testOptions are short runs: a second of measurement, small counts.
func testOptions(t *testing.T, args ...string) *options {
	t.Helper()
	base := []string{"-duration", "500ms", "-warmup", "200ms", "-rooms", "10", "-rate", "400",
		"-conns", "100", "-senders", "4", "-clients", "2", "-timeout", "30s"}
	o, err := parseFlags(append(base, args...), os.Stderr)
	require.NoError(t, err)
	logs := &syncBuffer{}
	o.log = logs
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	return o
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// requireRatios checks that every row with both figures has a finite,
// positive ratio, but those named in skip (figures a short run cannot
// tell from noise).
func requireRatios(t *testing.T, tb *table, skip ...string) {
	t.Helper()
	require.NotEmpty(t, tb.Rows)
	for _, r := range tb.Rows {
		if slices.Contains(skip, r.Metric) {
			continue
		}
		o, c := float64(r.Ours), float64(r.Ceiling)
		if math.IsNaN(o) || math.IsNaN(c) || (o == 0 && c == 0) {
			continue
		}
		ratio := float64(r.Ratio)
		require.False(t, math.IsNaN(ratio) || math.IsInf(ratio, 0), "%s: ratio %v", r.Metric, ratio)
		require.Greater(t, ratio, 0.0, "%s", r.Metric)
	}
}

func TestRooms(t *testing.T) {
	o := testOptions(t, "-scenario", "rooms")
	tb, err := runRooms(testContext(t), o)
	require.NoError(t, err)
	res := tb.Result.(*roomsResult)
	require.Len(t, res.Steps, 2)
	for _, s := range res.Steps {
		require.Greater(t, s.DeliveriesPerSec, 0.0, s.Server)
		require.Greater(t, s.Messages, 50, s.Server)
		require.Zero(t, s.Incomplete+s.Skipped, "%s lost messages", s.Server)
		require.Empty(t, s.Errors, s.Server)
		require.Empty(t, s.Disconnects, s.Server)
		require.Zero(t, s.WriteErrors, s.Server)
		require.Greater(t, float64(s.P99Ms), 0.0, s.Server)
		require.GreaterOrEqual(t, float64(s.MaxMs), float64(s.P99Ms), s.Server)
		cpu := float64(s.ServerCPUMicrosPerDelivery)
		require.False(t, math.IsNaN(cpu), s.Server)
	}
	require.Greater(t, res.Steps[0].AcksPerSec, 0.0, "the livechat server acknowledges every send")
	// The server's CPU comes from /proc in ticks of 10 ms, and the bare
	// hub spends about that much in this short run: its figure may be 0.
	requireRatios(t, tb, "  server CPU per delivery")
}

func TestIdle(t *testing.T) {
	o := testOptions(t, "-scenario", "idle")
	tb, err := runIdle(testContext(t), o)
	require.NoError(t, err)
	res := tb.Result.([]*idleResult)
	require.Len(t, res, 2)
	for _, r := range res {
		require.Greater(t, r.HeapPerConn+r.StackPerConn, 0.0, r.Server)
		require.GreaterOrEqual(t, r.GoroutinesPerCn, 1.0, "%s: at least the reader of each connection", r.Server)
		require.Greater(t, r.After.Goroutines, 20, r.Server)
	}
	// The RSS of a few connections is lost in what the runtime returns to
	// the system meanwhile.
	requireRatios(t, tb, "RSS per connection")
}

func TestPersist(t *testing.T) {
	storages := "memory,sqlite"
	if os.Getenv("LIVECHAT_TEST_POSTGRES") != "" {
		storages += ",postgres"
	}
	o := testOptions(t, "-scenario", "persist", "-storages", storages, "-batch", "20")
	tb, err := runPersist(testContext(t), o)
	require.NoError(t, err)
	res := tb.Result.([]*persistResult)
	require.Len(t, res, strings.Count(storages, ",")+1)
	for _, r := range res {
		require.Greater(t, r.AcksPerSec, 0.0, r.Storage)
		require.Empty(t, r.Errors, r.Storage)
		require.Greater(t, float64(r.AckP99Ms), 0.0, r.Storage)
		if r.Storage != "memory" {
			require.NotNil(t, r.Raw, r.Storage)
			require.Greater(t, r.Raw.SingleRowsPerSec, 0.0, r.Storage)
			require.Greater(t, r.Raw.BatchedRowsPerSec, 0.0, r.Storage)
			require.Greater(t, r.Raw.OneConversationRowsPerSec, 0.0, r.Storage)
			require.Equal(t, 20, r.Raw.Conversations, "one conversation for each row of a batch")
			requireCPU(t, tb, r.Raw.BatchedCPUMicrosPerRow, r.Storage+": the batched raw inserts' CPU is n/a")
		}
		requireCPU(t, tb, r.CPUPerAck, r.Storage+": the server's CPU per ack is n/a")
	}
	requireRatios(t, tb)
}

// requireCPU checks a CPU figure of a short run on a busy machine: /proc
// counts CPU in ticks of 10 ms, which the run may not fill, so the figure
// is either positive or unknown, and then a note says so.
func requireCPU(t *testing.T, tb *table, cpu num, note string) {
	t.Helper()
	if cpu.unknown() {
		require.True(t, slices.ContainsFunc(tb.Notes, func(n string) bool { return strings.HasPrefix(n, note) }), "no note %q in %q", note, tb.Notes)
		return
	}
	require.Greater(t, float64(cpu), 0.0, note)
}

// The connect scenario through the whole command, as JSON: the machine,
// the table and each kind of connection are there.
func TestConnectJSON(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(testContext(t), []string{"-scenario", "connect", "-clients", "2", "-duration", "500ms", "-warmup", "100ms", "-json", "-q"}, &out, &errs)
	require.Zero(t, code, errs.String())
	var rep struct {
		Machine struct{ CPUs int }
		Tables  []struct {
			Scenario string
			Rows     []struct {
				Metric string
				Ratio  *float64
			}
			Result []connectResult
		}
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	require.Positive(t, rep.Machine.CPUs)
	require.Len(t, rep.Tables, 1)
	tb := rep.Tables[0]
	require.Equal(t, "connect", tb.Scenario)
	require.NotNil(t, tb.Rows[0].Ratio)
	require.Positive(t, *tb.Rows[0].Ratio)
	require.Len(t, tb.Result, 4)
	for _, r := range tb.Result {
		require.Greater(t, r.PerSec, 0.0, r.What)
		require.Empty(t, r.Errors, r.What)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-scenario", "nope"},
		{"-storage", "redis"},
		{"-rooms", "0"},
		{"-rate", "-1"},
		{"extra"},
		{"-url", "livechat/"},
	} {
		var out, errs bytes.Buffer
		code := run(context.Background(), args, &out, &errs)
		require.Equal(t, 2, code, "%v", args)
		require.Contains(t, errs.String(), "livechat-load:", "%v", args)
		require.Empty(t, out.String(), "%v", args)
	}
}

// A message may hold several frames separated by "\n"; each is handled.
func TestFrameReaderSplitsLines(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.Write(r.Context(), websocket.MessageText, []byte(`{"type":"message","message":{"text":"lt:7:x"}}`+"\n"+`{"type":"ack","ref":"r","message":{"text":"lt:8:x"}}`+"\n"))
		c.Write(r.Context(), websocket.MessageText, []byte(`{"type":"ready","protocol":1}`))
		c.Read(r.Context())
	}))
	defer srv.Close()
	ctx := testContext(t)
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	var fr frameReader
	var types []string
	var marks []int64
	for range 2 {
		require.NoError(t, fr.next(ctx, c, func(f []byte) bool {
			types = append(types, frameType(f))
			marks = append(marks, markOf(f))
			return true
		}))
	}
	require.Equal(t, []string{"message", "ack", "ready"}, types)
	require.Equal(t, []int64{7, 8, -1}, marks)
}

func TestFrameType(t *testing.T) {
	require.Equal(t, "ack", frameType([]byte(`{"type":"ack","message":{"text":"\"type\":\"x\""}}`)))
	require.Equal(t, "error", frameType([]byte(`{"ref":"r", "type" : "error"}`)))
	require.Equal(t, "", frameType([]byte(`not json`)))
	require.Equal(t, int64(-1), markOf([]byte(`{"text":"lt:"}`)))
	require.Equal(t, int64(123), markOf([]byte(`{"text":"lt:123:xx"}`)))
}

func TestCPUCountAndProc(t *testing.T) {
	require.Equal(t, 1, cpuCount("0"))
	require.Equal(t, 2, cpuCount("0-1"))
	require.Equal(t, 3, cpuCount("0,2-3"))
	d, err := procCPU(os.Getpid())
	if err != nil {
		t.Skip("no /proc here")
	}
	require.GreaterOrEqual(t, d, time.Duration(0))
}

// Repeated runs show the median of each figure and every loss.
func TestMedianStep(t *testing.T) {
	steps := []*roomsStep{
		{DeliveriesPerSec: 100, P99Ms: 5, Incomplete: 1, Disconnects: map[string]int{"agent 1013": 1}},
		{DeliveriesPerSec: 300, P99Ms: 1},
		{DeliveriesPerSec: 200, P99Ms: 9, Skipped: 2},
	}
	m := medianStep(steps)
	require.Equal(t, 200.0, m.DeliveriesPerSec)
	require.Equal(t, num(5), m.P99Ms)
	require.Equal(t, 1, m.Incomplete)
	require.Equal(t, 2, m.Skipped)
	require.Equal(t, map[string]int{"agent 1013": 1}, m.Disconnects)
	require.Equal(t, 100.0, steps[0].DeliveriesPerSec, "the steps stay as they were")

	c := medianConnect([]*connectResult{{PerSec: 10}, {PerSec: 30}})
	require.Equal(t, 20.0, c.PerSec)
}

// The saturation search doubles the rate while the server keeps up, runs
// a step that does not once more, and narrows the last gap twice.
func TestFindSaturation(t *testing.T) {
	o := testOptions(t)
	o.rate, o.maxSatRate = 1000, 64000
	var tried []float64
	stalls := map[float64]int{4000: 1} // one stall at 4000, then fine
	run := func(rate float64) (*roomsStep, error) {
		tried = append(tried, rate)
		st := &roomsStep{Server: "fake", OfferedRate: rate, Messages: 1000, P99Ms: 2, DeliveriesPerSec: 3 * rate}
		if rate > 7000 { // the fake server keeps up to 7000 messages/s
			st.DeliveriesPerSec, st.P99Ms = 21000, 3000
		}
		if stalls[rate] > 0 {
			stalls[rate]--
			st.P99Ms = 2000
		}
		return st, nil
	}
	res := &roomsResult{}
	best, bestRate, err := findSaturation(o, res, run)
	require.NoError(t, err)
	require.Equal(t, []float64{1000, 2000, 4000, 4000, 8000, 8000, 6000, 7000}, tried)
	require.Equal(t, 7000.0, bestRate)
	require.Equal(t, 21000.0, best)
	require.Len(t, res.Steps, len(tried))
}
