package targeting_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/targeting"
)

// matchCase is one rule evaluated on one page view.
type matchCase struct {
	name    string
	rule    targeting.Rule
	url     string
	device  string
	contact *targeting.Contact
	want    bool
}

func compile(tb testing.TB, r targeting.Rules) *targeting.Matcher {
	tb.Helper()
	m, err := targeting.Compile(r)
	require.NoError(tb, err)
	return m
}

func one(r targeting.Rule) targeting.Rules {
	return targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{r}}}}
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := compile(t, one(tc.rule))
			v := targeting.NewView(tc.url, tc.device, tc.contact)
			require.Equal(t, tc.want, m.Match(v), "rule %+v on %q (normalised %q)", tc.rule, tc.url, v.URL())
			// The same rule as an exclusion hides exactly the pages it matches.
			ex := compile(t, targeting.Rules{Exclude: []targeting.Rule{tc.rule}})
			require.Equal(t, !tc.want, ex.Match(v))
		})
	}
}

func path(op targeting.Operator, value string) targeting.Rule {
	return targeting.Rule{Field: targeting.FieldPath, Op: op, Value: value}
}

func fullURL(op targeting.Operator, value string) targeting.Rule {
	return targeting.Rule{Field: targeting.FieldURL, Op: op, Value: value}
}

const site = "https://example.com"

// malformed are page URLs that match no URL, path or query rule.
var malformed = map[string]string{
	"Empty":          "",
	"NotAURL":        "not a url",
	"Relative":       "/pricing",
	"BadHost":        "http://[::1",
	"BadEscape":      "https://example.com/%zz",
	"Opaque":         "mailto:sales@example.com",
	"NoHost":         "https:///pricing",
	"ControlChar":    "https://example.com/pri\x7fcing\n",
	"TooLong":        site + "/" + strings.Repeat("a", targeting.MaxURLLength),
	"SchemeRelative": "//example.com/pricing",
}

// withMalformed adds a case per malformed URL: rule never matches.
func withMalformed(cases []matchCase, rules ...targeting.Rule) []matchCase {
	for _, r := range rules {
		for name, u := range malformed {
			cases = append(cases, matchCase{name: string(r.Op) + "/NoMatchMalformed" + name, rule: r, url: u})
		}
	}
	return cases
}

