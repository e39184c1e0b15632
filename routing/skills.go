package routing

import (
	"slices"
	"strings"
)

// SkillRule says which skills a conversation needs: when its condition
// matches, the conversation requires every one of Skills.
type SkillRule struct {
	When   Condition `json:"when"`
	Skills []string  `json:"skills"`
}

// Condition is one test on a [Conversation].
//
// Name is required for FieldProperty and must be empty otherwise. See
// [RequiredSkills] for how values compare.
type Condition struct {
	Field Field    `json:"field"`
	Name  string   `json:"name,omitempty"` // contact property name, for FieldProperty
	Op    Operator `json:"op"`
	Value string   `json:"value"`
}

// Field is what a [Condition] looks at.
type Field string

// Condition fields.
const (
	FieldLanguage Field = "language" // the conversation's BCP 47 language tag
	FieldPageURL  Field = "page_url" // the URL of the page the chat started on
	FieldChatflow Field = "chatflow" // the id of the conversation's chatflow
	FieldProperty Field = "property" // the contact property named by Condition.Name
)

// Operator is how a [Condition] compares.
type Operator string

// Condition operators; every field takes every operator.
const (
	OpIs         Operator = "is"
	OpContains   Operator = "contains"
	OpStartsWith Operator = "starts_with"
)

// Conversation is what skill rules look at.
type Conversation struct {
	// Language is the visitor's BCP 47 language tag, as "sv-SE".
	Language string
	// PageURL is the page the chat started on, normalised the way
	// targeting normalises page URLs.
	PageURL string
	// ChatflowID is the id of the chatflow the chat belongs to.
	ChatflowID string
	// Properties are the contact's properties; nil for an unknown visitor.
	Properties map[string]string
}

// RequiredSkills returns the skills that c needs: the union of the
// skills of every rule whose condition matches c, without duplicates
// (compared case-insensitively, the first spelling in rule order kept)
// and sorted; nil when no rule matches.
//
// Values compare as follows:
//   - language compares case-insensitively, with "_" read as "-". OpIs
//     matches the tag itself and every more specific tag (RFC 4647 basic
//     filtering): a rule for "sv" matches "sv", "SV" and "sv-SE", a rule
//     for "sv-SE" matches "sv-se" but not "sv" or "sv-FI".
//   - page_url, chatflow and property compare exactly (case-sensitive),
//     as targeting compares property values.
//   - A missing property, or an empty field, matches no condition.
//
// Rules are expected to be valid ([ValidateRules]); an invalid condition
// simply never matches.
func RequiredSkills(rules []SkillRule, c Conversation) []string {
	var skills []string
	seen := map[string]bool{}
	for _, r := range rules {
		if !r.When.matches(c) {
			continue
		}
		for _, s := range r.Skills {
			k := skillKey(s)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			skills = append(skills, s)
		}
	}
	slices.SortFunc(skills, func(a, b string) int {
		if c := strings.Compare(skillKey(a), skillKey(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return skills
}

func skillKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (cd Condition) matches(c Conversation) bool {
	var have string
	switch cd.Field {
	case FieldLanguage:
		have, want := normalTag(c.Language), normalTag(cd.Value)
		if have == "" || want == "" {
			return false
		}
		if cd.Op == OpIs {
			return have == want || strings.HasPrefix(have, want+"-")
		}
		return compare(cd.Op, have, want)
	case FieldPageURL:
		have = c.PageURL
	case FieldChatflow:
		have = c.ChatflowID
	case FieldProperty:
		v, ok := c.Properties[cd.Name]
		if !ok || cd.Name == "" {
			return false
		}
		have = v
	default:
		return false
	}
	if have == "" || cd.Value == "" {
		return false
	}
	return compare(cd.Op, have, cd.Value)
}

func compare(op Operator, have, want string) bool {
	switch op {
	case OpIs:
		return have == want
	case OpContains:
		return strings.Contains(have, want)
	case OpStartsWith:
		return strings.HasPrefix(have, want)
	}
	return false
}

// normalTag lowercases a language tag and writes "_" as "-".
func normalTag(tag string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
}
