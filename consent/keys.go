package consent

// Key names one visitor-facing text of the chat. Its value is the text's
// name in the JSON object [Catalog.All] returns. A text may hold
// placeholders written {name}, listed with each key; [Catalog.Text] fills
// them and leaves the others for the widget.
type Key string

// Consent texts.
const (
	KeyCookieText    Key = "cookieText"    // the cookie banner
	KeyCookieAccept  Key = "cookieAccept"  // the banner's accept button
	KeyCookieDecline Key = "cookieDecline" // the banner's decline button
	KeyCookiesLabel  Key = "cookiesLabel"  // the banner's accessible name
	// KeyProcessingExplicitText asks for explicit consent to processing;
	// {privacyPolicyUrl} is the link of the privacy policy.
	KeyProcessingExplicitText Key = "processingExplicitText"
	// KeyProcessingLegitimateText tells the visitor their data is
	// processed under legitimate interest; {privacyPolicyUrl} as above.
	KeyProcessingLegitimateText Key = "processingLegitimateText"
	KeyProcessingAgree          Key = "processingAgree" // the "I agree" button
	// KeyCommunicationLabel is the communication checkbox label; {name}
	// is the company name, account name or site domain.
	KeyCommunicationLabel Key = "communicationLabel"
	// KeyCommunicationLabelUnnamed is the label when no name is known.
	KeyCommunicationLabelUnnamed Key = "communicationLabelUnnamed"
)

// Chat window texts.
const (
	KeyTitle          Key = "title"          // the header's default title
	KeyWelcome        Key = "welcome"        // the default welcome message
	KeyOpenChat       Key = "openChat"       // the launcher's accessible name
	KeyMinimiseChat   Key = "minimiseChat"   // the minimise button's accessible name
	KeyDismissMessage Key = "dismissMessage" // the prompt's close button's accessible name
	KeyMessages       Key = "messages"       // the message list's accessible name
	KeyMessageLabel   Key = "messageLabel"   // the message field's label
	KeySend           Key = "send"           // the send button's accessible name
	KeyWritePrompt    Key = "writePrompt"    // the message field's placeholder
	KeyLeaveMessage   Key = "leaveMessage"   // the placeholder while away or offline
	KeySending        Key = "sending"        // a message's state
	KeySent           Key = "sent"           // a message's state
	KeyRead           Key = "read"           // a message's state
	KeyRetry          Key = "retry"          // a failed message's retry button
	KeyAgent          Key = "agent"          // an agent without a name
	KeyTyping         Key = "typing"         // {name} is the agent's name
	KeyTypingUnnamed  Key = "typingUnnamed"  // an agent without a name is typing
	KeyUnreadOne      Key = "unreadOne"      // one unread message
	KeyUnreadMany     Key = "unreadMany"     // {n} (2 or more) unread messages
	KeyCharactersLeft Key = "charactersLeft" // {n} characters left before the limit
	KeyCharactersOver Key = "charactersOver" // {n} characters over the limit
	KeyPreview        Key = "preview"        // the tag of a chatflow preview
)

// Availability texts.
const (
	KeyAwayMessage    Key = "awayMessage"    // the team is away
	KeyOfflineMessage Key = "offlineMessage" // outside office hours
	KeyWaitMessage    Key = "waitMessage"    // every agent is busy
	// KeyReturnTime says when the chat opens again; {day} is the weekday
	// (with the date when more than six days away) and {time} the time of
	// day, both formatted by the browser in the visitor's time zone.
	KeyReturnTime    Key = "returnTime"
	KeyReplyMinutes  Key = "replyMinutes"  // typical reply time: a few minutes
	KeyReplyHour     Key = "replyHour"     // typical reply time: an hour
	KeyReplyHours    Key = "replyHours"    // typical reply time: a few hours
	KeyReplyDay      Key = "replyDay"      // typical reply time: a day
	KeyQueuePosition Key = "queuePosition" // {n} is the position, from 1
)

// Conversation texts.
const (
	KeyConversationEnded Key = "conversationEnded"
	KeyNewConversation   Key = "newConversation" // the button starting a new conversation
	// KeyEarlier opens the list of the visitor's earlier conversations.
	KeyEarlier Key = "earlier"
	// KeyEnded is the system message of a conversation someone ended.
	KeyEnded Key = "ended"
	// KeyEndedBy is that message when it names who ended it: {name}.
	KeyEndedBy Key = "endedBy"
)

// Email capture texts.
const (
	KeyEmailPrompt      Key = "emailPrompt"      // the default question
	KeyEmailPlaceholder Key = "emailPlaceholder" // the email field's placeholder
	KeyEmailSubmit      Key = "emailSubmit"      // the email form's button
	KeyEmailInvalid     Key = "emailInvalid"     // the address is not valid
	KeyEmailSaved       Key = "emailSaved"       // {email} is the address given
)

