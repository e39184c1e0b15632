package routing

import (
	"strings"
	"time"
)

// Waiting is a conversation in the queue: every eligible available agent
// was at capacity when it was routed.
type Waiting struct {
	ConversationID string
	// Since is when the conversation started waiting.
	Since time.Time
}

// WaitingRequest is a waiting conversation with the [Request] it was
// routed with, so it can be routed again when an agent has room.
type WaitingRequest struct {
	Waiting Waiting
	Request Request
}

// compareWaiting orders the queue: the longest waiting first, ties by
// conversation id.
func compareWaiting(a, b Waiting) int {
	if c := a.Since.Compare(b.Since); c != 0 {
		return c
	}
	return strings.Compare(a.ConversationID, b.ConversationID)
}

// Position returns the 1-based place of conversationID in queue, which
// is ordered by Since and then by ConversationID whatever the order of
// the slice; ok is false when the conversation is not in the queue. The
// widget shows it to the waiting visitor.
//
// A queue holds each conversation once; should one appear twice, its
// earliest entry counts.
func Position(queue []Waiting, conversationID string) (pos int, ok bool) {
	self := -1
	for i, w := range queue {
		if w.ConversationID == conversationID && (self < 0 || compareWaiting(w, queue[self]) < 0) {
			self = i
		}
	}
	if self < 0 {
		return 0, false
	}
	pos = 1
	for _, w := range queue {
		if compareWaiting(w, queue[self]) < 0 {
			pos++
		}
	}
	return pos, true
}

// NextForAgent returns the conversation agent should take from queue:
// the longest waiting (by Since, then ConversationID) whose Request the
// agent is [Eligible] for. ok is false when the agent is not available,
// is at capacity, or is eligible for no waiting conversation.
//
// The server calls it for an agent when one of their conversations
// closes, when they become available or when they raise their capacity,
// and again after each assignment (with Open raised) until ok is false.
func NextForAgent(queue []WaitingRequest, agent Candidate) (conversationID string, ok bool) {
	if !agent.Available || !agent.HasRoom() {
		return "", false
	}
	best := -1
	for i, w := range queue {
		if !Eligible(w.Request, agent) {
			continue
		}
		if best < 0 || compareWaiting(w.Waiting, queue[best].Waiting) < 0 {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return queue[best].Waiting.ConversationID, true
}
