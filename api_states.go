package livechat

import (
	"context"
	"time"
)

// SetStatus changes a conversation's status on behalf of an agent
// (agentID may be empty for the host itself), as the inbox's thread header
// does, and tells every node's inboxes:
//
//   - StatusPending: the team waits for the visitor; the visitor's next
//     message makes it open again.
//   - StatusSnoozed until until (in the future, within 366 days; kept to
//     the second): open again by itself at that time, or at the visitor's
//     next message.
//   - StatusClosed: as CloseConversation.
//   - StatusOpen: reopens a pending, snoozed or closed conversation; a
//     closed one only while its visitor has no other conversation going.
//
// Visitors see pending and snoozed conversations as open, and can write
// in them. A closed conversation goes to no status but open. until must
// be zero except with StatusSnoozed. Returns ErrNotFound, ErrInvalid for a
// bad status or time, and ErrConflict when the change does not apply (a
// closed conversation, another conversation of the visitor going, a
// concurrent change, or a Storage that is not a StateChanger asked to
// snooze); on an error nothing changed.
func (h *Handler) SetStatus(ctx context.Context, conversationID, agentID string, status ConversationStatus, until time.Time) (*Conversation, error) {
	return h.eng.states.set(ctx, conversationID, agentID, status, until)
}

// SearchPage is ConversationPage for the conversations that hold a
// message, other than a system message, containing text (see
// MessageSearcher): one page, in the list's order, each with its newest
// such message. Returns ErrConflict when the Storage is not a
// MessageSearcher, and ErrInvalid for an empty text, a malformed cursor
// or a limit outside 0 to 100.
func (h *Handler) SearchPage(ctx context.Context, f ConversationFilter, text, cursor string) (page []ConversationMatch, next string, err error) {
	if text == "" {
		return nil, "", publicf(ErrInvalid, "search text must not be empty")
	}
	return h.eng.conversationMatches(ctx, f, text, cursor)
}