func TestPathRules(t *testing.T) {
	cases := []matchCase{
		{"is/Matches", path(targeting.OpIs, "/pricing"), site + "/pricing", "", nil, true},
		{"is/MatchesTrailingSlashOnPage", path(targeting.OpIs, "/pricing"), site + "/pricing/", "", nil, true},
		{"is/MatchesTrailingSlashInValue", path(targeting.OpIs, "/pricing/"), site + "/pricing", "", nil, true},
		{"is/MatchesWithoutLeadingSlashInValue", path(targeting.OpIs, "pricing"), site + "/pricing", "", nil, true},
		{"is/MatchesIgnoringFragment", path(targeting.OpIs, "/pricing"), site + "/pricing#plans", "", nil, true},
		{"is/MatchesIgnoringQuery", path(targeting.OpIs, "/pricing"), site + "/pricing?plan=pro", "", nil, true},
		{"is/MatchesUpperCaseSchemeAndHost", path(targeting.OpIs, "/pricing"), "HTTPS://EXAMPLE.COM:443/pricing", "", nil, true},
		{"is/MatchesDecodedPage", path(targeting.OpIs, "/café"), site + "/caf%C3%A9", "", nil, true},
		{"is/MatchesDecodedValue", path(targeting.OpIs, "/caf%C3%A9"), site + "/café", "", nil, true},
		{"is/MatchesEncodedSpace", path(targeting.OpIs, "/a b"), site + "/a%20b", "", nil, true},
		{"is/MatchesNonASCII", path(targeting.OpIs, "/日本語/ページ"), site + "/日本語/ページ/", "", nil, true},
		{"is/RootMatchesEmptyPath", path(targeting.OpIs, "/"), site, "", nil, true},
		{"is/RootMatchesRoot", path(targeting.OpIs, "/"), site + "/", "", nil, true},
		{"is/RootMatchesRootWithQuery", path(targeting.OpIs, "/"), site + "/?utm=x", "", nil, true},
		{"is/NoMatchOtherRoot", path(targeting.OpIs, "/"), site + "/a", "", nil, false},
		{"is/NoMatchOtherCase", path(targeting.OpIs, "/pricing"), site + "/Pricing", "", nil, false},
		{"is/NoMatchSubpage", path(targeting.OpIs, "/pricing"), site + "/pricing/enterprise", "", nil, false},
		{"is/NoMatchPathInFragment", path(targeting.OpIs, "/pricing"), site + "/#/pricing", "", nil, false},

		{"is_not/MatchesOtherPage", path(targeting.OpIsNot, "/privacy"), site + "/pricing", "", nil, true},
		{"is_not/NoMatchSamePageWithSlash", path(targeting.OpIsNot, "/privacy"), site + "/privacy/", "", nil, false},

		{"contains/Matches", path(targeting.OpContains, "pricing"), site + "/en/pricing/x", "", nil, true},
		{"contains/MatchesTrailingSlashBoundary", path(targeting.OpContains, "/blog/"), site + "/blog", "", nil, true},
		{"contains/MatchesDecoded", path(targeting.OpContains, "café"), site + "/menu/caf%C3%A9s", "", nil, true},
		{"contains/NoMatch", path(targeting.OpContains, "pricing"), site + "/privacy", "", nil, false},
		{"contains/NoMatchBoundary", path(targeting.OpContains, "/blog/"), site + "/blogger", "", nil, false},
		{"contains/NoMatchQuery", path(targeting.OpContains, "pricing"), site + "/?page=pricing", "", nil, false},

		{"not_contains/MatchesWithout", path(targeting.OpNotContains, "privacy"), site + "/pricing", "", nil, true},
		{"not_contains/NoMatchWith", path(targeting.OpNotContains, "privacy"), site + "/privacy-policy", "", nil, false},
		{"not_contains/NoMatchBoundaryViaSlash", path(targeting.OpNotContains, "/legal/"), site + "/legal", "", nil, false},

		{"starts_with/MatchesPrefix", path(targeting.OpStartsWith, "/pricing"), site + "/pricing-old", "", nil, true},
		{"starts_with/MatchesWithoutLeadingSlash", path(targeting.OpStartsWith, "blog"), site + "/blog/x", "", nil, true},
		{"starts_with/MatchesBoundaryPageItself", path(targeting.OpStartsWith, "/blog/"), site + "/blog", "", nil, true},
		{"starts_with/MatchesBoundaryWithSlash", path(targeting.OpStartsWith, "/blog/"), site + "/blog/", "", nil, true},
		{"starts_with/MatchesBoundaryChild", path(targeting.OpStartsWith, "/blog/"), site + "/blog/post", "", nil, true},
		{"starts_with/NoMatchBoundary", path(targeting.OpStartsWith, "/blog/"), site + "/blogger", "", nil, false},
		{"starts_with/NoMatchOtherCase", path(targeting.OpStartsWith, "/Blog"), site + "/blog", "", nil, false},

		{"ends_with/Matches", path(targeting.OpEndsWith, ".html"), site + "/a/b.html", "", nil, true},
		{"ends_with/MatchesIgnoringTrailingSlash", path(targeting.OpEndsWith, "/docs"), site + "/guide/docs/", "", nil, true},
		{"ends_with/MatchesSlashInValue", path(targeting.OpEndsWith, "/docs/"), site + "/guide/docs", "", nil, true},
		{"ends_with/NoMatch", path(targeting.OpEndsWith, ".html"), site + "/a/b.htm", "", nil, false},

		{"matches_wildcard/MatchesPage", path(targeting.OpMatchWildcard, "/pricing*"), site + "/pricing", "", nil, true},
		{"matches_wildcard/MatchesChild", path(targeting.OpMatchWildcard, "/pricing*"), site + "/pricing/enterprise", "", nil, true},
		{"matches_wildcard/NoMatchOther", path(targeting.OpMatchWildcard, "/pricing*"), site + "/privacy", "", nil, false},
		{"matches_wildcard/MatchesMiddle", path(targeting.OpMatchWildcard, "/blog/*/comments"), site + "/blog/2024/05/comments", "", nil, true},
		{"matches_wildcard/NoMatchMissingMiddle", path(targeting.OpMatchWildcard, "/blog/*/comments"), site + "/blog/comments", "", nil, false},
		{"matches_wildcard/MatchesSeveralStars", path(targeting.OpMatchWildcard, "*/docs/**/v2*"), site + "/en/docs/api/v2/x", "", nil, true},
		{"matches_wildcard/NoMatchWrongOrder", path(targeting.OpMatchWildcard, "*/v2/*/docs*"), site + "/docs/x/v2", "", nil, false},
		{"matches_wildcard/StarMatchesRoot", path(targeting.OpMatchWildcard, "*"), site, "", nil, true},
		{"matches_wildcard/MatchesParentViaSlash", path(targeting.OpMatchWildcard, "/blog/*"), site + "/blog", "", nil, true},
		{"matches_wildcard/MatchesWithoutLeadingSlash", path(targeting.OpMatchWildcard, "pricing*"), site + "/pricing/x", "", nil, true},
		{"matches_wildcard/ExactWithoutStar", path(targeting.OpMatchWildcard, "/pricing"), site + "/pricing/", "", nil, true},
		{"matches_wildcard/NoMatchExactWithoutStar", path(targeting.OpMatchWildcard, "/pricing"), site + "/pricing/x", "", nil, false},
		{"matches_wildcard/NoOverlap", path(targeting.OpMatchWildcard, "/ab*ba"), site + "/aba", "", nil, false},
		{"matches_wildcard/MatchesDecoded", path(targeting.OpMatchWildcard, "/caf%C3%A9/*"), site + "/café/menu", "", nil, true},

		{"matches_regex/Matches", path(targeting.OpMatchRegexp, `^/pricing(/|$)`), site + "/pricing/enterprise", "", nil, true},
		{"matches_regex/NoMatch", path(targeting.OpMatchRegexp, `^/pricing(/|$)`), site + "/pricingx", "", nil, false},
		{"matches_regex/MatchesNormalisedWithoutSlash", path(targeting.OpMatchRegexp, `^/pricing$`), site + "/pricing/", "", nil, true},
		{"matches_regex/MatchesOptionalSlash", path(targeting.OpMatchRegexp, `^/pricing/?$`), site + "/pricing/", "", nil, true},
		{"matches_regex/NoMatchSlashNotInNormalisedForm", path(targeting.OpMatchRegexp, `^/pricing/$`), site + "/pricing/", "", nil, false},
		{"matches_regex/MatchesCapturedLiteral", path(targeting.OpMatchRegexp, `^/(docs)/v\d+/(api)`), site + "/docs/v2/api", "", nil, true},
		{"matches_regex/NoMatchMissingLiteral", path(targeting.OpMatchRegexp, `^/docs/v\d+/api`), site + "/docs/v2/guide", "", nil, false},
		{"matches_regex/MatchesAlternationOfAnchors", path(targeting.OpMatchRegexp, `^/a|/pricing`), site + "/x/pricing", "", nil, true},
		{"matches_regex/MatchesMultiLineAnchor", path(targeting.OpMatchRegexp, `(?m)^/pricing`), site + "/pricing", "", nil, true},
		{"matches_regex/MatchesFoldedLiteral", path(targeting.OpMatchRegexp, `^(?i:/PRICING)/x`), site + "/Pricing/x", "", nil, true},
		{"matches_regex/MatchesInvalidUTF8AsReplacement", path(targeting.OpMatchRegexp, "^/a�b$"), site + "/a%FFb", "", nil, true},
		{"matches_regex/MatchesCaseInsensitiveFlag", path(targeting.OpMatchRegexp, `(?i)^/PRICING`), site + "/pricing", "", nil, true},
		{"matches_regex/MatchesUnanchored", path(targeting.OpMatchRegexp, `\d{4}`), site + "/blog/2024/x", "", nil, true},
		{"matches_regex/MatchesDecodedNonASCII", path(targeting.OpMatchRegexp, `^/caf.$`), site + "/caf%C3%A9", "", nil, true},
	}
	cases = withMalformed(cases,
		path(targeting.OpIs, "/pricing"), path(targeting.OpIsNot, "/pricing"),
		path(targeting.OpContains, "p"), path(targeting.OpNotContains, "p"),
		path(targeting.OpStartsWith, "/"), path(targeting.OpEndsWith, "g"),
		path(targeting.OpMatchWildcard, "*"), path(targeting.OpMatchRegexp, ".*"))
	runMatchCases(t, cases)
}

