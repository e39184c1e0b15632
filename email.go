package livechat

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"
)

// MarketingContactProperty is the contact property set to "true" on
// contacts created by a chatflow whose consent settings mark them as
// marketing contacts.
const MarketingContactProperty = "marketing_contact"

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

// visitorEmail records the email a visitor gave: a known address
// (compared case-insensitively) links the visitor to that contact, an
// unknown one creates a contact. Either way the contact stays unverified
// unless the host verified it, and a visitor sees only their own
// conversations, so typing someone's address reveals nothing of theirs.
func (h *Handler) visitorEmail(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email      string `json:"email"`
		ChatflowID string `json:"chatflowId"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	v, err := h.store.Visitor(ctx, visitorIDFrom(ctx))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.ContactID != "" {
		if c, err := h.store.Contact(ctx, v.ContactID); err == nil && c.Verified {
			// An identified user keeps the contact the host vouched for.
			writeJSON(w, http.StatusOK, map[string]any{"contact": contactView(c)})
			return
		}
	}
	c, err := h.store.ContactByEmail(ctx, email)
	if isNotFound(err) {
		now := h.now().UTC()
		c = &Contact{ID: newID(), Email: email, CreatedAt: now, UpdatedAt: now}
		if f := h.flowFor(ctx, req.ChatflowID); f != nil && f.Options.Consent.MarketingContacts {
			// The chatflow marks the contacts it creates for marketing.
			c.Properties = map[string]string{MarketingContactProperty: "true"}
		}
		err = h.store.CreateContact(ctx, c)
		if errors.Is(err, ErrConflict) { // created meanwhile
			c, err = h.store.ContactByEmail(ctx, email)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.ContactID != c.ID {
		v.ContactID = c.ID
		if err := h.store.UpdateVisitor(ctx, v); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": contactView(c)})
}

// contactView is what a visitor is told of their contact: nothing they did
// not type themselves.
func contactView(c *Contact) map[string]any {
	return map[string]any{"email": c.Email, "verified": c.Verified}
}
