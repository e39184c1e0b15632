package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/golivechat/livechat"
)

const chatflowColumns = `id, version, data, updated_at`

func scanChatflow(row rowScanner) (*livechat.ChatflowRecord, error) {
	rec := new(livechat.ChatflowRecord)
	var data []byte
	if err := row.Scan(&rec.ID, &rec.Version, &data, timeCol{&rec.UpdatedAt}); err != nil {
		return nil, err
	}
	if data != nil {
		rec.Data = data
	}
	return rec, nil
}

// Chatflows returns every stored chatflow, ordered by ID.
func (s *Store) Chatflows(ctx context.Context) ([]*livechat.ChatflowRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	recs, err := queryAll(ctx, s.r, scanChatflow, `SELECT `+chatflowColumns+` FROM chatflows ORDER BY id`)
	return recs, s.fail("chatflows", err)
}

// Chatflow returns one chatflow. Returns livechat.ErrNotFound.
func (s *Store) Chatflow(ctx context.Context, id string) (*livechat.ChatflowRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	rec, err := scanChatflow(s.r.QueryRowContext(ctx, `SELECT `+chatflowColumns+` FROM chatflows WHERE id = ?`, id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("chatflow %q", id), err)
	}
	return rec, nil
}

// PutChatflow creates the chatflow with Version 1 when version is 0, or
// updates it to version+1 when version is the stored version, and returns
// the stored record; rec is not modified. Data and UpdatedAt are stored
// as given, Data byte for byte. Returns livechat.ErrConflict when version is
// 0 and the ID exists or when version is stale, and livechat.ErrNotFound
// when version is not 0 and the ID does not exist.
func (s *Store) PutChatflow(ctx context.Context, rec *livechat.ChatflowRecord, version int64) (*livechat.ChatflowRecord, error) {
	if rec == nil {
		return nil, nilArg("chatflow")
	}
	op := fmt.Sprintf("put chatflow %q at version %d", rec.ID, version)
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := validID("chatflow", rec.ID); err != nil {
		return nil, s.fail(op, err)
	}
	out := &livechat.ChatflowRecord{ID: rec.ID, Version: version + 1, UpdatedAt: rec.UpdatedAt}
	if rec.Data != nil {
		out.Data = append([]byte{}, rec.Data...) // the caller keeps its slice
	}
	var e encoder
	updatedAt := e.time(out.UpdatedAt)
	if e.err != nil {
		return nil, s.fail(op, e.err)
	}
	var data any // NULL for nil Data, a BLOB otherwise
	if out.Data != nil {
		data = []byte(out.Data)
	}

	if version == 0 {
		_, err := s.exec(ctx, `INSERT INTO chatflows (`+chatflowColumns+`) VALUES (?, 1, ?, ?)`,
			rec.ID, data, updatedAt)
		if err != nil {
			return nil, s.fail(op, err)
		}
		return out, nil
	}

	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var stored int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM chatflows WHERE id = ?`, rec.ID).Scan(&stored)
		if err != nil {
			return err // sql.ErrNoRows: not found
		}
		if stored != version {
			return fmt.Errorf("stored version is %d: %w", stored, livechat.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `UPDATE chatflows SET version = ?, data = ?, updated_at = ? WHERE id = ?`,
			out.Version, data, updatedAt, rec.ID)
		return err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// DeleteChatflow removes a chatflow. Returns livechat.ErrNotFound.
func (s *Store) DeleteChatflow(ctx context.Context, id string) error {
	if err := s.ready(); err != nil {
		return err
	}
	res, err := s.exec(ctx, `DELETE FROM chatflows WHERE id = ?`, id)
	return s.fail(fmt.Sprintf("delete chatflow %q", id), mustAffect(res, err))
}
