package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

const chatflowColumns = `id, version, data, updated_at`

func scanChatflow(row pgx.Row) (*livechat.ChatflowRecord, error) {
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
	recs, err := queryAll(ctx, s.pool, scanChatflow, s.q(`SELECT `+chatflowColumns+` FROM {schema}.chatflows ORDER BY id`))
	return recs, s.fail("chatflows", err)
}

// Chatflow returns one chatflow. Returns livechat.ErrNotFound.
func (s *Store) Chatflow(ctx context.Context, id string) (*livechat.ChatflowRecord, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	rec, err := scanChatflow(s.pool.QueryRow(ctx, s.q(`SELECT `+chatflowColumns+` FROM {schema}.chatflows WHERE id = $1`), id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("chatflow %q", id), err)
	}
	return rec, nil
}

// PutChatflow creates the chatflow with Version 1 when version is 0, or
// updates it to version+1 when version is the stored version, and returns
// the stored record; rec is not modified. Data and UpdatedAt are stored
// as given, Data byte for byte. The update compares and sets the version
// in one statement, so of concurrent updates of one version, on any node,
// one succeeds. Returns livechat.ErrConflict when version is 0 and the ID
// exists or when version is stale, and livechat.ErrNotFound when version
// is not 0 and the ID does not exist.
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
	data := []byte(out.Data) // NULL for nil Data

	if version == 0 {
		_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.chatflows (`+chatflowColumns+`) VALUES ($1, 1, $2, $3)`),
			rec.ID, data, updatedAt)
		if err != nil {
			return nil, s.fail(op, err)
		}
		return out, nil
	}

	// One statement: the stored version, and whether this update set it.
	var stored int64
	var updated bool
	err := s.pool.QueryRow(ctx, s.q(`WITH updated AS (
			UPDATE {schema}.chatflows SET version = version + 1, data = $3, updated_at = $4
			WHERE id = $1 AND version = $2 RETURNING version
		)
		SELECT version, true FROM updated
		UNION ALL
		SELECT version, false FROM {schema}.chatflows WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM updated)`),
		rec.ID, version, data, updatedAt).Scan(&stored, &updated)
	if err == nil && !updated {
		err = fmt.Errorf("stored version is %d: %w", stored, livechat.ErrConflict)
	}
	if err != nil {
		return nil, s.fail(op, err) // pgx.ErrNoRows: not found
	}
	return out, nil
}

// DeleteChatflow removes a chatflow. Returns livechat.ErrNotFound.
func (s *Store) DeleteChatflow(ctx context.Context, id string) error {
	if err := s.ready(); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.q(`DELETE FROM {schema}.chatflows WHERE id = $1`), id)
	return s.fail(fmt.Sprintf("delete chatflow %q", id), mustAffect(tag, err))
}
