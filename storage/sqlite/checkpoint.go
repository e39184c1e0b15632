package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointEvery is the shortest time between two checkpoints of the
// checkpointer.
const checkpointEvery = 20 * time.Millisecond

// autocheckpointFrames is the writer connection's wal_autocheckpoint: the
// size of the WAL, in pages, from which a commit copies the WAL back into
// the database itself, as SQLite does by default from 1,000 pages. While
// messages are appended the checkpointer keeps the WAL below it; it
// remains for the other writes.
const autocheckpointFrames = 8000

// checkpointer copies the WAL back into the database file on a connection
// of its own, after group commits and at most every checkpointEvery, so
// that a commit does not wait for the copy and its fsyncs. Its checkpoints
// are PASSIVE: they copy what no reader still needs and never wait. Once
// all of the WAL is copied, the next write starts it again from its
// beginning when no reader is still reading it.
type checkpointer struct {
	db     *sql.DB
	nudge  chan struct{}
	stop   chan struct{}
	exited chan struct{}
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, nudge: make(chan struct{}, 1), stop: make(chan struct{}), exited: make(chan struct{})}
	go c.run()
	return c
}

// wrote tells the checkpointer that a transaction has committed. It does
// not block.
func (c *checkpointer) wrote() {
	if c == nil {
		return
	}
	select {
	case c.nudge <- struct{}{}:
	default:
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
	pause := time.NewTimer(checkpointEvery)
	for {
		select {
		case <-c.stop:
			return
		case <-c.nudge:
		}
		c.checkpoint(ctx)
		pause.Reset(checkpointEvery)
		select {
		case <-c.stop:
			return
		case <-pause.C:
		}
	}
}

// checkpoint runs one checkpoint. Its errors (SQLITE_BUSY when another
// connection checkpoints) are left for the next one.
func (c *checkpointer) checkpoint(ctx context.Context) {
	c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`) //nolint:errcheck // see above
}
