package livechat

import (
	"encoding/hex"
	"math"
	"strings"
	"time"

	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
)

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
	// Unread is, in the config answer for a closed conversation, how many
	// messages others wrote past the visitor's read mark.
	Unread int `json:"unread,omitempty"`
}

func toVisitorConversation(c *Conversation) *visitorConversation {
	if c == nil {
		return nil
	}
	status := c.Status
	if status != StatusClosed {
		status = StatusOpen // pending and snoozed are the team's business
	}
	return &visitorConversation{ID: c.ID, Status: status, LastSeq: c.LastSeq, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ClosedAt: c.ClosedAt}
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
// visitors never see, private notes among them.
func visitorEvent(ev Event) (visitorEventFrame, bool) {
	switch ev.Type {
	case EventMessage, EventConversation, EventTyping, EventRead:
	default:
		return visitorEventFrame{}, false
	}
	if ev.Message != nil && !forVisitor(ev.Message) {
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

// forVisitor reports whether the conversation's visitor may receive m:
// every message but a private note.
func forVisitor(m *Message) bool { return m.Sender != SenderNote }

// visitorMessages returns msgs as a visitor of the conversation sees them:
// without private notes, with the brand standing in for agents when the
// chatflow says so.
func visitorMessages(msgs []*Message, alias string) []*Message {
	out := make([]*Message, 0, len(msgs))
	for _, m := range msgs {
		if forVisitor(m) {
			out = append(out, aliasMessage(m, alias))
		}
	}
	return out
}

func aliasMessage(m *Message, alias string) *Message {
	if m == nil || alias == "" || m.Sender != SenderAgent {
		return m
	}
	cp := *m
	cp.AuthorName = alias
	return &cp
}

// contactView is what a visitor is told of their contact: nothing they did
// not type themselves.
func contactView(c *Contact) map[string]any {
	return map[string]any{"email": c.Email, "verified": c.Verified}
}

type avatar struct {
	Name      string `json:"name"`
	AvatarURL string `json:"avatarUrl,omitempty"`
}

// chatConfig is a chatflow's public face: what the widget needs to show
// it, and nothing else.
type chatConfig struct {
	ChatflowID       string       `json:"chatflowId"`
	Title            string       `json:"title"`
	Subtitle         string       `json:"subtitle,omitempty"`
	Avatars          []avatar     `json:"avatars"`
	Welcome          string       `json:"welcome"`
	AccentColor      string       `json:"accentColor"`
	MaxMessageLength int          `json:"maxMessageLength"`
	Desktop          flow.Desktop `json:"desktop"`
	Mobile           flow.Mobile  `json:"mobile"`
	Preview          bool         `json:"preview"`
	// Language is the language of Texts and of the consent texts.
	Language string `json:"language"`
	// Texts are every visitor-facing text in Language.
	Texts map[consent.Key]string `json:"texts"`
	// Consent is what the visitor is asked to agree to, with its texts.
	Consent *chatConsent `json:"consent"`
	// KnowledgeBase is whether the widget has a Help tab.
	KnowledgeBase *chatKnowledge `json:"knowledgeBase,omitempty"`
	// Survey is shown when a conversation ends, when the chatflow names one.
	Survey *chatSurvey `json:"survey"`
	// EmailCapture is when to ask for the visitor's email address.
	EmailCapture flow.EmailCapture `json:"emailCapture"`
	// Availability is the chat's status now and what to show for it.
	Availability availability.Result `json:"availability"`
	// Transcript, when set, offers the transcript by email.
	Transcript *chatTranscript `json:"transcript,omitempty"`
	// Files is what the visitor may attach; nil when nothing.
	Files *chatFiles `json:"files,omitempty"`
}

// chatSurvey is the satisfaction survey the widget shows after a
// conversation ends: a 1-5 rating and an optional comment.
type chatSurvey struct {
	ID string `json:"id"`
}

func surveyOf(f *flow.Chatflow) *chatSurvey {
	if f.Options.SurveyID == "" {
		return nil
	}
	return &chatSurvey{ID: f.Options.SurveyID}
}

// chatConsent is a chatflow's consent settings as the widget shows them:
// each text split into plain text and safe links.
type chatConsent struct {
	Cookies       *consentText      `json:"cookies,omitempty"`
	Processing    *processingText   `json:"processing,omitempty"`
	Communication []consentCheckbox `json:"communication,omitempty"`
}

type consentText struct {
	When     consent.BannerWhen `json:"when,omitempty"`
	Text     string             `json:"text"`
	TextHash string             `json:"textHash"`
	Segments []consent.Segment  `json:"segments"`
}

type processingText struct {
	Kind consent.ProcessingKind `json:"kind"`
	consentText
}

type consentCheckbox struct {
	Kind     consent.Kind `json:"kind"`
	Label    string       `json:"label"`
	TextHash string       `json:"textHash"`
}

func textOf(s string) consentText {
	return consentText{Text: s, TextHash: consent.TextHash(s), Segments: consent.Segments(s)}
}

type chatKnowledge struct {
	Enabled bool `json:"enabled"`
}

// launcherTexts are the texts the launcher shows before the chat loads:
// its accessible name, the prompt's close button and the unread badge's
// announcement.
var launcherTexts = []consent.Key{consent.KeyOpenChat, consent.KeyDismissMessage, consent.KeyUnreadOne, consent.KeyUnreadMany}

// launcherChat is the chat as the config call answers it: what a page view
// needs to show the launcher, the prompt and the triggers. What only the
// open chat needs comes from the chat call as a chatConfig.
type launcherChat struct {
	ChatflowID  string `json:"chatflowId"`
	Welcome     string `json:"welcome"`
	AccentColor string `json:"accentColor"`
	// AccentText is the text colour readable on AccentColor.
	AccentText string       `json:"accentText"`
	Desktop    flow.Desktop `json:"desktop"`
	Mobile     flow.Mobile  `json:"mobile"`
	Preview    bool         `json:"preview"`
	Language   string       `json:"language"`
	// Texts are launcherTexts in Language.
	Texts map[consent.Key]string `json:"texts"`
	// CookieBanner is when the chat's cookie banner shows; empty without
	// one.
	CookieBanner consent.BannerWhen `json:"cookieBanner,omitempty"`
	// Availability is the chat's status and whether it shows.
	Availability launcherAvailability `json:"availability"`
}

type launcherAvailability struct {
	Status   availability.Status `json:"status"`
	ShowChat bool                `json:"showChat"`
}

// onAccent is the text colour readable on an accent colour "#rgb" or
// "#rrggbb": near-black on a light colour (relative luminance above 0.3),
// white on a dark one and on anything it cannot read.
func onAccent(c string) string {
	x, ok := strings.CutPrefix(c, "#")
	if len(x) == 3 {
		x = string([]byte{x[0], x[0], x[1], x[1], x[2], x[2]})
	}
	b, err := hex.DecodeString(x)
	if !ok || err != nil || len(b) != 3 {
		return "#fff"
	}
	lum := 0.0
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v := float64(b[i]) / 255
		if v <= 0.03928 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		lum += w * v
	}
	if lum > 0.3 {
		return "#111"
	}
	return "#fff"
}