func TestURLRules(t *testing.T) {
	const pricing = site + "/pricing"
	cases := []matchCase{
		{"is/Matches", fullURL(targeting.OpIs, pricing), pricing, "", nil, true},
		{"is/MatchesUpperCaseSchemeAndHost", fullURL(targeting.OpIs, pricing), "HTTPS://EXAMPLE.COM/pricing", "", nil, true},
		{"is/MatchesUpperCaseValue", fullURL(targeting.OpIs, "HTTPS://Example.com/Pricing/"), site + "/Pricing", "", nil, true},
		{"is/MatchesDefaultPort", fullURL(targeting.OpIs, pricing), "https://example.com:443/pricing", "", nil, true},
		{"is/MatchesDefaultPortInValue", fullURL(targeting.OpIs, "http://example.com:80/"), "http://example.com", "", nil, true},
		{"is/MatchesTrailingSlash", fullURL(targeting.OpIs, pricing), pricing + "/", "", nil, true},
		{"is/MatchesIgnoringFragment", fullURL(targeting.OpIs, pricing+"#a"), pricing + "/#plans", "", nil, true},
		{"is/MatchesIgnoringUserinfo", fullURL(targeting.OpIs, pricing), "https://bob@example.com/pricing", "", nil, true},
		{"is/MatchesDecoded", fullURL(targeting.OpIs, site+"/café"), site + "/caf%C3%A9", "", nil, true},
		{"is/MatchesQueryInOrder", fullURL(targeting.OpIs, pricing+"?b=2&a=1"), pricing + "?b=2&a=1", "", nil, true},
		{"is/MatchesQueryAfterSlash", fullURL(targeting.OpIs, pricing+"/?a=1"), pricing + "?a=1", "", nil, true},
		{"is/NoMatchQueryReordered", fullURL(targeting.OpIs, pricing+"?b=2&a=1"), pricing + "?a=1&b=2", "", nil, false},
		{"is/NoMatchExtraQuery", fullURL(targeting.OpIs, pricing), pricing + "?a=1", "", nil, false},
		{"is/NoMatchOtherScheme", fullURL(targeting.OpIs, pricing), "http://example.com/pricing", "", nil, false},
		{"is/NoMatchOtherPort", fullURL(targeting.OpIs, pricing), "https://example.com:8443/pricing", "", nil, false},
		{"is/NoMatchPathCase", fullURL(targeting.OpIs, pricing), site + "/Pricing", "", nil, false},
		{"is/NoMatchSubdomain", fullURL(targeting.OpIs, pricing), "https://www.example.com/pricing", "", nil, false},

		{"is_not/MatchesOtherPage", fullURL(targeting.OpIsNot, pricing), site + "/privacy", "", nil, true},
		{"is_not/NoMatchSamePage", fullURL(targeting.OpIsNot, pricing), "HTTPS://Example.COM:443/pricing/#x", "", nil, false},

		{"contains/Matches", fullURL(targeting.OpContains, "example.com/pricing"), pricing + "/x", "", nil, true},
		{"contains/MatchesQuery", fullURL(targeting.OpContains, "utm_source=google"), site + "/?utm_source=google", "", nil, true},
		{"contains/MatchesDecodedPath", fullURL(targeting.OpContains, "/caf%C3%A9"), site + "/café", "", nil, true},
		{"contains/MatchesNormalisedURLValue", fullURL(targeting.OpContains, "HTTPS://EXAMPLE.COM/pricing"), pricing + "/enterprise", "", nil, true},
		{"contains/MatchesLowercasedHost", fullURL(targeting.OpContains, "shop.example"), "https://SHOP.example.com/", "", nil, true},
		{"contains/NoMatchFragment", fullURL(targeting.OpContains, "plans"), pricing + "#plans", "", nil, false},
		{"not_contains/MatchesWithout", fullURL(targeting.OpNotContains, "privacy"), pricing, "", nil, true},
		{"not_contains/NoMatchWith", fullURL(targeting.OpNotContains, "privacy"), site + "/privacy", "", nil, false},

		{"starts_with/Matches", fullURL(targeting.OpStartsWith, site+"/blog/"), site + "/blog/post", "", nil, true},
		{"starts_with/MatchesBoundaryPageItself", fullURL(targeting.OpStartsWith, site+"/blog/"), site + "/blog", "", nil, true},
		{"starts_with/MatchesBoundaryBeforeQuery", fullURL(targeting.OpStartsWith, site+"/blog/"), site + "/blog?page=2", "", nil, true},
		{"starts_with/MatchesUpperCaseHost", fullURL(targeting.OpStartsWith, site+"/blog/"), "https://EXAMPLE.com/blog/x", "", nil, true},
		{"starts_with/MatchesHostOnlyValue", fullURL(targeting.OpStartsWith, "HTTPS://EXAMPLE.COM"), pricing, "", nil, true},
		{"starts_with/NoMatchBoundary", fullURL(targeting.OpStartsWith, site+"/blog/"), site + "/blogger", "", nil, false},
		{"starts_with/NoMatchLongerHost", fullURL(targeting.OpStartsWith, site), "https://example.community/", "", nil, false},

		{"ends_with/Matches", fullURL(targeting.OpEndsWith, "/pricing"), pricing + "/", "", nil, true},
		{"ends_with/MatchesQuery", fullURL(targeting.OpEndsWith, "plan=pro"), pricing + "?plan=pro#x", "", nil, true},
		{"ends_with/NoMatchBeforeQuery", fullURL(targeting.OpEndsWith, "/pricing"), pricing + "?plan=pro", "", nil, false},

		{"matches_wildcard/MatchesSubdomain", fullURL(targeting.OpMatchWildcard, "https://*.example.com/*"), "https://shop.example.com/x", "", nil, true},
		{"matches_wildcard/MatchesUpperCase", fullURL(targeting.OpMatchWildcard, "HTTPS://*.EXAMPLE.COM/*"), "HTTPS://Shop.Example.com/x", "", nil, true},
		{"matches_wildcard/MatchesDefaultPortInPattern", fullURL(targeting.OpMatchWildcard, "https://example.com:443/pricing*"), pricing, "", nil, true},
		{"matches_wildcard/MatchesQuery", fullURL(targeting.OpMatchWildcard, "*?*utm_source=*"), site + "/?a=1&utm_source=x", "", nil, true},
		{"matches_wildcard/NoMatchApex", fullURL(targeting.OpMatchWildcard, "https://*.example.com/*"), site + "/x", "", nil, false},

		{"matches_regex/Matches", fullURL(targeting.OpMatchRegexp, `^https://[a-z]+\.example\.com/`), "https://Shop.example.com/", "", nil, true},
		{"matches_regex/NoMatch", fullURL(targeting.OpMatchRegexp, `^https://[a-z]+\.example\.com/`), site + "/", "", nil, false},
	}
	cases = withMalformed(cases,
		fullURL(targeting.OpIs, pricing), fullURL(targeting.OpIsNot, pricing),
		fullURL(targeting.OpContains, "e"), fullURL(targeting.OpNotContains, "e"),
		fullURL(targeting.OpStartsWith, site), fullURL(targeting.OpEndsWith, "g"),
		fullURL(targeting.OpMatchWildcard, "*"), fullURL(targeting.OpMatchRegexp, ".*"))
	runMatchCases(t, cases)
}

