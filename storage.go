package livechat

import (
	"context"
	"slices"
	"time"
)

// Storage keeps everything the chat knows. Implementations must be safe for
// concurrent use by many goroutines, and several Handlers (nodes) may share
// one Storage. The storage/storagetest package holds the conformance suite
// every implementation must pass.
//
// Methods return ErrNotFound for a missing record, ErrConflict for a
// duplicate id or a stale version, ErrInvalid for a nil or malformed
// argument, and ErrClosed after Close, wrapped with context; other errors
// are the backend's own failures.
type Storage interface {
	// CreateVisitor stores a new visitor. Returns ErrConflict if the ID is
	// taken.
	CreateVisitor(ctx context.Context, v *Visitor) error
	// Visitor returns the visitor with the id. Returns ErrNotFound.
	Visitor(ctx context.Context, id string) (*Visitor, error)
	// UpdateVisitor replaces a stored visitor. Returns ErrNotFound.
	UpdateVisitor(ctx context.Context, v *Visitor) error

	// CreateContact stores a new contact. Returns ErrConflict if the ID is
	// taken or another contact has the same email (compared
	// case-insensitively).
	CreateContact(ctx context.Context, c *Contact) error
	// Contact returns the contact with the id. Returns ErrNotFound.
	Contact(ctx context.Context, id string) (*Contact, error)
	// ContactByEmail finds a contact by email, case-insensitively. Returns
	// ErrNotFound.
	ContactByEmail(ctx context.Context, email string) (*Contact, error)
	// UpdateContact replaces a stored contact. Returns ErrNotFound, or
	// ErrConflict if the new email belongs to another contact.
	UpdateContact(ctx context.Context, c *Contact) error

	// PutAgent creates or replaces an agent; a LastSeenAt older than the
	// stored one leaves the stored one.
	PutAgent(ctx context.Context, a *Agent) error
	// TouchAgent moves the agent's LastSeenAt forward to at (never back).
	// Returns ErrNotFound.
	TouchAgent(ctx context.Context, id string, at time.Time) error
	// Agent returns the agent with the id. Returns ErrNotFound.
	Agent(ctx context.Context, id string) (*Agent, error)
	// Agents returns every agent, ordered by ID.
	Agents(ctx context.Context) ([]*Agent, error)

	// PutTeam creates or replaces a team.
	PutTeam(ctx context.Context, t *Team) error
	// Team returns the team with the id. Returns ErrNotFound.
	Team(ctx context.Context, id string) (*Team, error)
	// Teams returns every team, ordered by ID.
	Teams(ctx context.Context) ([]*Team, error)

	// CreateConversation stores a new conversation. LastSeq is ignored and
	// stored as 0. Returns ErrConflict if the ID is taken.
	CreateConversation(ctx context.Context, c *Conversation) error
	// Conversation returns the conversation with the id. Returns
	// ErrNotFound.
	Conversation(ctx context.Context, id string) (*Conversation, error)
	// Conversations lists conversations matching the filter, newest
	// UpdatedAt first (or oldest CreatedAt first with f.OldestFirst), ties
	// broken by ascending ID; a zero time sorts as the oldest. With f.After
	// it lists only the conversations that come after that position in
	// this order, so that paging by the last conversation of each page
	// (f.CursorAfter) lists every conversation that does not change
	// meanwhile exactly once.
	Conversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error)
	// UpdateConversation replaces the mutable fields of a stored
	// conversation (Status, AssigneeID, ChatflowID, Properties, UpdatedAt,
	// ClosedAt, and SnoozedUntil for a Storage that is a StateChanger).
	// LastSeq is owned by AppendMessage and is not changed. Returns
	// ErrNotFound.
	UpdateConversation(ctx context.Context, c *Conversation) error

	// AssignConversation makes agentID the conversation's assignee if the
	// agent has fewer than capacity open conversations besides this one
	// (capacity <= 0: no limit), checking and assigning atomically, so
	// that the limit holds for concurrent callers and for several nodes
	// sharing the Storage. An empty agentID unassigns. UpdatedAt is set to
	// at. Returns the stored conversation; ErrNotFound, or ErrAtCapacity
	// (nothing changed).
	AssignConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*Conversation, error)
	// ClaimConversation makes agentID the assignee of a waiting
	// conversation, one that is open and has no assignee, if the agent has
	// fewer than capacity open conversations (capacity <= 0: no limit).
	// It checks and assigns atomically, so that of concurrent claims of one
	// conversation, from any node sharing the Storage, exactly one
	// succeeds, and the limit holds as for AssignConversation. UpdatedAt is
	// set to at. Returns the stored conversation; ErrNotFound, ErrConflict
	// when the conversation is no longer open or already has an assignee
	// (whatever the agent's load, and even if the assignee is agentID),
	// ErrAtCapacity, or ErrInvalid for an empty agentID; on an error
	// nothing changed.
	ClaimConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*Conversation, error)
	// OpenCounts returns how many open conversations each agent has
	// assigned; agents with none are absent.
	OpenCounts(ctx context.Context) (map[string]int, error)

	// AppendMessage adds m to its conversation, assigning m.Seq the next
	// number (dense from 1) atomically, and m.ID when empty. It is
	// idempotent on the client key (ConversationID, Sender, AuthorID,
	// ClientMsgID) when ClientMsgID is not empty: a repeat by the same
	// sender stores nothing and returns the original message with created
	// false. The same ClientMsgID from another sender (the visitor and an
	// agent, or two agents) is a new message: one sender's ids cannot
	// swallow another's text. A new message also moves the conversation's
	// UpdatedAt forward to m.CreatedAt (never back), so that conversation
	// lists show the newest activity first. The argument is not modified.
	// Returns ErrNotFound if the conversation does not exist.
	AppendMessage(ctx context.Context, m *Message) (stored *Message, created bool, err error)
	// MessageByClientID returns the message stored under the client key
	// (conversationID, sender, authorID, clientMsgID), as AppendMessage
	// keys it. Returns ErrNotFound when there is none, or when clientMsgID
	// is empty.
	MessageByClientID(ctx context.Context, conversationID string, sender SenderKind, authorID, clientMsgID string) (*Message, error)
	// Messages returns up to limit messages of the conversation with Seq
	// greater than afterSeq, in Seq order; a limit below 1 returns none.
	// Returns ErrNotFound if the conversation does not exist.
	Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]*Message, error)

	// SetReadMark records that the participant read up to mark.Seq. The
	// stored mark only moves forward: a lower Seq leaves it unchanged.
	// Returns the mark now stored. Returns ErrNotFound if the conversation
	// does not exist.
	SetReadMark(ctx context.Context, mark ReadMark) (ReadMark, error)
	// ReadMarks returns every participant's mark in the conversation.
	// Returns ErrNotFound if the conversation does not exist.
	ReadMarks(ctx context.Context, conversationID string) ([]ReadMark, error)

	// AddConsent stores a consent record; records are never changed.
	// Returns ErrConflict when the ID is taken.
	AddConsent(ctx context.Context, r *ConsentRecord) error
	// Consents returns a visitor's consent records, oldest first.
	Consents(ctx context.Context, visitorID string) ([]*ConsentRecord, error)

	// PutSurvey stores a conversation's survey answer. Returns ErrNotFound
	// for an unknown conversation and ErrConflict when it already has one.
	PutSurvey(ctx context.Context, a *SurveyAnswer) error
	// Survey returns a conversation's survey answer. Returns ErrNotFound.
	Survey(ctx context.Context, conversationID string) (*SurveyAnswer, error)

	// EraseVisitor deletes a visitor and everything of theirs: their
	// conversations with messages, read marks and survey answers, and their
	// consent records made before consentsBefore (later ones are kept as
	// proof until the host's retention ends). Erasing an unknown visitor
	// deletes whatever is left of them and is not an error.
	EraseVisitor(ctx context.Context, visitorID string, consentsBefore time.Time) error
	// EraseContact deletes a contact and unlinks the visitors linked to it.
	// Returns ErrNotFound.
	EraseContact(ctx context.Context, contactID string) error

	// Chatflows returns every stored chatflow, ordered by ID.
	Chatflows(ctx context.Context) ([]*ChatflowRecord, error)
	// Chatflow returns one chatflow. Returns ErrNotFound.
	Chatflow(ctx context.Context, id string) (*ChatflowRecord, error)
	// PutChatflow creates (when version is 0) or updates (when version is
	// the stored version) a chatflow, and returns the stored record with
	// its new Version. Returns ErrConflict when version is 0 and the ID
	// exists, or when version is stale; ErrNotFound when version is not 0
	// and the ID does not exist.
	PutChatflow(ctx context.Context, rec *ChatflowRecord, version int64) (*ChatflowRecord, error)
	// DeleteChatflow removes a chatflow. Returns ErrNotFound.
	DeleteChatflow(ctx context.Context, id string) error

	// Close releases the storage's resources.
	Close() error
}

