package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golivechat/livechat"
)

// groupWindow is the longest the committer waits, after taking an append,
// for more appends to join its transaction.
const groupWindow = time.Millisecond

// maxGroup is the most appends one transaction holds.
const maxGroup = 256

// The states of an appendRequest. The committer moves a queued request to
// taken once it holds the write lock; a caller whose context ends first
// moves it to abandoned, and the committer skips it.
const (
	requestQueued int32 = iota
	requestTaken
	requestAbandoned
)

// appendRequest is one AppendMessage call waiting for the committer.
type appendRequest struct {
	msg       livechat.Message // with ID and CreatedAt set
	createdAt any              // msg.CreatedAt as a column value
	state     atomic.Int32
	done      chan struct{} // closed when the fields below are set

	stored  *livechat.Message
	created bool
	err     error
}

// committer runs the appends of a Store in group transactions, on one
// goroutine: it takes the appends waiting in its queue, runs each in one
// write transaction and answers them all after the commit.
type committer struct {
	w    *sql.DB
	ckpt *checkpointer // told of each commit; nil for an in-memory database

	// pending counts the appends that callers have started and that are
	// not answered or abandoned yet: those in the queue, in the group being
	// built and the ones on their way to the queue. The committer waits,
	// up to groupWindow, while some of them are not in its group or while
	// its group is smaller than the previous one: callers answered
	// together usually append again together.
	pending atomic.Int64

	mu      sync.RWMutex // held to send on reqs; locked to close it
	stopped bool
	reqs    chan *appendRequest
	exited  chan struct{}

	insert *sql.Stmt // appendInsert, prepared on w
	update *sql.Stmt // appendUpdate, prepared on w

	// commits and largest count the group transactions committed and the
	// most appends one of them held, for tests.
	commits, largest atomic.Int64
}

// appendInsert stores a message with the conversation's next sequence
// number and returns that number. It inserts nothing and returns no row
// when the conversation does not exist or the sender already used the
// client message id there (the unique index messages_client_key).
const appendInsert = `INSERT INTO messages (` + messageColumns + `)
	SELECT ?1, ?2, id, last_seq + 1, ?3, ?4, ?5, ?6, ?7, ?8 FROM conversations WHERE id = ?9
	ON CONFLICT (conversation_id, sender, author_id, client_msg_id) WHERE client_msg_id <> '' DO NOTHING
	RETURNING seq`

// appendUpdate moves the conversation's last_seq (and updated_at) to the
// message just inserted.
const appendUpdate = `UPDATE conversations SET last_seq = ?1,
	updated_at = MAX(COALESCE(updated_at, ?2), ?2) WHERE id = ?3`

func newCommitter(ctx context.Context, w *sql.DB, ckpt *checkpointer) (*committer, error) {
	c := &committer{w: w, ckpt: ckpt, reqs: make(chan *appendRequest, maxGroup), exited: make(chan struct{})}
	var err error
	if c.insert, err = w.PrepareContext(ctx, appendInsert); err != nil {
		return nil, err
	}
	if c.update, err = w.PrepareContext(ctx, appendUpdate); err != nil {
		c.insert.Close()
		return nil, err
	}
	go c.run()
	return c, nil
}

// stop lets the committer commit the appends already queued, waits for it
// to end and closes its statements. Appends submitted afterwards fail with
// livechat.ErrClosed.
func (c *committer) stop() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.exited
	c.insert.Close()
	c.update.Close()
}

// append queues r and waits for its answer. When ctx ends before the
// committer has taken r, r is abandoned and stores nothing; once taken, r
// is answered after its group's transaction ends, which does not wait for
// any lock.
func (c *committer) append(ctx context.Context, r *appendRequest) (*livechat.Message, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	c.pending.Add(1)
	c.mu.RLock()
	if c.stopped {
		c.mu.RUnlock()
		c.pending.Add(-1)
		return nil, false, errClosed
	}
	select {
	case c.reqs <- r:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		c.pending.Add(-1)
		return nil, false, ctx.Err()
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(requestQueued, requestAbandoned) {
			c.pending.Add(-1)
			return nil, false, ctx.Err()
		}
		<-r.done
	}
	return r.stored, r.created, r.err
}