// Satisfaction survey texts.
const (
	KeySurveyQuestion Key = "surveyQuestion"
	KeySurveyRating1  Key = "surveyRating1" // the worst rating
	KeySurveyRating2  Key = "surveyRating2"
	KeySurveyRating3  Key = "surveyRating3"
	KeySurveyRating4  Key = "surveyRating4"
	KeySurveyRating5  Key = "surveyRating5" // the best rating
	KeySurveyComment  Key = "surveyComment" // the comment field's placeholder
	KeySurveySubmit   Key = "surveySubmit"
	KeySurveySkip     Key = "surveySkip"
	KeySurveyThanks   Key = "surveyThanks"
)

// Transcript texts: the widget's request of a transcript by email, and
// the mail itself.
const (
	KeyTranscriptAsk    Key = "transcriptAsk"    // the email field's label
	KeyTranscriptSent   Key = "transcriptSent"   // {email} is the address
	KeyTranscriptQueued Key = "transcriptQueued" // still trying to send it to {email}
	KeyTranscriptFailed Key = "transcriptFailed"
	KeyTranscriptTitle  Key = "transcriptTitle" // the mail's subject: {name} is the chat's
	// KeyTranscriptTitlePlain is the mail's subject when the chat has no name.
	KeyTranscriptTitlePlain Key = "transcriptTitlePlain"
	KeyTranscriptYou        Key = "transcriptYou" // the visitor, in the transcript
)

// KeyAttach names the widget's button that attaches a file.
const KeyAttach Key = "attach"

// Knowledge base texts.
const (
	KeyTabChat       Key = "tabChat"       // the Chat tab
	KeyTabHelp       Key = "tabHelp"       // the Help tab
	KeyHelpSearch    Key = "helpSearch"    // the search field's placeholder
	KeyHelpNoResults Key = "helpNoResults" // nothing found
	KeyHelpBack      Key = "helpBack"      // back from an article to the results
)

// Error texts.
const (
	KeyErrorSendFailed         Key = "errorSendFailed"
	KeyErrorTooLong            Key = "errorTooLong" // {max} is the limit in characters
	KeyErrorRateLimited        Key = "errorRateLimited"
	KeyErrorConversationClosed Key = "errorConversationClosed"
	KeyErrorConsentRequired    Key = "errorConsentRequired"
	KeyErrorConnection         Key = "errorConnection"  // the connection was lost
	KeyErrorUnavailable        Key = "errorUnavailable" // the chat cannot be reached
)

// keys is every Key in the order of its declaration.
var keys = []Key{
	KeyCookieText, KeyCookieAccept, KeyCookieDecline, KeyCookiesLabel,
	KeyProcessingExplicitText, KeyProcessingLegitimateText, KeyProcessingAgree,
	KeyCommunicationLabel, KeyCommunicationLabelUnnamed,

	KeyTitle, KeyWelcome, KeyOpenChat, KeyMinimiseChat, KeyDismissMessage,
	KeyMessages, KeyMessageLabel, KeySend, KeyWritePrompt, KeyLeaveMessage,
	KeySending, KeySent, KeyRead, KeyRetry, KeyAgent, KeyTyping, KeyTypingUnnamed,
	KeyUnreadOne, KeyUnreadMany, KeyCharactersLeft, KeyCharactersOver, KeyPreview,

	KeyAwayMessage, KeyOfflineMessage, KeyWaitMessage, KeyReturnTime,
	KeyReplyMinutes, KeyReplyHour, KeyReplyHours, KeyReplyDay, KeyQueuePosition,

	KeyConversationEnded, KeyNewConversation, KeyEarlier, KeyEnded, KeyEndedBy,

	KeyEmailPrompt, KeyEmailPlaceholder, KeyEmailSubmit, KeyEmailInvalid, KeyEmailSaved,

	KeySurveyQuestion, KeySurveyRating1, KeySurveyRating2, KeySurveyRating3,
	KeySurveyRating4, KeySurveyRating5, KeySurveyComment, KeySurveySubmit,
	KeySurveySkip, KeySurveyThanks,

	KeyTranscriptAsk, KeyTranscriptSent, KeyTranscriptQueued, KeyTranscriptFailed, KeyTranscriptTitle, KeyTranscriptTitlePlain, KeyTranscriptYou,

	KeyAttach,

	KeyTabChat, KeyTabHelp, KeyHelpSearch, KeyHelpNoResults, KeyHelpBack,

	KeyErrorSendFailed, KeyErrorTooLong, KeyErrorRateLimited,
	KeyErrorConversationClosed, KeyErrorConsentRequired, KeyErrorConnection,
	KeyErrorUnavailable,
}

// Keys returns every Key, in a fixed order.
func Keys() []Key { return append([]Key(nil), keys...) }

// Known reports whether k is one of Keys.
func (k Key) Known() bool {
	_, ok := defaults[langEnglish][k]
	return ok
}
