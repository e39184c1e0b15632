package livechat

import "time"

const participantVisitor = "visitor"

func agentParticipant(agentID string) string { return "agent:" + agentID }

// visitorConversation is what a visitor may know of a conversation: no
// agent or visitor ids.
type visitorConversation struct {
	ID        string             `json:"id"`
	Status    ConversationStatus `json:"status"`
	LastSeq   int64              `json:"lastSeq"`
	CreatedAt time.Time          `json:"createdAt"`
	UpdatedAt time.Time          `json:"updatedAt"`
	ClosedAt  time.Time          `json:"closedAt,omitzero"`
}

func toVisitorConversation(c *Conversation) *visitorConversation {
	if c == nil {
		return nil
	}
	return &visitorConversation{ID: c.ID, Status: c.Status, LastSeq: c.LastSeq, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ClosedAt: c.ClosedAt}
}

// visitorEventFrame is an Event as a visitor receives it.
type visitorEventFrame struct {
	Type           EventType            `json:"type"`
	ConversationID string               `json:"conversationId"`
	Seq            int64                `json:"seq"`
	Message        *Message             `json:"message,omitempty"`
	Conversation   *visitorConversation `json:"conversation,omitempty"`
	Participant    string               `json:"participant,omitempty"`
	Typing         bool                 `json:"typing,omitempty"`
}

// visitorEvent converts an event for visitors; ok is false for events
// visitors never see.
func visitorEvent(ev Event) (visitorEventFrame, bool) {
	switch ev.Type {
	case EventMessage, EventConversation, EventTyping, EventRead:
	default:
		return visitorEventFrame{}, false
	}
	return visitorEventFrame{
		Type:           ev.Type,
		ConversationID: ev.ConversationID,
		Seq:            ev.Seq,
		Message:        aliasMessage(ev.Message, ev.AuthorAlias),
		Conversation:   toVisitorConversation(ev.Conversation),
		Participant:    visitorParticipant(ev.Participant),
		Typing:         ev.Typing,
	}, true
}

// visitorParticipant hides which agent a participant is.
func visitorParticipant(p string) string {
	if p == "" || p == participantVisitor {
		return p
	}
	return "agent"
}

// visitorReadMarks merges the agents' marks into one "agent" mark.
func visitorReadMarks(marks []ReadMark) []ReadMark {
	out := []ReadMark{}
	var agent ReadMark
	for _, m := range marks {
		if m.Participant == participantVisitor {
			out = append(out, ReadMark{ConversationID: m.ConversationID, Participant: m.Participant, Seq: m.Seq, UpdatedAt: m.UpdatedAt})
			continue
		}
		if m.Seq > agent.Seq {
			agent = ReadMark{ConversationID: m.ConversationID, Participant: "agent", Seq: m.Seq, UpdatedAt: m.UpdatedAt}
		}
	}
	if agent.Seq > 0 {
		out = append(out, agent)
	}
	return out
}
