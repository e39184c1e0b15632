package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

var (
	_ livechat.StateChanger    = (*Store)(nil)
	_ livechat.MessageSearcher = (*Store)(nil)
)

// ChangeState applies ch when the conversation meets its condition. The
// transaction locks the conversation's row (FOR UPDATE) before it checks
// the condition, so that of concurrent changes from every node the first
// to lock it decides and the others see its result.
func (s *Store) ChangeState(ctx context.Context, conversationID string, ch livechat.StateChange) (*livechat.Conversation, error) {
	op := fmt.Sprintf("change state of conversation %q", conversationID)
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := ch.Check(); err != nil {
		return nil, s.fail(op, err)
	}
	var e encoder
	args := []any{string(ch.To), e.time(ch.SnoozedUntil), e.time(ch.At), nil, conversationID}
	if ch.To == livechat.StatusClosed {
		args[3] = args[2]
	}
	if e.err != nil {
		return nil, s.fail(op, e.err)
	}
	var out *livechat.Conversation
	err := s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := scanConversation(tx.QueryRow(ctx, s.q(`SELECT `+conversationColumns+` FROM {schema}.conversations
			WHERE id = $1 FOR UPDATE`), conversationID))
		if err != nil {
			return err
		}
		if !ch.Match(cur) {
			return fmt.Errorf("conversation is %s: %w", cur.Status, livechat.ErrConflict)
		}
		out, err = scanConversation(tx.QueryRow(ctx, s.q(`UPDATE {schema}.conversations
			SET status = $1, snoozed_until = $2, updated_at = $3, closed_at = $4
			WHERE id = $5 RETURNING `+conversationColumns), args...))
		return err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// DueSnoozes returns the snoozed conversations due by at, earliest first,
// from the index of snoozed conversations.
func (s *Store) DueSnoozes(ctx context.Context, at time.Time, limit int) ([]*livechat.Conversation, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, nil
	}
	var e encoder
	atArg := e.time(at)
	if e.err != nil {
		return nil, s.fail("due snoozes", e.err)
	}
	cs, err := queryAll(ctx, s.pool, scanConversation, s.q(`SELECT `+conversationColumns+` FROM {schema}.conversations
		WHERE status = 'snoozed' AND snoozed_until <= $1 ORDER BY snoozed_until, id LIMIT $2`), atArg, limit)
	return cs, s.fail("due snoozes", err)
}

// SearchConversations lists the conversations matching f with a message
// that contains text, as Conversations lists them. It finds messages with
// ILIKE, which no index serves: the conversations are read in the list's
// order and each one's messages until a page is full, so a rare text reads
// every message of the conversations the filter selects. ILIKE folds
// letters as the database's locale does.
func (s *Store) SearchConversations(ctx context.Context, f livechat.ConversationFilter, text string) ([]livechat.ConversationMatch, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, s.fail("search", fmt.Errorf("%w: empty text", livechat.ErrInvalid))
	}
	q, args, err := conversationsQuery(f, text)
	if err != nil {
		return nil, s.fail("search", err)
	}
	cs, err := queryAll(ctx, s.pool, scanConversation, s.q(q), args...)
	if err != nil || len(cs) == 0 {
		return nil, s.fail("search", err)
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	msgs, err := queryAll(ctx, s.pool, scanMessage, s.q(`SELECT DISTINCT ON (conversation_id) `+messageColumns+`
		FROM {schema}.messages WHERE conversation_id = ANY($1) AND sender <> 'system' AND text ILIKE $2 ESCAPE '\'
		ORDER BY conversation_id, seq DESC`), ids, likePattern(text))
	if err != nil {
		return nil, s.fail("search", err)
	}
	newest := make(map[string]*livechat.Message, len(msgs))
	for _, m := range msgs {
		newest[m.ConversationID] = m
	}
	out := make([]livechat.ConversationMatch, 0, len(cs))
	for _, c := range cs {
		if m := newest[c.ID]; m != nil { // absent: erased meanwhile
			out = append(out, livechat.ConversationMatch{Conversation: c, Message: m})
		}
	}
	return out, nil
}

// likePattern is a LIKE pattern (with ESCAPE '\') matching text anywhere.
func likePattern(text string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
}
