package livechat

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/golivechat/livechat/identity"
)

// visitors keeps what is known of visitors and their contacts: the
// identity the host vouches for, the email a visitor gives, survey
// answers, and data requests (export and erasure).
type visitors struct {
	// contactMu makes an agent's contact edit, and the host's identity
	// updating a verified contact, one read, check and write on this node.
	contactMu sync.Mutex
	cfg       *Config // read only
	store     Storage
	out       *outbox
	flows     *flowCache
	now       func() time.Time
	// closeLive ends a visitor's live connections on this node.
	closeLive func(visitorID string)
	files     *attachments // erased with the visitor; nil without Config.Files
}

// linkIdentity makes sure an identified visitor has their contact, with
// the name and email the host vouched for, marked verified.
//
// It holds contactMu, so an agent's edit on this node never writes back
// the name it replaces.
func (vs *visitors) linkIdentity(ctx context.Context, v *Visitor, c identity.Claims) error {
	vs.contactMu.Lock()
	defer vs.contactMu.Unlock()
	contactID := "c-" + userHash(c)
	now := vs.now().UTC()
	ct, err := vs.store.Contact(ctx, contactID)
	switch {
	case isNotFound(err):
		ct = &Contact{ID: contactID, Name: c.Name, Email: c.Email, Verified: true, CreatedAt: now, UpdatedAt: now}
		if err := vs.store.CreateContact(ctx, ct); err != nil {
			// The email may belong to an older, unverified contact: keep
			// the identity without claiming that address.
			ct.Email = ""
			if err := vs.store.CreateContact(ctx, ct); err != nil {
				return err
			}
		}
	case err != nil:
		return err
	case ct.Name != c.Name || !ct.Verified:
		ct.Name, ct.Verified, ct.UpdatedAt = c.Name, true, now
		if err := vs.store.UpdateContact(ctx, ct); err != nil {
			return err
		}
	}
	if v.ContactID != contactID {
		v.ContactID = contactID
		return vs.store.UpdateVisitor(ctx, v)
	}
	return nil
}

// normalizeEmail checks a visitor-typed address: one plain address,
// "name@domain", at most 254 bytes.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 {
		return "", publicf(ErrInvalid, "email must be 1 to 254 bytes")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", publicf(ErrInvalid, "email is not a valid address")
	}
	return s, nil
}

// find returns a stored visitor, or nil when there is none.
func (vs *visitors) find(ctx context.Context, id string) (*Visitor, error) {
	v, err := vs.store.Visitor(ctx, id)
	if isNotFound(err) {
		return nil, nil
	}
	return v, err
}

// create stores a new visitor seen now, from what the page view told:
// v's ID, PageURL, Language and UserAgent (each cut to its limit). A
// visitor the host identified may have been created meanwhile by another
// of their devices: that is no error.
func (vs *visitors) create(ctx context.Context, v *Visitor, identified bool) (*Visitor, error) {
	now := vs.now().UTC()
	v.CreatedAt, v.LastSeenAt = now, now
	v.PageURL = truncate(v.PageURL, 2048)
	v.UserAgent = truncate(v.UserAgent, 512)
	if err := vs.store.CreateVisitor(ctx, v); err != nil && !(identified && errors.Is(err, ErrConflict)) {
		return nil, err
	}
	return v, nil
}

// touch records that a known visitor viewed a page now, in language
// (kept as it was when empty). A page view that changes neither within
// touchEvery of the last one that was stored writes nothing.
func (vs *visitors) touch(ctx context.Context, v *Visitor, pageURL, language string) error {
	now := vs.now().UTC()
	pageURL = truncate(pageURL, maxPageURL)
	if pageURL == v.PageURL && (language == "" || language == v.Language) && now.Sub(v.LastSeenAt) >= 0 && now.Sub(v.LastSeenAt) < touchEvery {
		return nil // nothing changed: no write on every page view
	}
	v.LastSeenAt = now
	v.PageURL = pageURL
	if language != "" {
		v.Language = language
	}
	return vs.store.UpdateVisitor(ctx, v)
}

// touchEvery is how often a visitor's LastSeenAt moves forward while
// nothing else about them changes.
const touchEvery = time.Minute

// current is the visitor's conversation that is not closed (open,
// pending or snoozed) if there is one, else the last one they started,
// else nil: a late message in a closed conversation must not hide the one
// going, and an agent's private note in an old conversation (which moves
// its UpdatedAt) must not bring it back to the visitor's widget.
func (vs *visitors) current(ctx context.Context, visitorID string) (*Conversation, error) {
	active, _, err := activeConversation(ctx, vs.store, visitorID)
	if err != nil || active != nil {
		return active, err
	}
	// Of the visitor's 100 most recently active conversations, the one
	// they started last.
	convs, err := vs.store.Conversations(ctx, ConversationFilter{VisitorID: visitorID})
	if err != nil || len(convs) == 0 {
		return nil, err
	}
	latest := convs[0]
	for _, c := range convs[1:] {
		if c.CreatedAt.After(latest.CreatedAt) {
			latest = c
		}
	}
	return latest, nil
}

