package consent

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Limits checked by Validate.
const (
	MaxTextLen       = 2000 // characters of a consent text or an override
	MaxLabelLen      = 500  // characters of a checkbox label
	MaxURLLen        = 2048 // bytes of a link's URL
	MaxSubscriptions = 20   // subscriptions of one chat
	MaxIDLen         = 64   // bytes of a subscription id
)

// Validate reports every problem of s at once as [Errors], each with the
// JSON path of its field relative to s, or nil when s is valid.
//
// Texts are checked whether or not their consent is enabled, so enabling
// one never uncovers an invalid text. A link in a text ([label](url))
// must have a safe URL (see Segments); {privacyPolicyUrl} counts as one.
func (s Settings) Validate() error {
	var errs Errors
	oneOf(&errs, "cookies.when", s.Cookies.When, BannerBeforeChat, BannerOnExit)
	consentText(&errs, "cookies.text", s.Cookies.Text)

	oneOf(&errs, "processing.kind", s.Processing.Kind, ProcessingExplicit, ProcessingLegitimateInterest)
	consentText(&errs, "processing.text", s.Processing.Text)
	if u := s.Processing.PrivacyPolicyURL; u != "" && !linkable(u) {
		errs.Add("processing.privacyPolicyUrl",
			fmt.Sprintf("must be an http(s) URL or a path starting with /, up to %d characters, without spaces", MaxURLLen))
	}

	c := s.Communication
	switch {
	case len(c.Subscriptions) > MaxSubscriptions:
		errs.Add("communication.subscriptions", fmt.Sprintf("at most %d", MaxSubscriptions))
	case c.Enabled && len(c.Subscriptions) == 0:
		errs.Add("communication.subscriptions", "at least one when enabled")
	default:
		for i, sub := range c.Subscriptions {
			p := "communication.subscriptions[" + strconv.Itoa(i) + "]"
			switch {
			case sub.ID == "":
				errs.Add(p+".id", "required")
			case !isID(sub.ID):
				errs.Add(p+".id", fmt.Sprintf("must be 1 to %d of A-Z, a-z, 0-9, '_' and '-'", MaxIDLen))
			case slices.ContainsFunc(c.Subscriptions[:i], func(o Subscription) bool { return o.ID == sub.ID }):
				errs.Add(p+".id", "duplicate")
			}
			if strings.TrimSpace(sub.Label) == "" && len(c.Subscriptions) > 1 {
				errs.Add(p+".label", "required when there is more than one subscription")
			} else {
				label(&errs, p+".label", sub.Label)
			}
		}
	}
	label(&errs, "communication.label", c.Label)
	return errs.Err()
}

// linkable reports whether u is a safe URL that survives being written
// into a link, parentheses and all.
func linkable(u string) bool {
	segs := Segments("[x](" + u + ")")
	return len(segs) == 1 && segs[0].URL == u
}

// consentText checks a text that may hold links and {privacyPolicyUrl}.
func consentText(errs *Errors, path, s string) {
	n := len(*errs)
	checkText(errs, path, s, MaxTextLen)
	if len(*errs) > n {
		return
	}
	if _, refused := parse(fill(s, []string{"privacyPolicyUrl", "/"})); len(refused) > 0 {
		errs.Add(path, fmt.Sprintf("link URL %q must be http(s) or a path starting with /", refused[0]))
	}
}

// label checks a checkbox label: text without links' special meaning.
func label(errs *Errors, path, s string) {
	checkText(errs, path, s, MaxLabelLen)
}

func isID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// oneOf checks that v is one of the allowed values.
func oneOf[T ~string](errs *Errors, path string, v T, allowed ...T) {
	if slices.Contains(allowed, v) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	errs.Add(path, "must be one of "+strings.Join(names, ", "))
}
