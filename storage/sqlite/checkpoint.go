package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointEvery is the shortest time between two checkpoints of the
// checkpointer.
const checkpointEvery = 20 * time.Millisecond

// restartFrames is the size of the WAL, in pages, from which the
// checkpointer also waits for the readers to move on so that the next
// write starts the WAL again from its beginning.
const restartFrames = 4000

// autocheckpointFrames is the writer connection's wal_autocheckpoint: the
// size of the WAL, in pages, from which a commit copies the WAL back into
// the database itself. The checkpointer keeps the WAL below it while
// messages are appended; it remains for the other writes.
const autocheckpointFrames = 2 * restartFrames

// checkpointer copies the WAL back into the database file on a connection
// of its own, after group commits and at most every checkpointEvery, so
// that a commit does not wait for the copy and its fsyncs. A PASSIVE
// checkpoint copies what no reader still needs; when the WAL has grown
// past restartFrames because readers always overlapped, a RESTART
// checkpoint waits (holding back writers) for the readers of older
// snapshots to finish, which bounds the WAL.
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel() // ends a RESTART waiting for readers
		case <-ctx.Done():
		}
	}()
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
	var busy, frames, copied int
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return
	}
	if frames >= restartFrames {
		c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &frames, &copied) //nolint:errcheck // as above
	}
}
