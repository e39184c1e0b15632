package livechat

import (
	"context"
	"regexp"
	"strings"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
)

var textHashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// explicitConsent reports whether a chatflow needs the visitor's "I agree"
// before they may send.
func explicitConsent(f *flow.Chatflow) bool {
	p := f.Options.Consent.Processing
	return p.Enabled && string(p.Kind) == "explicit"
}

// hasConsent reports whether the visitor's latest record of the kind
// grants it.
func (e *engine) hasConsent(ctx context.Context, visitorID, kind string) (bool, error) {
	recs, err := e.store.Consents(ctx, visitorID)
	if err != nil {
		return false, err
	}
	granted := false
	for _, r := range recs {
		if r.Kind == kind {
			granted = r.Granted
		}
	}
	return granted, nil
}

// checkConsent refuses a visitor's message when their chat needs explicit
// consent to process data and none is recorded: the server enforces it,
// not only the widget.
func (e *engine) checkConsent(ctx context.Context, visitorID string, c *Conversation) error {
	f := e.flows.flowFor(ctx, c.ChatflowID)
	if f == nil || !explicitConsent(f) {
		return nil
	}
	ok, err := e.hasConsent(ctx, visitorID, string(consent.KindProcessing))
	if err != nil {
		return err
	}
	if !ok {
		return publicf(ErrConsentRequired, "the visitor has not agreed to the processing of their data")
	}
	return nil
}

// recordConsent stores a consent given or withdrawn by a visitor; see
// Handler.RecordConsent.
func (e *engine) recordConsent(ctx context.Context, visitorID, kind string, granted bool, textHash string) (*ConsentRecord, error) {
	if !consent.Kind(kind).Valid() {
		return nil, publicf(ErrInvalid, "kind must be cookies, processing or communication:<subscription id>")
	}
	textHash = strings.ToLower(textHash)
	if !textHashRE.MatchString(textHash) {
		return nil, publicf(ErrInvalid, "textHash must be the hex SHA-256 of the text shown")
	}
	v, err := e.store.Visitor(ctx, visitorID)
	if err != nil {
		return nil, err
	}
	r := &ConsentRecord{ID: newID(), VisitorID: v.ID, ContactID: v.ContactID, Kind: kind, Granted: granted, TextHash: textHash, At: e.now().UTC()}
	if err := e.store.AddConsent(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// recordImpliedConsent records, once, that a visitor who starts a
// conversation under legitimate interest was shown the processing text:
// starting to chat implies consent, and the record says to which text. It
// runs when a conversation starts, not on every message.
func (e *engine) recordImpliedConsent(ctx context.Context, visitorID string, c *Conversation) {
	f := e.flows.flowFor(ctx, c.ChatflowID)
	if f == nil || !f.Options.Consent.Processing.Enabled || f.Options.Consent.Processing.Kind != consent.ProcessingLegitimateInterest {
		return
	}
	if ok, err := e.hasConsent(ctx, visitorID, string(consent.KindProcessing)); err != nil || ok {
		return
	}
	v, err := e.store.Visitor(ctx, visitorID)
	if err != nil {
		return
	}
	lang := consent.Match(f.Options.Language, v.Language)
	text := f.Options.Consent.Texts(e.cfg.Texts, lang, consent.Sender{Company: e.cfg.Company}).Processing
	if _, err := e.recordConsent(ctx, visitorID, string(consent.KindProcessing), true, consent.TextHash(text)); err != nil {
		e.log.Warn("livechat: record implied consent", "err", err)
	}
}
