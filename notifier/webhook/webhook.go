package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/golivechat/livechat"
)

// Errors returned by Notify and New.
var (
	// ErrQueueFull is wrapped by the error of Notify when the queue is full
	// and the notification was dropped.
	ErrQueueFull = errors.New("webhook: queue full, notification dropped")
	// ErrClosed is returned by Notify after Close.
	ErrClosed = errors.New("webhook: notifier closed")
)

// MinSecretLen is the shortest secret New accepts, in bytes: as long as the
// HMAC-SHA256 output, so the key is not the weak part.
const MinSecretLen = 32

// maxDrain bounds how much of a response body is read so that the
// connection can be reused; a receiver has nothing to tell us in its body.
const maxDrain = 64 << 10

// Options configures a Notifier. A nil *Options, and every zero field, means
// the documented default.
type Options struct {
	// Client sends the requests. Default: a client of its own whose
	// Timeout is the Timeout below (10 s), which does not follow redirects
	// (a 3xx is a rejection, logged and not retried), and whose idle
	// connections Close closes.
	Client *http.Client
	// Timeout bounds one attempt, from sending the request to reading the
	// response headers and draining the body. Default: 10 s.
	Timeout time.Duration
	// MaxAttempts is how many times one notification is tried before it is
	// given up; 1 means no retries. Default: 5.
	MaxAttempts int
	// BackoffBase is the wait before the first retry; each further retry
	// doubles it, up to BackoffMax. A random jitter of up to half the wait
	// is taken off so that many notifiers do not retry in step.
	// Default: 1 s.
	BackoffBase time.Duration
	// BackoffMax caps the wait between attempts, also one asked for by a
	// Retry-After response header. Default: 1 min.
	BackoffMax time.Duration
	// QueueSize is how many notifications wait for delivery before Notify
	// drops new ones. Default: 1024.
	QueueSize int
	// Logger receives the drops, give-ups and abandoned notifications.
	// Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock that timestamps requests and reads Retry-After
	// dates. Default: time.Now.
	Now func() time.Time
}

// Defaults of Options.
const (
	defaultTimeout     = 10 * time.Second
	defaultMaxAttempts = 5
	defaultBackoffBase = time.Second
	defaultBackoffMax  = time.Minute
	defaultQueueSize   = 1024
)

// Notifier delivers notifications to one webhook URL. It is safe for
// concurrent use. Build one with New and stop it with Close.
type Notifier struct {
	url        string
	logURL     string // scheme and host only: paths and queries often hold tokens
	secret     []byte
	client     *http.Client
	ownsClient bool
	timeout    time.Duration
	attempts   int
	base, max  time.Duration
	log        *slog.Logger
	now        func() time.Time

	mu     sync.Mutex
	closed bool
	queue  chan delivery

	ctx       context.Context // cancelled when Close gives up waiting
	cancel    context.CancelFunc
	done      chan struct{} // closed when the worker returns
	abandoned int           // written by the worker before done is closed
}

var _ livechat.Notifier = (*Notifier)(nil)

// delivery is one queued notification, encoded once.
type delivery struct {
	n    livechat.Notification // for logs: ids only
	body []byte
}

