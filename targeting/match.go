package targeting

import "strings"

// zeroView stands in for a nil *View: a malformed URL, an unknown visitor.
var zeroView View

// Match reports whether the page view v matches: some group matches (or
// there are no groups) and no exclusion rule matches. Exclusions win over
// everything else. A nil v is the zero [View]. Match does not allocate.
func (m *Matcher) Match(v *View) bool {
	if m == nil {
		return true
	}
	if v == nil {
		v = &zeroView
	}
	if len(m.groups) > 0 && !m.anyGroup(v) {
		return false
	}
	for i := range m.exclude {
		if m.exclude[i].match(v) {
			return false
		}
	}
	return true
}

func (m *Matcher) anyGroup(v *View) bool {
groups:
	for _, g := range m.groups {
		for i := range g {
			if !g[i].match(v) {
				continue groups
			}
		}
		return true
	}
	return false
}

func (r *rule) match(v *View) bool {
	var ok bool
	switch r.field {
	case FieldURL:
		if !v.valid {
			return false // a malformed URL matches no URL rule, negated or not
		}
		ok = r.matchString(v.url, v.urlSlash)
	case FieldPath:
		if !v.valid {
			return false
		}
		ok = r.matchString(v.path, v.pathSlash)
	case FieldQuery:
		if !v.valid {
			return false
		}
		ok = r.matchQuery(v.query[r.name])
	case FieldContact:
		ok = v.known
	case FieldProperty:
		ok = r.matchProperty(v)
	case FieldDevice:
		ok = v.device == r.value
	}
	return ok != r.negate
}

// matchString tests a URL or path in its form without a trailing slash
// (s) and, unless empty, with one (slashed).
func (r *rule) matchString(s, slashed string) bool {
	if r.test == testIs {
		return s == r.value
	}
	if r.matchOne(s) {
		return true
	}
	return slashed != "" && r.matchOne(slashed)
}

func (r *rule) matchOne(s string) bool {
	switch r.test {
	case testContains:
		return strings.Contains(s, r.value)
	case testStartsWith:
		return strings.HasPrefix(s, r.value)
	case testEndsWith:
		return strings.HasSuffix(s, r.value)
	case testWildcard:
		return r.wild.match(s)
	case testRegexp:
		return r.re.MatchString(s)
	}
	return false
}

func (r *rule) matchQuery(values []string) bool {
	switch r.test {
	case testPresent:
		return values != nil
	case testIs:
		for _, s := range values {
			if s == r.value {
				return true
			}
		}
	case testContains:
		for _, s := range values {
			if strings.Contains(s, r.value) {
				return true
			}
		}
	}
	return false
}

func (r *rule) matchProperty(v *View) bool {
	p, ok := v.props[r.name]
	if !ok {
		return false
	}
	switch r.test {
	case testKnown:
		return p.s != ""
	case testIs:
		return p.s == r.value
	case testContains:
		return strings.Contains(p.s, r.value)
	case testGreater, testLess:
		c := 0
		switch {
		case r.isNum && p.isNum:
			c = cmpFloat(p.num, r.num)
		case r.isDate && p.isDate:
			c = p.t.Compare(r.t)
		default:
			return false
		}
		if r.test == testGreater {
			return c > 0
		}
		return c < 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// wildcard is a compiled matches_wildcard pattern: literal parts between
// '*'s, matched without backtracking or allocation.
type wildcard struct {
	parts []string // split on '*'; one part means no '*'
}

func compileWildcard(pattern string) wildcard {
	return wildcard{parts: strings.Split(pattern, "*")}
}

func (w wildcard) match(s string) bool {
	n := len(w.parts)
	if n == 1 {
		return s == w.parts[0]
	}
	first, last := w.parts[0], w.parts[n-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	// The leftmost occurrence of each middle part leaves the most room for
	// the next, so a greedy scan is exact.
	for _, p := range w.parts[1 : n-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}
