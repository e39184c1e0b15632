package routing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/routing"
)

func rule(field routing.Field, op routing.Operator, value string, skills ...string) routing.SkillRule {
	return routing.SkillRule{When: routing.Condition{Field: field, Op: op, Value: value}, Skills: skills}
}

func propRule(name string, op routing.Operator, value string, skills ...string) routing.SkillRule {
	r := rule(routing.FieldProperty, op, value, skills...)
	r.When.Name = name
	return r
}

func TestRequiredSkills(t *testing.T) {
	is, contains, starts := routing.OpIs, routing.OpContains, routing.OpStartsWith
	lang := routing.FieldLanguage
	tests := []struct {
		name  string
		rules []routing.SkillRule
		conv  routing.Conversation
		want  []string
	}{
		{"NoRulesNone", nil, routing.Conversation{Language: "sv"}, nil},
		{"NoMatchNone", []routing.SkillRule{rule(lang, is, "de", "german")}, routing.Conversation{Language: "sv"}, nil},
		{"LanguageExact", []routing.SkillRule{rule(lang, is, "sv", "swedish")}, routing.Conversation{Language: "sv"}, []string{"swedish"}},
		{"LanguageBaseMatchesRegion", []routing.SkillRule{rule(lang, is, "sv", "swedish")}, routing.Conversation{Language: "sv-SE"}, []string{"swedish"}},
		{"LanguageCaseInsensitive", []routing.SkillRule{rule(lang, is, "SV-se", "swedish")}, routing.Conversation{Language: "sv-SE"}, []string{"swedish"}},
		{"LanguageUnderscore", []routing.SkillRule{rule(lang, is, "pt-BR", "portuguese")}, routing.Conversation{Language: "pt_br"}, []string{"portuguese"}},
		{"LanguageScriptMatchesRegion", []routing.SkillRule{rule(lang, is, "zh-Hant", "chinese")}, routing.Conversation{Language: "zh-Hant-TW"}, []string{"chinese"}},
		{"LanguageRegionNotBase", []routing.SkillRule{rule(lang, is, "sv-SE", "swedish")}, routing.Conversation{Language: "sv"}, nil},
		{"LanguageOtherRegion", []routing.SkillRule{rule(lang, is, "sv-SE", "swedish")}, routing.Conversation{Language: "sv-FI"}, nil},
		{"LanguagePrefixNotSubtag", []routing.SkillRule{rule(lang, is, "s", "x")}, routing.Conversation{Language: "sv"}, nil},
		{"LanguageNotAnotherLanguage", []routing.SkillRule{rule(lang, is, "en", "english")}, routing.Conversation{Language: "eno"}, nil},
		{"LanguageUnknown", []routing.SkillRule{rule(lang, is, "en", "english")}, routing.Conversation{}, nil},
		{"LanguageStartsWithCaseInsensitive", []routing.SkillRule{rule(lang, starts, "EN", "english")}, routing.Conversation{Language: "en-GB"}, []string{"english"}},
		{"LanguageContains", []routing.SkillRule{rule(lang, contains, "-ch", "swiss")}, routing.Conversation{Language: "de-CH"}, []string{"swiss"}},
		{"PageURLContains", []routing.SkillRule{rule(routing.FieldPageURL, contains, "/pricing", "sales")},
			routing.Conversation{PageURL: "https://example.com/pricing/team"}, []string{"sales"}},
		{"PageURLStartsWith", []routing.SkillRule{rule(routing.FieldPageURL, starts, "https://example.com/docs", "tech")},
			routing.Conversation{PageURL: "https://example.com/docs/api"}, []string{"tech"}},
		{"PageURLIs", []routing.SkillRule{rule(routing.FieldPageURL, is, "https://example.com/", "front")},
			routing.Conversation{PageURL: "https://example.com/"}, []string{"front"}},
		{"PageURLCaseSensitive", []routing.SkillRule{rule(routing.FieldPageURL, contains, "/Pricing", "sales")},
			routing.Conversation{PageURL: "https://example.com/pricing"}, nil},
		{"ChatflowIs", []routing.SkillRule{rule(routing.FieldChatflow, is, "support", "support")},
			routing.Conversation{ChatflowID: "support"}, []string{"support"}},
		{"ChatflowIsNotPrefix", []routing.SkillRule{rule(routing.FieldChatflow, is, "support", "support")},
			routing.Conversation{ChatflowID: "support-2"}, nil},
		{"PropertyIs", []routing.SkillRule{propRule("plan", is, "enterprise", "vip")},
			routing.Conversation{Properties: map[string]string{"plan": "enterprise"}}, []string{"vip"}},
		{"PropertyCaseSensitive", []routing.SkillRule{propRule("plan", is, "enterprise", "vip")},
			routing.Conversation{Properties: map[string]string{"plan": "Enterprise"}}, nil},
		{"PropertyMissing", []routing.SkillRule{propRule("plan", contains, "e", "vip")},
			routing.Conversation{Properties: map[string]string{"tier": "enterprise"}}, nil},
		{"PropertyUnknownVisitor", []routing.SkillRule{propRule("plan", is, "enterprise", "vip")},
			routing.Conversation{}, nil},
		{"UnionSortedDeduplicated", []routing.SkillRule{
			rule(lang, is, "sv", "swedish", "nordic"),
			rule(routing.FieldChatflow, is, "billing", "billing", "Swedish"),
			rule(lang, is, "de", "german"),
			propRule("plan", starts, "ent", "vip", "billing"),
		}, routing.Conversation{Language: "sv-SE", ChatflowID: "billing", Properties: map[string]string{"plan": "enterprise"}},
			[]string{"billing", "nordic", "swedish", "vip"}},
		{"FirstSpellingKept", []routing.SkillRule{
			rule(lang, is, "sv", "Swedish"),
			rule(lang, starts, "sv", "swedish"),
		}, routing.Conversation{Language: "sv"}, []string{"Swedish"}},
		{"InvalidConditionNeverMatches", []routing.SkillRule{
			rule("weather", is, "sunny", "x"),
			rule(lang, "ends_with", "sv", "y"),
			rule(routing.FieldChatflow, is, "", "z"),
		}, routing.Conversation{Language: "sv", ChatflowID: "c"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, routing.RequiredSkills(tt.rules, tt.conv))
		})
	}
}

