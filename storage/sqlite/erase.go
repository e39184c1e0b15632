package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EraseVisitor deletes a visitor and everything of theirs in one write
// transaction; messages, read marks and surveys go with their
// conversations.
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
	return s.fail(op, s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM surveys WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?)`, []any{visitorID}},
			{`DELETE FROM files WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?)`, []any{visitorID}},
			{`DELETE FROM page_views WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?)`, []any{visitorID}},
			{`DELETE FROM conversations WHERE visitor_id = ?`, []any{visitorID}},
			{`DELETE FROM consents WHERE visitor_id = ? AND (at IS NULL OR at < ?)`, []any{visitorID, before}},
			{`DELETE FROM visitors WHERE id = ?`, []any{visitorID}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}))
}

// EraseContact deletes a contact and unlinks its visitors. Returns
// livechat.ErrNotFound.
func (s *Store) EraseContact(ctx context.Context, contactID string) error {
	op := fmt.Sprintf("erase contact %q", contactID)
	if err := s.ready(); err != nil {
		return err
	}
	return s.fail(op, s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = ?`, contactID)
		if err := mustAffect(res, err); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE visitors SET contact_id = '' WHERE contact_id = ?`, contactID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE consents SET contact_id = '' WHERE contact_id = ?`, contactID)
		return err
	}))
}
