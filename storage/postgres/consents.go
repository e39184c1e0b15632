package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

// AddConsent stores a consent record. Returns livechat.ErrConflict when the
// ID is taken.
func (s *Store) AddConsent(ctx context.Context, r *livechat.ConsentRecord) error {
	if r == nil {
		return nilArg("consent record")
	}
	op := fmt.Sprintf("add consent %q", r.ID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	at := e.time(r.At)
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.consents (id, visitor_id, contact_id, kind, granted, text_hash, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`), r.ID, r.VisitorID, r.ContactID, r.Kind, r.Granted, r.TextHash, at)
	return s.fail(op, err)
}

// Consents returns a visitor's consent records, oldest first; records of
// the same instant in the order they were added.
func (s *Store) Consents(ctx context.Context, visitorID string) ([]*livechat.ConsentRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	rs, err := queryAll(ctx, s.pool, func(row pgx.Row) (*livechat.ConsentRecord, error) {
		r := new(livechat.ConsentRecord)
		err := row.Scan(&r.ID, &r.VisitorID, &r.ContactID, &r.Kind, &r.Granted, &r.TextHash, timeCol{&r.At})
		return r, err
	}, s.q(`SELECT id, visitor_id, contact_id, kind, granted, text_hash, at FROM {schema}.consents
		WHERE visitor_id = $1 ORDER BY at NULLS FIRST, pos`), visitorID)
	return rs, s.fail("consents", err)
}
