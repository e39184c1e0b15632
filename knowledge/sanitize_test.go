package knowledge_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/knowledge"
)

const anchor = ` rel="noopener noreferrer nofollow" target="_blank">`

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Kept.
		{"KeepsPlainText", "Hello, world", "Hello, world"},
		{"KeepsLineBreaksOfPlainText", "one\n\ntwo", "one\n\ntwo"},
		{"EscapesTextSpecials", `a < b && c > "d" 'e'`, "a &lt; b &amp;&amp; c &gt; &#34;d&#34; &#39;e&#39;"},
		{"KeepsAllowedElements", "<h2>T</h2><p><strong>s</strong> <em>e</em> <b>b</b> <i>i</i> <code>c</code></p><pre>p</pre><ul><li>u</li></ul><ol><li>o</li></ol><blockquote>q</blockquote><h3>h</h3>", "<h2>T</h2><p><strong>s</strong> <em>e</em> <b>b</b> <i>i</i> <code>c</code></p><pre>p</pre><ul><li>u</li></ul><ol><li>o</li></ol><blockquote>q</blockquote><h3>h</h3>"},
		{"KeepsBr", "a<br>b<br/>c<BR />d", "a<br>b<br>c<br>d"},
		{"LowercasesUppercaseTags", "<P><STRONG>x</STRONG></P>", "<p><strong>x</strong></p>"},
		{"KeepsHTTPSLink", `<a href="https://example.com/a?b=1&amp;c=2">x</a>`, `<a href="https://example.com/a?b=1&amp;c=2"` + anchor + `x</a>`},
		{"KeepsHTTPLink", `<a href='http://example.com'>x</a>`, `<a href="http://example.com"` + anchor + `x</a>`},
		{"KeepsMailtoLink", `<a href="MAILTO:help@example.com">mail</a>`, `<a href="MAILTO:help@example.com"` + anchor + `mail</a>`},
		{"KeepsPathLink", `<a href=/help/prices>prices</a>`, `<a href="/help/prices"` + anchor + `prices</a>`},
		{"ReplacesLinkAttributes", `<a href="/x" target="_self" rel="opener" title="t">x</a>`, `<a href="/x"` + anchor + `x</a>`},
		{"EncodesSpaceInHref", `<a href=" /a b ">x</a>`, `<a href="/a%20b"` + anchor + `x</a>`},
		{"DecodesEntities", "caf&eacute; &amp; &#246;l &#x263A; &lt;b&gt;", "café &amp; öl ☺ &lt;b&gt;"},
		{"KeepsUnknownEntity", "&bogus; & &", "&amp;bogus; &amp; &amp;"},
		// Removed.
		{"RemovesScript", "a<script>alert(1)</script>b", "ab"},
		{"RemovesUppercaseScript", "a<SCRIPT>alert(1)</SCRIPT >b", "ab"},
		{"RemovesScriptWithFakeEnd", `<script>document.write("</scr" + "ipt>")</script>b`, "b"},
		{"RemovesUnclosedScript", "a<script>alert(1)", "a"},
		{"RemovesStyle", "<style>body{display:none}</style>x", "x"},
		{"RemovesIframe", `<iframe src="https://evil.example"></iframe>x`, "x"},
		{"RemovesSVGWithScript", `<svg onload=alert(1)><script>alert(1)</script></svg>x`, "x"},
		{"RemovesImgOnerror", `<img src=x onerror=alert(1)>`, ""},
		{"RemovesEventAttribute", `<p onclick="alert(1)" ONMOUSEOVER=alert(2)>x</p>`, "<p>x</p>"},
		{"RemovesStyleAttribute", `<p style="background:url(javascript:alert(1))">x</p>`, "<p>x</p>"},
		{"RemovesJavaScriptLink", `<a href="javascript:alert(1)">x</a>`, "x"},
		{"RemovesObfuscatedJavaScriptLink", "<a href=\" JaVa\tScRiPt:alert(1)\">x</a>", "x"},
		{"RemovesEntityJavaScriptLink", `<a href="&#106;avascript&#58;alert(1)">x</a>`, "x"},
		{"RemovesDataLink", `<a href="data:text/html,<script>alert(1)</script>">x</a>`, "x"},
		{"RemovesVBScriptLink", `<a href="vbscript:msgbox">x</a>`, "x"},
		{"RemovesRelativeLinkWithoutSlash", `<a href="help">x</a>`, "x"},
		{"RemovesLinkWithoutHref", `<a name="x">x</a>`, "x"},
		{"EscapesJavaScriptColonInText", "javascript:alert(1) and JavaScript&#58;x", "javascript&#58;alert(1) and JavaScript&#58;x"},
		{"EscapesJavaScriptColonInPath", `<a href="/javascript:x">x</a>`, `<a href="/javascript&#58;x"` + anchor + `x</a>`},
		{"RemovesSplitScriptTag", "<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"},
		{"RemovesNestedSplitScriptTag", "<<script>script>alert(1)<</script>/script>", "&lt;/script&gt;"},
		{"RemovesComment", "a<!-- <script>alert(1)</script> -->b", "ab"},
		{"RemovesUnclosedComment", "a<!-- b", "a"},
		{"RemovesShortComments", "a<!-->b<!--->c", "abc"},
		{"RemovesDoctypeAndProcessing", "<!DOCTYPE html><?xml version='1.0'?>x", "x"},
		{"RemovesUnknownElementKeepsText", "<div><span>x</span></div>", "x"},
		{"RemovesUnclosedTagAtEnd", "a<p", "a"},
		{"RemovesTagWithUnclosedQuote", `a<p title="x>b`, "a"},
		{"KeepsQuotedGreaterThanInAttribute", `<p title="a>b">x</p>`, "<p>x</p>"},
		{"KeepsLoneLessThan", "1 < 2 <3 <", "1 &lt; 2 &lt;3 &lt;"},
		{"RemovesAttributesWithoutQuotes", `<p class=a id=b onclick=c>x</p>`, "<p>x</p>"},
		{"RemovesEmptyEndTag", "a</>b", "ab"},
		{"RemovesBogusEndTag", "a</ x>b", "ab"},
		{"RemovesControlCharacters", "a\x00b\x01c\x7fd\u0085e\tf", "abcde\tf"},
		{"ReplacesInvalidUTF8", "a\xffb", "a\uFFFDb"},
		// Balanced.
		{"ClosesUnclosedElements", "<ul><li><strong>x", "<ul><li><strong>x</strong></li></ul>"},
		{"ClosesInnerOnOuterEnd", "<p><em>x</p>y</em>", "<p><em>x</em></p>y"},
		{"DropsStrayEndTags", "</p>x</strong>", "x"},
		{"LimitsDepth", strings.Repeat("<b>", 40) + "x", strings.Repeat("<b>", 32) + "x" + strings.Repeat("</b>", 32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := knowledge.Sanitize(tt.in)
			require.Equal(t, tt.want, got)
			require.Equal(t, got, knowledge.Sanitize(got), "idempotent")
			checkSafe(t, got)
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"PlainTextUnchanged", "Hello", "Hello"},
		{"BlocksOnTheirLines", "<h2>Title</h2><p>One <b>two</b></p><ul><li>a</li><li>b</li></ul>", "Title\nOne two\na\nb"},
		{"BrBreaksLine", "a<br>b", "a\nb"},
		{"SpacesCollapsed", "  a \t  b \n\n\n c  ", "a b\nc"},
		{"EntitiesDecoded", "a &amp; b &lt;c&gt;", "a & b <c>"},
		{"ScriptDropped", "a<script>var x = 1;</script>b", "ab"},
		{"EmptyBody", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, knowledge.Article{Body: tt.body}.PlainText())
		})
	}
}

