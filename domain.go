package livechat

import (
	"encoding/json"
	"time"

	"github.com/golivechat/livechat/flow"
)

// Visitor is a browser that has loaded the widget. Its ID is random and is
// known to the browser only inside a signed token; it never appears in a
// URL.
type Visitor struct {
	ID        string `json:"id"`
	ContactID string `json:"contactId,omitempty"` // set once the visitor is linked to a Contact
	// Language is the visitor's preferred language (BCP 47) as last reported
	// by the widget.
	Language  string    `json:"language,omitempty"`
	PageURL   string    `json:"pageUrl,omitempty"` // last page the widget reported
	UserAgent string    `json:"userAgent,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// LastSeenAt is when the widget last reported a page view, to within
	// a minute (a page view on the same page in the same language as the
	// last, within a minute of it, is not stored).
	LastSeenAt time.Time `json:"lastSeenAt"`
}

// Contact is a person the team knows: an email address, a name, properties,
// and the agent who owns the relationship.
type Contact struct {
	ID         string            `json:"id"`
	Email      string            `json:"email,omitempty"`
	Name       string            `json:"name,omitempty"`
	Verified   bool              `json:"verified"` // email or identity confirmed by the host
	OwnerID    string            `json:"ownerId,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
}

// Agent is a member of the host's team who answers conversations. Agents
// are authenticated by the host through Config.AgentAuth; the Handler
// stores the returned Agent so that names and presence are known to every
// node, keeping the presence the agent chose and the team settings
// (TeamIDs, Skills, Capacity) that AgentAuth leaves empty, which the
// inbox's team settings may have set (see HostFields). Handler.PutAgents
// stores agents by the same rules before they first sign in.
type Agent struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Email     string   `json:"email,omitempty"`
	AvatarURL string   `json:"avatarUrl,omitempty"`
	TeamIDs   []string `json:"teamIds,omitempty"`
	Skills    []string `json:"skills,omitempty"`
	// Capacity is the most open conversations assigned at once; zero means
	// the Handler's default.
	Capacity int `json:"capacity,omitempty"`
	// Permissions the host grants, such as PermissionManageChatflows.
	Permissions []string `json:"permissions,omitempty"`
	// HostFields names the team settings that Config.AgentAuth set at the
	// agent's latest sign-in: AgentFieldTeamIDs when TeamIDs was not empty,
	// AgentFieldSkills when Skills was not empty, AgentFieldCapacity when Capacity
	// was above zero. The Handler fills it. A sign-in stores the host's
	// values of these fields and keeps the stored values of the others,
	// so that what the inbox's team settings changed is not undone by the
	// next sign-in; the team settings do not change the fields named
	// here, which the host keeps setting.
	HostFields []string `json:"hostFields,omitempty"`
	// Presence is the status the agent chose in the inbox.
	Presence Presence `json:"presence"`
	// LastSeenAt is when the agent last had the inbox connected (kept
	// current while connected); it only moves forward.
	LastSeenAt time.Time `json:"lastSeenAt,omitzero"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// PermissionManageChatflows lets an agent create, edit and publish
// chatflows.
const PermissionManageChatflows = "manage_chatflows"

// PermissionManageTeam lets an agent edit the team settings in the inbox:
// create, rename and delete teams, choose their members, and set each
// agent's capacity and skills.
const PermissionManageTeam = "manage_team"

// The team settings of an Agent, as Agent.HostFields names them (their
// JSON names).
const (
	AgentFieldTeamIDs  = "teamIds"
	AgentFieldSkills   = "skills"
	AgentFieldCapacity = "capacity"
)

// Can reports whether the agent has the permission p.
func (a *Agent) Can(p string) bool {
	for _, q := range a.Permissions {
		if q == p {
			return true
		}
	}
	return false
}

// Presence is the availability an agent chose.
type Presence string

// Agent presence values.
const (
	PresenceAway      Presence = "away"
	PresenceAvailable Presence = "available"
)

// Team is a named group of agents. Membership is recorded once, in each
// member's Agent.TeamIDs, which is what routing reads; a team id named
// there needs no stored Team to route by (a stored Team gives it a name
// and an avatar for the inbox and for chat headings).
type Team struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatarUrl,omitempty"`
	// AgentIDs is not read by routing. In the Handler's answers it lists
	// the agents whose TeamIDs name the team, ordered by ID; the Handler
	// stores teams without it.
	AgentIDs  []string  `json:"agentIds"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ConversationStatus is the state of a conversation in the inbox. Every
// status but StatusClosed takes messages from both sides, and visitors see
// them all as StatusOpen.
type ConversationStatus string

// Conversation statuses.
const (
	// StatusOpen: the team owes the visitor an answer.
	StatusOpen ConversationStatus = "open"
	// StatusPending: the team waits for the visitor; a visitor's message
	// makes the conversation open again.
	StatusPending ConversationStatus = "pending"
	// StatusSnoozed: set aside until Conversation.SnoozedUntil, when it
	// becomes open again by itself; a visitor's message makes it open
	// sooner.
	StatusSnoozed ConversationStatus = "snoozed"
	// StatusClosed: ended; the visitor may rate it and start another.
	StatusClosed ConversationStatus = "closed"
)

// Conversation is one chat between a visitor and the team.
type Conversation struct {
	ID         string             `json:"id"`
	VisitorID  string             `json:"-"`
	ChatflowID string             `json:"chatflowId,omitempty"`
	Status     ConversationStatus `json:"status"`
	AssigneeID string             `json:"assigneeId,omitempty"` // empty while unassigned
	// LastSeq is the sequence number of the newest message; 0 when empty.
	LastSeq int64  `json:"lastSeq"`
	PageURL string `json:"pageUrl,omitempty"` // where the visitor started it
	// Properties describe the conversation for agents and routing; a new
	// conversation starts with its chatflow's default properties.
	Properties map[string]string `json:"properties,omitempty"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	ClosedAt   time.Time         `json:"closedAt,omitzero"`
	// SnoozedUntil is when a snoozed conversation becomes open again by
	// itself; zero in every other status.
	SnoozedUntil time.Time `json:"snoozedUntil,omitzero"`
}

