package flow

import (
	"slices"
	"time"

	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/routing"

	"github.com/golivechat/livechat/targeting"
)

// Chatflow is the whole configuration of one chat. The zero value is not
// valid; start from New (or Parse) so every field has its default.
type Chatflow struct {
	// ID identifies the chatflow: empty until whoever stores it assigns
	// one, then 1 to 64 of A-Z, a-z, 0-9, '_' and '-'.
	ID string `json:"id"`
	// Name is what the team calls the chat, 1 to 100 characters. Required.
	Name string `json:"name"`
	// Enabled means published: only enabled chatflows are offered to
	// visitors. Default true.
	Enabled bool `json:"enabled"`
	// Priority orders chatflows whose targeting matches the same page
	// view: the highest wins. -1,000,000 to 1,000,000; default 0.
	Priority int `json:"priority"`
	// CreatedAt and UpdatedAt are set by whoever stores the chatflow;
	// New leaves them zero. Parse returns them in UTC.
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`

	Build        Build           `json:"build"`
	Target       targeting.Rules `json:"target"` // no groups: every page
	Display      Display         `json:"display"`
	Availability Availability    `json:"availability"`
	Options      Options         `json:"options"`
}

// Build is what the chat says and who answers it.
type Build struct {
	// Welcome is the first message the visitor sees, up to 1,000
	// characters. Required when a display behaviour shows it as a prompt.
	// Default DefaultWelcome.
	Welcome       string        `json:"welcome"`
	EmailCapture  EmailCapture  `json:"emailCapture"`
	Assignment    Assignment    `json:"assignment"`
	KnowledgeBase KnowledgeBase `json:"knowledgeBase"`
}

// EmailCapture is when the chat asks the visitor for an email address.
type EmailCapture struct {
	// Mode is when to ask. Default EmailWhenAway.
	Mode EmailMode `json:"mode"`
	// Prompt is the question, up to 500 characters. Empty: the default
	// text in the chat's language. Default DefaultEmailPrompt.
	Prompt string `json:"prompt"`
}

// EmailMode is when the chat asks for an email address.
type EmailMode string

// Email capture modes.
const (
	EmailNever              EmailMode = "never"
	EmailBeforeFirstMessage EmailMode = "before_first_message"
	EmailAfterFirstMessage  EmailMode = "after_first_message"
	EmailWhenAway           EmailMode = "when_away" // only while the team is away or offline
)

// Assignment is who may receive the chat's new conversations and how one
// of them is chosen. The routing issue fills in skills and capacity.
type Assignment struct {
	// UserIDs and TeamIDs are the host's agent and team ids, up to 100
	// each. Both empty: every agent.
	UserIDs []string `json:"userIds"`
	TeamIDs []string `json:"teamIds"`
	// Strategy chooses among them. Default StrategyRoundRobin.
	Strategy Strategy `json:"strategy"`
	// SkillRules give a conversation required skills from its language,
	// page, chatflow or the visitor's contact properties; only agents
	// with every required skill are eligible, whatever the strategy.
	SkillRules []routing.SkillRule `json:"skillRules"`
}

// Strategy is how a new conversation picks its agent.
type Strategy string

// Routing strategies.
const (
	StrategyRoundRobin   Strategy = "round_robin"
	StrategyLeastBusy    Strategy = "least_busy"    // fewest open conversations
	StrategyContactOwner Strategy = "contact_owner" // the contact's owner when known and available, else round robin
	StrategySkills       Strategy = "skills"        // only agents with the skills the conversation needs
)

// KnowledgeBase is whether the widget has a Help tab searching articles.
type KnowledgeBase struct {
	Enabled bool `json:"enabled"` // default false
	// BaseID, up to 128 characters, is kept with the chatflow for the
	// host's own use; the Handler searches Config.Knowledge whatever it
	// says.
	BaseID string `json:"baseId"`
}

// Display is how the chat looks and opens.
type Display struct {
	// AccentColor is "#rrggbb". Default DefaultAccentColor.
	AccentColor string  `json:"accentColor"`
	Heading     Heading `json:"heading"`
	Desktop     Desktop `json:"desktop"`
	Mobile      Mobile  `json:"mobile"`
}

// Heading is who the chat's header presents.
type Heading struct {
	// Kind is who is shown. Default HeadingAgents.
	Kind HeadingKind `json:"kind"`
	// Title is the header's first line, up to 100 characters. Default
	// DefaultTitle.
	Title string `json:"title"`
	// Subtitle is the header's second line, up to 200 characters.
	Subtitle string `json:"subtitle"`
	// UserIDs and TeamIDs are the agents and teams whose names and avatars
	// are shown (the first 3 found), up to 100 each: for HeadingAgents
	// (both empty: the available agents the assignment routes to) and as
	// the fallback of HeadingOwner.
	UserIDs []string `json:"userIds"`
	TeamIDs []string `json:"teamIds"`
	// BrandName (up to 100 characters, required for HeadingBrand) and
	// BrandAvatarURL (an http(s) URL or a path starting with "/", up to
	// 2,048 characters) are shown for HeadingBrand.
	BrandName      string `json:"brandName"`
	BrandAvatarURL string `json:"brandAvatarUrl"`
	// BrandAlias, only with HeadingBrand, presents every agent as the
	// brand for the whole conversation: agents' own names and avatars
	// never reach the visitor, in live events, replays, history and long
	// polls alike.
	BrandAlias bool `json:"brandAlias"`
}

// HeadingKind is who the chat's header presents.
type HeadingKind string

// Heading kinds.
const (
	HeadingAgents HeadingKind = "agents" // Heading.UserIDs and TeamIDs
	HeadingOwner  HeadingKind = "owner"  // the contact's owner, else Heading.UserIDs and TeamIDs
	HeadingBrand  HeadingKind = "brand"  // Heading.BrandName and BrandAvatarURL
)

// Desktop is how the chat opens on desktop browsers.
type Desktop struct {
	// Behavior is what shows first. Default DesktopPrompt.
	Behavior DesktopBehavior `json:"behavior"`
	// Triggers open the chat under DesktopOpenOnTrigger, which needs at
	// least one; other behaviours ignore them.
	Triggers Triggers `json:"triggers"`
}

// DesktopBehavior is what a desktop visitor sees first.
type DesktopBehavior string

// Desktop behaviours.
const (
	DesktopPrompt   DesktopBehavior = "prompt"   // the welcome message above the launcher
	DesktopLauncher DesktopBehavior = "launcher" // the launcher only
	// DesktopOpenOnTrigger shows the welcome message, then opens the chat
	// when a trigger fires or the visitor clicks, whichever comes first.
	DesktopOpenOnTrigger DesktopBehavior = "open_on_trigger"
)

// Triggers open the chat on desktop; any one firing is enough.
type Triggers struct {
	// ExitIntent fires when the pointer leaves through the top of the
	// window.
	ExitIntent bool `json:"exitIntent"`
	// SecondsOnPage fires after that many seconds on the page: 0 (off)
	// to 3,600.
	SecondsOnPage int `json:"secondsOnPage"`
	// ScrollPercent fires when that much of the page is scrolled: 0 (off)
	// to 100.
	ScrollPercent int `json:"scrollPercent"`
}

// Mobile is how the chat opens on phones.
type Mobile struct {
	// Behavior is what shows first. Default MobileLauncher.
	Behavior MobileBehavior `json:"behavior"`
}

// MobileBehavior is what a mobile visitor sees first.
type MobileBehavior string

// Mobile behaviours.
const (
	MobilePrompt   MobileBehavior = "prompt"   // the welcome message above the launcher
	MobileLauncher MobileBehavior = "launcher" // the launcher only
)

// Availability is when the chat is answered (agents' presence, office
// hours in a time zone, or 24/7) and what visitors see when it is not:
// package availability owns the type, its defaults and its rules.
type Availability = availability.Settings

// Options are the chat's language, the defaults of the conversations it
// creates, its survey and its consent settings.
type Options struct {
	// Language is the chat's BCP 47 language tag, used for default texts.
	// Default "en".
	Language string `json:"language"`
	// ConversationProperties are set on every conversation this chat
	// creates: up to 50, names of 1 to 64 of A-Z, a-z, 0-9, '_', '-' and
	// '.', values up to 1,000 characters.
	ConversationProperties map[string]string `json:"conversationProperties"`
	// SurveyID is the satisfaction survey shown when a conversation is
	// closed, up to 128 characters. Empty: none.
	SurveyID string  `json:"surveyId"`
	Consent  Consent `json:"consent"`
	// Files is what visitors and agents may attach (see Files).
	Files Files `json:"files"`
}

// Consent is what the chat asks visitors to agree to (cookies, the
// processing of their data, being contacted later): package consent owns
// the type, its defaults, texts and rules.
type Consent = consent.Settings

// Defaults of New.
const (
	DefaultWelcome     = "Hi! How can we help you today?"
	DefaultEmailPrompt = "What's your email address? We'll reply there if we miss you here."
	DefaultAccentColor = "#2f6fed"
	DefaultTitle       = "Chat with us"
	DefaultLanguage    = "en"
)

// New returns a chatflow named name with every default filled in: a
// published (Enabled) chat in English on every page, answered by every
// agent in round robin, showing the welcome message as a prompt on desktop
// and the launcher on mobile, asking for an email address only when nobody
// is available, with cookie consent and consent to process data by
// legitimate interest (the text is shown; an explicit "I agree" is a
// choice per chatflow). ID and the times are left for whoever stores it;
// Priority is 0.
func New(name string) *Chatflow {
	return &Chatflow{
		Name:    name,
		Enabled: true,
		Build: Build{
			Welcome:      DefaultWelcome,
			EmailCapture: EmailCapture{Mode: EmailWhenAway, Prompt: DefaultEmailPrompt},
			Assignment:   Assignment{Strategy: StrategyRoundRobin},
		},
		Display: Display{
			AccentColor: DefaultAccentColor,
			Heading:     Heading{Kind: HeadingAgents, Title: DefaultTitle},
			Desktop:     Desktop{Behavior: DesktopPrompt},
			Mobile:      Mobile{Behavior: MobileLauncher},
		},
		Availability: availability.Defaults(),
		Options: Options{
			Language: DefaultLanguage,
			Consent:  defaultConsent(),
			Files:    Files{Enabled: true, MaxSize: DefaultMaxFileSize, Types: slices.Clone(DefaultFileTypes)},
		},
	}
}

// defaultConsent is consent.Defaults with consent to process data by
// legitimate interest: the text is shown and chatting implies consent, so
// a new chat works at once; an explicit "I agree" is a choice per chatflow.
func defaultConsent() Consent {
	c := consent.Defaults()
	c.Processing.Kind = consent.ProcessingLegitimateInterest
	return c
}
