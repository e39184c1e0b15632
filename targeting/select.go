package targeting

import (
	"cmp"
	"slices"
)

// Candidate is one chat that a page view may get.
type Candidate struct {
	ID       string
	Priority int      // higher wins
	Matcher  *Matcher // nil matches every view
}

// Selector chooses among candidates. It is immutable and safe for
// concurrent use.
type Selector struct {
	candidates []Candidate // by Priority descending, then ID ascending
	matchers   []Matcher   // copies of the candidates' matchers, in that order, to spare Select a pointer hop
	everything []bool      // whether the candidate's Matcher is nil
}

// NewSelector returns a Selector over a copy of cs, sorted once: by
// Priority, highest first, then by ID ascending so ties are broken the
// same way every time.
func NewSelector(cs []Candidate) *Selector {
	s := &Selector{candidates: slices.Clone(cs)}
	slices.SortStableFunc(s.candidates, func(a, b Candidate) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	s.matchers = make([]Matcher, len(s.candidates))
	s.everything = make([]bool, len(s.candidates))
	for i, c := range s.candidates {
		if c.Matcher == nil {
			s.everything[i] = true
		} else {
			s.matchers[i] = *c.Matcher
		}
	}
	return s
}

// Select returns the ID of the candidate with the highest priority whose
// Matcher matches v, ties going to the smallest ID. ok is false when none
// matches, and for a nil or empty Selector. Select does not allocate.
func (s *Selector) Select(v *View) (id string, ok bool) {
	if s == nil {
		return "", false
	}
	for i := range s.candidates {
		if s.everything[i] || s.matchers[i].Match(v) {
			return s.candidates[i].ID, true
		}
	}
	return "", false
}
