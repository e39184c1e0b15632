package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golivechat/livechat"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maxAppendsInFlight is how many appends and batches a Store has in
// flight before the appends that callers start wait and go together in
// the next batch. (An append that runs again alone after its batch stored
// nothing is not counted: that is rare.)
const maxAppendsInFlight = 4

// maxBatch is the most appends one batch holds.
const maxBatch = 64

// batchTimeout bounds a batch's round trip, which runs on no caller's
// context: one caller giving up must not fail the others' appends.
const batchTimeout = time.Minute

// batchLockTimeout is the lock_timeout of a batch's transaction: a batch
// whose append waits that long for a conversation's row lock (held by
// another node's append, say) gives up, and each of its appends runs again
// on its own, waiting for its own conversation only, rather than all of
// them waiting for one.
const batchLockTimeout = "250ms"

// batchedAppend is one AppendMessageIf waiting for a batch.
type batchedAppend struct {
	args []any // appendMessageIf's arguments
	conv string

	done chan struct{} // closed once answered
	// The answer: the message and conversation stored; or alone, when
	// the append stored nothing in its batch (or the batch failed) and
	// runs again on its own; or err.
	stored *livechat.Message
	after  *livechat.Conversation
	alone  bool
	err    error
}

// appendBatcher groups the conditional appends that callers start while
// maxAppendsInFlight others are in flight. A batch is one round trip that
// PostgreSQL runs as one implicit transaction with one commit, where each
// append would otherwise take a round trip and a commit of its own; its
// appends run in the order of their conversations' ids, so that two
// batches (on this node or another) lock conversations in the same order
// and never wait for each other in a cycle. A lone caller runs its append
// itself, with nothing added to its latency.
type appendBatcher struct {
	mu       sync.Mutex
	queue    []*batchedAppend
	inFlight int

	// batched counts the appends answered from a batch of more than one
	// and batches the batches of more than one, for tests and benchmarks.
	batched, batches atomic.Int64
}

// lead reports whether the caller may run its append itself, now: when
// fewer than maxAppendsInFlight are in flight and none waits. The caller
// then calls finished when its append is done.
func (b *appendBatcher) lead() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inFlight < maxAppendsInFlight && len(b.queue) == 0 {
		b.inFlight++
		return true
	}
	return false
}

// finished ends an append or a batch run by lead or by a runner, and
// starts a runner for the appends waiting, if any.
func (b *appendBatcher) finished(s *Store) {
	b.mu.Lock()
	b.inFlight--
	b.startRunnerLocked(s)
	b.mu.Unlock()
}

// startRunnerLocked starts a runner for the appends waiting, if any wait
// and fewer than maxAppendsInFlight are in flight. b.mu is held.
func (b *appendBatcher) startRunnerLocked(s *Store) {
	if len(b.queue) > 0 && b.inFlight < maxAppendsInFlight {
		b.inFlight++
		go b.run(s)
	}
}

// wait queues r for a batch and waits for its answer. When ctx ends
// while r is still in the queue, r is taken out (nothing is stored) and
// wait returns ctx's error; once r is in a batch, wait waits for the
// batch's answer, which batchLockTimeout and batchTimeout bound, so that
// an append is never reported failed and then stored after the caller's
// next one.
func (b *appendBatcher) wait(ctx context.Context, s *Store, r *batchedAppend) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	b.queue = append(b.queue, r)
	b.startRunnerLocked(s)
	b.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		i := slices.Index(b.queue, r)
		if i >= 0 {
			b.queue = slices.Delete(b.queue, i, i+1)
		}
		b.mu.Unlock()
		if i >= 0 {
			return ctx.Err()
		}
		<-r.done
		return nil
	}
}

// run sends the waiting appends in batches until none waits.
func (b *appendBatcher) run(s *Store) {
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		if n == 0 {
			b.inFlight--
			b.mu.Unlock()
			return
		}
		batch := slices.Clone(b.queue[:n])
		b.queue = slices.Delete(b.queue, 0, n)
		b.mu.Unlock()
		b.send(s, batch)
	}
}

// send runs batch in one round trip and answers each of its appends.
func (b *appendBatcher) send(s *Store, batch []*batchedAppend) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	slices.SortStableFunc(batch, func(x, y *batchedAppend) int { return strings.Compare(x.conv, y.conv) })
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	query := s.q(appendMessageIf)
	pb := &pgx.Batch{}
	pb.Queue(`SELECT set_config('lock_timeout', '` + batchLockTimeout + `', true)`)
	for _, r := range batch {
		pb.Queue(query, r.args...)
	}
	br := s.pool.SendBatch(ctx, pb)
	_, failed := br.Exec()
	for _, r := range batch {
		r.stored, r.after, r.err = scanAppendedIf(br.QueryRow())
		switch {
		case r.err == nil:
		case errors.Is(r.err, pgx.ErrNoRows):
			// Nothing stored: the append runs again on its own, which
			// says why.
			r.err, r.alone = nil, true
		case failed == nil:
			failed = r.err
		}
	}
	if err := br.Close(); err != nil && failed == nil {
		failed = err
	}
	if failed == nil {
		if len(batch) > 1 {
			b.batches.Add(1)
			b.batched.Add(int64(len(batch)))
		}
		return
	}
	// The implicit transaction did not commit, so nothing in it is
	// stored. When PostgreSQL said why (an error of one append), each
	// append runs again on its own, and that one fails alone; when the
	// connection failed, whether the commit happened is not known, and
	// each append gets the error, as it would have on its own.
	var pe *pgconn.PgError
	retry := errors.As(failed, &pe)
	for _, r := range batch {
		r.stored, r.after = nil, nil
		if retry {
			r.err, r.alone = nil, true
		} else {
			r.err = failed
		}
	}
}
