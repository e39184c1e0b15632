package livechat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxSnooze is how far ahead a conversation may be snoozed.
const maxSnooze = 366 * 24 * time.Hour

// snoozeCheckEvery is how often every node looks for snoozed
// conversations that are due.
const snoozeCheckEvery = time.Second

// errNoSnooze refuses a snooze when the Storage is not a StateChanger.
var errNoSnooze = publicf(ErrConflict, "this chat's storage cannot snooze conversations")

// conversationStates changes conversations' statuses: what agents set,
// a visitor's message that reopens, and the wake-up of due snoozes.
type conversationStates struct{ e *engine }

// set changes a conversation's status on behalf of an agent (empty
// for the host); see Handler.SetStatus.
func (st *conversationStates) set(ctx context.Context, convID, agentID string, to ConversationStatus, until time.Time) (*Conversation, error) {
	e := st.e
	now := e.now().UTC()
	switch {
	case !to.valid():
		return nil, publicf(ErrInvalid, "status must be open, pending, snoozed or closed")
	case to != StatusSnoozed && !until.IsZero():
		return nil, publicf(ErrInvalid, "snoozedUntil is only for status snoozed")
	case to == StatusSnoozed && until.IsZero():
		return nil, publicf(ErrInvalid, "snoozedUntil is required to snooze")
	case to == StatusSnoozed && !until.After(now):
		return nil, publicf(ErrInvalid, "snoozedUntil must be in the future")
	case to == StatusSnoozed && until.Sub(now) > maxSnooze:
		return nil, publicf(ErrInvalid, "snoozedUntil must be within %d days", int(maxSnooze.Hours()/24))
	}
	c, err := e.conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	if to == StatusClosed {
		return e.closeConversation(ctx, c.ID, agentID)
	}
	ch := StateChange{To: to, SnoozedUntil: until.UTC().Truncate(time.Second), At: now}
	switch to {
	case StatusOpen:
		if c.Status == StatusOpen {
			return c, nil
		}
		ch.From = []ConversationStatus{StatusPending, StatusSnoozed, StatusClosed}
		if c.Status == StatusClosed {
			// A visitor has one conversation going at a time.
			active, _, err := activeConversation(ctx, e.store, c.VisitorID)
			if err != nil {
				return nil, err
			}
			if active != nil && active.ID != c.ID {
				return nil, publicf(ErrConflict, "the visitor has another conversation going; it cannot be reopened")
			}
		}
	case StatusPending:
		if c.Status == StatusPending {
			return c, nil
		}
		ch.From = []ConversationStatus{StatusOpen, StatusSnoozed}
	case StatusSnoozed:
		ch.From = []ConversationStatus{StatusOpen, StatusPending, StatusSnoozed}
	}
	if c.Status == StatusClosed && to != StatusOpen {
		return nil, publicf(ErrConflict, "the conversation is closed; reopen it first")
	}
	c, err = st.change(ctx, c, ch)
	var pe *publicError
	if errors.Is(err, ErrConflict) && !errors.As(err, &pe) {
		return nil, publicf(ErrConflict, "the conversation changed meanwhile; try again")
	}
	return c, err
}

// changeState applies ch to c through the Storage and tells every node.
// A Storage that is not a StateChanger gets a read and UpdateConversation,
// and cannot snooze.
func (st *conversationStates) change(ctx context.Context, c *Conversation, ch StateChange) (*Conversation, error) {
	e := st.e
	before := c.Status
	if sc, ok := e.store.(StateChanger); ok {
		var err error
		if c, err = sc.ChangeState(ctx, c.ID, ch); err != nil {
			return nil, fmt.Errorf("livechat: change conversation state: %w", err)
		}
	} else {
		if ch.To == StatusSnoozed {
			return nil, errNoSnooze
		}
		cur, err := e.store.Conversation(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if !ch.Match(cur) {
			return nil, fmt.Errorf("livechat: conversation is %s: %w", cur.Status, ErrConflict)
		}
		ch.Apply(cur)
		if err := e.store.UpdateConversation(ctx, cur); err != nil {
			return nil, fmt.Errorf("livechat: change conversation state: %w", err)
		}
		c = cur
	}
	e.out.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Seq: c.LastSeq, Conversation: c})
	if c.AssigneeID != "" && before == StatusOpen || c.Status == StatusOpen && c.AssigneeID == "" {
		// The agent has room again, or the conversation waits for one.
		e.routing.drainQueue(ctx)
	}
	return c, nil
}

// reopenOnVisitorMessage makes a pending or snoozed conversation open
// again when its visitor writes, as support inboxes do.
func (st *conversationStates) reopenOnVisitorMessage(ctx context.Context, c *Conversation) {
	e := st.e
	if c.Status != StatusPending && c.Status != StatusSnoozed {
		return
	}
	ch := StateChange{From: []ConversationStatus{StatusPending, StatusSnoozed}, To: StatusOpen, At: e.now().UTC()}
	if _, err := st.change(ctx, c, ch); err != nil && !errors.Is(err, ErrConflict) {
		e.log.Warn("livechat: reopen a conversation on the visitor's message", "conversation", c.ID, "err", err)
	}
}

// runSnoozes wakes due snoozes until ctx is done; see wakeSnoozes.
func (st *conversationStates) run(ctx context.Context) {
	e := st.e
	if _, ok := e.store.(StateChanger); !ok {
		return // nothing can be snoozed
	}
	t := time.NewTicker(snoozeCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st.wake(ctx)
		}
	}
}

// wakeSnoozes makes the snoozed conversations that are due open again.
// Every node runs it; the Storage's conditional change lets exactly one
// node wake each conversation and publish its event, which reaches every
// node's inboxes.
func (st *conversationStates) wake(ctx context.Context) {
	e := st.e
	sc, ok := e.store.(StateChanger)
	if !ok {
		return
	}
	now := e.now().UTC()
	due, err := sc.DueSnoozes(ctx, now, 100)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("livechat: list due snoozes", "err", err)
		}
		return
	}
	for _, c := range due {
		ch := StateChange{From: []ConversationStatus{StatusSnoozed}, DueBy: now, To: StatusOpen, At: now}
		if _, err := st.change(ctx, c, ch); err != nil && !errors.Is(err, ErrConflict) && ctx.Err() == nil {
			e.log.Warn("livechat: wake a snoozed conversation", "conversation", c.ID, "err", err)
		}
	}
}

// activeConversation returns the visitor's conversation that is not
// closed (a visitor has at most one), and their latest conversation.
func activeConversation(ctx context.Context, store Storage, visitorID string) (active, latest *Conversation, err error) {
	const recent = 20
	convs, err := store.Conversations(ctx, ConversationFilter{VisitorID: visitorID, Limit: recent})
	if err != nil || len(convs) == 0 {
		return nil, nil, err
	}
	for _, c := range convs {
		if c.Status != StatusClosed {
			return c, convs[0], nil
		}
	}
	if len(convs) == recent {
		// A long history: the one going may have been updated long ago.
		for _, s := range []ConversationStatus{StatusOpen, StatusPending, StatusSnoozed} {
			got, err := store.Conversations(ctx, ConversationFilter{VisitorID: visitorID, Status: s, Limit: 1})
			if err != nil {
				return nil, nil, err
			}
			if len(got) > 0 {
				return got[0], convs[0], nil
			}
		}
	}
	return nil, convs[0], nil
}
