package livechat

import (
	"context"
	"fmt"
)

// errNoSearch refuses a search when the Storage is not a MessageSearcher.
var errNoSearch = publicf(ErrConflict, "this chat's storage cannot search messages")

// conversationMatches lists one page of conversations as conversationPage
// does or, with a text, one page of the conversations holding a message
// that contains it, each with its newest such message. Every conversation
// is checked against f here too, so that a Storage that does not know a
// filter field (AssigneeIDs, say) gives shorter pages rather than wrong
// ones; the next cursor follows the Storage's last row.
func (e *engine) conversationMatches(ctx context.Context, f ConversationFilter, text, cursor string) (page []ConversationMatch, next string, err error) {
	ms, ok := e.store.(MessageSearcher)
	if text != "" && !ok {
		return nil, "", errNoSearch
	}
	f, limit, err := pageFilter(f, cursor)
	if err != nil {
		return nil, "", err
	}
	var rows []ConversationMatch
	if text != "" {
		if rows, err = ms.SearchConversations(ctx, f, text); err != nil {
			return nil, "", fmt.Errorf("livechat: search conversations: %w", err)
		}
	} else {
		convs, err := e.store.Conversations(ctx, f)
		if err != nil {
			return nil, "", fmt.Errorf("livechat: list conversations: %w", err)
		}
		rows = make([]ConversationMatch, len(convs))
		for i, c := range convs {
			rows[i].Conversation = c
		}
	}
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor(f.CursorAfter(rows[limit-1].Conversation))
	}
	page = rows[:0]
	for _, m := range rows {
		if f.Match(m.Conversation) && (text == "" || m.Message != nil) {
			page = append(page, m)
		}
	}
	return page, next, nil
}
