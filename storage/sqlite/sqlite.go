package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golivechat/livechat"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ livechat.Storage = (*Store)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// connection or process before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Store is a [livechat.Storage] kept in one SQLite database file. It is
// safe for concurrent use. Build it with [Open]; Close it when done.
type Store struct {
	// w is the only connection that writes. One writer means writes queue
	// in database/sql, honouring their contexts, instead of failing with
	// SQLITE_BUSY; BEGIN IMMEDIATE takes the write lock up front so that a
	// transaction never has to upgrade a read lock another process holds.
	w *sql.DB
	// r is a pool of query-only connections. In WAL mode readers see the
	// last committed state and neither block nor are blocked by the
	// writer. For an in-memory database r is w.
	r *sql.DB
	// group runs AppendMessage in group transactions on w.
	group *committer
	// ckpt checkpoints the WAL off the writer's path; nil for an
	// in-memory database.
	ckpt *checkpointer
	// conversation is conversationByID prepared on r: conversations are
	// read often (AppendMessageIf reads one on w instead).
	conversation *sql.Stmt

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	now func() time.Time
}

// Open opens the SQLite database at path, creating the file when it does
// not exist, and migrates its schema to the newest version this package
// knows. The path is a file name, not a URI; the special name ":memory:"
// opens a private in-memory database that lives until Close, served by a
// single connection.
//
// The database runs in WAL mode with synchronous=NORMAL: a crash of the
// process loses nothing committed, a power failure may lose the last
// transactions but never corrupts the file. Opening a database migrated
// by a newer version of this package fails with [ErrSchemaTooNew].
func Open(path string) (*Store, error) {
	return OpenContext(context.Background(), path)
}

// OpenContext is [Open] with a context bounding the connection and the
// migrations.
func OpenContext(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if strings.ContainsRune(path, '?') {
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("sqlite: database path %q contains '?'", path)
	}
	params := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", busyTimeout.Milliseconds())

	w, err := sql.Open("sqlite", path+"?"+params+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"+
		fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", autocheckpointFrames))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0) // an in-memory database lives as long as its connection
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: w, now: time.Now}

	if err := migrateWhenFree(ctx, w, migrations); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if path != ":memory:" {
		r, err := sql.Open("sqlite", path+"?"+params+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
		r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
		if err := r.PingContext(ctx); err != nil {
			r.Close()
			w.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		s.r = r
		c, err := sql.Open("sqlite", path+"?"+params)
		if err != nil {
			r.Close()
			w.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		c.SetMaxOpenConns(1)
		s.ckpt = newCheckpointer(c, checkpointEvery, checkpointWrites)
	}
	if s.conversation, err = s.r.PrepareContext(ctx, conversationByID); err != nil {
		s.ckpt.close()
		if s.r != w {
			s.r.Close()
		}
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if s.group, err = newCommitter(ctx, w, s.ckpt); err != nil {
		s.conversation.Close()
		s.ckpt.close()
		if s.r != w {
			s.r.Close()
		}
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// Close waits for the operations in progress, commits the appends already
// queued for a group transaction, and closes the database. Later calls to the Store's methods return an error wrapping
// [livechat.ErrClosed]. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.group.stop()
		s.conversation.Close()
		errC := s.ckpt.close()
		var errR error
		if s.r != s.w {
			errR = s.r.Close()
		}
		s.closeErr = errors.Join(errC, errR, s.w.Close())
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("sqlite: close: %w", s.closeErr)
		}
	})
	return s.closeErr
}

var errClosed = fmt.Errorf("sqlite: %w", livechat.ErrClosed)

// ready returns an error when the Store is closed. Checking first gives a
// clean ErrClosed instead of database/sql's unexported "database is closed".
func (s *Store) ready() error {
	if s.closed.Load() {
		return errClosed
	}
	return nil
}

// fail wraps err with the operation and maps driver errors onto the domain
// sentinels: a unique or primary key violation is livechat.ErrConflict,
// sql.ErrNoRows is livechat.ErrNotFound, any failure after Close is
// livechat.ErrClosed.
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, livechat.ErrNotFound)
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("sqlite: %s: %w (%v)", op, livechat.ErrConflict, err)
	}
	if s.closed.Load() && !errors.Is(err, livechat.ErrClosed) {
		return fmt.Errorf("sqlite: %s: %w (%v)", op, livechat.ErrClosed, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// migrateWhenFree migrates, trying again for up to busyTimeout while the
// file is busy. Setting up a connection (journal_mode=WAL on a new file)
// can report SQLITE_BUSY at once, without the busy timeout, while another
// connection or process opens the same file.
func migrateWhenFree(ctx context.Context, db *sql.DB, ms []migration) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := migrate(ctx, db, ms)
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// writeTx runs fn in a write transaction and commits it when fn succeeds,
// telling the checkpointer of the commit.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE, from _txlock
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.ckpt.wrote(1)
	return nil
}

// exec runs one write statement outside the committer's groups. Like
// writeTx, it tells the checkpointer of the commit, so that the write
// reaches the disk within checkpointEvery, as grouped writes do.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err == nil {
		s.ckpt.wrote(1)
	}
	return res, err
}

// readTx runs fn in a read transaction: every query in fn sees the same
// snapshot.
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to commit
	return fn(tx)
}

func nilArg(kind string) error {
	return fmt.Errorf("sqlite: nil %s: %w", kind, livechat.ErrInvalid)
}

// validID rejects an empty id: it would be a valid key for SQLite but is
// never a valid record.
func validID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty %s id", livechat.ErrInvalid, kind)
	}
	return nil
}

// Times are stored as INTEGER unix nanoseconds, which sort and compare in
// SQL and keep full precision. That covers the years 1677 to 2262; the
// zero time is NULL.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// encoder turns domain values into column values, keeping the first error
// so that a statement's arguments can be built in one expression.
type encoder struct{ err error }

func (e *encoder) time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		if e.err == nil {
			e.err = fmt.Errorf("%w: time %s is outside the years 1677 to 2262", livechat.ErrInvalid, t)
		}
		return nil
	}
	return t.UnixNano()
}

func (e *encoder) json(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		if e.err == nil {
			e.err = fmt.Errorf("encode %T: %w", v, err)
		}
		return nil
	}
	return string(b)
}

// timeCol scans a time column into t.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.Unix(0, v).UTC()
	default:
		return fmt.Errorf("time column holds %T, want INTEGER", src)
	}
	return nil
}

// jsonCol scans a JSON text column into dst, a pointer.
type jsonCol struct{ dst any }

// Scan implements sql.Scanner.
func (c jsonCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(v), c.dst)
	case []byte:
		return json.Unmarshal(v, c.dst)
	default:
		return fmt.Errorf("JSON column holds %T, want TEXT", src)
	}
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}
