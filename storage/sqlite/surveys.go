package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/golivechat/livechat"
)

// PutSurvey stores a conversation's survey answer, once. Returns
// livechat.ErrNotFound for an unknown conversation and livechat.ErrConflict
// when it already has an answer.
func (s *Store) PutSurvey(ctx context.Context, a *livechat.SurveyAnswer) error {
	if a == nil {
		return nilArg("survey answer")
	}
	op := fmt.Sprintf("put survey of %q", a.ConversationID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	created := e.time(a.CreatedAt)
	if e.err != nil {
		return s.fail(op, e.err)
	}
	return s.fail(op, s.writeTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, a.ConversationID).Scan(&one); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO surveys (conversation_id, rating, comment, created_at) VALUES (?, ?, ?, ?)`,
			a.ConversationID, a.Rating, a.Comment, created)
		return err
	}))
}

// Survey returns a conversation's survey answer. Returns
// livechat.ErrNotFound.
func (s *Store) Survey(ctx context.Context, conversationID string) (*livechat.SurveyAnswer, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	a := &livechat.SurveyAnswer{ConversationID: conversationID}
	err := s.r.QueryRowContext(ctx, `SELECT rating, comment, created_at FROM surveys WHERE conversation_id = ?`, conversationID).
		Scan(&a.Rating, &a.Comment, timeCol{&a.CreatedAt})
	if err != nil {
		return nil, s.fail(fmt.Sprintf("survey of %q", conversationID), err)
	}
	return a, nil
}
