package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/notifier/webhook"
)

func TestRetry(t *testing.T) {
	tests := []struct {
		name     string
		failures []int // statuses of the first attempts; 0 drops the connection
	}{
		{name: "OKAfter500s", failures: []int{500, 500}},
		{name: "OKAfter503", failures: []int{503}},
		{name: "OKAfter429", failures: []int{429}},
		{name: "OKAfterNetworkError", failures: []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, attempt int) {
				if attempt > len(tt.failures) {
					w.WriteHeader(http.StatusOK)
					return
				}
				if code := tt.failures[attempt-1]; code != 0 {
					w.WriteHeader(code)
					return
				}
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			})
			logs := &logBuffer{}
			w := mustNew(t, rc.srv.URL, fastOptions(logs))
			require.NoError(t, w.Notify(context.Background(), notification(1)))
			require.NoError(t, w.Close(context.Background()))

			reqs := rc.requests()
			require.Len(t, reqs, len(tt.failures)+1)
			for _, r := range reqs {
				require.NoError(t, webhook.Verify(secret, r.header, r.body, time.Now(), 0))
				require.Equal(t, reqs[0].body, r.body, "every attempt sends the same notification")
			}
			require.NotContains(t, logs.String(), "given up")
		})
	}
}

func TestRetry_GivesUpAfterMaxAttempts(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if readID(t, r) == "n1" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	logs := &logBuffer{}
	opts := fastOptions(logs)
	opts.MaxAttempts = 3
	w := mustNew(t, rc.srv.URL+"/hook?token=hush", opts)
	require.NoError(t, w.Notify(context.Background(), notification(1)))
	require.NoError(t, w.Notify(context.Background(), notification(2)))
	require.NoError(t, w.Close(context.Background()))

	require.Equal(t, []string{"n1", "n1", "n1", "n2"}, ids(t, rc.requests()), "three attempts, then the queue moves on")
	require.Contains(t, logs.String(), "given up")
	require.Contains(t, logs.String(), "attempts=3")
	require.Contains(t, logs.String(), "id=n1")
	require.NotContains(t, logs.String(), "hush", "logs never hold the URL's query")
}

func TestRetry_NotFor4xx(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusFound} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if readID(t, r) == "n1" {
					w.Header().Set("Location", "/elsewhere")
					w.WriteHeader(code)
				}
			})
			logs := &logBuffer{}
			opts := fastOptions(logs)
			opts.Client = nil // the default does not follow redirects
			w := mustNew(t, rc.srv.URL, opts)
			require.NoError(t, w.Notify(context.Background(), notification(1)))
			require.NoError(t, w.Notify(context.Background(), notification(2)))
			require.NoError(t, w.Close(context.Background()))

			require.Equal(t, []string{"n1", "n2"}, ids(t, rc.requests()))
			require.Contains(t, logs.String(), "status="+strconv.Itoa(code))
			require.Contains(t, logs.String(), "not retried")
		})
	}
}

func TestRetry_RetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		retryAfter string
		min, max   time.Duration // the wait between the two attempts
	}{
		// The backoff alone would be about 1 ms: a longer wait proves that
		// Retry-After was honoured, a wait under its 1 s that it was
		// capped by BackoffMax.
		{name: "SecondsCapped", retryAfter: "1", min: 150 * time.Millisecond, max: 900 * time.Millisecond},
		{name: "DateCapped", retryAfter: now.Add(time.Hour).Format(http.TimeFormat), min: 150 * time.Millisecond, max: 900 * time.Millisecond},
		{name: "Zero", retryAfter: "0", max: 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, attempt int) {
				if attempt == 1 {
					w.Header().Set("Retry-After", tt.retryAfter)
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			})
			opts := fastOptions(&logBuffer{})
			opts.BackoffMax = 150 * time.Millisecond
			opts.Now = func() time.Time { return now }
			w := mustNew(t, rc.srv.URL, opts)
			require.NoError(t, w.Notify(context.Background(), notification(1)))
			require.NoError(t, w.Close(context.Background()))

			reqs := rc.requests()
			require.Len(t, reqs, 2)
			gap := reqs[1].at.Sub(reqs[0].at)
			require.GreaterOrEqual(t, gap, tt.min)
			require.Less(t, gap, tt.max)
		})
	}
}