func query(name string, op targeting.Operator, value string) targeting.Rule {
	return targeting.Rule{Field: targeting.FieldQuery, Name: name, Op: op, Value: value}
}

func TestQueryRules(t *testing.T) {
	isGoogle := query("utm_source", targeting.OpIs, "google")
	isNotGoogle := query("utm_source", targeting.OpIsNot, "google")
	present := query("ref", targeting.OpPresent, "")
	cases := []matchCase{
		{"is/Matches", isGoogle, site + "/?utm_source=google", "", nil, true},
		{"is/MatchesAnyOfSeveralValues", isGoogle, site + "/?utm_source=bing&utm_source=google", "", nil, true},
		{"is/MatchesEncodedName", isGoogle, site + "/?utm%5Fsource=google", "", nil, true},
		{"is/MatchesEncodedValue", isGoogle, site + "/?utm_source=goo%67le", "", nil, true},
		{"is/MatchesPlusAsSpace", query("q", targeting.OpIs, "live chat"), site + "/?q=live+chat", "", nil, true},
		{"is/MatchesNonASCII", query("città", targeting.OpIs, "Zürich"), site + "/?citt%C3%A0=Z%C3%BCrich", "", nil, true},
		{"is/MatchesInvalidEscapeAsSent", query("q", targeting.OpIs, "%zz"), site + "/?q=%zz", "", nil, true},
		{"is/NoMatchOtherValue", isGoogle, site + "/?utm_source=bing", "", nil, false},
		{"is/NoMatchOtherCase", isGoogle, site + "/?utm_source=Google", "", nil, false},
		{"is/NoMatchEmptyValue", isGoogle, site + "/?utm_source=", "", nil, false},
		{"is/NoMatchNoQuery", isGoogle, site + "/", "", nil, false},
		{"is/NoMatchInFragment", isGoogle, site + "/#?utm_source=google", "", nil, false},
		{"is/NoMatchNameCase", isGoogle, site + "/?UTM_SOURCE=google", "", nil, false},

		{"is_not/MatchesOtherValue", isNotGoogle, site + "/?utm_source=bing", "", nil, true},
		{"is_not/MatchesMissing", isNotGoogle, site + "/pricing", "", nil, true},
		{"is_not/NoMatchValue", isNotGoogle, site + "/?utm_source=google", "", nil, false},
		{"is_not/NoMatchOneOfSeveral", isNotGoogle, site + "/?utm_source=bing&utm_source=google", "", nil, false},

		{"contains/Matches", query("utm_campaign", targeting.OpContains, "spring"), site + "/?utm_campaign=2024-spring-sale", "", nil, true},
		{"contains/MatchesSecondValue", query("tag", targeting.OpContains, "b"), site + "/?tag=x&tag=abc", "", nil, true},
		{"contains/NoMatch", query("utm_campaign", targeting.OpContains, "spring"), site + "/?utm_campaign=fall", "", nil, false},
		{"contains/NoMatchMissing", query("utm_campaign", targeting.OpContains, "spring"), site + "/?other=spring", "", nil, false},

		{"is_present/MatchesWithValue", present, site + "/?ref=x", "", nil, true},
		{"is_present/MatchesEmptyValue", present, site + "/?ref=", "", nil, true},
		{"is_present/MatchesWithoutEquals", present, site + "/?a=1&ref", "", nil, true},
		{"is_present/NoMatchPrefixName", present, site + "/?refx=1", "", nil, false},
		{"is_present/NoMatchNoQuery", present, site + "/", "", nil, false},
		{"is_present/NoMatchEmptyQuery", present, site + "/?", "", nil, false},
		{"is_present/NoMatchFragment", present, site + "/#ref", "", nil, false},
	}
	cases = withMalformed(cases, isGoogle, isNotGoogle, query("a", targeting.OpContains, "x"), present)
	runMatchCases(t, cases)
}

