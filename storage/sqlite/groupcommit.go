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

// groupWindow is the longest a write waits, from its call, for more
// writes to join its transaction.
const groupWindow = 2 * time.Millisecond

// minGap is the shortest average gap between writes for which the
// committer waits for the next write when no caller is on the way: writes
// closer together queue while the previous group commits, and a shorter
// wait would be no shorter, as the runtime sleeps at least a millisecond
// when nothing else wakes it.
const minGap = 100 * time.Microsecond

// maxGap bounds one gap between writes as the committer's average of the
// gaps counts it, so that the average comes down within a few writes
// after an idle time.
const maxGap = 16 * groupWindow

// maxGroup is the most writes one transaction holds.
const maxGroup = 256

// The states of a request. The committer moves a queued request to taken
// once it holds the write lock; a caller whose context ends first moves it
// to abandoned, and the committer skips it.
const (
	requestQueued int32 = iota
	requestTaken
	requestAbandoned
)

// request is what every grouped write has: its state and the channel
// closed when it is answered.
type request struct {
	state atomic.Int32
	done  chan struct{}
	at    time.Time // when the write was submitted
}

func newRequest() request { return request{done: make(chan struct{}), at: time.Now()} }

func (r *request) base() *request { return r }

// groupWrite is a write the committer runs in a group transaction.
type groupWrite interface {
	base() *request
	// apply runs the write in tx. It records its answer and returns nil
	// when the write is done or failed without changing the database; it
	// returns an error when the transaction must be rolled back.
	apply(ctx context.Context, tx *groupTx) error
	// answer replaces the recorded answer with err (nil before the write
	// runs again alone).
	answer(err error)
}

// appendRequest is one AppendMessage or AppendMessageIf call.
type appendRequest struct {
	request
	msg       livechat.Message          // with ID and CreatedAt set
	createdAt any                       // msg.CreatedAt as a column value
	cond      *livechat.AppendCondition // AppendMessageIf's; nil for AppendMessage

	stored  *livechat.Message
	conv    *livechat.Conversation // AppendMessageIf's conversation after the append
	created bool
	err     error
}

func (r *appendRequest) answer(err error) { r.stored, r.conv, r.created, r.err = nil, nil, false, err }

// readMarkRequest is one SetReadMark call.
type readMarkRequest struct {
	request
	mark      livechat.ReadMark
	updatedAt any // mark.UpdatedAt as a column value

	stored livechat.ReadMark
	err    error
}

func (r *readMarkRequest) answer(err error) { r.stored, r.err = livechat.ReadMark{}, err }

// groupTx is a group's transaction with the committer's statements bound
// to it when first used.
type groupTx struct {
	*sql.Tx
	c     *committer
	bound [stmtCount]*sql.Stmt
}

// The indexes of groupTx.bound and committer.stmts.
const (
	stmtInsert = iota
	stmtInsertValues
	stmtUpdate
	stmtConversation
	stmtMarkUpsert
	stmtMarkSelect
	stmtCount
)

// groupSQL is the text of each statement, by index.
var groupSQL = [stmtCount]string{appendInsert, appendInsertValues, appendUpdate, conversationByID, markUpsert, markSelect}

func (tx *groupTx) stmt(ctx context.Context, i int) *sql.Stmt {
	if tx.bound[i] == nil {
		tx.bound[i] = tx.StmtContext(ctx, tx.c.stmts[i])
	}
	return tx.bound[i]
}

// committer runs the appends and read marks of a Store in group
// transactions, on one goroutine: it takes the writes waiting in its
// queue, runs them in one write transaction and answers them all after
// the commit.
type committer struct {
	w    *sql.DB
	ckpt *checkpointer // told of each commit; nil for an in-memory database

	// pending counts the writes that callers have started and that are
	// not answered or abandoned yet: those in the queue, in the group being
	// built and the ones on their way to the queue. The committer waits
	// for the ones not in its group, up to groupWindow after the group's
	// first write was submitted.
	pending atomic.Int64

	// gap is the committer's moving average of the time between the
	// submissions of successive writes, and prev the submission time of
	// the last write it took. While the next write is due within
	// groupWindow of the group's first, by gap, the committer waits for
	// it (see run). Only the committer's goroutine uses them.
	gap  time.Duration
	prev time.Time

	// target is the size of the recent large groups: the largest group,
	// halved for each group since. While writes are less than
	// groupWindow apart, the committer waits for its group to reach it:
	// callers answered together usually write again together, and
	// waiting for the previous group's size only could lock the callers
	// into cohorts of the sizes they happened to be split into.
	target int

	mu      sync.RWMutex // held to send on reqs; locked to close it
	stopped bool
	reqs    chan groupWrite
	exited  chan struct{}

	// stmts are the statements of the grouped writes (groupSQL),
	// prepared on w.
	stmts [stmtCount]*sql.Stmt

	// commits and largest count the group transactions committed and the
	// most writes one of them held, for tests.
	commits, largest atomic.Int64
}

