package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/sqlite"
)

// Store is a livechat.Storage that keeps the people the chat meets in the
// host's own tables, beside its users: visitors in support_visitors,
// contacts in support_contacts and consent records in support_consents,
// read and written with the host's own *sql.DB. Everything else
// (conversations, messages, read marks, surveys, files, agents, teams and
// chatflows) stays in storage/sqlite's schema in the same database file,
// through the embedded *sqlite.Store, whose optional capabilities
// (livechat.ConditionalAppender, livechat.TeamDeleter, ...) it keeps.
//
// It passes storagetest.Run (store_test.go).
type Store struct {
	*sqlite.Store
	db     *sql.DB
	closed atomic.Bool
}

// hostSchema is the host's tables for the chat's people. A host that
// already has a customers table would link support_contacts to it.
const hostSchema = `
CREATE TABLE IF NOT EXISTS support_visitors (
	id           TEXT PRIMARY KEY,
	contact_id   TEXT NOT NULL DEFAULT '',
	language     TEXT NOT NULL DEFAULT '',
	page_url     TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER,
	last_seen_at INTEGER
);
CREATE INDEX IF NOT EXISTS support_visitors_contact ON support_visitors (contact_id);
CREATE TABLE IF NOT EXISTS support_contacts (
	id           TEXT PRIMARY KEY,
	email        TEXT NOT NULL DEFAULT '',
	email_key    TEXT NOT NULL DEFAULT '', -- lower(email), unique when set
	name         TEXT NOT NULL DEFAULT '',
	verified     INTEGER NOT NULL DEFAULT 0,
	owner_id     TEXT NOT NULL DEFAULT '',
	properties   TEXT NOT NULL DEFAULT '{}',
	created_at   INTEGER,
	updated_at   INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS support_contacts_email ON support_contacts (email_key) WHERE email_key <> '';
CREATE TABLE IF NOT EXISTS support_consents (
	id           TEXT PRIMARY KEY,
	visitor_id   TEXT NOT NULL,
	contact_id   TEXT NOT NULL DEFAULT '',
	kind         TEXT NOT NULL,
	granted      INTEGER NOT NULL,
	text_hash    TEXT NOT NULL,
	at           INTEGER,
	seq          INTEGER NOT NULL -- the order records were added in
);
CREATE INDEX IF NOT EXISTS support_consents_visitor ON support_consents (visitor_id, seq);
`

// Open opens (creating when needed) the database file at path: the host's
// tables above, and storage/sqlite's schema beside them.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, hostSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("customstore: create tables: %w", err)
	}
	inner, err := sqlite.OpenContext(ctx, path)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{Store: inner, db: db}, nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return errors.Join(s.Store.Close(), s.db.Close())
}

// ready returns livechat.ErrClosed once the store is closed.
func (s *Store) ready() error {
	if s.closed.Load() {
		return fmt.Errorf("customstore: %w", livechat.ErrClosed)
	}
	return nil
}

// fail wraps a database error with what was being done, mapping a unique
// constraint to livechat.ErrConflict.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("customstore: %s: %w", op, livechat.ErrConflict)
	}
	if errors.Is(err, livechat.ErrNotFound) || errors.Is(err, livechat.ErrConflict) {
		return fmt.Errorf("customstore: %s: %w", op, err)
	}
	return fmt.Errorf("customstore: %s: %v", op, err)
}

func notFound(op string) error { return fmt.Errorf("customstore: %s: %w", op, livechat.ErrNotFound) }

func nilArg(kind string) error {
	return fmt.Errorf("customstore: nil %s: %w", kind, livechat.ErrInvalid)
}

// Times are stored as Unix nanoseconds, the zero time as NULL.
func unixNano(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func fromNano(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// mustAffect turns an update of no row into livechat.ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return livechat.ErrNotFound
	}
	return nil
}

// CreateVisitor stores a new visitor. Returns livechat.ErrConflict if the
// ID is taken.
func (s *Store) CreateVisitor(ctx context.Context, v *livechat.Visitor) error {
	if v == nil {
		return nilArg("visitor")
	}
	if err := s.ready(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO support_visitors (id, contact_id, language, page_url, user_agent, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.ContactID, v.Language, v.PageURL, v.UserAgent, unixNano(v.CreatedAt), unixNano(v.LastSeenAt))
	return fail("create visitor", err)
}

// Visitor returns the visitor with the id. Returns livechat.ErrNotFound.
func (s *Store) Visitor(ctx context.Context, id string) (*livechat.Visitor, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	v := &livechat.Visitor{}
	var created, seen sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, contact_id, language, page_url, user_agent, created_at, last_seen_at FROM support_visitors WHERE id = ?`, id).
		Scan(&v.ID, &v.ContactID, &v.Language, &v.PageURL, &v.UserAgent, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("visitor")
	}
	if err != nil {
		return nil, fail("visitor", err)
	}
	v.CreatedAt, v.LastSeenAt = fromNano(created), fromNano(seen)
	return v, nil
}

// UpdateVisitor replaces a stored visitor. Returns livechat.ErrNotFound.
func (s *Store) UpdateVisitor(ctx context.Context, v *livechat.Visitor) error {
	if v == nil {
		return nilArg("visitor")
	}
	if err := s.ready(); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE support_visitors SET contact_id = ?, language = ?, page_url = ?, user_agent = ?, created_at = ?, last_seen_at = ? WHERE id = ?`,
		v.ContactID, v.Language, v.PageURL, v.UserAgent, unixNano(v.CreatedAt), unixNano(v.LastSeenAt), v.ID)
	return fail("update visitor", mustAffect(res, err))
}