func TestNotify_NeverBlocks(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, hang(release))
	logs := &logBuffer{}
	opts := fastOptions(logs)
	opts.QueueSize = 4
	w := mustNew(t, rc.srv.URL, opts)
	t.Cleanup(func() { close(release) })

	accepted, full := 0, 0
	for i := range 100 {
		start := time.Now()
		err := w.Notify(context.Background(), notification(i))
		// The receiver hangs until the test ends: a Notify that waited
		// for it would take that long, not a scheduler hiccup's time.
		require.Less(t, time.Since(start), 5*time.Second, "Notify %d blocked", i)
		switch {
		case err == nil:
			accepted++
		case errors.Is(err, webhook.ErrQueueFull):
			full++
		default:
			t.Fatalf("Notify %d: %v", i, err)
		}
	}
	// The queue holds 4, and the worker may have taken one into the
	// hanging request.
	require.GreaterOrEqual(t, accepted, 4)
	require.LessOrEqual(t, accepted, 5)
	require.Equal(t, 100, accepted+full)
	require.Contains(t, logs.String(), "queue full")
	require.Contains(t, logs.String(), "id=n99")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := w.Close(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 2*time.Second)
	require.Contains(t, logs.String(), "abandoned")
}

func TestNotify_OrderPreserved(t *testing.T) {
	// Every fifth notification fails its first attempt: retries keep their
	// place in the queue.
	var mu sync.Mutex
	failed := map[string]bool{}
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		id := readID(t, r)
		mu.Lock()
		fail := strings.HasSuffix(id, "5") && !failed[id]
		failed[id] = true
		mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	w := mustNew(t, rc.srv.URL, fastOptions(&logBuffer{}))
	var want []string
	for i := range 40 {
		require.NoError(t, w.Notify(context.Background(), notification(i)))
		want = append(want, notification(i).ID)
	}
	require.NoError(t, w.Close(context.Background()))

	var got []string
	seen := map[string]bool{}
	for _, id := range ids(t, rc.requests()) {
		if !seen[id] {
			seen[id] = true
			got = append(got, id)
		}
	}
	require.Equal(t, want, got)
	require.Len(t, rc.requests(), 40+4)
}

func TestClose_Drains(t *testing.T) {
	rc := newReceiver(t, func(http.ResponseWriter, *http.Request, int) { time.Sleep(time.Millisecond) })
	w := mustNew(t, rc.srv.URL, fastOptions(&logBuffer{}))
	for i := range 20 {
		require.NoError(t, w.Notify(context.Background(), notification(i)))
	}
	require.NoError(t, w.Close(context.Background()))
	require.Len(t, rc.requests(), 20)

	require.ErrorIs(t, w.Notify(context.Background(), notification(99)), webhook.ErrClosed)
	require.NoError(t, w.Close(context.Background()), "Close is idempotent")
	require.Len(t, rc.requests(), 20)
}

func TestClose_CancelledContextReturnsPromptly(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, hang(release))
	logs := &logBuffer{}
	w := mustNew(t, rc.srv.URL, fastOptions(logs))
	t.Cleanup(func() { close(release) })
	for i := range 3 {
		require.NoError(t, w.Notify(context.Background(), notification(i)))
	}
	require.Eventually(t, func() bool { return len(rc.requests()) == 1 }, 2*time.Second, time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	require.ErrorIs(t, w.Close(ctx), context.Canceled)
	require.Less(t, time.Since(start), time.Second)
	require.Contains(t, logs.String(), "count=3", "the request in flight and the two queued are abandoned")
	require.ErrorIs(t, w.Notify(context.Background(), notification(9)), webhook.ErrClosed)
}

func TestNotifierFunc(t *testing.T) {
	rc := newReceiver(t, nil)
	hook := mustNew(t, rc.srv.URL, fastOptions(&logBuffer{}))
	// Only conversations that wait reach the webhook.
	var n livechat.Notifier = livechat.NotifierFunc(func(ctx context.Context, n livechat.Notification) error {
		if n.Kind != livechat.NotifyWaiting {
			return nil
		}
		return hook.Notify(ctx, n)
	})
	waiting := notification(2)
	waiting.Kind = livechat.NotifyWaiting
	require.NoError(t, n.Notify(context.Background(), notification(1)))
	require.NoError(t, n.Notify(context.Background(), waiting))
	require.NoError(t, hook.Close(context.Background()))
	require.Equal(t, []string{"n2"}, ids(t, rc.requests()))
}

func readID(tb testing.TB, r *http.Request) string {
	tb.Helper()
	var n livechat.Notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		tb.Errorf("decode notification: %v", err)
	}
	return n.ID
}

func ids(tb testing.TB, reqs []received) []string {
	tb.Helper()
	var out []string
	for _, r := range reqs {
		var n livechat.Notification
		require.NoError(tb, json.Unmarshal(r.body, &n))
		out = append(out, n.ID)
	}
	return out
}