func TestContactRules(t *testing.T) {
	known := targeting.Rule{Field: targeting.FieldContact, Op: targeting.OpKnown}
	unknown := targeting.Rule{Field: targeting.FieldContact, Op: targeting.OpUnknown}
	contact := &targeting.Contact{}
	runMatchCases(t, []matchCase{
		{"is_known/MatchesContact", known, site, "", contact, true},
		{"is_known/MatchesContactOnMalformedURL", known, "::", "", contact, true},
		{"is_known/NoMatchUnknownVisitor", known, site, "", nil, false},
		{"is_unknown/MatchesUnknownVisitor", unknown, site, "", nil, true},
		{"is_unknown/MatchesUnknownVisitorOnMalformedURL", unknown, "", "", nil, true},
		{"is_unknown/NoMatchContact", unknown, site, "", contact, false},
	})
}

func prop(name string, op targeting.Operator, value string) targeting.Rule {
	return targeting.Rule{Field: targeting.FieldProperty, Name: name, Op: op, Value: value}
}

func props(kv ...string) *targeting.Contact {
	c := &targeting.Contact{Properties: map[string]string{}}
	for i := 0; i < len(kv); i += 2 {
		c.Properties[kv[i]] = kv[i+1]
	}
	return c
}

func TestPropertyRules(t *testing.T) {
	isPro := prop("plan", targeting.OpIs, "pro")
	isNotPro := prop("plan", targeting.OpIsNot, "pro")
	known := prop("plan", targeting.OpKnown, "")
	unknown := prop("plan", targeting.OpUnknown, "")
	gt100 := prop("seats", targeting.OpGreaterThan, "100")
	lt100 := prop("seats", targeting.OpLessThan, "100")
	after := prop("signed_up", targeting.OpGreaterThan, "2024-01-01")
	before := prop("signed_up", targeting.OpLessThan, "2024-01-01T12:00:00Z")
	cases := []matchCase{
		{"is/Matches", isPro, site, "", props("plan", "pro"), true},
		{"is/NoMatchOtherCase", isPro, site, "", props("plan", "Pro"), false},
		{"is/NoMatchMissing", isPro, site, "", props("other", "pro"), false},
		{"is/NoMatchUnknownVisitor", isPro, site, "", nil, false},
		{"is/MatchesOnMalformedURL", isPro, "", "", props("plan", "pro"), true},
		{"is_not/MatchesOther", isNotPro, site, "", props("plan", "free"), true},
		{"is_not/MatchesMissing", isNotPro, site, "", props(), true},
		{"is_not/MatchesUnknownVisitor", isNotPro, site, "", nil, true},
		{"is_not/NoMatchSame", isNotPro, site, "", props("plan", "pro"), false},
		{"contains/Matches", prop("company", targeting.OpContains, "Acme"), site, "", props("company", "Acme Corp"), true},
		{"contains/NoMatch", prop("company", targeting.OpContains, "Acme"), site, "", props("company", "acme corp"), false},
		{"contains/NoMatchEmpty", prop("company", targeting.OpContains, "Acme"), site, "", props("company", ""), false},
		{"is_known/MatchesValue", known, site, "", props("plan", "free"), true},
		{"is_known/NoMatchEmptyValue", known, site, "", props("plan", ""), false},
		{"is_known/NoMatchMissing", known, site, "", props(), false},
		{"is_known/NoMatchUnknownVisitor", known, site, "", nil, false},
		{"is_unknown/MatchesMissing", unknown, site, "", props(), true},
		{"is_unknown/MatchesEmptyValue", unknown, site, "", props("plan", ""), true},
		{"is_unknown/MatchesUnknownVisitor", unknown, site, "", nil, true},
		{"is_unknown/NoMatchValue", unknown, site, "", props("plan", "free"), false},

		{"greater_than/MatchesNumber", gt100, site, "", props("seats", "150"), true},
		{"greater_than/MatchesDecimal", gt100, site, "", props("seats", "100.5"), true},
		{"greater_than/MatchesExponent", gt100, site, "", props("seats", "1e3"), true},
		{"greater_than/MatchesSpaces", gt100, site, "", props("seats", " 150 "), true},
		{"greater_than/NoMatchEqual", gt100, site, "", props("seats", "100"), false},
		{"greater_than/NoMatchSmaller", gt100, site, "", props("seats", "99.5"), false},
		{"greater_than/NoMatchNumbersComparedAsNumbersNotText", gt100, site, "", props("seats", "9"), false},
		{"greater_than/NoMatchString", gt100, site, "", props("seats", "many"), false},
		{"greater_than/NoMatchDate", gt100, site, "", props("seats", "2024-01-01"), false},
		{"greater_than/NoMatchNaN", gt100, site, "", props("seats", "NaN"), false},
		{"greater_than/NoMatchInfinity", gt100, site, "", props("seats", "+Inf"), false},
		{"greater_than/NoMatchEmpty", gt100, site, "", props("seats", ""), false},
		{"greater_than/NoMatchMissing", gt100, site, "", props(), false},
		{"greater_than/NoMatchUnknownVisitor", gt100, site, "", nil, false},
		{"less_than/MatchesNegative", lt100, site, "", props("seats", "-5"), true},
		{"less_than/NoMatchGreater", lt100, site, "", props("seats", "1000"), false},
		{"less_than/NoMatchString", lt100, site, "", props("seats", "few"), false},

		{"greater_than/MatchesLaterDate", after, site, "", props("signed_up", "2024-06-01"), true},
		{"greater_than/MatchesLaterInstant", after, site, "", props("signed_up", "2024-01-01T10:00:00Z"), true},
		{"greater_than/NoMatchEarlierDate", after, site, "", props("signed_up", "2023-12-31"), false},
		{"greater_than/NoMatchSameInstantOtherZone", after, site, "", props("signed_up", "2024-01-01T01:00:00+01:00"), false},
		{"greater_than/NoMatchEarlierInstantOtherZone", after, site, "", props("signed_up", "2024-01-01T00:30:00+01:00"), false},
		{"greater_than/NoMatchNumberAgainstDate", after, site, "", props("signed_up", "20240601"), false},
		{"greater_than/NoMatchNotADate", after, site, "", props("signed_up", "2024-13-01"), false},
		{"less_than/MatchesDateOnlyMidnight", before, site, "", props("signed_up", "2024-01-01"), true},
		{"less_than/MatchesFractionalSeconds", before, site, "", props("signed_up", "2024-01-01T11:59:59.999Z"), true},
		{"less_than/NoMatchLater", before, site, "", props("signed_up", "2024-01-01T12:00:00Z"), false},
	}
	runMatchCases(t, cases)
}

