package routing

import "strings"

// FieldError is one problem in a list of [SkillRule]s. Path locates it
// relative to the list, by JSON names, as in "[2].when.op" or
// "[0].skills[1]"; an empty Path is about the list as a whole.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error returns "path: message", or the message alone when Path is empty.
func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Errors is every problem [ValidateRules] found, in the order of the
// rules and their fields. Find it with errors.As:
//
//	var errs routing.Errors
//	if errors.As(err, &errs) { ... }
//
// A nil or empty Errors is never returned as an error.
type Errors []FieldError

// Error joins the problems with "; ".
func (e Errors) Error() string {
	var b strings.Builder
	for i, fe := range e {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Prefix returns a copy of e with prefix put before every path, so a
// caller that holds the rules in a field can report full paths:
// errs.Prefix("assignment.skillRules") turns "[0].when.op" into
// "assignment.skillRules[0].when.op".
func (e Errors) Prefix(prefix string) Errors {
	out := make(Errors, len(e))
	for i, fe := range e {
		out[i] = FieldError{Path: prefix + fe.Path, Message: fe.Message}
	}
	return out
}

func (e *Errors) add(path, msg string) {
	*e = append(*e, FieldError{Path: path, Message: msg})
}

func (e Errors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}
