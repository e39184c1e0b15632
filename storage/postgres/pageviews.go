package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

var _ livechat.PageViewRecorder = (*Store)(nil)

// AddPageView records a page view in the conversation and deletes all but
// its newest keep, in one transaction. Returns livechat.ErrNotFound or
// livechat.ErrInvalid.
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
	return s.fail(op, s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, s.q(`INSERT INTO {schema}.page_views (conversation_id, url, at) VALUES ($1, $2, $3)`), conversationID, p.URL, at); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.q(`DELETE FROM {schema}.page_views WHERE conversation_id = $1 AND id <=
			(SELECT id FROM {schema}.page_views WHERE conversation_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`), conversationID, keep)
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
	var found bool
	if err := s.pool.QueryRow(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM {schema}.conversations WHERE id = $1)`), conversationID).Scan(&found); err != nil {
		return nil, s.fail(op, err)
	}
	if !found {
		return nil, s.fail(op, pgx.ErrNoRows)
	}
	rows, err := s.pool.Query(ctx, s.q(`SELECT url, at FROM {schema}.page_views WHERE conversation_id = $1 ORDER BY id`), conversationID)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []livechat.PageView{}
	for rows.Next() {
		var p livechat.PageView
		if err := rows.Scan(&p.URL, timeCol{&p.At}); err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, p)
	}
	return out, s.fail(op, rows.Err())
}
