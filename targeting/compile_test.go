package targeting_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/targeting"
)

func TestCompile(t *testing.T) {
	rule := func(f targeting.Field, op targeting.Operator, v string) targeting.Rule {
		return targeting.Rule{Field: f, Op: op, Value: v}
	}
	pricing := path(targeting.OpIs, "/pricing")
	many := func(n int) []targeting.Rule {
		rs := make([]targeting.Rule, n)
		for i := range rs {
			rs[i] = pricing
		}
		return rs
	}
	// Too many groups, and every one of them empty: all reported.
	tooMany := targeting.Errors{{Path: "groups", Message: "at most 50 groups, got 51"}}
	for i := range targeting.MaxGroups + 1 {
		tooMany = append(tooMany, targeting.FieldError{Path: fmt.Sprintf("groups[%d].rules", i), Message: "a group needs at least one rule"})
	}
	cases := []struct {
		name  string
		rules targeting.Rules
		want  targeting.Errors
	}{
		{"OKEmpty", targeting.Rules{}, nil},
		{"OKEveryOperator", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
			path(targeting.OpIs, "/a"), path(targeting.OpIsNot, "/a"), path(targeting.OpContains, "a"),
			path(targeting.OpNotContains, "a"), path(targeting.OpStartsWith, "/a"), path(targeting.OpEndsWith, "a"),
			path(targeting.OpMatchWildcard, "/a*"), path(targeting.OpMatchRegexp, "^/a"),
			fullURL(targeting.OpIs, site), fullURL(targeting.OpIsNot, site), fullURL(targeting.OpContains, "a"),
			fullURL(targeting.OpNotContains, "a"), fullURL(targeting.OpStartsWith, site), fullURL(targeting.OpEndsWith, "a"),
			fullURL(targeting.OpMatchWildcard, "*"), fullURL(targeting.OpMatchRegexp, "a"),
			query("q", targeting.OpIs, "a"), query("q", targeting.OpIsNot, "a"), query("q", targeting.OpContains, "a"),
			query("q", targeting.OpPresent, ""),
			rule(targeting.FieldContact, targeting.OpKnown, ""), rule(targeting.FieldContact, targeting.OpUnknown, ""),
			prop("p", targeting.OpIs, "a"), prop("p", targeting.OpIsNot, "a"), prop("p", targeting.OpContains, "a"),
			prop("p", targeting.OpKnown, ""), prop("p", targeting.OpUnknown, ""), prop("p", targeting.OpGreaterThan, "-1.5"),
			prop("p", targeting.OpLessThan, "2024-01-01T00:00:00+02:00"),
			rule(targeting.FieldDevice, targeting.OpIs, "desktop"), rule(targeting.FieldDevice, targeting.OpIsNot, "Tablet"),
		}}}}, nil},
		{"ErrEveryProblemAtOnce", targeting.Rules{
			Groups: []targeting.Group{
				{Rules: []targeting.Rule{
					rule(targeting.FieldContact, targeting.OpStartsWith, ""),
					rule("color", targeting.OpIs, "red"),
					rule(targeting.FieldQuery, targeting.OpIs, "x"),
					{Field: targeting.FieldURL, Name: "x", Op: targeting.OpContains, Value: "a"},
					rule(targeting.FieldPath, "like", "/"),
					rule(targeting.FieldPath, targeting.OpIs, ""),
					rule(targeting.FieldContact, targeting.OpKnown, "yes"),
					{},
				}},
				{},
				{Rules: []targeting.Rule{
					fullURL(targeting.OpIs, "/pricing"),
					path(targeting.OpIs, "https://example.com/x"),
					rule(targeting.FieldDevice, targeting.OpIs, "phone"),
					prop("renewal", targeting.OpGreaterThan, "soon"),
					path(targeting.OpMatchRegexp, "("),
					query("q", targeting.OpPresent, "1"),
					prop("p", targeting.OpStartsWith, "a"),
				}},
			},
			Exclude: []targeting.Rule{
				pricing,
				path(targeting.OpContains, strings.Repeat("a", targeting.MaxValueLength+1)),
				fullURL(targeting.OpMatchRegexp, "a("),
				path(targeting.OpMatchRegexp, strings.Repeat("a", targeting.MaxRegexpLength+1)),
				{Field: targeting.FieldProperty, Name: strings.Repeat("n", targeting.MaxValueLength+1), Op: targeting.OpKnown},
			},
		}, targeting.Errors{
			{Path: "groups[0].rules[0].op", Message: `"starts_with" does not apply to field "contact"`},
			{Path: "groups[0].rules[1].field", Message: `unknown field "color"`},
			{Path: "groups[0].rules[2].name", Message: `required for field "query"`},
			{Path: "groups[0].rules[3].name", Message: `not used by field "url"`},
			{Path: "groups[0].rules[4].op", Message: `unknown operator "like"`},
			{Path: "groups[0].rules[5].value", Message: "required"},
			{Path: "groups[0].rules[6].value", Message: `not used by operator "is_known"`},
			{Path: "groups[0].rules[7].field", Message: "required"},
			{Path: "groups[0].rules[7].op", Message: "required"},
			{Path: "groups[1].rules", Message: "a group needs at least one rule"},
			{Path: "groups[2].rules[0].value", Message: `must be an absolute URL such as https://example.com/pricing, got "/pricing"`},
			{Path: "groups[2].rules[1].value", Message: `must be a path such as /pricing, not a URL, got "https://example.com/x"`},
			{Path: "groups[2].rules[2].value", Message: `must be desktop, tablet or mobile, got "phone"`},
			{Path: "groups[2].rules[3].value", Message: `must be a number or a date (RFC 3339 or 2006-01-02), got "soon"`},
			{Path: "groups[2].rules[4].value", Message: "invalid regular expression: error parsing regexp: missing closing ): `(`"},
			{Path: "groups[2].rules[5].value", Message: `not used by operator "is_present"`},
			{Path: "groups[2].rules[6].op", Message: `"starts_with" does not apply to field "property"`},
			{Path: "exclude[1].value", Message: "longer than 2048 bytes"},
			{Path: "exclude[2].value", Message: "invalid regular expression: error parsing regexp: missing closing ): `a(`"},
			{Path: "exclude[3].value", Message: "regular expression longer than 512 bytes"},
			{Path: "exclude[4].name", Message: "longer than 2048 bytes"},
		}},
		{"ErrTooManyGroups", targeting.Rules{Groups: make([]targeting.Group, targeting.MaxGroups+1)}, tooMany},
		{"ErrTooManyRules", targeting.Rules{
			Groups:  []targeting.Group{{Rules: many(targeting.MaxGroupRules)}, {Rules: many(targeting.MaxGroupRules + 1)}},
			Exclude: many(targeting.MaxExcludeRules + 1),
		}, targeting.Errors{
			{Path: "groups[1].rules", Message: "at most 50 rules per group, got 51"},
			{Path: "exclude", Message: "at most 50 rules, got 51"},
		}},
		{"ErrUnknownOperatorOnUnknownField", targeting.Rules{Exclude: []targeting.Rule{rule("x", "y", "")}}, targeting.Errors{
			{Path: "exclude[0].field", Message: `unknown field "x"`},
			{Path: "exclude[0].op", Message: `unknown operator "y"`},
		}},
		{"ErrLongValueClipped", targeting.Rules{Exclude: []targeting.Rule{rule(targeting.FieldDevice, targeting.OpIs, strings.Repeat("x", 100))}}, targeting.Errors{
			{Path: "exclude[0].value", Message: fmt.Sprintf("must be desktop, tablet or mobile, got %q", strings.Repeat("x", 64)+"...")},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := targeting.Compile(tc.rules)
			if tc.want == nil {
				require.NoError(t, err)
				require.NotNil(t, m)
				return
			}
			require.Nil(t, m)
			var errs targeting.Errors
			require.ErrorAs(t, err, &errs)
			require.Equal(t, tc.want, errs)
		})
	}
}