// ConditionalAppender is an optional interface of a Storage: an append
// that checks the message's conversation in the same step. When the
// Storage has it, the Handler posts a visitor's or an agent's message
// with one call instead of reading the conversation first and appending
// after, and whenever that call stores nothing it answers as before:
// with Conversation, the checks in Go and AppendMessage. A Storage
// without it works the same, with one read more per message. The
// storage/storagetest suite checks it for every Storage that has it.
type ConditionalAppender interface {
	// AppendMessageIf is AppendMessage for a conversation that meets
	// cond, checked atomically with the append: no change to the
	// conversation, from any node sharing the Storage, can come between
	// the check and the append. It returns what AppendMessage returns and
	// the conversation as it is after the append (LastSeq and UpdatedAt
	// moved), or, for a repeat of the client key, as it is stored. When
	// the conversation does not meet cond it stores nothing and returns
	// ErrConflict, also for a repeat of the client key; ErrNotFound when
	// the conversation does not exist. The argument is not modified.
	AppendMessageIf(ctx context.Context, m *Message, cond AppendCondition) (stored *Message, conv *Conversation, created bool, err error)
}

// TeamDeleter is an optional interface of a Storage: deleting a stored
// team. The inbox's team settings delete teams with it; with a Storage
// without it, deleting a team is refused with ErrConflict and nothing
// changes (teams are still created, renamed and given members). The
// storage/storagetest suite checks it for every Storage that has it.
type TeamDeleter interface {
	// DeleteTeam removes the team with the id. It does not change any
	// agent. Returns ErrNotFound.
	DeleteTeam(ctx context.Context, id string) error
}

