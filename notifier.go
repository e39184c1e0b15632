package livechat

import (
	"context"
	"time"
)

// NotificationKind says what a Notification is about.
type NotificationKind string

// Notification kinds.
const (
	// NotifyNewConversation: a visitor started a conversation.
	NotifyNewConversation NotificationKind = "new_conversation"
	// NotifyMessageWhileAway: a visitor wrote while the assignee is away or
	// offline.
	NotifyMessageWhileAway NotificationKind = "message_while_away"
	// NotifyOfflineMessage: a visitor left a message while nobody was
	// available.
	NotifyOfflineMessage NotificationKind = "offline_message"
	// NotifyAssigned: a conversation was assigned to the agent.
	NotifyAssigned NotificationKind = "assigned"
	// NotifyWaiting: a conversation has waited for an agent longer than the
	// threshold.
	NotifyWaiting NotificationKind = "waiting"
)

// Notification tells the team that something needs attention. It carries
// ids, not message text, so that notification channels never hold what
// visitors wrote; receivers read the conversation through the Handler.
type Notification struct {
	// ID is unique per notification, so receivers can drop repeats.
	ID             string           `json:"id"`
	Kind           NotificationKind `json:"kind"`
	ConversationID string           `json:"conversationId"`
	ChatflowID     string           `json:"chatflowId,omitempty"`
	// AgentID is the agent the notification is for, when it is for one.
	AgentID string `json:"agentId,omitempty"`
	// Seq is the sequence number of the message concerned, if any.
	Seq int64 `json:"seq,omitempty"`
	// WaitingSince is when a waiting conversation started to wait.
	WaitingSince time.Time `json:"waitingSince,omitzero"`
	Time         time.Time `json:"time"`
}

// Notifier delivers notifications to the team (webhooks, email, push).
// The Handler calls Notify from its own goroutine and never waits on it in
// the message path; Notify should return quickly (queue the work) and must
// be safe for concurrent use. An error is logged and otherwise ignored.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifierFunc adapts a function to a Notifier.
type NotifierFunc func(ctx context.Context, n Notification) error

// Notify calls f(ctx, n).
func (f NotifierFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }
