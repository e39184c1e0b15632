package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/golivechat/livechat"
)

var (
	_ livechat.StateChanger    = (*Store)(nil)
	_ livechat.MessageSearcher = (*Store)(nil)
)

// ChangeState applies ch when the conversation meets its condition. The
// read and the update run in one write transaction, which holds the
// database's write lock from its start, so changes from every connection
// and process sharing the file run one after another.
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
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanConversation(tx.QueryRowContext(ctx, conversationByID, conversationID))
		if err != nil {
			return err
		}
		if !ch.Match(cur) {
			return fmt.Errorf("conversation is %s: %w", cur.Status, livechat.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET status = ?, snoozed_until = ?, updated_at = ?, closed_at = ?
			WHERE id = ?`, args...); err != nil {
			return err
		}
		ch.Apply(cur)
		out = cur
		return nil
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
	atCol := e.time(at)
	if e.err != nil {
		return nil, s.fail("due snoozes", e.err)
	}
	cs, err := queryAll(ctx, s.r, scanConversation, `SELECT `+conversationColumns+` FROM conversations
		WHERE status = 'snoozed' AND snoozed_until <= ? ORDER BY snoozed_until, id LIMIT ?`, atCol, limit)
	return cs, s.fail("due snoozes", err)
}

// SearchConversations lists the conversations matching f with a message
// that contains text, as Conversations lists them. It finds messages with
// LIKE, which no index serves: the conversations are read in the list's
// order and each one's messages until a page is full, so a rare text reads
// every message of the conversations the filter selects. LIKE folds the
// letters A to Z only.
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
	cs, err := queryAll(ctx, s.r, scanConversation, q, args...)
	if err != nil {
		return nil, s.fail("search", err)
	}
	out := make([]livechat.ConversationMatch, 0, len(cs))
	for _, c := range cs {
		m, err := scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE conversation_id = ? AND sender <> 'system' AND text LIKE ? ESCAPE '\'
			ORDER BY seq DESC LIMIT 1`, c.ID, likePattern(text)))
		if err == sql.ErrNoRows {
			continue // erased meanwhile
		}
		if err != nil {
			return nil, s.fail("search", err)
		}
		out = append(out, livechat.ConversationMatch{Conversation: c, Message: m})
	}
	return out, nil
}

// likePattern is a LIKE pattern (with ESCAPE '\') matching text anywhere.
func likePattern(text string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
}
