package flow

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/routing"
)

// Limits checked by Validate.
const (
	MaxIDLen          = 64
	MaxNameLen        = 100
	MaxPriority       = 1_000_000
	MaxWelcomeLen     = 1000
	MaxPromptLen      = 500
	MaxRefLen         = 128 // user, team, knowledge base and survey ids
	MaxRefs           = 100 // user or team ids in one list
	MaxTitleLen       = 100
	MaxSubtitleLen    = 200
	MaxBrandNameLen   = 100
	MaxURLLen         = 2048
	MaxSecondsOnPage  = 3600
	MaxProperties     = 50
	MaxPropertyLen    = 64
	MaxPropertyValLen = 1000
)

// Validate reports every problem of c at once as Errors, each with the
// JSON path of its field, or nil when c is valid. Text lengths count
// characters (runes), and all text must be valid UTF-8.
func (c *Chatflow) Validate() error {
	if c == nil {
		return Errors{{Message: "nil chatflow"}}
	}
	var errs Errors
	if c.ID != "" && !isID(c.ID) {
		errs.Add("id", fmt.Sprintf("must be 1 to %d of A-Z, a-z, 0-9, '_' and '-'", MaxIDLen))
	}
	requiredText(&errs, "name", c.Name, MaxNameLen)
	if c.Priority < -MaxPriority || c.Priority > MaxPriority {
		errs.Add("priority", "must be -1000000 to 1000000")
	}
	checkTime(&errs, "createdAt", c.CreatedAt)
	checkTime(&errs, "updatedAt", c.UpdatedAt)

	c.Build.validate(&errs, c.Display)
	errs = append(errs, targetErrors(c.Target)...)
	c.Display.validate(&errs)
	validateAvailability(&c.Availability, &errs)
	c.Options.validate(&errs)
	return errs.Err()
}

func (b *Build) validate(errs *Errors, d Display) {
	shown := d.Desktop.Behavior == DesktopPrompt || d.Desktop.Behavior == DesktopOpenOnTrigger || d.Mobile.Behavior == MobilePrompt
	if shown && strings.TrimSpace(b.Welcome) == "" {
		errs.Add("build.welcome", "required when display shows it as a prompt")
	} else {
		text(errs, "build.welcome", b.Welcome, MaxWelcomeLen)
	}
	oneOf(errs, "build.emailCapture.mode", b.EmailCapture.Mode,
		EmailNever, EmailBeforeFirstMessage, EmailAfterFirstMessage, EmailWhenAway)
	text(errs, "build.emailCapture.prompt", b.EmailCapture.Prompt, MaxPromptLen)
	refs(errs, "build.assignment.userIds", b.Assignment.UserIDs)
	refs(errs, "build.assignment.teamIds", b.Assignment.TeamIDs)
	oneOf(errs, "build.assignment.strategy", b.Assignment.Strategy,
		StrategyRoundRobin, StrategyLeastBusy, StrategyContactOwner, StrategySkills)
	var re routing.Errors
	if err := routing.ValidateRules(b.Assignment.SkillRules); errors.As(err, &re) {
		for _, e := range re.Prefix("build.assignment.skillRules") {
			errs.Add(e.Path, e.Message)
		}
	}
	text(errs, "build.knowledgeBase.baseId", b.KnowledgeBase.BaseID, MaxRefLen)
}

func (d *Display) validate(errs *Errors) {
	if !isColor(d.AccentColor) {
		errs.Add("display.accentColor", "must be #rrggbb")
	}
	h := &d.Heading
	oneOf(errs, "display.heading.kind", h.Kind, HeadingAgents, HeadingOwner, HeadingBrand)
	text(errs, "display.heading.title", h.Title, MaxTitleLen)
	text(errs, "display.heading.subtitle", h.Subtitle, MaxSubtitleLen)
	refs(errs, "display.heading.userIds", h.UserIDs)
	refs(errs, "display.heading.teamIds", h.TeamIDs)
	if h.Kind == HeadingBrand {
		requiredText(errs, "display.heading.brandName", h.BrandName, MaxBrandNameLen)
	} else {
		text(errs, "display.heading.brandName", h.BrandName, MaxBrandNameLen)
		if h.BrandAlias {
			errs.Add("display.heading.brandAlias", "only with kind brand")
		}
	}
	if h.BrandAvatarURL != "" && !isImageURL(h.BrandAvatarURL) {
		errs.Add("display.heading.brandAvatarUrl", fmt.Sprintf("must be an http(s) URL or a path starting with /, up to %d characters", MaxURLLen))
	}

	oneOf(errs, "display.desktop.behavior", d.Desktop.Behavior, DesktopPrompt, DesktopLauncher, DesktopOpenOnTrigger)
	t := d.Desktop.Triggers
	if t.SecondsOnPage < 0 || t.SecondsOnPage > MaxSecondsOnPage {
		errs.Add("display.desktop.triggers.secondsOnPage", "must be 0 to 3600")
	}
	if t.ScrollPercent < 0 || t.ScrollPercent > 100 {
		errs.Add("display.desktop.triggers.scrollPercent", "must be 0 to 100")
	}
	if d.Desktop.Behavior == DesktopOpenOnTrigger && !t.ExitIntent && t.SecondsOnPage == 0 && t.ScrollPercent == 0 {
		errs.Add("display.desktop.triggers", "open_on_trigger needs at least one trigger")
	}
	oneOf(errs, "display.mobile.behavior", d.Mobile.Behavior, MobilePrompt, MobileLauncher)
}

