package sqlite

import (
	"context"
	"fmt"

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
	_, err := s.exec(ctx, `INSERT INTO consents (id, visitor_id, contact_id, kind, granted, text_hash, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, r.VisitorID, r.ContactID, r.Kind, r.Granted, r.TextHash, at)
	return s.fail(op, err)
}

// Consents returns a visitor's consent records, oldest first.
func (s *Store) Consents(ctx context.Context, visitorID string) ([]*livechat.ConsentRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	rs, err := queryAll(ctx, s.r, func(row rowScanner) (*livechat.ConsentRecord, error) {
		r := new(livechat.ConsentRecord)
		err := row.Scan(&r.ID, &r.VisitorID, &r.ContactID, &r.Kind, &r.Granted, &r.TextHash, timeCol{&r.At})
		return r, err
	}, `SELECT id, visitor_id, contact_id, kind, granted, text_hash, at FROM consents
		WHERE visitor_id = ? ORDER BY at, rowid`, visitorID)
	if rs == nil && err == nil {
		rs = []*livechat.ConsentRecord{}
	}
	return rs, s.fail("consents", err)
}