func TestDeviceRules(t *testing.T) {
	mobile := targeting.Rule{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "mobile"}
	notMobile := targeting.Rule{Field: targeting.FieldDevice, Op: targeting.OpIsNot, Value: "mobile"}
	runMatchCases(t, []matchCase{
		{"is/Matches", mobile, site, "mobile", nil, true},
		{"is/MatchesAnyCase", mobile, site, " Mobile ", nil, true},
		{"is/MatchesAnyCaseInValue", targeting.Rule{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "TABLET"}, site, "tablet", nil, true},
		{"is/MatchesOnMalformedURL", mobile, "", "mobile", nil, true},
		{"is/NoMatchOther", mobile, site, "desktop", nil, false},
		{"is/NoMatchEmpty", mobile, site, "", nil, false},
		{"is/NoMatchUnknownDevice", mobile, site, "phone", nil, false},
		{"is_not/MatchesOther", notMobile, site, "desktop", nil, true},
		{"is_not/MatchesUnknownDevice", notMobile, site, "", nil, true},
		{"is_not/NoMatchSame", notMobile, site, "mobile", nil, false},
	})
}

func TestMatch(t *testing.T) {
	pricing := path(targeting.OpStartsWith, "/pricing")
	docs := path(targeting.OpStartsWith, "/docs")
	mobile := targeting.Rule{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "mobile"}
	privacy := path(targeting.OpContains, "privacy")
	cases := []struct {
		name   string
		rules  targeting.Rules
		url    string
		device string
		want   bool
	}{
		{"NoGroupsMatchesEverything", targeting.Rules{}, site + "/anything", "", true},
		{"NoGroupsMatchesMalformed", targeting.Rules{}, "", "", true},
		{"NoGroupsExcluded", targeting.Rules{Exclude: []targeting.Rule{privacy}}, site + "/privacy", "", false},
		{"GroupRulesAllMatch", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{pricing, mobile}}}}, site + "/pricing", "mobile", true},
		{"GroupRuleFailsAnd", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{pricing, mobile}}}}, site + "/pricing", "desktop", false},
		{"SecondGroupMatchesOr", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{pricing}}, {Rules: []targeting.Rule{docs}}}}, site + "/docs/api", "", true},
		{"NoGroupMatches", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{pricing}}, {Rules: []targeting.Rule{docs}}}}, site + "/blog", "", false},
		{"ExclusionWins", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{pricing}}}, Exclude: []targeting.Rule{privacy}}, site + "/pricing/privacy", "", false},
		{"AnyExclusionWins", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{pricing}}}, Exclude: []targeting.Rule{mobile, privacy}}, site + "/pricing", "mobile", false},
		{"ExclusionNotMatching", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{pricing}}}, Exclude: []targeting.Rule{privacy}}, site + "/pricing", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := compile(t, tc.rules)
			require.Equal(t, tc.want, m.Match(targeting.NewView(tc.url, tc.device, nil)))
		})
	}
	t.Run("NilMatcherMatchesEverything", func(t *testing.T) {
		var m *targeting.Matcher
		require.True(t, m.Match(targeting.NewView(site, "", nil)))
	})
	t.Run("NilViewIsMalformedUnknownVisitor", func(t *testing.T) {
		require.False(t, compile(t, one(pricing)).Match(nil))
		require.True(t, compile(t, one(targeting.Rule{Field: targeting.FieldContact, Op: targeting.OpUnknown})).Match(nil))
	})
}