// appendInsert stores a message with the conversation's next sequence
// number and returns that number. It inserts nothing and returns no row
// when the conversation does not exist or the sender already used the
// client message id there (the unique index messages_client_key).
const appendInsert = `INSERT INTO messages (` + messageColumns + `)
	SELECT ?1, ?2, id, last_seq + 1, ?3, ?4, ?5, ?6, ?7, ?8, ?10 FROM conversations WHERE id = ?9
	ON CONFLICT (conversation_id, sender, author_id, client_msg_id) WHERE client_msg_id <> '' DO NOTHING
	RETURNING seq`

// appendInsertValues stores a message with the sequence number given,
// for an AppendMessageIf that has read the conversation in its
// transaction. It inserts nothing when the sender already used the client
// message id.
const appendInsertValues = `INSERT INTO messages (` + messageColumns + `)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
	ON CONFLICT (conversation_id, sender, author_id, client_msg_id) WHERE client_msg_id <> '' DO NOTHING`

// appendUpdate moves the conversation's last_seq (and updated_at) to the
// message just inserted.
const appendUpdate = `UPDATE conversations SET last_seq = ?1,
	updated_at = MAX(COALESCE(updated_at, ?2), ?2) WHERE id = ?3`

// markUpsert stores a read mark unless the stored one is at least as far;
// it stores nothing when the conversation does not exist.
const markUpsert = `INSERT INTO read_marks (conversation_id, participant, seq, updated_at)
	SELECT id, ?2, ?3, ?4 FROM conversations WHERE id = ?1
	ON CONFLICT (conversation_id, participant) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
	WHERE excluded.seq > read_marks.seq`

// markSelect reads a participant's read mark.
const markSelect = `SELECT conversation_id, participant, seq, updated_at
	FROM read_marks WHERE conversation_id = ? AND participant = ?`

func newCommitter(ctx context.Context, w *sql.DB, ckpt *checkpointer) (*committer, error) {
	c := &committer{w: w, ckpt: ckpt, reqs: make(chan groupWrite, maxGroup), exited: make(chan struct{}), gap: maxGap}
	for i, q := range groupSQL {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			c.closeStmts()
			return nil, err
		}
		c.stmts[i] = st
	}
	go c.run()
	return c, nil
}

func (c *committer) closeStmts() {
	for _, st := range c.stmts {
		if st != nil {
			st.Close()
		}
	}
}

// stop lets the committer commit the writes already queued, waits for it
// to end and closes its statements. Writes submitted afterwards fail with
// livechat.ErrClosed.
func (c *committer) stop() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.exited
	c.closeStmts()
}

// submit queues w and waits for its answer. When ctx ends before the
// committer has taken w, w is abandoned, changes nothing and submit
// returns ctx's error; once taken, w is answered after its group's
// transaction ends, which does not wait for any lock.
func (c *committer) submit(ctx context.Context, w groupWrite) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := w.base()
	r.at = time.Now()
	c.pending.Add(1)
	c.mu.RLock()
	if c.stopped {
		c.mu.RUnlock()
		c.pending.Add(-1)
		return errClosed
	}
	select {
	case c.reqs <- w:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		c.pending.Add(-1)
		return ctx.Err()
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(requestQueued, requestAbandoned) {
			c.pending.Add(-1)
			return ctx.Err()
		}
		<-r.done
	}
	return nil
}

// append runs r and returns its answer.
func (c *committer) append(ctx context.Context, r *appendRequest) (*livechat.Message, *livechat.Conversation, bool, error) {
	if err := c.submit(ctx, r); err != nil {
		return nil, nil, false, err
	}
	return r.stored, r.conv, r.created, r.err
}

