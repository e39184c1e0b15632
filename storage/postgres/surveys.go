package postgres

import (
	"context"
	"fmt"

	"github.com/golivechat/livechat"
)

// PutSurvey stores a conversation's survey answer, once. Returns
// livechat.ErrNotFound for an unknown conversation (the foreign key) and
// livechat.ErrConflict when it already has an answer (the primary key).
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
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.surveys (conversation_id, rating, comment, created_at)
		VALUES ($1, $2, $3, $4)`), a.ConversationID, a.Rating, a.Comment, created)
	return s.fail(op, err)
}

// Survey returns a conversation's survey answer. Returns
// livechat.ErrNotFound.
func (s *Store) Survey(ctx context.Context, conversationID string) (*livechat.SurveyAnswer, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	a := &livechat.SurveyAnswer{ConversationID: conversationID}
	err := s.pool.QueryRow(ctx, s.q(`SELECT rating, comment, created_at FROM {schema}.surveys WHERE conversation_id = $1`), conversationID).
		Scan(&a.Rating, &a.Comment, timeCol{&a.CreatedAt})
	if err != nil {
		return nil, s.fail(fmt.Sprintf("survey of %q", conversationID), err)
	}
	return a, nil
}
