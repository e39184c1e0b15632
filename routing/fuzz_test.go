package routing_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/routing"
)

// FuzzRequiredSkills checks, for any rule value and conversation
// language, that validation and matching never panic, that the result is
// sorted without case-insensitive duplicates, and that a valid language
// rule matches every more specific tag.
func FuzzRequiredSkills(f *testing.F) {
	f.Add("sv", "sv-SE", "Swedish", "swedish")
	f.Add("zh_Hant", "ZH-hant-tw", "chinese", "Chinese")
	f.Add("", "", "", "")
	f.Add("sv--", "\xff", "a ", " a")
	f.Fuzz(func(t *testing.T, value, language, skill1, skill2 string) {
		rules := []routing.SkillRule{
			{When: routing.Condition{Field: routing.FieldLanguage, Op: routing.OpIs, Value: value}, Skills: []string{skill1, skill2}},
			{When: routing.Condition{Field: routing.FieldLanguage, Op: routing.OpStartsWith, Value: value}, Skills: []string{skill2}},
		}
		valid := routing.ValidateRules(rules) == nil
		got := routing.RequiredSkills(rules, routing.Conversation{Language: language})
		for i := 1; i < len(got); i++ {
			require.Less(t, strings.ToLower(strings.TrimSpace(got[i-1])), strings.ToLower(strings.TrimSpace(got[i])), "sorted, no duplicates: %q", got)
		}
		if valid {
			region := routing.RequiredSkills(rules, routing.Conversation{Language: strings.ToUpper(value) + "-x-test"})
			require.True(t, slices.ContainsFunc(region, func(s string) bool { return strings.EqualFold(s, skill1) }),
				"rule %q matches %q", value, strings.ToUpper(value)+"-x-test")
		}
	})
}