// SenderKind says who wrote a message.
type SenderKind string

// Message senders.
const (
	SenderVisitor SenderKind = "visitor"
	SenderAgent   SenderKind = "agent"
	SenderSystem  SenderKind = "system"
	// SenderNote is a private note an agent wrote in the thread for the
	// team: agents see it in sequence with the messages; visitors never
	// receive it, by any route (see PROTOCOL.md, "Private notes").
	SenderNote SenderKind = "note"
)

// Message is one entry of a conversation. Storage assigns ID when empty
// and always assigns Seq: the next number of the conversation, dense from 1.
type Message struct {
	ID             string     `json:"id"`
	ClientMsgID    string     `json:"clientMessageId,omitempty"`
	ConversationID string     `json:"conversationId"`
	Seq            int64      `json:"seq"`
	Sender         SenderKind `json:"sender"`
	// AuthorID is the agent's id for agent messages and the visitor's id
	// for visitor messages; it is never sent to visitors.
	AuthorID   string    `json:"-"`
	AuthorName string    `json:"authorName,omitempty"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"createdAt"`
	// Code names what a system message says, so that a client can show
	// it in its own language; Text is the English wording, for clients
	// that do not know the code. Empty for other messages.
	Code string `json:"code,omitempty"`
	// Attachment is the file the message carries, if any; its Text may
	// then be empty.
	Attachment *Attachment `json:"attachment,omitempty"`
}

// CodeConversationEnded is the Code of the system message that closes a
// conversation. Its AuthorName, when set, is who ended it (the agent, or
// the chatflow's brand name); the widget's texts "ended" and "endedBy" of
// package consent say it in the visitor's language.
const CodeConversationEnded = "conversation_ended"

