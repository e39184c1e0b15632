package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Kind is what a consent is given to.
type Kind string

// Kinds of consent; consent to communicate is per subscription, see
// CommunicationKind.
const (
	KindCookies    Kind = "cookies"    // storing the visitor token in the browser
	KindProcessing Kind = "processing" // processing the data shared in the chat
)

// kindCommunication prefixes the kinds of consent to communicate.
const kindCommunication = "communication:"

// CommunicationKind returns the kind of the consent to communicate about
// the subscription with id subscriptionID: "communication:" + id.
func CommunicationKind(subscriptionID string) Kind {
	return Kind(kindCommunication + subscriptionID)
}

// Subscription returns the subscription id of a kind of consent to
// communicate, and false for any other kind.
func (k Kind) Subscription() (id string, ok bool) {
	id, ok = strings.CutPrefix(string(k), kindCommunication)
	if !ok || !isID(id) {
		return "", false
	}
	return id, true
}

// Valid reports whether k is KindCookies, KindProcessing or the
// CommunicationKind of a valid subscription id.
func (k Kind) Valid() bool {
	_, ok := k.Subscription()
	return ok || k == KindCookies || k == KindProcessing
}

// Record is one consent given or withdrawn: who, to what, which text they
// were shown, and when. Records are only ever added; the latest record of
// a visitor and kind is in force.
type Record struct {
	// ID is assigned by whoever stores the record.
	ID string `json:"id"`
	// VisitorID is who gave it; ContactID the contact the visitor is
	// linked to, if any.
	VisitorID string `json:"visitorId"`
	ContactID string `json:"contactId,omitempty"`
	Kind      Kind   `json:"kind"`
	// Granted is true when consent was given, false when it was refused
	// or withdrawn.
	Granted bool `json:"granted"`
	// Text is the exact text the visitor was shown (after placeholders
	// were filled), and TextHash its TextHash, which proves which version
	// of the text it was even once Text is erased.
	Text     string `json:"text"`
	TextHash string `json:"textHash"`
	// At is when it was given, from the server's clock.
	At time.Time `json:"at"`
}

// TextHash returns the lowercase hex SHA-256 of text, byte for byte:
// two records share it exactly when their visitors saw the same text.
func TextHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// Required returns the consents a visitor must still give before they may
// send a message, given the latest decision per kind in granted (a
// missing kind is not given): KindProcessing when processing consent is
// enabled and explicit and not granted; nothing else. The server refuses
// a message while it is not empty.
//
// The other consents never block the chat: without cookie consent the
// widget keeps the visitor in page memory; consent to communicate is
// optional; under legitimate interest, starting to chat is the consent
// (see Implied), recorded when the visitor sends their first message.
func Required(s Settings, granted map[Kind]bool) (missing []Kind) {
	p := s.Processing
	if p.Enabled && p.Kind == ProcessingExplicit && !granted[KindProcessing] {
		missing = append(missing, KindProcessing)
	}
	return missing
}

// Implied returns the consents a visitor gives by starting to chat, to be
// recorded as granted with the text they were shown when their first
// message is accepted: KindProcessing under legitimate interest.
func Implied(s Settings) []Kind {
	p := s.Processing
	if p.Enabled && p.Kind == ProcessingLegitimateInterest {
		return []Kind{KindProcessing}
	}
	return nil
}
