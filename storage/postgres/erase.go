package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// EraseVisitor deletes a visitor and everything of theirs in one
// transaction: their conversations, with which go messages, read marks,
// survey answers and file records (foreign keys ON DELETE CASCADE), their consent records
// made before consentsBefore, and the visitor. Erasing an unknown visitor
// deletes whatever is left of them and is not an error.
func (s *Store) EraseVisitor(ctx context.Context, visitorID string, consentsBefore time.Time) error {
	op := fmt.Sprintf("erase visitor %q", visitorID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	before := e.time(consentsBefore)
	if e.err != nil {
		return s.fail(op, e.err)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// The conversations' row locks first, in the order of their ids,
		// as a batch of appends takes them: the two never wait for each
		// other in a cycle.
		if _, err := tx.Exec(ctx, s.q(`SELECT id FROM {schema}.conversations WHERE visitor_id = $1 ORDER BY id FOR UPDATE`), visitorID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.q(`WITH
			conversations AS (DELETE FROM {schema}.conversations WHERE visitor_id = $1),
			consents AS (DELETE FROM {schema}.consents WHERE visitor_id = $1 AND (at IS NULL OR at < $2::timestamptz))
			DELETE FROM {schema}.visitors WHERE id = $1`), visitorID, before)
		return err
	})
	return s.fail(op, err)
}

// EraseContact deletes a contact and unlinks the visitors and consent
// records linked to it, in one statement. Returns livechat.ErrNotFound.
func (s *Store) EraseContact(ctx context.Context, contactID string) error {
	op := fmt.Sprintf("erase contact %q", contactID)
	if err := s.ready(); err != nil {
		return err
	}
	var found bool
	err := s.pool.QueryRow(ctx, s.q(`WITH
		contact AS (DELETE FROM {schema}.contacts WHERE id = $1 RETURNING id),
		visitors AS (UPDATE {schema}.visitors SET contact_id = '' WHERE contact_id = $1 AND EXISTS (SELECT 1 FROM contact)),
		consents AS (UPDATE {schema}.consents SET contact_id = '' WHERE contact_id = $1 AND EXISTS (SELECT 1 FROM contact))
		SELECT EXISTS (SELECT 1 FROM contact)`), contactID).Scan(&found)
	if err == nil && !found {
		err = pgx.ErrNoRows
	}
	return s.fail(op, err)
}
