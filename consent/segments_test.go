package consent_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/consent"
)

type seg = consent.Segment

func TestSegments(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []consent.Segment
	}{
		{"Empty", "", nil},
		{"NoLink", "Just text.", []seg{{Text: "Just text."}}},
		{"HTTPSLink", "Read our [privacy policy](https://example.com/privacy).",
			[]seg{{Text: "Read our "}, {Text: "privacy policy", URL: "https://example.com/privacy"}, {Text: "."}}},
		{"HTTPLinkUppercaseScheme", "[a](HTTP://example.com)", []seg{{Text: "a", URL: "HTTP://example.com"}}},
		{"RelativeLink", "See [terms](/terms?x=1#y)", []seg{{Text: "See "}, {Text: "terms", URL: "/terms?x=1#y"}}},
		{"RootLink", "[home](/)", []seg{{Text: "home", URL: "/"}}},
		{"TwoLinks", "[a](/a) and [b](https://b.example)",
			[]seg{{Text: "a", URL: "/a"}, {Text: " and "}, {Text: "b", URL: "https://b.example"}}},
		{"NestedBracketsInLabel", "[see [1]](/notes)", []seg{{Text: "see [1]", URL: "/notes"}}},
		{"ParenthesesInURL", "[wiki](https://en.wikipedia.org/wiki/Go_(language)).",
			[]seg{{Text: "wiki", URL: "https://en.wikipedia.org/wiki/Go_(language)"}, {Text: "."}}},
		{"InnerLinkOfUnclosedBracket", "[a [b](/b)", []seg{{Text: "[a "}, {Text: "b", URL: "/b"}}},
		{"EmptyLabelShowsURL", "[](https://example.com)", []seg{{Text: "https://example.com", URL: "https://example.com"}}},

		{"UnsafeJavaScriptIsPlainLabel", "Click [here](javascript:alert(1)) now",
			[]seg{{Text: "Click here now"}}},
		{"UnsafeJavaScriptMixedCase", "[x](JaVaScRiPt:alert(1))", []seg{{Text: "x"}}},
		{"UnsafeData", "[x](data:text/html;base64,PHNjcmlwdD4=)", []seg{{Text: "x"}}},
		{"UnsafeProtocolRelative", "[x](//evil.example)", []seg{{Text: "x"}}},
		{"UnsafeBackslash", "[x](/\\evil.example)", []seg{{Text: "x"}}},
		{"UnsafeSpaceInURL", "[x](https://a.example/ b)", []seg{{Text: "x"}}},
		{"UnsafeNoHost", "[x](https:///path)", []seg{{Text: "x"}}},
		{"UnsafeMailto", "[x](mailto:a@b.example)", []seg{{Text: "x"}}},
		{"UnsafeEmptyURL", "[x]()", []seg{{Text: "x"}}},
		{"UnfilledPlaceholderIsPlainLabel", "Read our [privacy policy]({privacyPolicyUrl}).",
			[]seg{{Text: "Read our privacy policy."}}},
		{"HTMLStaysText", "<b>[<i>x</i>](/x)</b>",
			[]seg{{Text: "<b>"}, {Text: "<i>x</i>", URL: "/x"}, {Text: "</b>"}}},

		{"BracketsWithoutURL", "[not a link] (really)", []seg{{Text: "[not a link] (really)"}}},
		{"UnclosedParen", "[x](https://example.com", []seg{{Text: "[x](https://example.com"}}},
		{"UnclosedBracket", "a [b", []seg{{Text: "a [b"}}},
		{"StrayClosers", "a] b) [c]", []seg{{Text: "a] b) [c]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, consent.Segments(tt.text))
		})
	}
	t.Run("LinearInBrackets", func(t *testing.T) {
		text := strings.Repeat("[", 100_000) + strings.Repeat("(", 100_000)
		require.Equal(t, []seg{{Text: text}}, consent.Segments(text))
	})
}

func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "[a](/b)", "[a [b](/c)", "[x](javascript:alert(1))", "[](https://e.x)", "[[[((("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var plain strings.Builder
		for i, s := range consent.Segments(text) {
			require.NotEmpty(t, s.Text)
			if s.URL == "" {
				plain.WriteString(s.Text)
				continue
			}
			lower := strings.ToLower(s.URL)
			require.True(t, strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") ||
				(strings.HasPrefix(s.URL, "/") && !strings.HasPrefix(s.URL, "//")), "segment %d: %q", i, s.URL)
			require.True(t, strings.Contains(text, "("+s.URL+")"))
		}
		if utf8.ValidString(text) && !strings.ContainsAny(text, "[") {
			require.Equal(t, text, plain.String(), "text without brackets is kept as it is")
		}
	})
}