// setReadMark runs r and returns its answer.
func (c *committer) setReadMark(ctx context.Context, r *readMarkRequest) (livechat.ReadMark, error) {
	if err := c.submit(ctx, r); err != nil {
		return livechat.ReadMark{}, err
	}
	return r.stored, r.err
}

// run builds groups until the queue is closed and drained.
//
// A group begins with the first write queued and takes every write queued
// meanwhile. Before it commits, the committer waits for more, at most
// until groupWindow after the first write of the group was submitted:
// while some writes that callers have started are not queued yet; while
// the group is smaller than c.target and the average gap between writes
// is under groupWindow; or while writes arrive steadily, that is, while the average gap between
// writes is at least minGap, the next write is due before then by that
// gap and has not been late by more than the gap. A lone caller, whose
// writes are far apart, is not delayed.
func (c *committer) run() {
	defer close(c.exited)
	window := time.NewTimer(groupWindow)
	window.Stop()
	group := make([]groupWrite, 0, maxGroup)
	for {
		first, ok := <-c.reqs
		if !ok {
			return
		}
		c.arrived(first)
		group = append(group[:0], first)
		deadline := first.base().at.Add(groupWindow)
	collect:
		for len(group) < maxGroup {
			// Take what is queued, then wait while more is likely.
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break collect
				}
				c.arrived(r)
				group = append(group, r)
				continue
			default:
			}
			until := deadline
			if c.pending.Load() <= int64(len(group)) && (len(group) >= c.target || c.gap >= groupWindow) {
				next := c.prev.Add(c.gap)
				if c.gap < minGap || next.After(deadline) {
					break
				}
				if late := next.Add(c.gap); late.Before(until) {
					until = late
				}
			}
			wait := time.Until(until)
			if wait <= 0 {
				break
			}
			window.Reset(wait)
			select {
			case r, ok := <-c.reqs:
				window.Stop()
				if !ok {
					break collect
				}
				c.arrived(r)
				group = append(group, r)
			case <-window.C:
				break collect
			}
		}
		c.target = max(len(group), c.target/2)
		c.commit(group)
		clear(group)
	}
}

// arrived counts the gap between w's submission and the previous one's
// into c.gap.
func (c *committer) arrived(w groupWrite) {
	at := w.base().at
	if !c.prev.IsZero() {
		d := min(max(at.Sub(c.prev), 0), maxGap)
		c.gap += (d - c.gap) / 8
	}
	if at.After(c.prev) {
		c.prev = at
	}
}

// commit runs the group in one transaction and answers every request in
// it. When the transaction fails as a whole after it began, each request
// runs again in a transaction of its own, so that one write's failure is
// its own.
func (c *committer) commit(group []groupWrite) {
	taken, began, err := c.runGroup(group)
	if err != nil && began && len(taken) > 1 {
		for _, w := range taken {
			w.answer(nil)
			if _, _, err := c.runGroup([]groupWrite{w}); err != nil {
				w.answer(err)
			}
		}
	} else if err != nil {
		for _, w := range taken {
			w.answer(err)
		}
	}
	for _, w := range taken {
		c.pending.Add(-1)
		close(w.base().done)
	}
}

