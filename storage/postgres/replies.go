package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

var _ livechat.SavedReplyStore = (*Store)(nil)

const replyColumns = `id, shortcut, text, updated_at`

func scanReply(row pgx.Row) (*livechat.SavedReply, error) {
	r := new(livechat.SavedReply)
	if err := row.Scan(&r.ID, &r.Shortcut, &r.Text, timeCol{&r.UpdatedAt}); err != nil {
		return nil, err
	}
	return r, nil
}

// SavedReplies returns every saved reply, ordered by Shortcut (byte for
// byte, whatever the database's collation).
func (s *Store) SavedReplies(ctx context.Context) ([]*livechat.SavedReply, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	rs, err := queryAll(ctx, s.pool, scanReply, s.q(`SELECT `+replyColumns+` FROM {schema}.saved_replies ORDER BY shortcut COLLATE "C"`))
	return rs, s.fail("saved replies", err)
}

// CreateSavedReply stores a new saved reply. Returns livechat.ErrConflict
// when the id or the shortcut is taken.
func (s *Store) CreateSavedReply(ctx context.Context, r *livechat.SavedReply) error {
	if r == nil {
		return nilArg("saved reply")
	}
	op := fmt.Sprintf("create saved reply %q", r.ID)
	if err := s.ready(); err != nil {
		return err
	}
	if err := validID("saved reply", r.ID); err != nil {
		return s.fail(op, err)
	}
	var e encoder
	args := []any{r.ID, r.Shortcut, r.Text, e.time(r.UpdatedAt)}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.saved_replies (`+replyColumns+`) VALUES ($1, $2, $3, $4)`), args...)
	return s.fail(op, err)
}

// UpdateSavedReply replaces a saved reply's shortcut, text and time.
// Returns livechat.ErrNotFound, or livechat.ErrConflict when another
// saved reply has the shortcut.
func (s *Store) UpdateSavedReply(ctx context.Context, r *livechat.SavedReply) error {
	if r == nil {
		return nilArg("saved reply")
	}
	op := fmt.Sprintf("update saved reply %q", r.ID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	args := []any{r.Shortcut, r.Text, e.time(r.UpdatedAt), r.ID}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	tag, err := s.pool.Exec(ctx, s.q(`UPDATE {schema}.saved_replies SET shortcut = $1, text = $2, updated_at = $3 WHERE id = $4`), args...)
	return s.fail(op, mustAffect(tag, err))
}

// DeleteSavedReply removes a saved reply. Returns livechat.ErrNotFound.
func (s *Store) DeleteSavedReply(ctx context.Context, id string) error {
	if err := s.ready(); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.q(`DELETE FROM {schema}.saved_replies WHERE id = $1`), id)
	return s.fail(fmt.Sprintf("delete saved reply %q", id), mustAffect(tag, err))
}
