package livechat

import (
	"context"
	"errors"
	"sync"
)

var errShuttingDown = errors.New("livechat: shutting down")

// lifecycle is what Close waits for: the live connections, the long polls
// and the periodic work, all under one context that Close cancels.
type lifecycle struct {
	ctx    context.Context // cancelled by Close; parent of connection contexts
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closing bool
}

func newLifecycle() *lifecycle {
	l := &lifecycle{}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	return l
}

// track registers a request-scoped goroutine that Close waits for; it
// calls done when it ends. It returns false when the Handler is closing.
func (l *lifecycle) track() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return false
	}
	l.wg.Add(1)
	return true
}

// done ends what track registered.
func (l *lifecycle) done() { l.wg.Done() }

// run runs f in a goroutine until Close.
func (l *lifecycle) run(f func(ctx context.Context)) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f(l.ctx)
	}()
}

// close runs stop once, the first time it is called; from then on track
// refuses.
func (l *lifecycle) close(stop func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closing {
		l.closing = true
		stop()
	}
}

// wait waits for every tracked goroutine, or returns ctx's error first.
func (l *lifecycle) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