// New returns a Notifier that POSTs to url, signing with secret, and starts
// its delivery goroutine; call Close to stop it.
//
// url must be an absolute http or https URL. secret must be at least
// MinSecretLen (32) bytes, for example 32 bytes from crypto/rand shared with
// the receiver; New keeps a copy. Options may be nil; negative values are
// errors.
func New(url string, secret []byte, opts *Options) (*Notifier, error) {
	logURL, err := checkURL(url)
	if err != nil {
		return nil, err
	}
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("webhook: secret is %d bytes, need at least %d", len(secret), MinSecretLen)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout < 0 || o.MaxAttempts < 0 || o.BackoffBase < 0 || o.BackoffMax < 0 || o.QueueSize < 0 {
		return nil, errors.New("webhook: negative option (Timeout, MaxAttempts, BackoffBase, BackoffMax and QueueSize must be zero for the default, or positive)")
	}
	w := &Notifier{
		url:      url,
		logURL:   logURL,
		secret:   bytes.Clone(secret),
		client:   o.Client,
		timeout:  cmp(o.Timeout, defaultTimeout),
		attempts: cmp(o.MaxAttempts, defaultMaxAttempts),
		base:     cmp(o.BackoffBase, defaultBackoffBase),
		max:      cmp(o.BackoffMax, defaultBackoffMax),
		log:      o.Logger,
		now:      o.Now,
		queue:    make(chan delivery, cmp(o.QueueSize, defaultQueueSize)),
		done:     make(chan struct{}),
	}
	if w.max < w.base {
		return nil, fmt.Errorf("webhook: BackoffMax %v is less than BackoffBase %v", w.max, w.base)
	}
	if w.client == nil {
		// A transport of our own, so that Close can close its idle
		// connections without touching the host's DefaultTransport.
		w.client = &http.Client{
			Timeout:   w.timeout,
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			// A redirect would turn the POST into a GET or send the
			// signed request elsewhere; report it as a failure instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		w.ownsClient = true
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.now == nil {
		w.now = time.Now
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w, nil
}

// cmp returns v, or def when v is zero.
func cmp[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func checkURL(raw string) (logURL string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("webhook: invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("webhook: URL %q must be absolute with scheme http or https", u.Redacted())
	}
	if u.Host == "" {
		return "", fmt.Errorf("webhook: URL %q has no host", u.Redacted())
	}
	return u.Scheme + "://" + u.Host, nil
}

// Notify queues n for delivery and returns at once; it never waits for the
// network. ctx is not used: delivery happens later, after the caller's
// context may be gone.
//
// Notify returns an error wrapping ErrQueueFull when the queue is full (the
// notification is dropped and logged), ErrClosed after Close, or an error
// if n cannot be encoded as JSON. The Handler logs these and goes on.
func (w *Notifier) Notify(_ context.Context, n livechat.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("webhook: encode notification %s: %w", n.ID, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.queue <- delivery{n: n, body: body}:
		return nil
	default:
		w.log.Warn("webhook: queue full, notification dropped", w.attrs(n)...)
		return fmt.Errorf("%w: %s %s (queue size %d)", ErrQueueFull, n.Kind, n.ID, cap(w.queue))
	}
}

// Close stops accepting notifications, delivers those already queued until
// ctx is done, then abandons the rest (logging how many) and stops the
// delivery goroutine, waiting for it to return.
//
// Close returns nil when everything queued was handled (delivered or given
// up), or an error wrapping ctx.Err() when some were abandoned. Calling it
// again is safe; a later call waits like the first.
func (w *Notifier) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue) // the worker drains it, then returns
	}
	w.mu.Unlock()

	var err error
	select {
	case <-w.done:
	case <-ctx.Done():
		w.cancel() // interrupts the attempt or backoff in progress
		<-w.done
		if w.abandoned > 0 {
			err = fmt.Errorf("webhook: close: abandoned %d queued notifications: %w", w.abandoned, ctx.Err())
		}
	}
	w.cancel()
	if w.ownsClient {
		w.client.CloseIdleConnections()
	}
	return err
}

// run is the delivery goroutine: one at a time, in queue order, so that
// receivers see notifications in the order they were made.
func (w *Notifier) run() {
	defer close(w.done)
	for d := range w.queue {
		if w.ctx.Err() != nil || !w.deliver(d) {
			w.abandoned++
		}
	}
	if w.abandoned > 0 {
		w.log.Warn("webhook: closing, abandoned queued notifications", "count", w.abandoned, "url", w.logURL)
	}
}

// deliver tries d up to the maximum attempts. It returns false only when it
// was interrupted by Close, so that d counts as abandoned.
func (w *Notifier) deliver(d delivery) bool {
	var lastErr error
	for attempt := 1; ; attempt++ {
		status, retryAfter, err := w.attempt(d.body)
		if err != nil && w.ctx.Err() != nil {
			return false // interrupted by Close, not a failure of the receiver
		}
		switch {
		case err == nil && status >= 200 && status < 300:
			return true
		case err == nil && status != http.StatusTooManyRequests && status < 500:
			w.log.Error("webhook: notification rejected, not retried",
				append(w.attrs(d.n), "status", status, "attempt", attempt)...)
			return true
		case err == nil:
			lastErr = fmt.Errorf("status %d", status)
		default:
			lastErr = err
		}
		if attempt >= w.attempts {
			w.log.Error("webhook: notification given up",
				append(w.attrs(d.n), "attempts", attempt, "error", lastErr.Error())...)
			return true
		}
		wait := w.backoff(attempt)
		if retryAfter >= 0 {
			wait = min(retryAfter, w.max)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.ctx.Done():
			t.Stop()
			return false
		}
	}
}

// attempt sends body once. retryAfter is the response's Retry-After, or -1
// when it has none. Errors never include the URL, which may hold a token.
func (w *Notifier) attempt(body []byte) (status int, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(w.ctx, w.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return 0, -1, err
	}
	ts := w.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(w.secret, ts, body))
	resp, err := w.client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return 0, -1, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
	return resp.StatusCode, w.parseRetryAfter(resp.Header.Get("Retry-After")), nil
}

// backoff is the wait after the given failed attempt (1-based): BackoffBase
// doubled per attempt, capped at BackoffMax, minus a random jitter of up to
// half.
func (w *Notifier) backoff(attempt int) time.Duration {
	d := w.base
	for i := 1; i < attempt && d < w.max; i++ {
		d *= 2
	}
	d = min(d, w.max)
	if half := int64(d / 2); half > 0 {
		d -= time.Duration(rand.Int64N(half + 1))
	}
	return d
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date;
// it returns -1 when there is none or it cannot be read.
func (w *Notifier) parseRetryAfter(v string) time.Duration {
	if v == "" {
		return -1
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return -1
		}
		if secs > int64(w.max/time.Second) {
			return w.max
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(w.now()), 0)
	}
	return -1
}

func (w *Notifier) attrs(n livechat.Notification) []any {
	return []any{"id", n.ID, "kind", string(n.Kind), "conversation", n.ConversationID, "url", w.logURL}
}
