package livechat

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golivechat/livechat/invalid"
)

// Limits of what an agent may write into a contact.
const (
	maxContactName      = 200  // characters
	maxContactProps     = 50   // properties
	maxContactPropValue = 1000 // characters
)

// propertyKey is what a contact property's name may be.
var propertyKey = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// contactEdit is a contact as an agent edits it in the inbox: the whole
// of what they may change. Verified and the dates stay the Handler's.
type contactEdit struct {
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	OwnerID    string            `json:"ownerId"`
	Properties map[string]string `json:"properties"`
}

// contactVersion is the version of a contact that an edit must name
// (If-Match): its UpdatedAt in milliseconds, which every Storage keeps
// exactly.
func contactVersion(c *Contact) string {
	return strconv.FormatInt(c.UpdatedAt.UnixMilli(), 10)
}

// contactReadOnly names the fields of visitor v's contact c that agents
// may not change: the name and email of a contact the host verified, and
// everything of a verified contact whose address this visitor only typed
// (see vouchedFor): that contact is not this visitor's to edit.
func contactReadOnly(v *Visitor, c *Contact) []string {
	switch {
	case !c.Verified:
		return []string{}
	case isIdentifiedVisitor(v.ID):
		return []string{"name", "email"}
	}
	return []string{"name", "email", "ownerId", "properties"}
}

// editContact applies an agent's edit to the contact of visitor
// visitorID: version must be the stored contact's contactVersion, or
// empty when the visitor has no contact yet, which creates one. Nothing
// changes when the edit is invalid (ErrInvalid with every field's
// problem), the version is stale or the address belongs to another
// contact (ErrConflict), or the contact is read-only here (ErrForbidden).
// It returns the stored contact and whether it was created.
//
// Edits (and the identity token's updates of a verified contact) are
// read, checked and written one at a time on each node. Across nodes the
// check and the write are two steps: edits of one contact on two nodes
// that both read the same version before either writes both succeed, the
// later one winning.
func (vs *visitors) editContact(ctx context.Context, visitorID, version string, e *contactEdit) (*Contact, bool, error) {
	if err := vs.checkContactEdit(ctx, e); err != nil {
		return nil, false, err
	}
	vs.contactMu.Lock()
	defer vs.contactMu.Unlock()
	v, err := vs.store.Visitor(ctx, visitorID)
	if err != nil {
		return nil, false, err
	}
	now := vs.now().UTC().Truncate(time.Millisecond)
	if v.ContactID == "" {
		if version != "" {
			return nil, false, publicf(ErrConflict, "the visitor's contact was removed; reload it")
		}
		c := &Contact{ID: newID(), Name: e.Name, Email: e.Email, OwnerID: e.OwnerID, Properties: e.Properties, CreatedAt: now, UpdatedAt: now}
		if err := vs.store.CreateContact(ctx, c); err != nil {
			return nil, false, emailTaken(err)
		}
		v.ContactID = c.ID
		if err := vs.store.UpdateVisitor(ctx, v); err != nil {
			return nil, false, err
		}
		return c, true, nil
	}
	c, err := vs.store.Contact(ctx, v.ContactID)
	if err != nil {
		return nil, false, err
	}
	switch {
	case version == "":
		return nil, false, publicf(ErrConflict, "the visitor has a contact: send its version in If-Match")
	case version != contactVersion(c):
		return nil, false, publicf(ErrConflict, "the contact was changed by someone else; reload it")
	}
	ro := contactReadOnly(v, c)
	if len(ro) == 4 {
		return nil, false, publicf(ErrForbidden, "this visitor typed the address of a contact the site verified; that contact cannot be edited here")
	}
	if len(ro) > 0 && (e.Name != c.Name || !strings.EqualFold(e.Email, c.Email)) {
		var errs invalid.Fields
		if e.Name != c.Name {
			errs.Add("name", "set by the site for a verified contact; it cannot be changed here")
		}
		if !strings.EqualFold(e.Email, c.Email) {
			errs.Add("email", "set by the site for a verified contact; it cannot be changed here")
		}
		return nil, false, &invalidInput{msg: "invalid contact", fields: errs}
	}
	next := *c
	next.Name, next.Email, next.OwnerID, next.Properties = e.Name, e.Email, e.OwnerID, e.Properties
	if len(ro) > 0 {
		next.Email = c.Email
	}
	next.UpdatedAt = now
	if !now.After(c.UpdatedAt) {
		// A clock behind the stored time must still make a new version.
		next.UpdatedAt = c.UpdatedAt.Truncate(time.Millisecond).Add(time.Millisecond)
	}
	if err := vs.store.UpdateContact(ctx, &next); err != nil {
		return nil, false, emailTaken(err)
	}
	return &next, false, nil
}

// emailTaken says what a contact write's ErrConflict means.
func emailTaken(err error) error {
	if errors.Is(err, ErrConflict) {
		return &invalidInput{msg: "invalid contact", fields: invalid.Fields{{Path: "email", Message: "another contact has this address"}}}
	}
	return err
}

// checkContactEdit reports every problem of an edit at once, and
// normalizes it: names trimmed, an empty map for no properties.
func (vs *visitors) checkContactEdit(ctx context.Context, e *contactEdit) error {
	var errs invalid.Fields
	e.Name = strings.TrimSpace(e.Name)
	switch {
	case !utf8.ValidString(e.Name):
		errs.Add("name", "must be valid UTF-8")
	case utf8.RuneCountInString(e.Name) > maxContactName:
		errs.Add("name", fmt.Sprintf("must be at most %d characters", maxContactName))
	case strings.ContainsFunc(e.Name, unicode.IsControl):
		errs.Add("name", "must not contain control characters")
	}
	if e.Email = strings.TrimSpace(e.Email); e.Email != "" {
		if _, err := normalizeEmail(e.Email); err != nil {
			errs.Add("email", "must be one address, like name@example.com")
		}
	}
	if e.OwnerID != "" {
		if !validID(e.OwnerID) {
			errs.Add("ownerId", "must be an agent's id")
		} else if _, err := vs.store.Agent(ctx, e.OwnerID); isNotFound(err) {
			errs.Add("ownerId", "no such agent")
		} else if err != nil {
			return err
		}
	}
	if len(e.Properties) > maxContactProps {
		errs.Add("properties", fmt.Sprintf("at most %d properties", maxContactProps))
	}
	for k, val := range e.Properties {
		path := "properties." + k
		switch {
		case !propertyKey.MatchString(k):
			errs.Add("properties", fmt.Sprintf("name %q must be 1 to 64 of A-Z a-z 0-9 _ . -", truncate(k, 64)))
		case !utf8.ValidString(val):
			errs.Add(path, "must be valid UTF-8")
		case utf8.RuneCountInString(val) > maxContactPropValue:
			errs.Add(path, fmt.Sprintf("must be at most %d characters", maxContactPropValue))
		case strings.ContainsFunc(val, unicode.IsControl):
			errs.Add(path, "must not contain control characters")
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b invalid.Field) int { return strings.Compare(a.Path, b.Path) })
		return &invalidInput{msg: "invalid contact", fields: errs}
	}
	if e.Properties == nil {
		e.Properties = map[string]string{}
	}
	return nil
}
