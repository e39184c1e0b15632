package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrSchemaTooNew means the schema was migrated by a newer version of this
// package: it has migrations this build does not know, so reading or
// writing it could lose data.
var ErrSchemaTooNew = errors.New("postgres: database schema is newer than this build")

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations is the parsed content of migrations/, in version order.
var migrations = mustParseMigrations(migrationFiles)

// migration is one file of migrations/, named NNNN_description.sql. Its
// version is the number; versions start at 1 and have no gaps. {schema} in
// its text stands for the Store's schema.
type migration struct {
	version int
	name    string
	sql     string
}

func mustParseMigrations(fsys fs.FS) []migration {
	ms, err := parseMigrations(fsys)
	if err != nil {
		panic("postgres: " + err.Error())
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

// migrate creates the schema when it is missing and applies the
// migrations it has not seen, recording each in its schema_migrations
// table. Everything runs in one transaction that first takes an advisory
// lock of the schema (pg_advisory_xact_lock), so nodes opening the same
// schema at once wait for each other and apply every migration exactly
// once; the lock ends with the transaction, so a failed open leaves
// neither a lock nor half a migration behind.
func (s *Store) migrate(ctx context.Context, schema string, ms []migration) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey("livechat migrate", schema)); err != nil {
			return fmt.Errorf("lock schema: %w", err)
		}
		// CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
		// database even when the schema exists; a host may have created it
		// for a role without that privilege.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
			return fmt.Errorf("look up schema: %w", err)
		}
		if !exists {
			if _, err := tx.Exec(ctx, s.q(`CREATE SCHEMA {schema}`)); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, s.q(`CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`)); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, s.q(`SELECT COALESCE(max(version), 0) FROM {schema}.schema_migrations`)).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > len(ms) {
			return fmt.Errorf("%w: version %d, this build knows up to %d", ErrSchemaTooNew, current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.Exec(ctx, s.q(m.sql)); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, s.q(`INSERT INTO {schema}.schema_migrations (version, name) VALUES ($1, $2)`),
				m.version, m.name); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}
