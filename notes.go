package livechat

import (
	"context"
	"fmt"
	"net/http"
)

// Private notes: what agents write in a thread for each other. A note is
// a message with Sender SenderNote, stored and numbered in sequence like
// any other so that agents see it in place; every route to a visitor
// leaves it out (forVisitor), and the visitor's contiguous mark moves past
// its seq (pageSeq, the long-poll's seq, the hub's and the replay's
// seqMarks).

// Note adds a private note by the agent to a conversation: agents see it
// in the thread, the visitor never receives it. It is stored before Note
// returns. clientMsgID may be empty; when set, a repeat returns the
// original note. Returns ErrNotFound for an unknown conversation or
// agent, ErrInvalid or ErrTooLarge for bad text.
func (h *Handler) Note(ctx context.Context, conversationID, agentID, clientMsgID, text string) (*Message, error) {
	m, _, err := h.eng.note(ctx, conversationID, agentID, clientMsgID, text)
	return m, err
}

// note stores and publishes an agent's private note. Notes may be written
// to closed conversations, as agents' messages may.
func (e *engine) note(ctx context.Context, conversationID, agentID, clientMsgID, text string) (*Message, bool, error) {
	if err := e.checkText(text); err != nil {
		if m := e.resentMessage(ctx, conversationID, SenderNote, agentID, clientMsgID); m != nil {
			return m, false, nil
		}
		return nil, false, err
	}
	a, err := e.store.Agent(ctx, agentID)
	if isNotFound(err) {
		return nil, false, errAgentNotFound
	}
	if err != nil {
		return nil, false, fmt.Errorf("livechat: agent: %w", err)
	}
	c, err := e.conversation(ctx, conversationID)
	if err != nil {
		return nil, false, err
	}
	return e.post(ctx, &Message{
		ConversationID: c.ID,
		ClientMsgID:    clientMsgID,
		Sender:         SenderNote,
		AuthorID:       a.ID,
		AuthorName:     a.Name,
		Text:           text,
	}, "")
}

// agentNote is POST api/v1/agent/conversations/{id}/notes.
func (h *agentAPI) agentNote(w http.ResponseWriter, r *http.Request) {
	postAsAgent(h, w, r, h.eng.note)
}
