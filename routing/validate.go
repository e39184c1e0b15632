package routing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits checked by ValidateRules.
const (
	MaxSkillRules    = 100  // rules in one list
	MaxSkillsPerRule = 20   // skills one rule requires
	MaxSkillLength   = 64   // characters of a skill
	MaxNameLength    = 128  // characters of a property name
	MaxValueLength   = 2048 // characters of a condition's value
)

// ValidateRules reports every problem of rules at once as [Errors], each
// with its path relative to the list ("[0].when.field"), or nil when the
// rules are valid.
//
// A rule needs a known field and operator, a value, a property name for
// FieldProperty (and none otherwise), and one or more skills, none empty
// or with surrounding spaces. A language compared with OpIs must look
// like a language tag ("sv", "sv-SE", "zh-Hant-TW").
func ValidateRules(rules []SkillRule) error {
	var errs Errors
	if len(rules) > MaxSkillRules {
		errs.Add("", fmt.Sprintf("at most %d skill rules, got %d", MaxSkillRules, len(rules)))
		return errs.Err()
	}
	for i, r := range rules {
		r.validate(&errs, "["+strconv.Itoa(i)+"]")
	}
	return errs.Err()
}

func (r SkillRule) validate(errs *Errors, path string) {
	w, p := r.When, path+".when."
	oneOf(errs, p+"field", w.Field, FieldLanguage, FieldPageURL, FieldChatflow, FieldProperty)
	switch {
	case w.Field != FieldProperty && w.Name != "":
		errs.Add(p+"name", "must be empty unless field is property")
	case w.Field == FieldProperty:
		text(errs, p+"name", w.Name, MaxNameLength)
	}
	oneOf(errs, p+"op", w.Op, OpIs, OpContains, OpStartsWith)
	text(errs, p+"value", w.Value, MaxValueLength)
	if w.Field == FieldLanguage && w.Op == OpIs && w.Value != "" && !languageTag(w.Value) {
		errs.Add(p+"value", "must be a language tag such as sv or sv-SE")
	}

	switch {
	case len(r.Skills) == 0:
		errs.Add(path+".skills", "at least one skill")
	case len(r.Skills) > MaxSkillsPerRule:
		errs.Add(path+".skills", fmt.Sprintf("at most %d skills, got %d", MaxSkillsPerRule, len(r.Skills)))
	default:
		for j, s := range r.Skills {
			sp := path + ".skills[" + strconv.Itoa(j) + "]"
			if strings.TrimSpace(s) != s {
				errs.Add(sp, "must not start or end with a space")
				continue
			}
			text(errs, sp, s, MaxSkillLength)
		}
	}
}

// text checks that s is non-empty valid UTF-8 of at most limit runes.
func text(errs *Errors, path, s string, limit int) {
	switch {
	case s == "":
		errs.Add(path, "required")
	case !utf8.ValidString(s):
		errs.Add(path, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > limit:
		errs.Add(path, fmt.Sprintf("must be at most %d characters", limit))
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
	if v == "" {
		errs.Add(path, "required, one of "+strings.Join(names, ", "))
		return
	}
	errs.Add(path, "must be one of "+strings.Join(names, ", "))
}

// languageTag reports whether s has the shape of a BCP 47 tag: a primary
// language of 2 to 8 letters, then subtags of 1 to 8 letters or digits,
// separated by "-" (or "_").
func languageTag(s string) bool {
	for i, sub := range strings.Split(normalTag(s), "-") {
		if len(sub) < 1 || len(sub) > 8 || (i == 0 && len(sub) < 2) {
			return false
		}
		for _, ch := range sub {
			letter := 'a' <= ch && ch <= 'z'
			if !letter && (i == 0 || ch < '0' || ch > '9') {
				return false
			}
		}
	}
	return s == strings.TrimSpace(s)
}
