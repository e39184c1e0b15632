package webhook_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/notifier/webhook"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var secret = []byte("0123456789abcdef0123456789abcdef")

// logBuffer collects a Notifier's logs; the worker writes while tests read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fastOptions retries at once and logs into logs.
func fastOptions(logs *logBuffer) *webhook.Options {
	return &webhook.Options{
		Timeout:     5 * time.Second,
		BackoffBase: time.Millisecond,
		BackoffMax:  5 * time.Millisecond,
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
	}
}

// received is one request that reached a test server.
type received struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is an httptest server that records every request and answers
// each with respond(attempt number, counted from 1 over all requests).
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []received
	respond func(w http.ResponseWriter, r *http.Request, attempt int)
}

func newReceiver(tb testing.TB, respond func(w http.ResponseWriter, r *http.Request, attempt int)) *receiver {
	tb.Helper()
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body)) // for respond
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, received{header: r.Header.Clone(), body: body, at: time.Now()})
		n := len(rc.reqs)
		rc.mu.Unlock()
		if rc.respond != nil {
			rc.respond(w, r, n)
		}
	}))
	tb.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// mustNew returns a Notifier closed at the end of the test.
func mustNew(tb testing.TB, url string, opts *webhook.Options) *webhook.Notifier {
	tb.Helper()
	w, err := webhook.New(url, secret, opts)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.Close(ctx)
	})
	return w
}

func notification(i int) livechat.Notification {
	return livechat.Notification{
		ID:             "n" + strconv.Itoa(i),
		Kind:           livechat.NotifyNewConversation,
		ConversationID: "c" + strconv.Itoa(i),
		Time:           time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
	}
}

func status(code int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(code) }
}

// hang blocks each request until release is closed or the client goes.
func hang(release <-chan struct{}) func(http.ResponseWriter, *http.Request, int) {
	return func(_ http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
}