// tagPattern is every tag Sanitize may write.
var tagPattern = regexp.MustCompile(`^(?:</?(?:p|ul|ol|li|strong|em|b|i|code|pre|h2|h3|blockquote)>|<br>|</a>|<a href="(?i:/|https?://|mailto:)[^"\s<>]*"` + anchor + `)`)

// checkSafe fails unless out is balanced markup of the allowed subset:
// every "<" starts an allowed tag, which leaves no room for a script,
// an event attribute or a style; and no "javascript:" anywhere.
func checkSafe(tb testing.TB, out string) {
	tb.Helper()
	require.True(tb, utf8.ValidString(out), "valid UTF-8")
	require.NotContains(tb, strings.ToLower(out), "javascript:")
	require.NotContains(tb, strings.ToLower(out), "<script")
	for i := strings.IndexByte(out, '<'); i >= 0; i = strings.IndexByte(out, '<') {
		out = out[i:]
		tag := tagPattern.FindString(out)
		require.NotEmpty(tb, tag, "unexpected markup at %q", out[:min(len(out), 60)])
		require.NotRegexp(tb, `(?i)\son\w*=`, tag)
		out = out[len(tag):]
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"", "plain text", `<img src=x onerror=alert(1)>`, `<a href="javascript:alert(1)">x</a>`,
		"<scr<script>ipt>alert(1)</script>", "<P>UPPER</P>", "<ul><li>unclosed", `<a href=/x>y</a>`,
		"&lt;script&gt; &amp;amp; &#0; &#x110000;", "<!-- c --><!--> <?x?> <!doctype html>",
		`<a href="&#x6A;avascript:x">`, "javascript&#58;", "java<b>script:", "<svg><p>x</svg>",
		"<p title='a\"b'>x</p>", "\xff\x00<p>\u0085",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := knowledge.Sanitize(in)
		checkSafe(t, out)
		require.Equal(t, out, knowledge.Sanitize(out), "idempotent")
		knowledge.Article{Body: in}.PlainText()
	})
}
