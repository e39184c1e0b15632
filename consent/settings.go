package consent

// Settings are what a chat asks its visitors to agree to. The zero value
// asks for nothing but is not valid (Cookies.When and Processing.Kind are
// empty); start from [Defaults].
//
// Every text left empty is the default text of the chat's language (see
// [Settings.Texts]); a text that is set is shown as it is, in every
// language.
type Settings struct {
	Cookies       Cookies       `json:"cookies"`
	Processing    Processing    `json:"processing"`
	Communication Communication `json:"communication"`
	// MarketingContacts marks the contacts this chat creates as marketing
	// contacts. Default false.
	MarketingContacts bool `json:"marketingContacts"`
}

// Cookies is whether the widget asks before it stores anything persistent
// in the browser. Until the visitor accepts, the widget keeps the visitor
// token in page memory only: the chat works on that page and is forgotten
// when the visitor leaves. Visitors identified by the host are not asked.
type Cookies struct {
	// Enabled shows the banner. Default true.
	Enabled bool `json:"enabled"`
	// When is when the banner shows. Default BannerBeforeChat.
	When BannerWhen `json:"when"`
	// Text is the banner's text, up to MaxTextLen characters; it may hold
	// links written [label](url). Empty: KeyCookieText in the chat's
	// language.
	Text string `json:"text"`
}

// BannerWhen is when the cookie banner shows.
type BannerWhen string

// When the cookie banner shows.
const (
	BannerBeforeChat BannerWhen = "before_chat" // when the visitor opens the chat, before the first message
	BannerOnExit     BannerWhen = "on_exit"     // when the visitor starts to leave the page
)

// Processing is whether, and how, the visitor consents to the processing
// of the data they share in the chat.
type Processing struct {
	// Enabled shows the processing text. Default true.
	Enabled bool `json:"enabled"`
	// Kind is how consent is given. Default ProcessingExplicit.
	Kind ProcessingKind `json:"kind"`
	// Text is the processing text, up to MaxTextLen characters; it may
	// hold links written [label](url) and the placeholder
	// {privacyPolicyUrl}. Empty: KeyProcessingExplicitText or
	// KeyProcessingLegitimateText, by Kind, in the chat's language.
	Text string `json:"text"`
	// PrivacyPolicyURL replaces {privacyPolicyUrl} in the text: an http(s)
	// URL or a path starting with "/", up to MaxURLLen characters. Empty:
	// the default text's link shows as plain text.
	PrivacyPolicyURL string `json:"privacyPolicyUrl"`
}

// ProcessingKind is how a visitor consents to data processing.
type ProcessingKind string

// Kinds of consent to process data.
const (
	// ProcessingExplicit: the visitor clicks "I agree" before they can
	// send; the server refuses messages until the consent is recorded.
	ProcessingExplicit ProcessingKind = "explicit"
	// ProcessingLegitimateInterest: the text is shown, and starting to
	// chat implies consent (see Implied).
	ProcessingLegitimateInterest ProcessingKind = "legitimate_interest"
)

// Communication is the visitor's consent to be contacted later: one
// checkbox per subscription type of the host, none of them required.
type Communication struct {
	// Enabled shows the checkboxes; it needs at least one subscription.
	// Default false.
	Enabled bool `json:"enabled"`
	// Subscriptions are the host's subscription types, up to
	// MaxSubscriptions, one checkbox each; granting one is recorded as
	// CommunicationKind(ID).
	Subscriptions []Subscription `json:"subscriptions"`
	// Label is the checkbox label of every subscription without its own,
	// up to MaxLabelLen characters. Empty: CommunicationLabel of the
	// host's company name, account name or site domain.
	Label string `json:"label"`
}

// Subscription is one of the host's subscription types.
type Subscription struct {
	// ID is the host's id of the subscription type: 1 to MaxIDLen of
	// A-Z, a-z, 0-9, '_' and '-'. Required, unique in the chat.
	ID string `json:"id"`
	// Label is its checkbox label, up to MaxLabelLen characters; required
	// when there is more than one subscription, so the checkboxes differ.
	// Empty: Communication.Label.
	Label string `json:"label"`
}

// Defaults returns the lawful defaults: the cookie banner before the chat,
// explicit consent to processing, no communication checkboxes, contacts
// not marked as marketing contacts, and every text the default of the
// chat's language.
func Defaults() Settings {
	return Settings{
		Cookies:    Cookies{Enabled: true, When: BannerBeforeChat},
		Processing: Processing{Enabled: true, Kind: ProcessingExplicit},
	}
}
