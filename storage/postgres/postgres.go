package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/golivechat/livechat"
)

var _ livechat.Storage = (*Store)(nil)

// DefaultSchema is the schema a Store keeps its tables in unless
// [WithSchema] names another. A schema of its own keeps the chat's tables
// (visitors, agents, messages, ...) apart from the host's.
const DefaultSchema = "livechat"

// Store is a [livechat.Storage] kept in a PostgreSQL database, in the
// tables of one schema. It is safe for concurrent use, and several Stores
// — in one process or on several nodes — may share one schema: every
// guarantee of the interface (dense sequence numbers, idempotent appends,
// capacity-checked assignment, chatflow versions) is kept by the database,
// not by the process. Build it with [Open] or [New]; Close it when done.
type Store struct {
	pool    *pgxpool.Pool
	ownPool bool   // Close closes pool: it was made by Open
	schema  string // quoted identifier

	// sqlText turns a query written with {schema} into one for this
	// Store's schema.
	sqlText *strings.Replacer

	closed atomic.Bool
	now    func() time.Time

	// appends batches the conditional appends that callers start at once.
	appends appendBatcher
}

// Option configures [Open] and [New].
type Option func(*options)

type options struct {
	schema string
}

// WithSchema keeps the Store's tables in the named schema, created when it
// does not exist, instead of [DefaultSchema]. Deployments that share one
// database each use a schema of their own. The name must be a lower-case
// identifier: a letter or underscore, then letters, digits or underscores,
// at most 63 bytes.
func WithSchema(name string) Option {
	return func(o *options) { o.schema = name }
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func buildOptions(opts []Option) (options, error) {
	o := options{schema: DefaultSchema}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if !schemaName.MatchString(o.schema) || strings.HasPrefix(o.schema, "pg_") {
		return o, fmt.Errorf("postgres: schema name %q: %w: want a lower-case identifier not starting with pg_", o.schema, livechat.ErrInvalid)
	}
	return o, nil
}

// Open connects to the database at dsn (a URL such as
// "postgres://user@host:5432/db?sslmode=disable" or a key=value string, as
// libpq and pgx read it, including pool settings such as pool_max_conns),
// creates the schema when it does not exist and migrates it to the newest
// version this package knows. Close closes the connections.
//
// Nodes that start together may open the same schema at once: migrations
// run under a lock of that schema, each exactly once. Opening a schema
// migrated by a newer version of this package fails with
// [ErrSchemaTooNew].
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s, err := newStore(ctx, pool, true, o)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// New is [Open] on a pool the host already has. The Store borrows the
// pool: its Close leaves the pool open for the host to close, after the
// Store.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, fmt.Errorf("postgres: nil pool: %w", livechat.ErrInvalid)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return newStore(ctx, pool, false, o)
}

func newStore(ctx context.Context, pool *pgxpool.Pool, own bool, o options) (*Store, error) {
	quoted := `"` + o.schema + `"`
	s := &Store{
		pool:    pool,
		ownPool: own,
		schema:  quoted,
		sqlText: strings.NewReplacer("{schema}", quoted),
		now:     time.Now,
	}
	if err := s.migrate(ctx, o.schema, migrations); err != nil {
		return nil, fmt.Errorf("postgres: open schema %s: %w", quoted, err)
	}
	return s, nil
}

// Close closes the Store: later calls to its methods return an error
// wrapping [livechat.ErrClosed]. A Store made by [Open] closes its
// connections, waiting for the calls in progress; one made by [New] leaves
// the host's pool open. Close is idempotent.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

var errClosed = fmt.Errorf("postgres: %w", livechat.ErrClosed)

// ready returns an error when the Store is closed.
func (s *Store) ready() error {
	if s.closed.Load() {
		return errClosed
	}
	return nil
}

// q returns the query for this Store's schema.
func (s *Store) q(query string) string { return s.sqlText.Replace(query) }

// PostgreSQL error codes the Store maps to the domain's sentinels.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	classDataException      = "22" // bad values: out of range, invalid encoding, NUL in text
)

// fail wraps err with the operation and maps database errors onto the
// domain sentinels: no row is livechat.ErrNotFound, a unique violation
// livechat.ErrConflict, a foreign key violation (a row of a missing
// conversation) livechat.ErrNotFound, a value the database cannot store
// livechat.ErrInvalid, and any failure after Close livechat.ErrClosed. The
// driver's error is kept as text where a sentinel is the point.
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, livechat.ErrNotFound)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == codeUniqueViolation:
			return fmt.Errorf("postgres: %s: %w (%v)", op, livechat.ErrConflict, pe)
		case pe.Code == codeForeignKeyViolation:
			return fmt.Errorf("postgres: %s: %w (%v)", op, livechat.ErrNotFound, pe)
		case strings.HasPrefix(pe.Code, classDataException):
			return fmt.Errorf("postgres: %s: %w (%v)", op, livechat.ErrInvalid, pe)
		}
	}
	if s.closed.Load() && !errors.Is(err, livechat.ErrClosed) {
		return fmt.Errorf("postgres: %s: %w (%v)", op, livechat.ErrClosed, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// uniqueViolationOf reports whether err is a violation of the named unique
// constraint or index.
func uniqueViolationOf(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == codeUniqueViolation && pe.ConstraintName == constraint
}

// querier is *pgxpool.Pool or pgx.Tx.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// tx runs fn in a READ COMMITTED transaction and commits it when fn
// succeeds. Writers that must not interleave take row locks or a
// transaction-scoped advisory lock inside fn.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// queryAll runs query and scans every row with scan. It returns an empty,
// non-nil slice when no row matches.
func queryAll[T any](ctx context.Context, db querier, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// mustAffect turns a command that changed no row into pgx.ErrNoRows, which
// the Store reports as livechat.ErrNotFound.
func mustAffect(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return pgx.ErrNoRows
	}
	return nil
}

func nilArg(kind string) error {
	return fmt.Errorf("postgres: nil %s: %w", kind, livechat.ErrInvalid)
}

// validID rejects an empty id: the database would take it, but it is
// never a valid record.
func validID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty %s id", livechat.ErrInvalid, kind)
	}
	return nil
}

// lockKey names a PostgreSQL advisory lock: the 64-bit FNV-1a hash of
// the parts. Locks of different purposes, schemas or agents differ in
// their parts; a collision only makes two callers wait for each other.
func lockKey(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// Times are stored as timestamptz, to the microsecond; the zero time is
// NULL. The years are limited to 1 through 9999, the years that RFC 3339
// and JSON times can carry.
var (
	minTime = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(10000, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// encoder turns domain values into query arguments, keeping the first
// error so that a statement's arguments can be built in one expression.
type encoder struct{ err error }

func (e *encoder) time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if t.Before(minTime) || !t.Before(maxTime) {
		if e.err == nil {
			e.err = fmt.Errorf("%w: time %s is outside the years 1 to 9999", livechat.ErrInvalid, t)
		}
		return nil
	}
	return t
}

// json encodes v as JSON text for a jsonb column ("null" for a nil map).
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

// timeCol scans a timestamptz column into t: NULL is the zero time, any
// other value comes back in UTC.
type timeCol struct{ t *time.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*c.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return fmt.Errorf("timestamptz column holds %s", v.InfinityModifier)
	default:
		*c.t = v.Time.UTC()
	}
	return nil
}
