package targeting_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/targeting"
)

const benchURL = "https://www.example.com/pricing/enterprise?utm_source=google&utm_campaign=spring&ref=ad-42#plans"

// benchRules are realistic rules for chat i: three groups and two
// exclusions, ten rules in all. Every tenth chat has a regular expression
// that the other rules of its group let through to evaluation; regexp is
// its pattern, with %d for i.
func benchRules(i int, section, regexp string) targeting.Rules {
	g2 := []targeting.Rule{
		path(targeting.OpMatchWildcard, fmt.Sprintf("/blog/*/topic-%d*", i)),
		path(targeting.OpContains, fmt.Sprintf("/docs/%d/", i)),
		prop("plan", targeting.OpIs, fmt.Sprintf("plan-%d", i)),
	}
	if i%10 == 0 {
		g2 = []targeting.Rule{
			{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "desktop"},
			query("utm_source", targeting.OpIs, "google"),
			fullURL(targeting.OpMatchRegexp, fmt.Sprintf(regexp, i)),
		}
	}
	return targeting.Rules{
		Groups: []targeting.Group{
			{Rules: []targeting.Rule{
				path(targeting.OpStartsWith, "/"+section+"/"),
				query("utm_campaign", targeting.OpIs, "spring"),
				{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "desktop"},
			}},
			{Rules: g2},
			{Rules: []targeting.Rule{
				path(targeting.OpEndsWith, fmt.Sprintf("/offer-%d", i)),
				query("ref", targeting.OpPresent, ""),
			}},
		},
		Exclude: []targeting.Rule{
			path(targeting.OpStartsWith, "/privacy"),
			path(targeting.OpIs, "/terms"),
		},
	}
}

func benchSelector(b *testing.B, n int, regexp string) *targeting.Selector {
	cs := make([]targeting.Candidate, n)
	for i := range cs {
		section := fmt.Sprintf("section-%d", i)
		if i == n-1 {
			section = "pricing" // only the lowest-priority chat matches: the worst case
		}
		m, err := targeting.Compile(benchRules(i, section, regexp))
		require.NoError(b, err)
		cs[i] = targeting.Candidate{ID: fmt.Sprintf("chat-%04d", i), Priority: n - i, Matcher: m}
	}
	return targeting.NewSelector(cs)
}

// BenchmarkSelect chooses among 1,000 chats of 10 rules each where only the
// last one matches. The regexps have a literal that the page lacks, as
// most do, so the prefilter rejects them.
func BenchmarkSelect(b *testing.B) {
	benchSelect(b, benchSelector(b, 1000, `^https://www\.example\.com/(en|de)/landing-%d(/|$)`))
}

// BenchmarkSelectRegexpsRun is BenchmarkSelect with regexps that the
// prefilter cannot reject: 100 of them run on every page view. (%.0d
// formats the chat number as nothing.)
func BenchmarkSelectRegexpsRun(b *testing.B) {
	benchSelect(b, benchSelector(b, 1000, `^https://www\.example\.com/(en|de|fr)/(landing|promo)[-_]\d+/?$%.0d`))
}

func benchSelect(b *testing.B, s *targeting.Selector) {
	v := targeting.NewView(benchURL, "desktop", &targeting.Contact{Properties: map[string]string{"plan": "pro", "seats": "40"}})
	id, ok := s.Select(v)
	require.True(b, ok)
	require.Equal(b, "chat-0999", id)
	b.ReportAllocs()
	for b.Loop() {
		s.Select(v)
	}
}

func BenchmarkNewView(b *testing.B) {
	c := &targeting.Contact{Properties: map[string]string{"plan": "pro", "seats": "40", "signed_up": "2024-01-01"}}
	b.ReportAllocs()
	for b.Loop() {
		targeting.NewView(benchURL, "desktop", c)
	}
}

// BenchmarkSelectBaseline is the floor BenchmarkSelect is compared with:
// the same number of rules (1,000 chats × 10) each reduced to one
// strings.HasPrefix on the page path, with no targeting logic at all.
func BenchmarkSelectBaseline(b *testing.B) {
	prefixes := make([]string, 10000)
	for i := range prefixes {
		prefixes[i] = fmt.Sprintf("/section-%d/", i)
	}
	page := "/pricing/enterprise"
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, p := range prefixes {
			if strings.HasPrefix(page, p) {
				n++
			}
		}
		if n != 0 {
			b.Fatal("no prefix matches")
		}
	}
}