func TestNewView(t *testing.T) {
	cases := []struct {
		name, raw, url, path string
	}{
		{"LowercasesSchemeAndHost", "HTTPS://Example.COM/Pricing", "https://example.com/Pricing", "/Pricing"},
		{"DropsDefaultHTTPSPort", "https://example.com:443/", "https://example.com/", "/"},
		{"DropsDefaultHTTPPort", "http://example.com:80/a", "http://example.com/a", "/a"},
		{"KeepsOtherPort", "http://example.com:443/a", "http://example.com:443/a", "/a"},
		{"DropsEmptyPort", "https://example.com:/a", "https://example.com/a", "/a"},
		{"DropsFragment", "https://example.com/a#b", "https://example.com/a", "/a"},
		{"DropsTrailingSlash", "https://example.com/a/b/", "https://example.com/a/b", "/a/b"},
		{"DropsTrailingSlashes", "https://example.com/a//", "https://example.com/a", "/a"},
		{"KeepsRoot", "https://example.com", "https://example.com/", "/"},
		{"KeepsQueryAsSent", "https://example.com/a/?b=%20&a=1", "https://example.com/a?b=%20&a=1", "/a"},
		{"DropsEmptyQuery", "https://example.com/a?", "https://example.com/a", "/a"},
		{"DecodesPath", "https://example.com/caf%C3%A9", "https://example.com/café", "/café"},
		{"KeepsIPv6", "http://[::1]:80/a", "http://[::1]/a", "/a"},
		{"TrimsSpace", "  https://example.com/a \n", "https://example.com/a", "/a"},
		{"MalformedIsEmpty", "https://example.com/%zz", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := targeting.NewView(tc.raw, "", nil)
			require.Equal(t, tc.url, v.URL())
			require.Equal(t, tc.path, v.Path())
		})
	}
}