// runGroup runs the group's requests that are not abandoned in one write
// transaction and returns them. A write that fails without changing the
// database (an unknown conversation, a taken message id) gets its error
// and the others go on; any other failure rolls the transaction back and
// is returned, with began false when the transaction did not begin.
func (c *committer) runGroup(group []groupWrite) (taken []groupWrite, began bool, err error) {
	// The statements run without the callers' contexts: one caller giving
	// up must not break the others' transaction.
	ctx := context.Background()
	tx, err := c.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: waits for the write lock
	taken = group[:0:0]
	for _, w := range group {
		r := w.base()
		if r.state.Load() == requestTaken || r.state.CompareAndSwap(requestQueued, requestTaken) {
			taken = append(taken, w)
		}
	}
	if err != nil {
		return taken, false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	gtx := &groupTx{Tx: tx, c: c}
	for _, w := range taken {
		if err := w.apply(ctx, gtx); err != nil {
			return taken, true, err
		}
	}
	if err := tx.Commit(); err != nil {
		return taken, true, err
	}
	c.ckpt.wrote(len(taken))
	c.commits.Add(1)
	if n := int64(len(taken)); n > c.largest.Load() {
		c.largest.Store(n) // only the committer's goroutine writes it
	}
	return taken, true, nil
}

// apply appends r's message in tx.
func (r *appendRequest) apply(ctx context.Context, tx *groupTx) error {
	if r.cond != nil {
		return r.applyIf(ctx, tx)
	}
	m := r.msg
	err := tx.stmt(ctx, stmtInsert).QueryRowContext(ctx, m.ID, m.ClientMsgID, string(m.Sender), m.AuthorID, m.AuthorName,
		m.Text, m.Code, r.createdAt, m.ConversationID, attachmentText(m.Attachment)).Scan(&m.Seq)
	switch {
	case err == nil:
		if _, err := tx.stmt(ctx, stmtUpdate).ExecContext(ctx, m.Seq, r.createdAt, m.ConversationID); err != nil {
			return err
		}
		r.stored, r.created = &m, true
		return nil
	case errors.Is(err, sql.ErrNoRows), isUniqueViolation(err):
		// A constraint violation undoes its statement only: the
		// transaction goes on.
		return r.existing(ctx, tx.Tx, err)
	default:
		return err
	}
}

// applyIf appends r's message in tx when the conversation meets r.cond.
// It reads the conversation first, in the write transaction, which no
// other connection or process can change until it commits: the
// condition, the sequence number and the conversation returned all come
// from that read, the cache of the writer's connection usually holds its
// page, and the insert and the update need not read it again.
func (r *appendRequest) applyIf(ctx context.Context, tx *groupTx) error {
	m := r.msg
	conv, err := scanConversation(tx.stmt(ctx, stmtConversation).QueryRowContext(ctx, m.ConversationID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.err = err // no such conversation
		return nil
	case err != nil:
		return err
	case !r.cond.Match(conv):
		r.err = errCondition
		return nil
	}
	m.Seq = conv.LastSeq + 1
	res, err := tx.stmt(ctx, stmtInsertValues).ExecContext(ctx, m.ID, m.ClientMsgID, m.ConversationID, m.Seq, string(m.Sender),
		m.AuthorID, m.AuthorName, m.Text, m.Code, r.createdAt, attachmentText(m.Attachment))
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = sql.ErrNoRows // the client message id is taken
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, sql.ErrNoRows), isUniqueViolation(err):
		r.conv = conv
		return r.existing(ctx, tx.Tx, err)
	default:
		return err
	}
	if _, err := tx.stmt(ctx, stmtUpdate).ExecContext(ctx, m.Seq, r.createdAt, m.ConversationID); err != nil {
		return err
	}
	// What the update did, as the next read would see it.
	conv.LastSeq = m.Seq
	if at := time.Unix(0, r.createdAt.(int64)).UTC(); conv.UpdatedAt.IsZero() || at.After(conv.UpdatedAt) {
		conv.UpdatedAt = at
	}
	r.stored, r.conv, r.created = &m, conv, true
	return nil
}

// existing answers r when its insert stored nothing: with the message the
// sender already stored under the client message id, or with the reason
// (sql.ErrNoRows for an unknown conversation, insertErr for a taken
// message id). It returns the errors of its own queries.
func (r *appendRequest) existing(ctx context.Context, tx *sql.Tx, insertErr error) error {
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

// errCondition answers an AppendMessageIf whose conversation does not
// meet its condition.
var errCondition = fmt.Errorf("%w: the conversation does not meet the condition of the append", livechat.ErrConflict)

// apply stores r's read mark in tx and reads the mark now stored.
func (r *readMarkRequest) apply(ctx context.Context, tx *groupTx) error {
	m := r.mark
	if _, err := tx.stmt(ctx, stmtMarkUpsert).ExecContext(ctx, m.ConversationID, m.Participant, m.Seq, r.updatedAt); err != nil {
		return err
	}
	stored, err := scanReadMark(tx.stmt(ctx, stmtMarkSelect).QueryRowContext(ctx, m.ConversationID, m.Participant))
	switch {
	case err == nil:
		r.stored = stored
	case errors.Is(err, sql.ErrNoRows):
		r.err = err // no such conversation: the upsert stored nothing
	default:
		return err
	}
	return nil
}
