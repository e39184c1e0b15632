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
	excludeFrom := m.excludeFrom
	if excludeFrom < 0 {
		excludeFrom = 0
	} else if !m.anyGroup(v) {
		// Exclusions are checked only for a page that a group matches:
		// they cannot make a page match, and most pages match no group.
		return false
	}
	for i := excludeFrom; i < len(m.rules); i++ {
		if m.rules[i].match(v) {
			return false
		}
	}
	return true
}

func (m *Matcher) anyGroup(v *View) bool {
	rules := m.rules[:m.excludeFrom]
	for i := 0; i < len(rules); i++ {
		r := &rules[i]
		if !r.match(v) {
			i += int(r.rest) // skip the rest of the group
			continue
		}
		if r.rest == 0 {
			return true // the last rule of a group that matched so far
		}
	}
	return false
}

func (r *rule) match(v *View) bool {
	var ok bool
	switch r.kind {
	case kindURL:
		if !v.valid {
			return false // a malformed URL matches no URL rule, negated or not
		}
		ok = r.matchURL(v.url, v.urlSlash)
	case kindPath:
		if !v.valid {
			return false
		}
		ok = r.matchPath(v.path, v.pathSlash)
	case kindQuery:
		if !v.valid {
			return false
		}
		ok = r.matchQuery(v.query[r.x.name])
	case kindContact:
		ok = v.known
	case kindProperty:
		ok = r.matchProperty(v)
	case kindDevice:
		ok = v.device == r.value
	}
	return ok != r.negate
}

// matchPath tests a path in its form without a trailing slash (p) and,
// unless empty, with one (slashed). As p is a prefix of slashed, most
// tests need only one of them.
func (r *rule) matchPath(p, slashed string) bool {
	withSlash := slashed
	if withSlash == "" {
		withSlash = p
	}
	switch r.test {
	case testIs:
		return p == r.value
	case testContains:
		return strings.Contains(withSlash, r.value)
	case testStartsWith:
		return strings.HasPrefix(withSlash, r.value)
	case testEndsWith:
		if r.endSlash {
			return strings.HasSuffix(withSlash, r.value)
		}
		return strings.HasSuffix(p, r.value)
	case testWildcard:
		return r.x.wild.match(p) || slashed != "" && r.x.wild.match(slashed)
	case testRegexp:
		return r.matchRegexp(p)
	}
	return false
}

// matchURL tests a URL in its form without a trailing slash (u) and,
// unless empty, with one (slashed).
func (r *rule) matchURL(u, slashed string) bool {
	switch r.test {
	case testIs:
		return u == r.value
	case testContains:
		return strings.Contains(u, r.value) || slashed != "" && strings.Contains(slashed, r.value)
	case testStartsWith:
		return strings.HasPrefix(u, r.value) || slashed != "" && strings.HasPrefix(slashed, r.value)
	case testEndsWith:
		return strings.HasSuffix(u, r.value) || slashed != "" && strings.HasSuffix(slashed, r.value)
	case testWildcard:
		return r.x.wild.match(u) || slashed != "" && r.x.wild.match(slashed)
	case testRegexp:
		// A regexp sees the normalised form only: it can say for itself
		// whether a trailing slash is optional (/?$).
		return r.matchRegexp(u)
	}
	return false
}

func (r *rule) matchRegexp(s string) bool {
	x := r.x
	if !strings.HasPrefix(s, x.rePrefix) {
		return false
	}
	for _, lit := range x.reRequired {
		if !strings.Contains(s, lit) {
			return false
		}
	}
	return x.re.MatchString(s)
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
	p, ok := v.props[r.x.name]
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
		switch x := r.x; {
		case x.isNum && p.isNum:
			c = cmpFloat(p.num, x.num)
		case x.isDate && p.isDate:
			c = p.t.Compare(x.t)
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
