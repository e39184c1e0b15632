package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrSchemaTooNew means the database was migrated by a newer version of
// this package: its schema has migrations this build does not know, so
// reading or writing it could lose data.
var ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this build")

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations is the parsed content of migrations/, in version order.
var migrations = mustParseMigrations(migrationFiles)

// migration is one file of migrations/, named NNNN_description.sql. Its
// version is the number; versions start at 1 and have no gaps.
type migration struct {
	version int
	name    string
	sql     string
}

func mustParseMigrations(fsys fs.FS) []migration {
	ms, err := parseMigrations(fsys)
	if err != nil {
		panic("sqlite: " + err.Error())
	}
	return ms
}

func parseMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations db has not seen, each in its own write
// transaction, and records them in schema_migrations. Because the version
// is read inside each transaction, processes opening the same file at once
// apply every migration exactly once.
func migrate(ctx context.Context, db *sql.DB, ms []migration) error {
	for {
		done, err := migrateOne(ctx, db, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next pending migration and reports whether the
// schema is up to date.
func migrateOne(ctx context.Context, db *sql.DB, ms []migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case current > len(ms):
		return false, fmt.Errorf("%w: version %d, this build knows up to %d", ErrSchemaTooNew, current, len(ms))
	case current == len(ms):
		return true, tx.Commit()
	}
	m := ms[current]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixNano()); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	return false, nil
}
