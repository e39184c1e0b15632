package livechat

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/golivechat/livechat/identity"
)

// linkIdentity makes sure an identified visitor has their contact, with
// the name and email the host vouched for, marked verified.
func (h *Handler) linkIdentity(ctx context.Context, v *Visitor, c identity.Claims) error {
	contactID := "c-" + userHash(c)
	now := h.now().UTC()
	ct, err := h.store.Contact(ctx, contactID)
	switch {
	case isNotFound(err):
		ct = &Contact{ID: contactID, Name: c.Name, Email: c.Email, Verified: true, CreatedAt: now, UpdatedAt: now}
		if err := h.store.CreateContact(ctx, ct); err != nil {
			// The email may belong to an older, unverified contact: keep
			// the identity without claiming that address.
			ct.Email = ""
			if err := h.store.CreateContact(ctx, ct); err != nil {
				return err
			}
		}
	case err != nil:
		return err
	case ct.Name != c.Name || !ct.Verified:
		ct.Name, ct.Verified, ct.UpdatedAt = c.Name, true, now
		if err := h.store.UpdateContact(ctx, ct); err != nil {
			return err
		}
	}
	if v.ContactID != contactID {
		v.ContactID = contactID
		return h.store.UpdateVisitor(ctx, v)
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

// ExportVisitor gathers everything stored about a visitor. Returns
// ErrNotFound.
func (h *Handler) ExportVisitor(ctx context.Context, visitorID string) (*Export, error) {
	v, err := h.store.Visitor(ctx, visitorID)
	if err != nil {
		return nil, err
	}
	out := &Export{Visitor: v, Conversations: []ExportConversation{}}
	if v.ContactID != "" {
		if c, err := h.store.Contact(ctx, v.ContactID); err == nil {
			out.Contact = c
		} else if !isNotFound(err) {
			return nil, err
		}
	}
	convs, err := h.store.Conversations(ctx, ConversationFilter{VisitorID: visitorID, Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	for _, c := range convs {
		ec := ExportConversation{Conversation: c, Messages: []*Message{}}
		for after := int64(0); ; {
			page, err := h.store.Messages(ctx, c.ID, after, 500)
			if err != nil {
				return nil, err
			}
			ec.Messages = append(ec.Messages, page...)
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].Seq
		}
		if ec.ReadMarks, err = h.store.ReadMarks(ctx, c.ID); err != nil {
			return nil, err
		}
		if s, err := h.store.Survey(ctx, c.ID); err == nil {
			ec.Survey = s
		} else if !isNotFound(err) {
			return nil, err
		}
		out.Conversations = append(out.Conversations, ec)
	}
	if out.Consents, err = h.store.Consents(ctx, visitorID); err != nil {
		return nil, err
	}
	return out, nil
}

// EraseVisitor deletes everything stored about a visitor: conversations,
// messages, read marks, survey answers, and consent records older than
// Config.ConsentRetention; with contact true, also the contact linked to
// them. Their live connections are closed. Returns ErrNotFound for an
// unknown visitor.
func (h *Handler) EraseVisitor(ctx context.Context, visitorID string, contact bool) error {
	v, err := h.store.Visitor(ctx, visitorID)
	if err != nil {
		return err
	}
	if err := h.store.EraseVisitor(ctx, visitorID, h.now().Add(-h.cfg.ConsentRetention)); err != nil {
		return fmt.Errorf("livechat: erase visitor: %w", err)
	}
	if contact && v.ContactID != "" {
		if err := h.store.EraseContact(ctx, v.ContactID); err != nil && !isNotFound(err) {
			return fmt.Errorf("livechat: erase contact: %w", err)
		}
	}
	h.hub.closeVisitor(visitorID)
	return nil
}