func validateAvailability(a *Availability, errs *Errors) {
	var ae availability.Errors
	if err := a.Validate(); errors.As(err, &ae) {
		for _, e := range ae.Prefix("availability.") {
			errs.Add(e.Path, e.Message)
		}
	} else if err != nil {
		errs.Add("availability", err.Error())
	}
}

func (o *Options) validate(errs *Errors) {
	if o.Language == "" {
		errs.Add("options.language", "required")
	} else if _, err := language.Parse(o.Language); err != nil {
		errs.Add("options.language", "not a BCP 47 tag")
	}
	if len(o.ConversationProperties) > MaxProperties {
		errs.Add("options.conversationProperties", fmt.Sprintf("at most %d", MaxProperties))
	}
	for _, k := range slices.Sorted(maps.Keys(o.ConversationProperties)) {
		p := child("options.conversationProperties", k)
		if !isPropertyName(k) {
			errs.Add(p, fmt.Sprintf("name must be 1 to %d of A-Z, a-z, 0-9, '_', '-' and '.'", MaxPropertyLen))
		}
		text(errs, p, o.ConversationProperties[k], MaxPropertyValLen)
	}
	text(errs, "options.surveyId", o.SurveyID, MaxRefLen)
	o.Files.validate(errs)
	var ce consent.Errors
	if err := o.Consent.Validate(); errors.As(err, &ce) {
		for _, e := range ce.Prefix("options.consent.") {
			errs.Add(e.Path, e.Message)
		}
	} else if err != nil {
		errs.Add("options.consent", err.Error())
	}
}

// text checks that s is valid UTF-8 of at most max runes.
func text(errs *Errors, path, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		errs.Add(path, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		errs.Add(path, fmt.Sprintf("must be at most %d characters", max))
	}
}

// requiredText is text that must not be blank.
func requiredText(errs *Errors, path, s string, max int) {
	if strings.TrimSpace(s) == "" {
		errs.Add(path, "required")
		return
	}
	text(errs, path, s, max)
}

// refs checks a list of the host's ids: at most MaxRefs, each non-blank
// text without control characters, no duplicates.
func refs(errs *Errors, path string, ids []string) {
	if len(ids) > MaxRefs {
		errs.Add(path, fmt.Sprintf("at most %d", MaxRefs))
		return
	}
	for i, id := range ids {
		p := path + "[" + strconv.Itoa(i) + "]"
		switch {
		case strings.TrimSpace(id) == "":
			errs.Add(p, "required")
		case !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl):
			errs.Add(p, "must be valid UTF-8 without control characters")
		case utf8.RuneCountInString(id) > MaxRefLen:
			errs.Add(p, fmt.Sprintf("must be at most %d characters", MaxRefLen))
		case slices.Contains(ids[:i], id):
			errs.Add(p, "duplicate")
		}
	}
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

// checkTime keeps times within what RFC 3339, and so JSON, can hold.
func checkTime(errs *Errors, path string, t time.Time) {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		errs.Add(path, "must be in the years 1 to 9999")
	}
}

func isID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

func isPropertyName(s string) bool {
	if len(s) == 0 || len(s) > MaxPropertyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) && s[i] != '.' {
			return false
		}
	}
	return true
}

func isWordByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_' || b == '-'
}

func isColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		b := s[i]
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F') {
			return false
		}
	}
	return true
}

// isImageURL accepts absolute http(s) URLs with a host and site paths
// ("/img/brand.png"), nothing a browser would run or fetch elsewhere.
func isImageURL(s string) bool {
	if len(s) > MaxURLLen || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || r == '\\' }) {
		return false
	}
	if strings.HasPrefix(s, "/") {
		return !strings.HasPrefix(s, "//")
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}
