package targeting

import (
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits checked by [Compile]. They bound the work of one [Matcher.Match].
const (
	MaxGroups        = 50   // groups in a Rules
	MaxGroupRules    = 50   // rules in one group
	MaxExcludeRules  = 50   // exclusion rules
	MaxValueLength   = 2048 // bytes in a rule's Name or Value
	MaxRegexpLength  = 512  // bytes in a matches_regex pattern
	maxErrorValueLen = 64   // bytes of a bad value quoted in an error
)

// operators lists which operators apply to which field.
var operators = map[Field][]Operator{
	FieldURL:      {OpIs, OpIsNot, OpContains, OpNotContains, OpStartsWith, OpEndsWith, OpMatchWildcard, OpMatchRegexp},
	FieldPath:     {OpIs, OpIsNot, OpContains, OpNotContains, OpStartsWith, OpEndsWith, OpMatchWildcard, OpMatchRegexp},
	FieldQuery:    {OpIs, OpIsNot, OpContains, OpPresent},
	FieldContact:  {OpKnown, OpUnknown},
	FieldProperty: {OpIs, OpIsNot, OpContains, OpKnown, OpUnknown, OpGreaterThan, OpLessThan},
	FieldDevice:   {OpIs, OpIsNot},
}

// test is what a compiled rule checks; negated operators share the test
// of their positive form.
type test uint8

const (
	testIs test = iota
	testContains
	testStartsWith
	testEndsWith
	testWildcard
	testRegexp
	testPresent
	testKnown
	testGreater
	testLess
)

// opTests maps every operator to its test and whether it is negated.
var opTests = map[Operator]struct {
	test   test
	negate bool
}{
	OpIs:            {testIs, false},
	OpIsNot:         {testIs, true},
	OpContains:      {testContains, false},
	OpNotContains:   {testContains, true},
	OpStartsWith:    {testStartsWith, false},
	OpEndsWith:      {testEndsWith, false},
	OpMatchWildcard: {testWildcard, false},
	OpMatchRegexp:   {testRegexp, false},
	OpPresent:       {testPresent, false},
	OpKnown:         {testKnown, false},
	OpUnknown:       {testKnown, true},
	OpGreaterThan:   {testGreater, false},
	OpLessThan:      {testLess, false},
}

// fieldKind is a Field as a small integer, cheap to switch on.
type fieldKind uint8

const (
	kindURL fieldKind = iota
	kindPath
	kindQuery
	kindContact
	kindProperty
	kindDevice
)

var fieldKinds = map[Field]fieldKind{
	FieldURL: kindURL, FieldPath: kindPath, FieldQuery: kindQuery,
	FieldContact: kindContact, FieldProperty: kindProperty, FieldDevice: kindDevice,
}

// rule is a compiled Rule: values normalised, patterns compiled. It is
// kept small (32 bytes) because Select walks the rules of every chat.
type rule struct {
	kind     fieldKind
	test     test
	negate   bool
	cost     uint8 // evaluation order inside a group: cheap tests first
	rest     uint8 // rules after this one in its group, skipped when it fails
	endSlash bool  // value ends with '/'
	value    string
	x        *ruleExtra // name, wildcard, matches_regex, greater_than, less_than
}

// ruleExtra holds what only some tests need.
type ruleExtra struct {
	name       string // query parameter or contact property
	wild       wildcard
	re         *regexp.Regexp
	rePrefix   string   // what every match of re starts with
	reRequired []string // what every match of re contains
	num        float64
	isNum      bool
	t          time.Time
	isDate     bool
}

// Matcher is compiled [Rules]. It is immutable and safe for concurrent
// use. A nil Matcher matches every view.
type Matcher struct {
	// rules holds the rules of every group, one group after another, then
	// the exclusion rules from index excludeFrom (-1: there are no
	// groups). Their values share one string, so that a Matcher is a few
	// contiguous blocks of memory.
	rules       []rule
	excludeFrom int
}

// Compile validates r and compiles it into a [Matcher]. Compile is also
// the validator: an error is always an [Errors] listing every problem,
// each with its path in r ("groups[0].rules[1].op", "exclude[2].value").
//
// Compile normalises rule values the way [NewView] normalises the page:
//   - url: is, is_not and starts_with need an absolute URL, which is
//     normalised like a page URL (HTTPS://Example.com/Pricing/ becomes
//     https://example.com/Pricing); contains, not_contains and ends_with
//     values that are absolute URLs are normalised too, other values have
//     their path part percent-decoded; matches_wildcard patterns get a
//     lowercased scheme and host, no default port and a decoded path part.
//   - path: values are percent-decoded; is, is_not, starts_with and
//     matches_wildcard values get a leading "/" if they lack one; is and
//     is_not ignore a trailing slash.
//   - A trailing slash in a starts_with, ends_with, contains or wildcard
//     value is kept and marks a boundary: path starts_with /blog/ matches
//     /blog, /blog/ and /blog/post, not /blogger.
//   - matches_regex patterns (RE2, at most [MaxRegexpLength] bytes) are
//     used as written, unanchored, against the normalised form only, which
//     has no trailing slash: write ^/pricing/?$ to allow one.
//   - query names and values, and property values, are compared exactly
//     (case-sensitive) with the decoded query and the contact's property.
//   - greater_than and less_than take a number or a date (RFC 3339, or
//     2006-01-02 meaning midnight UTC); a property compares when it parses
//     the same way as the value, and never matches otherwise.
//   - device values are desktop, tablet or mobile, in any case.
//
// A missing property or query parameter is not equal to and does not
// contain anything, so is_not and not_contains match it; an unknown
// visitor has no properties.
func Compile(r Rules) (*Matcher, error) {
	var errs Errors
	m := &Matcher{}
	if len(r.Groups) > MaxGroups {
		errs = append(errs, FieldError{Path: "groups", Message: fmt.Sprintf("at most %d groups, got %d", MaxGroups, len(r.Groups))})
	}
	for i, g := range r.Groups {
		path := "groups[" + strconv.Itoa(i) + "].rules"
		switch {
		case len(g.Rules) == 0:
			errs = append(errs, FieldError{Path: path, Message: "a group needs at least one rule"})
		case len(g.Rules) > MaxGroupRules:
			errs = append(errs, FieldError{Path: path, Message: fmt.Sprintf("at most %d rules per group, got %d", MaxGroupRules, len(g.Rules))})
		}
		start := len(m.rules)
		m.rules = compileRules(m.rules, path, g.Rules, &errs)
		for j := start; j < len(m.rules); j++ {
			m.rules[j].rest = uint8(len(m.rules) - 1 - j)
		}
	}
	m.excludeFrom = len(m.rules)
	if len(r.Exclude) > MaxExcludeRules {
		errs = append(errs, FieldError{Path: "exclude", Message: fmt.Sprintf("at most %d rules, got %d", MaxExcludeRules, len(r.Exclude))})
	}
	m.rules = compileRules(m.rules, "exclude", r.Exclude, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	if len(r.Groups) == 0 {
		m.excludeFrom = -1 // no groups: every page, unless excluded
	}
	m.pack()
	return m, nil
}

// pack moves the values of the rules into one string.
func (m *Matcher) pack() {
	var b strings.Builder
	for _, r := range m.rules {
		b.WriteString(r.value)
	}
	all := b.String()
	for i := range m.rules {
		r := &m.rules[i]
		r.value, all = all[:len(r.value)], all[len(r.value):]
	}
}

// compileRules appends the compiled rs to dst.
func compileRules(dst []rule, path string, rs []Rule, errs *Errors) []rule {
	start := len(dst)
	for i, r := range rs {
		if c, ok := compileRule(path+"["+strconv.Itoa(i)+"]", r, errs); ok {
			dst = append(dst, c)
		}
	}
	// AND and OR do not depend on order: evaluate the cheap tests first.
	slices.SortStableFunc(dst[start:], func(a, b rule) int { return int(a.cost) - int(b.cost) })
	return dst
}

func compileRule(path string, r Rule, errs *Errors) (rule, bool) {
	n := len(*errs)
	fail := func(field, format string, args ...any) {
		*errs = append(*errs, FieldError{Path: path + "." + field, Message: fmt.Sprintf(format, args...)})
	}
	ops, fieldOK := operators[r.Field]
	switch {
	case r.Field == "":
		fail("field", "required")
	case !fieldOK:
		fail("field", "unknown field %q", clip(string(r.Field)))
	}
	ot, opOK := opTests[r.Op]
	switch {
	case r.Op == "":
		fail("op", "required")
		opOK = false
	case !opOK:
		fail("op", "unknown operator %q", clip(string(r.Op)))
	case fieldOK && !slices.Contains(ops, r.Op):
		fail("op", "%q does not apply to field %q", r.Op, r.Field)
		opOK = false
	}
	if fieldOK {
		named := r.Field == FieldQuery || r.Field == FieldProperty
		switch {
		case named && r.Name == "":
			fail("name", "required for field %q", r.Field)
		case !named && r.Name != "":
			fail("name", "not used by field %q", r.Field)
		case len(r.Name) > MaxValueLength:
			fail("name", "longer than %d bytes", MaxValueLength)
		}
	}
	valueless := ot.test == testPresent || ot.test == testKnown
	switch {
	case !opOK:
	case valueless && r.Value != "":
		fail("value", "not used by operator %q", r.Op)
	case !valueless && r.Value == "":
		fail("value", "required")
	case r.Op == OpMatchRegexp && len(r.Value) > MaxRegexpLength:
		fail("value", "regular expression longer than %d bytes", MaxRegexpLength)
	case len(r.Value) > MaxValueLength:
		fail("value", "longer than %d bytes", MaxValueLength)
	}
	if len(*errs) > n {
		return rule{}, false
	}

	c := rule{kind: fieldKinds[r.Field], test: ot.test, negate: ot.negate, value: r.Value, x: &ruleExtra{name: r.Name}}
	// Evaluation order, first the tests that are cheap and most likely
	// to fail: comparing with the whole, start or end of the URL; the
	// visitor's device or contact; scanning the URL or looking up a map; a
	// wildcard; a regexp.
	switch {
	case c.kind == kindContact || c.kind == kindDevice:
		c.cost = 1
	case c.kind == kindQuery || c.kind == kindProperty:
		c.cost = 2
	case ot.test == testIs || ot.test == testStartsWith || ot.test == testEndsWith:
		c.cost = 0
	case ot.test == testContains:
		c.cost = 2
	case ot.test == testWildcard:
		c.cost = 3
	default:
		c.cost = 4
	}
	var msg string
	switch r.Field {
	case FieldURL:
		c.value, msg = urlValue(r.Op, r.Value)
	case FieldPath:
		c.value, msg = pathValue(r.Op, r.Value)
	case FieldDevice:
		if c.value = normaliseDevice(r.Value); c.value == "" {
			msg = fmt.Sprintf("must be %s, %s or %s, got %q", deviceDesktop, deviceTablet, deviceMobile, clip(r.Value))
		}
	case FieldProperty:
		if ot.test == testGreater || ot.test == testLess {
			x := c.x
			x.num, x.isNum = parseNumber(r.Value)
			if !x.isNum {
				x.t, x.isDate = parseDate(r.Value)
			}
			if !x.isNum && !x.isDate {
				msg = fmt.Sprintf("must be a number or a date (RFC 3339 or 2006-01-02), got %q", clip(r.Value))
			}
		}
	}
	switch ot.test {
	case testRegexp:
		re, err := regexp.Compile(r.Value)
		if err != nil {
			msg = "invalid regular expression: " + err.Error()
		}
		c.x.re = re
		c.x.rePrefix, c.x.reRequired = regexpLiterals(r.Value)
	case testWildcard:
		c.x.wild = compileWildcard(c.value)
	}
	if msg != "" {
		fail("value", "%s", msg)
		return rule{}, false
	}
	c.endSlash = strings.HasSuffix(c.value, "/")
	if x := c.x; x.name == "" && x.wild.parts == nil && x.re == nil && !x.isNum && !x.isDate {
		c.x = nil // most rules need none
	}
	return c, true
}

// urlValue normalises the value of a url rule; msg explains a bad value.
func urlValue(op Operator, v string) (value, msg string) {
	switch op {
	case OpMatchRegexp:
		return v, ""
	case OpMatchWildcard:
		return urlPattern(v), ""
	}
	u, ok := parseURL(strings.TrimSpace(v), op != OpIs && op != OpIsNot)
	if ok {
		q := ""
		if u.rawQuery != "" {
			q = "?" + u.rawQuery
		}
		return u.origin + u.path + q, ""
	}
	switch op {
	case OpIs, OpIsNot, OpStartsWith:
		return "", fmt.Sprintf("must be an absolute URL such as https://example.com/pricing, got %q", clip(v))
	}
	return decodePathPart(v), ""
}

// urlPattern lowercases the scheme and host of a URL wildcard pattern,
// drops a default port and decodes its path part; '*' is kept as it is.
func urlPattern(v string) string {
	i := strings.Index(v, "://")
	if i <= 0 || strings.ContainsAny(v[:i], "*/?") {
		return decodePathPart(v)
	}
	scheme := strings.ToLower(v[:i])
	rest := v[i+3:]
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	return scheme + "://" + normaliseHost(scheme, rest[:end]) + decodePathPart(rest[end:])
}

// pathValue normalises the value of a path rule; msg explains a bad value.
func pathValue(op Operator, v string) (value, msg string) {
	if op == OpMatchRegexp {
		return v, ""
	}
	v = decodePath(v)
	switch op {
	case OpIs, OpIsNot, OpStartsWith, OpMatchWildcard:
		if strings.Contains(v, "://") && op != OpMatchWildcard {
			return "", fmt.Sprintf("must be a path such as /pricing, not a URL, got %q", clip(v))
		}
		if !strings.HasPrefix(v, "/") && !(op == OpMatchWildcard && strings.HasPrefix(v, "*")) {
			v = "/" + v
		}
	}
	if op == OpIs || op == OpIsNot {
		if v = strings.TrimRight(v, "/"); v == "" {
			v = "/"
		}
	}
	return v, ""
}

// decodePath percent-decodes a path, or returns it as it is when its
// escaping is invalid.
func decodePath(p string) string {
	if d, err := url.PathUnescape(p); err == nil {
		return d
	}
	return p
}

// decodePathPart decodes the part of s before a '?', leaving the query raw
// as in a View's URL.
func decodePathPart(s string) string {
	p, q, hasQuery := strings.Cut(s, "?")
	p = decodePath(p)
	if hasQuery {
		return p + "?" + q
	}
	return p
}

// regexpLiterals returns, when pattern is anchored ("^https://"), the
// literal text every match starts with, and other literal text every match
// contains (up to maxRequired pieces, longest first). A page that lacks
// them is rejected without running the regexp, which keeps a selection
// among many chats with regexps fast.
func regexpLiterals(pattern string) (prefix string, required []string) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", nil
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	anchored := len(subs) > 0 && subs[0].Op == syntax.OpBeginText
	if anchored {
		subs = subs[1:]
	}
	inPrefix := anchored
	for _, sub := range subs {
		if sub.Op == syntax.OpCapture && len(sub.Sub) == 1 {
			sub = sub.Sub[0]
		}
		lit, ok := literal(sub)
		switch {
		case !ok:
			inPrefix = false
		case inPrefix:
			prefix += lit
		default:
			required = append(required, lit)
		}
	}
	slices.SortStableFunc(required, func(a, b string) int { return len(b) - len(a) })
	return prefix, required[:min(len(required), maxRequired)]
}

// maxRequired bounds the literals checked before running a regexp.
const maxRequired = 4

// literal returns the text of a case-sensitive literal. A literal holding
// U+FFFD is refused: the regexp matches it against invalid UTF-8, which
// no byte comparison would.
func literal(re *syntax.Regexp) (string, bool) {
	if re.Op != syntax.OpLiteral || re.Flags&syntax.FoldCase != 0 || slices.Contains(re.Rune, utf8.RuneError) {
		return "", false
	}
	return string(re.Rune), true
}

// clip shortens a bad value quoted in an error message.
func clip(s string) string {
	if len(s) <= maxErrorValueLen {
		return s
	}
	return s[:maxErrorValueLen] + "..."
}
