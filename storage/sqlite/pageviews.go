package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/golivechat/livechat"
)

var _ livechat.PageViewRecorder = (*Store)(nil)

// AddPageView records a page view in the conversation and deletes all but
// its newest keep, in one write transaction. Returns livechat.ErrNotFound
// or livechat.ErrInvalid.
func (s *Store) AddPageView(ctx context.Context, conversationID string, p livechat.PageView, keep int) error {
	op := fmt.Sprintf("add page view to %q", conversationID)
	if keep < 1 {
		return s.fail(op, fmt.Errorf("keep %d page views: %w", keep, livechat.ErrInvalid))
	}
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	at := e.time(p.At)
	if e.err != nil {
		return s.fail(op, e.err)
	}
	return s.fail(op, s.writeTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, conversationID).Scan(&one); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO page_views (conversation_id, url, at) VALUES (?, ?, ?)`, conversationID, p.URL, at); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM page_views WHERE conversation_id = ? AND rowid <=
			(SELECT rowid FROM page_views WHERE conversation_id = ? ORDER BY rowid DESC LIMIT 1 OFFSET ?)`, conversationID, conversationID, keep)
		return err
	}))
}

// PageViews returns the conversation's page views, oldest first. Returns
// livechat.ErrNotFound.
func (s *Store) PageViews(ctx context.Context, conversationID string) ([]livechat.PageView, error) {
	op := fmt.Sprintf("page views of %q", conversationID)
	if err := s.ready(); err != nil {
		return nil, err
	}
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, conversationID).Scan(&one); err != nil {
		return nil, s.fail(op, err)
	}
	ps, err := queryAll(ctx, s.r, func(row rowScanner) (livechat.PageView, error) {
		var p livechat.PageView
		err := row.Scan(&p.URL, timeCol{&p.At})
		return p, err
	}, `SELECT url, at FROM page_views WHERE conversation_id = ? ORDER BY rowid`, conversationID)
	return ps, s.fail(op, err)
}
