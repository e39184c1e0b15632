package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/golivechat/livechat"
)

var (
	_ livechat.StateChanger    = (*Store)(nil)
	_ livechat.MessageSearcher = (*Store)(nil)
)

// ChangeState applies ch when the conversation meets its condition; the
// check and the change happen under the store's lock.
func (s *Store) ChangeState(ctx context.Context, conversationID string, ch livechat.StateChange) (*livechat.Conversation, error) {
	if err := ch.Check(); err != nil {
		return nil, fmt.Errorf("memory: change state of conversation %q: %w", conversationID, err)
	}
	if err := s.write(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return nil, notFound("conversation", conversationID)
	}
	if !ch.Match(&cv.conv) {
		return nil, fmt.Errorf("memory: conversation %q is %s: %w", conversationID, cv.conv.Status, livechat.ErrConflict)
	}
	s.countOpen(&cv.conv, -1)
	ch.Apply(&cv.conv)
	s.countOpen(&cv.conv, 1)
	c := cloneConversation(&cv.conv)
	return &c, nil
}

// DueSnoozes returns the snoozed conversations due by at, earliest first.
// It reads every conversation.
func (s *Store) DueSnoozes(ctx context.Context, at time.Time, limit int) ([]*livechat.Conversation, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var out []*livechat.Conversation
	for _, cv := range s.convs {
		if cv.conv.Status == livechat.StatusSnoozed && !cv.conv.SnoozedUntil.After(at) {
			c := cloneConversation(&cv.conv)
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *livechat.Conversation) int {
		return cmp.Or(a.SnoozedUntil.Compare(b.SnoozedUntil), cmp.Compare(a.ID, b.ID))
	})
	return out[:min(len(out), max(limit, 0))], nil
}

// SearchConversations lists the conversations matching f with a message
// that contains text, reading their messages newest first.
func (s *Store) SearchConversations(ctx context.Context, f livechat.ConversationFilter, text string) ([]livechat.ConversationMatch, error) {
	if text == "" {
		return nil, fmt.Errorf("memory: search: %w: empty text", livechat.ErrInvalid)
	}
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	convs := s.conversations(f, text)
	out := make([]livechat.ConversationMatch, len(convs))
	for i, c := range convs {
		cv := s.convs[c.ID]
		out[i] = livechat.ConversationMatch{Conversation: c, Message: cv.messages.message(c.ID, s.newestMatch(cv, text))}
	}
	return out, nil
}

// newestMatch is the index of cv's newest message, not a system message,
// that contains text; -1 when there is none. s.mu is held.
func (s *Store) newestMatch(cv *conversation, text string) int {
	for i := cv.messages.len() - 1; i >= 0; i-- {
		if m := cv.messages.message(cv.conv.ID, i); m.Sender != livechat.SenderSystem && livechat.ContainsFold(m.Text, text) {
			return i
		}
	}
	return -1
}
