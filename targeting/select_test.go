package targeting_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/targeting"
)

func TestSelect(t *testing.T) {
	pricing := compile(t, one(path(targeting.OpMatchWildcard, "/pricing*")))
	pricingNotMobile := compile(t, targeting.Rules{
		Groups:  []targeting.Group{{Rules: []targeting.Rule{path(targeting.OpStartsWith, "/pricing")}}},
		Exclude: []targeting.Rule{{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "mobile"}},
	})
	everywhere := compile(t, targeting.Rules{})
	notPrivacy := compile(t, targeting.Rules{Exclude: []targeting.Rule{path(targeting.OpStartsWith, "/privacy")}})
	cases := []struct {
		name       string
		candidates []targeting.Candidate
		url        string
		device     string
		wantID     string
		wantOK     bool
	}{
		{"HighestPriorityWins", []targeting.Candidate{
			{ID: "support", Priority: 1, Matcher: everywhere},
			{ID: "sales", Priority: 10, Matcher: pricing},
		}, site + "/pricing", "", "sales", true},
		{"LowerPriorityWhenHigherDoesNotMatch", []targeting.Candidate{
			{ID: "support", Priority: 1, Matcher: everywhere},
			{ID: "sales", Priority: 10, Matcher: pricing},
		}, site + "/docs", "", "support", true},
		{"TieGoesToSmallestID", []targeting.Candidate{
			{ID: "b", Priority: 5, Matcher: everywhere},
			{ID: "c", Priority: 5, Matcher: everywhere},
			{ID: "a", Priority: 5, Matcher: everywhere},
		}, site, "", "a", true},
		{"TieSkipsNonMatching", []targeting.Candidate{
			{ID: "b", Priority: 5, Matcher: everywhere},
			{ID: "a", Priority: 5, Matcher: pricing},
		}, site + "/docs", "", "b", true},
		{"NegativePriority", []targeting.Candidate{
			{ID: "low", Priority: -1, Matcher: everywhere},
			{ID: "zero", Priority: 0, Matcher: everywhere},
		}, site, "", "zero", true},
		{"ExclusionWins", []targeting.Candidate{
			{ID: "support", Priority: 1, Matcher: everywhere},
			{ID: "sales", Priority: 10, Matcher: pricingNotMobile},
		}, site + "/pricing", "mobile", "support", true},
		{"ExcludedEverywhereNoMatch", []targeting.Candidate{
			{ID: "support", Priority: 1, Matcher: notPrivacy},
		}, site + "/privacy/", "", "", false},
		{"NilMatcherMatchesEverything", []targeting.Candidate{
			{ID: "sales", Priority: 0, Matcher: pricing},
			{ID: "all", Priority: -5},
		}, site + "/blog", "", "all", true},
		{"NoMatch", []targeting.Candidate{
			{ID: "sales", Priority: 10, Matcher: pricing},
		}, site + "/privacy", "", "", false},
		{"NoMatchMalformedURL", []targeting.Candidate{
			{ID: "sales", Priority: 10, Matcher: pricing},
		}, "::", "", "", false},
		{"NoCandidates", nil, site, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := targeting.NewSelector(tc.candidates)
			id, ok := s.Select(targeting.NewView(tc.url, tc.device, nil))
			require.Equal(t, tc.wantOK, ok)
			require.Equal(t, tc.wantID, id)
		})
	}
	t.Run("NilSelectorNoMatch", func(t *testing.T) {
		var s *targeting.Selector
		_, ok := s.Select(targeting.NewView(site, "", nil))
		require.False(t, ok)
	})
	t.Run("InputOrderIrrelevant", func(t *testing.T) {
		cs := []targeting.Candidate{
			{ID: "x", Priority: 2, Matcher: everywhere},
			{ID: "y", Priority: 2, Matcher: everywhere},
		}
		a, _ := targeting.NewSelector(cs).Select(targeting.NewView(site, "", nil))
		b, _ := targeting.NewSelector([]targeting.Candidate{cs[1], cs[0]}).Select(targeting.NewView(site, "", nil))
		require.Equal(t, "x", a)
		require.Equal(t, a, b)
	})
	t.Run("CopiesCandidates", func(t *testing.T) {
		cs := []targeting.Candidate{{ID: "x", Matcher: everywhere}}
		s := targeting.NewSelector(cs)
		cs[0].ID = "changed"
		id, _ := s.Select(targeting.NewView(site, "", nil))
		require.Equal(t, "x", id)
	})
}