// Match on a prepared View allocates nothing, whatever the operator, and
// neither does Select.
func TestMatchDoesNotAllocate(t *testing.T) {
	rules := []targeting.Rule{
		path(targeting.OpIs, "/pricing"), path(targeting.OpIsNot, "/pricing"),
		path(targeting.OpContains, "pri"), path(targeting.OpNotContains, "pri"),
		path(targeting.OpStartsWith, "/pri/"), path(targeting.OpEndsWith, "ing/"),
		path(targeting.OpMatchWildcard, "/*ri*g/*"), path(targeting.OpMatchRegexp, `^/pr.*g$`),
		fullURL(targeting.OpIs, site+"/pricing"), fullURL(targeting.OpIsNot, site),
		fullURL(targeting.OpContains, "pri"), fullURL(targeting.OpNotContains, "x"),
		fullURL(targeting.OpStartsWith, site+"/pricing/"), fullURL(targeting.OpEndsWith, "=1"),
		fullURL(targeting.OpMatchWildcard, "https://*/pricing*"), fullURL(targeting.OpMatchRegexp, `example\.com`),
		query("a", targeting.OpIs, "1"), query("a", targeting.OpIsNot, "1"),
		query("a", targeting.OpContains, "1"), query("a", targeting.OpPresent, ""),
		{Field: targeting.FieldContact, Op: targeting.OpKnown}, {Field: targeting.FieldContact, Op: targeting.OpUnknown},
		prop("plan", targeting.OpIs, "pro"), prop("plan", targeting.OpIsNot, "pro"),
		prop("plan", targeting.OpContains, "p"), prop("plan", targeting.OpKnown, ""),
		prop("plan", targeting.OpUnknown, ""), prop("seats", targeting.OpGreaterThan, "10"),
		prop("seats", targeting.OpLessThan, "10"), prop("since", targeting.OpGreaterThan, "2020-01-01"),
		prop("since", targeting.OpLessThan, "2030-01-01T00:00:00Z"),
		{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "mobile"},
		{Field: targeting.FieldDevice, Op: targeting.OpIsNot, Value: "mobile"},
	}
	views := []*targeting.View{
		targeting.NewView(site+"/pricing/?a=1&a=2", "mobile", props("plan", "pro", "seats", "12", "since", "2024-05-01")),
		targeting.NewView("HTTP://other.example:8080/privacy", "desktop", nil),
		targeting.NewView("::", "", nil),
	}
	for _, r := range rules {
		if raceEnabled && r.Op == targeting.OpMatchRegexp {
			continue
		}
		m := compile(t, targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{r}}}, Exclude: []targeting.Rule{r}})
		for _, v := range views {
			allocs := testing.AllocsPerRun(100, func() { m.Match(v) })
			require.Zero(t, allocs, "rule %+v on %q", r, v.URL())
		}
	}
	s := targeting.NewSelector([]targeting.Candidate{
		{ID: "a", Priority: 2, Matcher: compile(t, one(path(targeting.OpStartsWith, "/docs")))},
		{ID: "b", Priority: 1, Matcher: compile(t, targeting.Rules{Exclude: []targeting.Rule{path(targeting.OpIs, "/privacy")}})},
	})
	for _, v := range views {
		require.Zero(t, testing.AllocsPerRun(100, func() { s.Select(v) }))
	}
}