// captureEmail records the email a visitor gave: a known address
// (compared case-insensitively) links the visitor to that contact, an
// unknown one creates a contact. Either way the contact stays unverified
// unless the host verified it, and a visitor sees only their own
// conversations, so typing someone's address reveals nothing of theirs.
// It returns the visitor's contact.
func (vs *visitors) captureEmail(ctx context.Context, visitorID, address, chatflowID string) (*Contact, error) {
	email, err := normalizeEmail(address)
	if err != nil {
		return nil, err
	}
	v, err := vs.store.Visitor(ctx, visitorID)
	if err != nil {
		return nil, err
	}
	if v.ContactID != "" {
		if c, err := vs.store.Contact(ctx, v.ContactID); err == nil && c.Verified {
			// An identified user keeps the contact the host vouched for.
			return c, nil
		}
	}
	c, err := vs.store.ContactByEmail(ctx, email)
	if isNotFound(err) {
		now := vs.now().UTC()
		c = &Contact{ID: newID(), Email: email, CreatedAt: now, UpdatedAt: now}
		if f := vs.flows.flowFor(ctx, chatflowID); f != nil && f.Options.Consent.MarketingContacts {
			// The chatflow marks the contacts it creates for marketing.
			c.Properties = map[string]string{MarketingContactProperty: "true"}
		}
		err = vs.store.CreateContact(ctx, c)
		if errors.Is(err, ErrConflict) { // created meanwhile
			c, err = vs.store.ContactByEmail(ctx, email)
		}
	}
	if err != nil {
		return nil, err
	}
	if v.ContactID != c.ID {
		v.ContactID = c.ID
		if err := vs.store.UpdateVisitor(ctx, v); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// maxSurveyComment is the longest survey comment, in characters.
const maxSurveyComment = 1000

// answerSurvey stores the visitor's rating of a closed conversation, once,
// and tells the agents.
func (vs *visitors) answerSurvey(ctx context.Context, c *Conversation, rating int, comment string) (*SurveyAnswer, error) {
	if f := vs.flows.flowFor(ctx, c.ChatflowID); f == nil || f.Options.SurveyID == "" {
		return nil, publicf(ErrInvalid, "this conversation's chat has no survey")
	}
	if c.Status != StatusClosed {
		return nil, publicf(ErrInvalid, "the survey opens when the conversation has ended")
	}
	if rating < 1 || rating > 5 {
		return nil, publicf(ErrInvalid, "rating must be 1 to 5")
	}
	comment = strings.TrimSpace(comment)
	if n := utf8.RuneCountInString(comment); n > maxSurveyComment {
		return nil, publicf(ErrTooLarge, "comment is too long (limit %d characters)", maxSurveyComment)
	}
	a := &SurveyAnswer{ConversationID: c.ID, Rating: rating, Comment: comment, CreatedAt: vs.now().UTC()}
	if err := vs.store.PutSurvey(ctx, a); errors.Is(err, ErrConflict) {
		return nil, fmt.Errorf("%w (%w)", publicf(ErrConflict, "the survey has already been answered"), err)
	} else if err != nil {
		return nil, err
	}
	vs.out.publish(ctx, Event{Type: EventSurvey, ConversationID: c.ID, Seq: c.LastSeq, Survey: a})
	return a, nil
}

// export gathers everything stored about a visitor.
func (vs *visitors) export(ctx context.Context, visitorID string) (*Export, error) {
	v, err := vs.store.Visitor(ctx, visitorID)
	if err != nil {
		return nil, err
	}
	out := &Export{Visitor: v, Conversations: []ExportConversation{}}
	if v.ContactID != "" {
		if c, err := vs.store.Contact(ctx, v.ContactID); err == nil {
			out.Contact = c
		} else if !isNotFound(err) {
			return nil, err
		}
	}
	convs, err := vs.store.Conversations(ctx, ConversationFilter{VisitorID: visitorID, Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	for _, c := range convs {
		ec := ExportConversation{Conversation: c, Messages: []*Message{}}
		for after := int64(0); ; {
			page, err := vs.store.Messages(ctx, c.ID, after, 500)
			if err != nil {
				return nil, err
			}
			// A private note is the team's, not the visitor's: an export
			// goes to the visitor.
			ec.Messages = append(ec.Messages, visitorMessages(page, "")...)
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].Seq
		}
		if ec.ReadMarks, err = vs.store.ReadMarks(ctx, c.ID); err != nil {
			return nil, err
		}
		if s, err := vs.store.Survey(ctx, c.ID); err == nil {
			ec.Survey = s
		} else if !isNotFound(err) {
			return nil, err
		}
		out.Conversations = append(out.Conversations, ec)
	}
	if out.Consents, err = vs.store.Consents(ctx, visitorID); err != nil {
		return nil, err
	}
	return out, nil
}

// erase deletes everything stored about a visitor; see Handler.EraseVisitor.
func (vs *visitors) erase(ctx context.Context, visitorID string, contact bool) error {
	v, err := vs.store.Visitor(ctx, visitorID)
	if err != nil {
		return err
	}
	if err := vs.files.eraseVisitor(ctx, visitorID); err != nil {
		return err
	}
	if err := vs.store.EraseVisitor(ctx, visitorID, vs.now().Add(-vs.cfg.ConsentRetention)); err != nil {
		return fmt.Errorf("livechat: erase visitor: %w", err)
	}
	if contact && v.ContactID != "" {
		if err := vs.store.EraseContact(ctx, v.ContactID); err != nil && !isNotFound(err) {
			return fmt.Errorf("livechat: erase contact: %w", err)
		}
	}
	vs.closeLive(visitorID)
	return nil
}