// run builds groups until the queue is closed and drained.
func (c *committer) run() {
	defer close(c.exited)
	window := time.NewTimer(groupWindow)
	window.Stop()
	group := make([]*appendRequest, 0, maxGroup)
	last := 0 // the size of the previous group
	for {
		first, ok := <-c.reqs
		if !ok {
			return
		}
		group = append(group[:0], first)
		window.Reset(groupWindow)
	collect:
		for len(group) < maxGroup {
			// Take what is queued; wait only for appends already started.
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break collect
				}
				group = append(group, r)
				continue
			default:
			}
			if c.pending.Load() <= int64(len(group)) && len(group) >= last {
				break
			}
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break collect
				}
				group = append(group, r)
			case <-window.C:
				break collect
			}
		}
		window.Stop()
		last = len(group)
		c.commit(group)
		clear(group)
	}
}

// commit runs the group in one transaction and answers every request in
// it. When the transaction fails as a whole after it began, each request
// runs again in a transaction of its own, so that one append's failure is
// its own.
func (c *committer) commit(group []*appendRequest) {
	taken, began, err := c.runGroup(group)
	if err != nil && began && len(taken) > 1 {
		for _, r := range taken {
			r.stored, r.created, r.err = nil, false, nil
			if _, _, err := c.runGroup([]*appendRequest{r}); err != nil {
				r.stored, r.created, r.err = nil, false, err
			}
		}
	} else if err != nil {
		for _, r := range taken {
			r.stored, r.created, r.err = nil, false, err
		}
	}
	for _, r := range taken {
		c.pending.Add(-1)
		close(r.done)
	}
}

// runGroup runs the group's requests that are not abandoned in one write
// transaction and returns them. An append that fails without changing the
// database (an unknown conversation, a taken message id) gets its error
// and the others go on; any other failure rolls the transaction back and
// is returned, with began false when the transaction did not begin.
func (c *committer) runGroup(group []*appendRequest) (taken []*appendRequest, began bool, err error) {
	// The statements run without the callers' contexts: one caller giving
	// up must not break the others' transaction.
	ctx := context.Background()
	tx, err := c.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: waits for the write lock
	taken = group[:0:0]
	for _, r := range group {
		if r.state.Load() == requestTaken || r.state.CompareAndSwap(requestQueued, requestTaken) {
			taken = append(taken, r)
		}
	}
	if err != nil {
		return taken, false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	insert, update := tx.StmtContext(ctx, c.insert), tx.StmtContext(ctx, c.update)
	for _, r := range taken {
		if err := appendIn(ctx, tx, insert, update, r); err != nil {
			return taken, true, err
		}
	}
	if err := tx.Commit(); err != nil {
		return taken, true, err
	}
	c.ckpt.wrote()
	c.commits.Add(1)
	if n := int64(len(taken)); n > c.largest.Load() {
		c.largest.Store(n) // only the committer's goroutine writes it
	}
	return taken, true, nil
}

// appendIn appends r's message in tx. It sets r's answer and returns nil
// when the database is as before or holds the message; it returns an
// error when the transaction must be rolled back.
func appendIn(ctx context.Context, tx *sql.Tx, insert, update *sql.Stmt, r *appendRequest) error {
	m := r.msg
	err := insert.QueryRowContext(ctx, m.ID, m.ClientMsgID, string(m.Sender), m.AuthorID, m.AuthorName,
		m.Text, m.Code, r.createdAt, m.ConversationID).Scan(&m.Seq)
	switch {
	case err == nil:
		if _, err := update.ExecContext(ctx, m.Seq, r.createdAt, m.ConversationID); err != nil {
			return err
		}
		r.stored, r.created = &m, true
		return nil
	case errors.Is(err, sql.ErrNoRows), isUniqueViolation(err):
		// A constraint violation undoes its statement only: the
		// transaction goes on.
		return existing(ctx, tx, r, err)
	default:
		return err
	}
}

// existing answers r when its insert stored nothing: with the message the
// sender already stored under the client message id, or with the reason
// (sql.ErrNoRows for an unknown conversation, insertErr for a taken
// message id). It returns the errors of its own queries.
func existing(ctx context.Context, tx *sql.Tx, r *appendRequest, insertErr error) error {
	m := &r.msg
	if m.ClientMsgID != "" {
		orig, err := scanMessage(tx.QueryRowContext(ctx, byClientKey,
			m.ConversationID, string(m.Sender), m.AuthorID, m.ClientMsgID))
		switch {
		case err == nil:
			r.stored = orig
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	if errors.Is(insertErr, sql.ErrNoRows) {
		r.err = insertErr // no such conversation
	} else {
		r.err = fmt.Errorf("message id %q: %w", m.ID, insertErr)
	}
	return nil
}
