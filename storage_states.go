package livechat

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// StateChanger is an optional interface of a Storage: a conversation's
// status changed only when the stored one is what the caller expects,
// checked and written in one step, and the snoozed conversations that are
// due. With it the inbox sets conversations pending and snoozed, and a
// snoozed conversation becomes open again at its time on exactly one of
// the nodes sharing the Storage. A Storage without it still closes,
// reopens and sets conversations pending (reading first and writing with
// UpdateConversation, so two nodes may both write the same change), and
// refuses to snooze with ErrConflict, changing nothing. The
// storage/storagetest suite checks it for every Storage that has it.
type StateChanger interface {
	// ChangeState applies ch to the conversation when its stored Status
	// is one of ch.From (any status when ch.From is empty) and, when
	// ch.DueBy is not zero, it is snoozed until no later than ch.DueBy;
	// the check and the write are atomic, so that of concurrent changes
	// with the same condition, from any node sharing the Storage, exactly
	// one succeeds. It sets Status to ch.To, SnoozedUntil to
	// ch.SnoozedUntil (zero unless ch.To is StatusSnoozed), UpdatedAt to
	// ch.At, ClosedAt to ch.At when ch.To is StatusClosed and to zero
	// otherwise, and changes nothing else. Returns the stored
	// conversation; ErrNotFound, ErrConflict when the condition does not
	// hold, or ErrInvalid for a StateChange that Check refuses; on an
	// error nothing changed.
	ChangeState(ctx context.Context, conversationID string, ch StateChange) (*Conversation, error)
	// DueSnoozes returns up to limit snoozed conversations whose
	// SnoozedUntil is not after at, earliest SnoozedUntil first (ties by
	// ID); a limit below 1 returns none.
	DueSnoozes(ctx context.Context, at time.Time, limit int) ([]*Conversation, error)
}

// StateChange is a status change for StateChanger.ChangeState: the
// condition (From, DueBy) and the new state (To, SnoozedUntil, At).
type StateChange struct {
	// From lists the statuses the conversation may have; empty: any.
	From []ConversationStatus
	// DueBy, when not zero, requires a snoozed conversation whose
	// SnoozedUntil is not after it: the wake-up of a due snooze, which a
	// snooze moved later meanwhile does not meet.
	DueBy time.Time
	// To is the new status: open, pending, snoozed or closed.
	To ConversationStatus
	// SnoozedUntil is when a snoozed conversation wakes; required with
	// To StatusSnoozed and zero otherwise.
	SnoozedUntil time.Time
	// At becomes the conversation's UpdatedAt (and ClosedAt when To is
	// StatusClosed).
	At time.Time
}

// Check returns ErrInvalid when the change is not one ChangeState
// applies: an unknown status in To or From, a zero At, a SnoozedUntil
// missing with To StatusSnoozed or present with another To.
func (ch StateChange) Check() error {
	switch {
	case !ch.To.valid() || slices.ContainsFunc(ch.From, func(s ConversationStatus) bool { return !s.valid() }):
		return fmt.Errorf("%w: unknown conversation status", ErrInvalid)
	case ch.At.IsZero():
		return fmt.Errorf("%w: state change without a time", ErrInvalid)
	case (ch.To == StatusSnoozed) != !ch.SnoozedUntil.IsZero():
		return fmt.Errorf("%w: SnoozedUntil is required with StatusSnoozed and only with it", ErrInvalid)
	}
	return nil
}

// Match reports whether a conversation c meets the change's condition.
func (ch StateChange) Match(c *Conversation) bool {
	if len(ch.From) > 0 && !slices.Contains(ch.From, c.Status) {
		return false
	}
	return ch.DueBy.IsZero() || c.Status == StatusSnoozed && !c.SnoozedUntil.After(ch.DueBy)
}

// Apply sets c's state as ChangeState does, without checking the
// condition.
func (ch StateChange) Apply(c *Conversation) {
	c.Status = ch.To
	c.SnoozedUntil = ch.SnoozedUntil
	c.UpdatedAt = ch.At
	c.ClosedAt = time.Time{}
	if ch.To == StatusClosed {
		c.ClosedAt = ch.At
	}
}

func (s ConversationStatus) valid() bool {
	switch s {
	case StatusOpen, StatusPending, StatusSnoozed, StatusClosed:
		return true
	}
	return false
}

// MessageSearcher is an optional interface of a Storage: the inbox's
// search in message text. With a Storage without it, a search is refused
// with ErrConflict and nothing else changes. The storage/storagetest
// suite checks it for every Storage that has it.
type MessageSearcher interface {
	// SearchConversations lists the conversations that match f and hold
	// a message, other than a system message, whose Text contains text:
	// as a substring, letters A to Z matching either case (a Storage may
	// fold more letters), "%", "_" and "\" standing for themselves. The
	// order, f.Limit and f.After are those of Conversations(f), so a
	// search pages as the list does. Each match carries the conversation
	// and its newest such message. An empty text returns ErrInvalid.
	SearchConversations(ctx context.Context, f ConversationFilter, text string) ([]ConversationMatch, error)
}

// ConversationMatch is one result of MessageSearcher.SearchConversations.
type ConversationMatch struct {
	Conversation *Conversation
	// Message is the conversation's newest message that contains the text.
	Message *Message
}

// ContainsFold reports whether text contains sub as
// MessageSearcher.SearchConversations matches it, folding the letters A
// to Z only: what every Storage does at least.
func ContainsFold(text, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i+len(sub) <= len(text); i++ {
		if equalFoldASCII(text[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Match reports whether c meets the filter's conditions: VisitorID,
// Status, AssigneeID, Unassigned, AssigneeIDs and ChatflowID (not Limit,
// OldestFirst or After).
func (f ConversationFilter) Match(c *Conversation) bool {
	switch {
	case f.VisitorID != "" && c.VisitorID != f.VisitorID,
		f.Status != "" && c.Status != f.Status,
		f.ChatflowID != "" && c.ChatflowID != f.ChatflowID:
		return false
	case f.Unassigned:
		return c.AssigneeID == ""
	}
	return (f.AssigneeID == "" || c.AssigneeID == f.AssigneeID) &&
		(len(f.AssigneeIDs) == 0 || slices.Contains(f.AssigneeIDs, c.AssigneeID))
}