// ReadMark records the newest sequence number a participant has read in a
// conversation. Participant is "visitor" or "agent:<agent id>".
type ReadMark struct {
	ConversationID string    `json:"conversationId"`
	Participant    string    `json:"participant"`
	Seq            int64     `json:"seq"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// ConsentRecord is one consent given or withdrawn: who, which kind, the
// text they saw (its SHA-256), and when. Records are only added; the
// latest record of a kind is the one in force.
type ConsentRecord struct {
	ID        string    `json:"id"`
	VisitorID string    `json:"visitorId"`
	ContactID string    `json:"contactId,omitempty"`
	Kind      string    `json:"kind"` // "cookies", "processing" or "communication:<subscription>"
	Granted   bool      `json:"granted"`
	TextHash  string    `json:"textHash"`
	At        time.Time `json:"at"`
}

// SurveyAnswer is a visitor's rating of a closed conversation: once per
// conversation.
type SurveyAnswer struct {
	ConversationID string    `json:"conversationId"`
	Rating         int       `json:"rating"` // 1 (worst) to 5 (best)
	Comment        string    `json:"comment,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
}

// ChatflowRecord is the stored form of a chatflow: its JSON document and a
// version for optimistic concurrency. The flow package owns the document's
// shape; Storage keeps it opaque.
type ChatflowRecord struct {
	ID        string          `json:"id"`
	Version   int64           `json:"version"` // 1 on create, +1 on each update
	Data      json.RawMessage `json:"data"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// EventType names what an Event reports.
type EventType string

// Event types, as they appear in the "type" field of protocol frames.
const (
	EventMessage      EventType = "message"      // a new message, with its seq
	EventConversation EventType = "conversation" // a conversation was created, assigned or closed
	EventTyping       EventType = "typing"       // a participant started or stopped typing; not stored
	EventRead         EventType = "read"         // a participant's read mark moved
	EventPresence     EventType = "presence"     // an agent's presence changed (agents only)
	EventSurvey       EventType = "survey"       // a visitor answered the survey (agents only)
)

// Event is what the Handler fans out to connected clients. Seq is the
// conversation's sequence number the event is current with; clients use it
// to resume after a reconnect.
type Event struct {
	Type           EventType     `json:"type"`
	ConversationID string        `json:"conversationId,omitempty"`
	Seq            int64         `json:"seq"`
	Message        *Message      `json:"message,omitempty"`
	Conversation   *Conversation `json:"conversation,omitempty"`
	// Survey is the answer on a survey event.
	Survey *SurveyAnswer `json:"survey,omitempty"`
	// Participant is set on typing and read events: "visitor" or
	// "agent:<id>".
	Participant string `json:"participant,omitempty"`
	Typing      bool   `json:"typing,omitempty"`
	AgentID     string `json:"agentId,omitempty"`
	// AuthorAlias, when set on a message event, is the name visitors see
	// instead of the agent's (a chatflow's brand alias).
	AuthorAlias string   `json:"authorAlias,omitempty"`
	Presence    Presence `json:"presence,omitempty"`
}

// PermissionManageData lets an agent export and erase what is stored about
// a visitor or contact.
const PermissionManageData = "manage_data"

// Export is everything stored about one visitor but the team's private
// notes: what a data request returns.
type Export struct {
	Visitor       *Visitor             `json:"visitor"`
	Contact       *Contact             `json:"contact,omitempty"`
	Conversations []ExportConversation `json:"conversations"`
	Consents      []*ConsentRecord     `json:"consents"`
}

// ExportConversation is one conversation with all its messages.
type ExportConversation struct {
	Conversation *Conversation `json:"conversation"`
	Messages     []*Message    `json:"messages"`
	ReadMarks    []ReadMark    `json:"readMarks"`
	Survey       *SurveyAnswer `json:"survey,omitempty"`
}

// MarketingContactProperty is the contact property set to "true" on
// contacts created by a chatflow whose consent settings mark them as
// marketing contacts.
const MarketingContactProperty = "marketing_contact"

// DefaultChatflowID is the id of the chatflow a Handler creates when the
// Storage has none and Config.Flows is empty.
const DefaultChatflowID = "default"

// StoredChatflow is a chatflow with the version optimistic concurrency
// checks: pass it back to UpdateChatflow.
type StoredChatflow struct {
	Version  int64          `json:"version"`
	Chatflow *flow.Chatflow `json:"chatflow"`
}