func TestErrors(t *testing.T) {
	_, err := targeting.Compile(targeting.Rules{Exclude: []targeting.Rule{
		{Field: targeting.FieldContact, Op: targeting.OpStartsWith},
		{Field: targeting.FieldPath, Op: targeting.OpIs},
	}})
	t.Run("Message", func(t *testing.T) {
		require.EqualError(t, err, `exclude[0].op: "starts_with" does not apply to field "contact"; exclude[1].value: required`)
	})
	t.Run("WrappedAs", func(t *testing.T) {
		var errs targeting.Errors
		require.ErrorAs(t, fmt.Errorf("chatflow %q: %w", "sales", err), &errs)
		require.Len(t, errs, 2)
	})
	t.Run("Prefix", func(t *testing.T) {
		var errs targeting.Errors
		require.ErrorAs(t, err, &errs)
		prefixed := errs.Prefix("target.")
		require.Equal(t, "target.exclude[1].value", prefixed[1].Path)
		require.Equal(t, "exclude[1].value", errs[1].Path, "Prefix must not change the original")
		require.EqualError(t, prefixed[1], "target.exclude[1].value: required")
	})
}

func TestRulesJSON(t *testing.T) {
	const doc = `{
		"groups": [{"rules": [
			{"field": "path", "op": "starts_with", "value": "/pricing"},
			{"field": "query", "name": "utm_source", "op": "is", "value": "google"}
		]}],
		"exclude": [{"field": "contact", "op": "is_known"}]
	}`
	var r targeting.Rules
	require.NoError(t, json.Unmarshal([]byte(doc), &r))
	m := compile(t, r)
	require.True(t, m.Match(targeting.NewView(site+"/pricing?utm_source=google", "", nil)))
	require.False(t, m.Match(targeting.NewView(site+"/pricing?utm_source=google", "", &targeting.Contact{})))
	out, err := json.Marshal(r)
	require.NoError(t, err)
	var back targeting.Rules
	require.NoError(t, json.Unmarshal(out, &back))
	require.Equal(t, r, back)
}

// A successful Compile returns an untyped nil error, not an empty Errors.
func TestCompileErrorIsNilOnSuccess(t *testing.T) {
	m, err := targeting.Compile(targeting.Rules{})
	require.True(t, err == nil)
	require.NotNil(t, m)
}