// AppendCondition is what ConditionalAppender.AppendMessageIf requires of
// a message's conversation. The zero value requires nothing.
type AppendCondition struct {
	// VisitorID, when not empty, is the visitor the conversation must
	// belong to.
	VisitorID string
	// NotClosed requires a Status other than StatusClosed.
	NotClosed bool
	// ExceptChatflows are chatflow ids the conversation's ChatflowID must
	// not be one of.
	ExceptChatflows []string
}

// Match reports whether c meets the condition.
func (cond AppendCondition) Match(c *Conversation) bool {
	if cond.VisitorID != "" && c.VisitorID != cond.VisitorID {
		return false
	}
	if cond.NotClosed && c.Status == StatusClosed {
		return false
	}
	return !slices.Contains(cond.ExceptChatflows, c.ChatflowID)
}

// ConversationFilter selects conversations. Zero fields match everything;
// the fields combine (AND).
type ConversationFilter struct {
	VisitorID  string
	Status     ConversationStatus
	AssigneeID string
	// Unassigned selects conversations without an assignee; it overrides
	// AssigneeID and AssigneeIDs.
	Unassigned bool
	// AssigneeIDs, when not empty, selects the conversations assigned to
	// one of these agents (the inbox's team filter: the team's members).
	// It combines with AssigneeID.
	AssigneeIDs []string
	// ChatflowID selects the conversations started in that chatflow.
	ChatflowID string
	// Limit caps the result; 0 means 100.
	Limit int
	// OldestFirst orders by CreatedAt, oldest first (a queue), instead of
	// newest UpdatedAt first.
	OldestFirst bool
	// After, when not nil, starts the list after this position: the
	// conversations that sort after it in the filter's order.
	After *ConversationCursor
}

// ConversationCursor is a position in a conversation list: the sort time
// and the ID of a conversation (UpdatedAt, or CreatedAt when the filter is
// OldestFirst). CursorAfter makes one from the last conversation of a
// page.
type ConversationCursor struct {
	At time.Time
	ID string
}

// CursorAfter returns the position just after c in a list ordered as f
// orders it.
func (f ConversationFilter) CursorAfter(c *Conversation) *ConversationCursor {
	if f.OldestFirst {
		return &ConversationCursor{At: c.CreatedAt, ID: c.ID}
	}
	return &ConversationCursor{At: c.UpdatedAt, ID: c.ID}
}
