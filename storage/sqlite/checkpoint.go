package sqlite

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// checkpointEvery is the longest a write grouped by the committer waits
// in the WAL for the checkpointer: the time from the first such write
// after a checkpoint to the next checkpoint.
const checkpointEvery = 500 * time.Millisecond

// checkpointWrites is the number of grouped writes (appends and read
// marks) after which the checkpointer checkpoints without waiting for
// checkpointEvery. An append adds about two pages to the WAL when its
// group holds many (the pages of its own conversation) and up to about a
// dozen when it commits alone, so that is some 8 MB of WAL for appends in
// large groups; the writer's own checkpoint at autocheckpointFrames
// bounds it for small ones.
const checkpointWrites = 1024

// autocheckpointFrames is the writer connection's wal_autocheckpoint: the
// size of the WAL, in pages, from which a commit copies the WAL back into
// the database itself, as SQLite does by default from 1,000 pages. While
// messages are appended the checkpointer keeps the WAL below it; it
// remains for the other writes.
const autocheckpointFrames = 8000

// checkpointer copies the WAL back into the database file on a connection
// of its own, once checkpointWrites grouped writes have committed since
// its last checkpoint or checkpointEvery after the first of them, so that
// a commit does not wait for the copy and its fsyncs. A page that many
// commits rewrite in that time (the last page of a conversation's
// messages, of an index, of the conversations) is copied once. Its
// checkpoints are PASSIVE: they copy what no reader still needs and never
// wait. Once all of the WAL is copied, the next write starts it again
// from its beginning when no reader is still reading it.
type checkpointer struct {
	db *sql.DB
	// every and writes are checkpointEvery and checkpointWrites, but
	// for tests.
	every  time.Duration
	writes int64
	// written counts the grouped writes committed since the last
	// checkpoint began; checkpoints counts the checkpoints run, for
	// tests.
	written, checkpoints atomic.Int64
	nudge                chan struct{}
	stop                 chan struct{}
	exited               chan struct{}
}

// newCheckpointer starts a checkpointer on db that checkpoints once
// writes grouped writes have committed, or every after the first of them.
func newCheckpointer(db *sql.DB, every time.Duration, writes int64) *checkpointer {
	c := &checkpointer{db: db, every: every, writes: writes,
		nudge: make(chan struct{}, 1), stop: make(chan struct{}), exited: make(chan struct{})}
	go c.run()
	return c
}

// wrote tells the checkpointer that a transaction of n grouped writes has
// committed. It does not block.
func (c *checkpointer) wrote(n int) {
	if c == nil || n <= 0 {
		return
	}
	total := c.written.Add(int64(n))
	if before := total - int64(n); before == 0 || (before < c.writes && total >= c.writes) {
		select {
		case c.nudge <- struct{}{}:
		default:
		}
	}
}

// close stops the checkpointer and closes its connection. The WAL is
// left to SQLite, which checkpoints it when the last connection closes.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	<-c.exited
	return c.db.Close()
}

func (c *checkpointer) run() {
	defer close(c.exited)
	ctx := context.Background()
	wait := time.NewTimer(c.every)
	wait.Stop()
	for {
		// The first write since the last checkpoint.
		select {
		case <-c.stop:
			return
		case <-c.nudge:
		}
		if c.written.Load() < c.writes {
			wait.Reset(c.every)
		waiting:
			for {
				select {
				case <-c.stop:
					wait.Stop()
					return
				case <-wait.C:
					break waiting
				case <-c.nudge:
					if c.written.Load() >= c.writes {
						wait.Stop()
						break waiting
					}
				}
			}
		}
		// Writes that commit from here on are counted for the next
		// checkpoint, even when this one copies them.
		c.written.Store(0)
		c.checkpoint(ctx)
	}
}

// checkpoint runs one checkpoint. Its errors (SQLITE_BUSY when another
// connection checkpoints) are left for the next one.
func (c *checkpointer) checkpoint(ctx context.Context) {
	c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`) //nolint:errcheck // see above
	c.checkpoints.Add(1)
}