func TestValidateRules(t *testing.T) {
	ok := rule(routing.FieldLanguage, routing.OpIs, "sv-SE", "swedish")
	tests := []struct {
		name  string
		rules []routing.SkillRule
		want  routing.Errors // nil: valid
	}{
		{"OKNone", nil, nil},
		{"OKEveryField", []routing.SkillRule{
			ok,
			rule(routing.FieldLanguage, routing.OpStartsWith, "zh", "chinese"),
			rule(routing.FieldPageURL, routing.OpContains, "/pricing", "sales"),
			rule(routing.FieldChatflow, routing.OpIs, "support", "support", "tier2"),
			propRule("plan", routing.OpIs, "enterprise", "vip"),
			rule(routing.FieldLanguage, routing.OpIs, "zh_Hant_TW", "chinese"),
		}, nil},
		{"ErrFieldRequired", []routing.SkillRule{rule("", routing.OpIs, "x", "s")},
			routing.Errors{{Path: "[0].when.field", Message: "required, one of language, page_url, chatflow, property"}}},
		{"ErrFieldUnknown", []routing.SkillRule{ok, rule("country", routing.OpIs, "SE", "s")},
			routing.Errors{{Path: "[1].when.field", Message: "must be one of language, page_url, chatflow, property"}}},
		{"ErrOpUnknown", []routing.SkillRule{rule(routing.FieldPageURL, "ends_with", "x", "s")},
			routing.Errors{{Path: "[0].when.op", Message: "must be one of is, contains, starts_with"}}},
		{"ErrValueRequired", []routing.SkillRule{rule(routing.FieldChatflow, routing.OpIs, "", "s")},
			routing.Errors{{Path: "[0].when.value", Message: "required"}}},
		{"ErrValueTooLong", []routing.SkillRule{rule(routing.FieldPageURL, routing.OpContains, strings.Repeat("x", routing.MaxValueLength+1), "s")},
			routing.Errors{{Path: "[0].when.value", Message: "must be at most 2048 characters"}}},
		{"ErrValueNotUTF8", []routing.SkillRule{rule(routing.FieldPageURL, routing.OpContains, "\xff", "s")},
			routing.Errors{{Path: "[0].when.value", Message: "must be valid UTF-8"}}},
		{"ErrLanguageNotATag", []routing.SkillRule{rule(routing.FieldLanguage, routing.OpIs, "Swedish!", "s")},
			routing.Errors{{Path: "[0].when.value", Message: "must be a language tag such as sv or sv-SE"}}},
		{"ErrLanguageEmptySubtag", []routing.SkillRule{rule(routing.FieldLanguage, routing.OpIs, "sv--SE", "s")},
			routing.Errors{{Path: "[0].when.value", Message: "must be a language tag such as sv or sv-SE"}}},
		{"ErrLanguageSpaces", []routing.SkillRule{rule(routing.FieldLanguage, routing.OpIs, " sv", "s")},
			routing.Errors{{Path: "[0].when.value", Message: "must be a language tag such as sv or sv-SE"}}},
		{"ErrPropertyNameRequired", []routing.SkillRule{propRule("", routing.OpIs, "x", "s")},
			routing.Errors{{Path: "[0].when.name", Message: "required"}}},
		{"ErrNameOnlyForProperty", []routing.SkillRule{{When: routing.Condition{Field: routing.FieldChatflow, Name: "plan", Op: routing.OpIs, Value: "x"}, Skills: []string{"s"}}},
			routing.Errors{{Path: "[0].when.name", Message: "must be empty unless field is property"}}},
		{"ErrSkillsRequired", []routing.SkillRule{rule(routing.FieldChatflow, routing.OpIs, "x")},
			routing.Errors{{Path: "[0].skills", Message: "at least one skill"}}},
		{"ErrTooManySkills", []routing.SkillRule{rule(routing.FieldChatflow, routing.OpIs, "x", make([]string, routing.MaxSkillsPerRule+1)...)},
			routing.Errors{{Path: "[0].skills", Message: "at most 20 skills, got 21"}}},
		{"ErrSkillEmpty", []routing.SkillRule{rule(routing.FieldChatflow, routing.OpIs, "x", "a", "")},
			routing.Errors{{Path: "[0].skills[1]", Message: "required"}}},
		{"ErrSkillSpaces", []routing.SkillRule{rule(routing.FieldChatflow, routing.OpIs, "x", "a ")},
			routing.Errors{{Path: "[0].skills[0]", Message: "must not start or end with a space"}}},
		{"ErrSkillTooLong", []routing.SkillRule{rule(routing.FieldChatflow, routing.OpIs, "x", strings.Repeat("é", routing.MaxSkillLength+1))},
			routing.Errors{{Path: "[0].skills[0]", Message: "must be at most 64 characters"}}},
		{"ErrTooManyRules", make([]routing.SkillRule, routing.MaxSkillRules+1),
			routing.Errors{{Path: "", Message: "at most 100 skill rules, got 101"}}},
		{"ErrEveryProblemInOrder", []routing.SkillRule{ok, {When: routing.Condition{Field: "x", Name: "n", Op: "y"}}},
			routing.Errors{
				{Path: "[1].when.field", Message: "must be one of language, page_url, chatflow, property"},
				{Path: "[1].when.name", Message: "must be empty unless field is property"},
				{Path: "[1].when.op", Message: "must be one of is, contains, starts_with"},
				{Path: "[1].when.value", Message: "required"},
				{Path: "[1].skills", Message: "at least one skill"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := routing.ValidateRules(tt.rules)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var errs routing.Errors
			require.True(t, errors.As(err, &errs), "an Errors: %v", err)
			require.Equal(t, tt.want, errs)
		})
	}
}

func TestErrorsPrefix(t *testing.T) {
	err := routing.ValidateRules([]routing.SkillRule{rule(routing.FieldChatflow, "bad", "x", "s", "")})
	var errs routing.Errors
	require.True(t, errors.As(err, &errs))
	require.Equal(t,
		"assignment.skillRules[0].when.op: must be one of is, contains, starts_with; assignment.skillRules[0].skills[1]: required",
		errs.Prefix("assignment.skillRules").Error())
	require.Equal(t, "[0].when.op", errs[0].Path, "Prefix copies")
	require.Equal(t, "at most", routing.FieldError{Message: "at most"}.Error())
}