// CreateContact stores a new contact. Returns livechat.ErrConflict if the
// ID is taken or another contact has the same email, compared
// case-insensitively.
func (s *Store) CreateContact(ctx context.Context, c *livechat.Contact) error {
	if c == nil {
		return nilArg("contact")
	}
	if err := s.ready(); err != nil {
		return err
	}
	props, err := json.Marshal(c.Properties)
	if err != nil {
		return fail("create contact", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO support_contacts (id, email, email_key, name, verified, owner_id, properties, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Email, strings.ToLower(c.Email), c.Name, c.Verified, c.OwnerID, string(props), unixNano(c.CreatedAt), unixNano(c.UpdatedAt))
	return fail("create contact", err)
}

const contactColumns = `id, email, name, verified, owner_id, properties, created_at, updated_at`

func scanContact(row *sql.Row) (*livechat.Contact, error) {
	c := &livechat.Contact{}
	var props string
	var created, updated sql.NullInt64
	if err := row.Scan(&c.ID, &c.Email, &c.Name, &c.Verified, &c.OwnerID, &props, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, livechat.ErrNotFound
		}
		return nil, err
	}
	if err := json.Unmarshal([]byte(props), &c.Properties); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromNano(created), fromNano(updated)
	return c, nil
}

// Contact returns the contact with the id. Returns livechat.ErrNotFound.
func (s *Store) Contact(ctx context.Context, id string) (*livechat.Contact, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	c, err := scanContact(s.db.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM support_contacts WHERE id = ?`, id))
	return c, fail("contact", err)
}

// ContactByEmail finds a contact by email, case-insensitively. Returns
// livechat.ErrNotFound.
func (s *Store) ContactByEmail(ctx context.Context, email string) (*livechat.Contact, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if email == "" {
		return nil, notFound("contact by email")
	}
	c, err := scanContact(s.db.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM support_contacts WHERE email_key = ?`, strings.ToLower(email)))
	return c, fail("contact by email", err)
}

// UpdateContact replaces a stored contact. Returns livechat.ErrNotFound,
// or livechat.ErrConflict if the new email belongs to another contact.
func (s *Store) UpdateContact(ctx context.Context, c *livechat.Contact) error {
	if c == nil {
		return nilArg("contact")
	}
	if err := s.ready(); err != nil {
		return err
	}
	props, err := json.Marshal(c.Properties)
	if err != nil {
		return fail("update contact", err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE support_contacts SET email = ?, email_key = ?, name = ?, verified = ?, owner_id = ?, properties = ?, created_at = ?, updated_at = ? WHERE id = ?`,
		c.Email, strings.ToLower(c.Email), c.Name, c.Verified, c.OwnerID, string(props), unixNano(c.CreatedAt), unixNano(c.UpdatedAt), c.ID)
	return fail("update contact", mustAffect(res, err))
}

// AddConsent stores a consent record. Returns livechat.ErrConflict if its
// ID is taken.
func (s *Store) AddConsent(ctx context.Context, r *livechat.ConsentRecord) error {
	if r == nil {
		return nilArg("consent record")
	}
	if err := s.ready(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO support_consents (id, visitor_id, contact_id, kind, granted, text_hash, at, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM support_consents))`,
		r.ID, r.VisitorID, r.ContactID, r.Kind, r.Granted, r.TextHash, unixNano(r.At))
	return fail("add consent", err)
}

// Consents returns a visitor's consent records, oldest first.
func (s *Store) Consents(ctx context.Context, visitorID string) ([]*livechat.ConsentRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, visitor_id, contact_id, kind, granted, text_hash, at FROM support_consents WHERE visitor_id = ? ORDER BY seq`, visitorID)
	if err != nil {
		return nil, fail("consents", err)
	}
	defer rows.Close()
	out := []*livechat.ConsentRecord{}
	for rows.Next() {
		r := &livechat.ConsentRecord{}
		var at sql.NullInt64
		if err := rows.Scan(&r.ID, &r.VisitorID, &r.ContactID, &r.Kind, &r.Granted, &r.TextHash, &at); err != nil {
			return nil, fail("consents", err)
		}
		r.At = fromNano(at)
		out = append(out, r)
	}
	return out, fail("consents", rows.Err())
}

// EraseVisitor deletes a visitor and everything of theirs: the visitor and
// their consent records made before consentsBefore from the host's tables,
// their conversations with all that belongs to them from the chat's.
func (s *Store) EraseVisitor(ctx context.Context, visitorID string, consentsBefore time.Time) error {
	if err := s.ready(); err != nil {
		return err
	}
	// The conversations first: should the second step fail, the visitor
	// is still there to erase again.
	if err := s.Store.EraseVisitor(ctx, visitorID, consentsBefore); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fail("erase visitor", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM support_consents WHERE visitor_id = ? AND (at IS NULL OR at < ?)`, visitorID, consentsBefore.UnixNano()); err != nil {
		return fail("erase visitor", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM support_visitors WHERE id = ?`, visitorID); err != nil {
		return fail("erase visitor", err)
	}
	return fail("erase visitor", tx.Commit())
}

// EraseContact deletes a contact and unlinks the visitors and consent
// records linked to it. Returns livechat.ErrNotFound.
func (s *Store) EraseContact(ctx context.Context, contactID string) error {
	if err := s.ready(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fail("erase contact", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM support_contacts WHERE id = ?`, contactID)
	if err := mustAffect(res, err); err != nil {
		return fail("erase contact", err)
	}
	for _, q := range []string{
		`UPDATE support_visitors SET contact_id = '' WHERE contact_id = ?`,
		`UPDATE support_consents SET contact_id = '' WHERE contact_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, contactID); err != nil {
			return fail("erase contact", err)
		}
	}
	return fail("erase contact", tx.Commit())
}

var _ livechat.Storage = (*Store)(nil)
