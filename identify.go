package livechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/golivechat/livechat/identity"
)

// identifiedPrefix marks visitor ids derived from a host's user id.
const identifiedPrefix = "u-"

func isIdentifiedVisitor(id string) bool { return strings.HasPrefix(id, identifiedPrefix) }

// identify verifies an identity token and returns the visitor id of the
// user it names, or "" when there is no valid token.
func (h *Handler) identify(token string) (string, identity.Claims) {
	if token == "" || h.cfg.Identity == nil {
		return "", identity.Claims{}
	}
	c, err := h.cfg.Identity.Verify(token)
	if err != nil {
		h.log.Info("livechat: identity token refused; the visitor stays anonymous", "err", err)
		return "", identity.Claims{}
	}
	return identifiedPrefix + userHash(c), c
}

// userHash is a stable, opaque id for a host's user.
func userHash(c identity.Claims) string {
	sum := sha256.Sum256([]byte(c.Audience + "\x00" + c.Subject))
	return hex.EncodeToString(sum[:20])
}

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
