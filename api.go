package livechat

import (
	"context"

	"github.com/golivechat/livechat/flow"
)

// The host's Go API. Each method is the engine's own operation, the one
// the HTTP and WebSocket endpoints call, so that a conversation behaves
// the same whichever way it is driven.

// StartConversation returns the visitor's open conversation, or starts one
// when there is none; created reports which. pageURL is where the visitor
// started it. It returns ErrNotFound for an unknown visitor.
func (h *Handler) StartConversation(ctx context.Context, visitorID, pageURL string) (conv *Conversation, created bool, err error) {
	return h.eng.startConversation(ctx, visitorID, pageURL, "", nil)
}

// Conversation returns one conversation. Returns ErrNotFound.
func (h *Handler) Conversation(ctx context.Context, id string) (*Conversation, error) {
	return h.eng.store.Conversation(ctx, id)
}

// Conversations lists conversations, newest activity first: at most
// f.Limit (0 means 100), after f.After when set. ConversationPage pages
// through all of them with an opaque cursor.
func (h *Handler) Conversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error) {
	return h.eng.store.Conversations(ctx, f)
}

// ConversationPage lists one page of the conversations matching f, in f's
// order, starting after cursor (empty: from the start), and returns the
// cursor of the next page: empty when this page is the last. f.Limit is
// the page size, 1 to 100 (0 means 100); f.After is ignored, the cursor
// takes its place. Cursors are opaque: pass back what the previous call
// returned, with the same filter.
//
// Paging is by position (keyset), not by offset: conversations that start
// or change while you page do not shift the pages still to come, so one
// that does not change meanwhile is listed exactly once. One that gets
// newer activity meanwhile moves ahead of the cursor, to the first page.
// Returns ErrInvalid for a malformed cursor or a limit outside 0 to 100.
func (h *Handler) ConversationPage(ctx context.Context, f ConversationFilter, cursor string) (page []*Conversation, next string, err error) {
	return h.eng.conversationPage(ctx, f, cursor)
}

// Messages returns up to limit messages of a conversation after the
// sequence number after, in order, the agents' private notes included:
// leave out those with Sender SenderNote before showing them to a
// visitor. Returns ErrNotFound.
func (h *Handler) Messages(ctx context.Context, conversationID string, after int64, limit int) ([]*Message, error) {
	return h.eng.store.Messages(ctx, conversationID, after, limit)
}

// Send posts a visitor's message to their conversation; it is stored
// before Send returns. clientMsgID makes a retry safe: a repeat returns the
// original message, even once the conversation is closed. Returns
// ErrNotFound for a conversation that is not the visitor's, ErrClosed when
// it is closed, ErrInvalid or ErrTooLarge for bad text.
func (h *Handler) Send(ctx context.Context, visitorID, conversationID, clientMsgID, text string) (*Message, error) {
	m, _, err := h.eng.sendAsVisitor(ctx, visitorID, conversationID, clientMsgID, text)
	return m, err
}

// Reply posts an agent's message to a conversation; it is stored before
// Reply returns. clientMsgID may be empty; when set, a repeat returns the
// original message. Returns ErrNotFound, ErrInvalid or ErrTooLarge.
func (h *Handler) Reply(ctx context.Context, conversationID, agentID, clientMsgID, text string) (*Message, error) {
	m, _, err := h.eng.sendAsAgent(ctx, conversationID, agentID, clientMsgID, text)
	return m, err
}

// CloseConversation closes a conversation on behalf of an agent (agentID
// may be empty for the host itself) and adds a system message so that
// every client learns it in sequence. Closing a closed conversation
// changes nothing. Returns ErrNotFound.
func (h *Handler) CloseConversation(ctx context.Context, conversationID, agentID string) (*Conversation, error) {
	return h.eng.closeConversation(ctx, conversationID, agentID)
}

// Assign gives a conversation to an agent, within the agent's capacity;
// an empty agentID unassigns it. Returns ErrNotFound for an unknown
// conversation or agent and ErrAtCapacity when the agent has no room.
func (h *Handler) Assign(ctx context.Context, conversationID, agentID string) (*Conversation, error) {
	return h.eng.assign(ctx, conversationID, agentID)
}

