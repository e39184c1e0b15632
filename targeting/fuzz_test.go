package targeting_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/targeting"
)

func FuzzMatch(f *testing.F) {
	seeds := []struct{ rules, url, device, name, value string }{
		{`{"groups":[{"rules":[{"field":"path","op":"matches_wildcard","value":"/pricing*"}]}]}`, site + "/pricing/", "desktop", "plan", "pro"},
		{`{"groups":[{"rules":[{"field":"url","op":"is","value":"HTTPS://Example.com/Pricing/"}]}],"exclude":[{"field":"path","op":"contains","value":"privacy"}]}`, "https://EXAMPLE.com:443/Pricing#x", "mobile", "", ""},
		{`{"groups":[{"rules":[{"field":"query","name":"utm_source","op":"is","value":"google"},{"field":"device","op":"is_not","value":"tablet"}]}]}`, site + "/?utm%5Fsource=google&utm_source=", "tablet", "a", "b"},
		{`{"groups":[{"rules":[{"field":"property","name":"seats","op":"greater_than","value":"2024-01-01"}]},{"rules":[{"field":"contact","op":"is_unknown"}]}]}`, "http://[::1", "", "seats", "2024-06-01T00:00:00Z"},
		{`{"exclude":[{"field":"url","op":"matches_regex","value":"(?i)^https://[a-z]+\\.example\\.com/"}]}`, "https://shop.example.com/caf%C3%A9", "", "x", "1e3"},
		{`{"groups":[{"rules":[{"field":"path","op":"starts_with","value":"/blog/"},{"field":"url","op":"matches_wildcard","value":"*?*a=*"}]}]}`, site + "/blog?a=1&a=2", "Desktop", "", ""},
		{`{"groups":[{"rules":[]},{"rules":[{"field":"x","op":"y"}]}],"exclude":[{}]}`, "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add([]byte(s.rules), s.url, s.device, s.name, s.value)
	}
	f.Fuzz(func(t *testing.T, rulesJSON []byte, rawURL, device, name, value string) {
		var r targeting.Rules
		if json.Unmarshal(rulesJSON, &r) != nil {
			return
		}
		m, err := targeting.Compile(r)
		if err != nil {
			var errs targeting.Errors
			require.True(t, errors.As(err, &errs), "error %T is not Errors", err)
			require.NotEmpty(t, errs)
			for _, e := range errs {
				require.True(t, strings.HasPrefix(e.Path, "groups") || strings.HasPrefix(e.Path, "exclude"), "path %q", e.Path)
				require.NotEmpty(t, e.Message)
			}
			return
		}
		var contact *targeting.Contact
		if name != "" {
			contact = &targeting.Contact{Properties: map[string]string{name: value}}
		}
		v := targeting.NewView(rawURL, device, contact)
		got := m.Match(v)
		require.Equal(t, got, m.Match(v), "Match is not deterministic")
		require.Equal(t, got, m.Match(targeting.NewView(rawURL, device, contact)), "NewView is not deterministic")
		// Exclusions win: the rules of a matching group, used as
		// exclusions, hide the page.
		if got && len(r.Groups) > 0 {
			for _, g := range r.Groups {
				all := targeting.Rules{Groups: r.Groups, Exclude: g.Rules}
				if len(all.Exclude) > targeting.MaxExcludeRules {
					continue
				}
				mx, err := targeting.Compile(all)
				require.NoError(t, err)
				if matchesGroup(t, g, v) {
					require.False(t, mx.Match(v), "an exclusion that matches must win")
				}
			}
		}
	})
}

// matchesGroup reports whether every rule of g matches v on its own.
func matchesGroup(t *testing.T, g targeting.Group, v *targeting.View) bool {
	for _, r := range g.Rules {
		m, err := targeting.Compile(one(r))
		require.NoError(t, err)
		if !m.Match(v) {
			return false
		}
	}
	return true
}

func FuzzNewView(f *testing.F) {
	for _, s := range []string{
		"", "https://example.com", "HTTPS://Example.COM:443/Pricing/?b=1&a=2#x", "http://[::1]:80/caf%C3%A9",
		"https://example.com/%zz", "mailto:x@y", "//example.com/a", "https://a/b//", "https://example.com/a%2F/",
		"https://user:pass@example.com:/a?%zz=%zz&&=&a+b=c+d", "https://例え.jp/日本語/",
	} {
		f.Add(s, "desktop")
	}
	f.Fuzz(func(t *testing.T, rawURL, device string) {
		v := targeting.NewView(rawURL, device, nil)
		require.Equal(t, v.URL(), targeting.NewView(rawURL, device, nil).URL())
		if v.URL() == "" {
			require.Empty(t, v.Path())
		} else {
			p := v.Path()
			require.True(t, strings.HasPrefix(p, "/"), "path %q", p)
			require.True(t, p == "/" || !strings.HasSuffix(p, "/"), "path %q keeps its trailing slash", p)
			require.True(t, strings.Contains(v.URL(), "://"), "url %q", v.URL())
			scheme, _, _ := strings.Cut(v.URL(), "://")
			require.Equal(t, strings.ToLower(scheme), scheme)
		}
		// A url "is" rule with the page's own URL normalises the same way.
		if len(rawURL) > targeting.MaxValueLength {
			return
		}
		m, err := targeting.Compile(one(fullURL(targeting.OpIs, rawURL)))
		if v.URL() == "" {
			require.Error(t, err, "a malformed URL %q must not compile as a url value", rawURL)
			return
		}
		require.NoError(t, err)
		require.True(t, m.Match(v), "url %q does not match itself (normalised %q)", rawURL, v.URL())
	})
}

// FuzzRegexp checks that the literal prefilter of matches_regex never
// changes the result of the regular expression.
func FuzzRegexp(f *testing.F) {
	for _, s := range [][2]string{
		{`^/pricing(/|$)`, "/pricing/x"}, {`^/(docs)/v\d+/(api)`, "/docs/v2/api"}, {`(?i)^/PRICING`, "/pricing"},
		{`^/a|b`, "/xb"}, {`^/a\x{FFFD}`, "/a%FF"}, {`(?m)^/a$`, "/a"}, {`^(/a)+b`, "/a/ab"}, {`/caf.`, "/caf%C3%A9"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, p string) {
		re, err := regexp.Compile(pattern)
		if err != nil || pattern == "" || len(pattern) > targeting.MaxRegexpLength {
			return
		}
		m, err := targeting.Compile(one(path(targeting.OpMatchRegexp, pattern)))
		require.NoError(t, err)
		v := targeting.NewView(site+"/"+p, "", nil)
		if v.Path() == "" {
			return
		}
		require.Equal(t, re.MatchString(v.Path()), m.Match(v), "pattern %q on %q", pattern, v.Path())
	})
}