// SetPresence sets an agent's presence and tells the other agents.
// Returns ErrNotFound for an unknown agent and ErrInvalid for an unknown
// presence.
func (h *Handler) SetPresence(ctx context.Context, agentID string, p Presence) (*Agent, error) {
	return h.eng.setPresence(ctx, agentID, p)
}

// PutAgents registers the host's agents before they sign in, so that the
// inbox's team settings and the chatflow editor's agent pickers list them
// from the start; call it at startup with the agents Config.AgentAuth will
// return. Each agent is stored as its sign-in stores it: the profile and
// permissions as given, the team settings it sets (see Agent.HostFields)
// replacing what the team settings chose and the others kept as stored, so
// a later sign-in returning the same agent changes nothing. Presence and
// LastSeenAt are never set here: a new agent is away until it opens the
// inbox, and HostFields and UpdatedAt are filled by the Handler. Calling it
// again with the same agents changes nothing.
//
// Every agent is checked first: a nil agent, an ID that is not 1 to 64 of
// A-Z, a-z, 0-9, "_" and "-" (as for AgentAuth), or an ID listed twice
// returns ErrInvalid naming each by its index ("[1].id: ...") and stores
// none. A Storage error stops at that agent; the agents before it are
// stored.
func (h *Handler) PutAgents(ctx context.Context, agents ...*Agent) error {
	return h.eng.routing.putAgents(ctx, agents)
}

// RecordConsent stores a consent given or withdrawn by a visitor, with the
// SHA-256 (hex) of the text they were shown. Returns ErrInvalid for an
// unknown kind or a malformed hash, ErrNotFound for an unknown visitor.
func (h *Handler) RecordConsent(ctx context.Context, visitorID, kind string, granted bool, textHash string) (*ConsentRecord, error) {
	return h.eng.recordConsent(ctx, visitorID, kind, granted, textHash)
}

// Chatflows returns every stored chatflow, published or not, ordered by ID.
func (h *Handler) Chatflows(ctx context.Context) ([]StoredChatflow, error) {
	return h.editor.list(ctx)
}

// Chatflow returns one stored chatflow. Returns ErrNotFound.
func (h *Handler) Chatflow(ctx context.Context, id string) (StoredChatflow, error) {
	return h.editor.get(ctx, id)
}

// CreateChatflow validates and stores a new chatflow, assigning an ID when
// it has none. Returns ErrInvalid with every field error (nothing is
// stored) or ErrConflict when the ID is taken.
func (h *Handler) CreateChatflow(ctx context.Context, f *flow.Chatflow) (StoredChatflow, error) {
	return h.editor.create(ctx, f)
}

// UpdateChatflow replaces a stored chatflow if version is still its
// version. Returns ErrInvalid with every field error, ErrConflict for a
// stale version, ErrNotFound. Nothing is stored on error.
func (h *Handler) UpdateChatflow(ctx context.Context, f *flow.Chatflow, version int64) (StoredChatflow, error) {
	return h.editor.update(ctx, f, version)
}

// PublishChatflow turns a chatflow on (published) or off. version 0 means
// the current version. Returns ErrNotFound or ErrConflict.
func (h *Handler) PublishChatflow(ctx context.Context, id string, on bool, version int64) (StoredChatflow, error) {
	return h.editor.publish(ctx, id, on, version)
}

// DeleteChatflow removes a chatflow; version 0 skips the version check.
// Returns ErrNotFound or ErrConflict.
func (h *Handler) DeleteChatflow(ctx context.Context, id string, version int64) error {
	return h.editor.delete(ctx, id, version)
}

// ExportVisitor gathers everything stored about a visitor, for the
// visitor: the team's private notes (SenderNote) are left out. Returns
// ErrNotFound.
func (h *Handler) ExportVisitor(ctx context.Context, visitorID string) (*Export, error) {
	return h.visitors.export(ctx, visitorID)
}

// EraseVisitor deletes everything stored about a visitor: conversations,
// messages, read marks, survey answers, attached files (their records
// and, from Config.Files, their bytes), and consent records older than
// Config.ConsentRetention; with contact true, also the contact linked to
// them. Their live connections are closed. Returns ErrNotFound for an
// unknown visitor.
func (h *Handler) EraseVisitor(ctx context.Context, visitorID string, contact bool) error {
	return h.visitors.erase(ctx, visitorID, contact)
}
