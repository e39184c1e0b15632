package targeting

import "strings"

// FieldError is one problem in a [Rules] value. Path locates it relative to
// the Rules, as in "groups[0].rules[1].op" or "exclude[2].value".
type FieldError struct {
	Path    string
	Message string
}

// Error returns "path: message".
func (e FieldError) Error() string { return e.Path + ": " + e.Message }

// Errors is every problem [Compile] found, in the order of the Rules. Find
// it with errors.As:
//
//	var errs targeting.Errors
//	if errors.As(err, &errs) { ... }
type Errors []FieldError

// Error returns the problems joined by "; ".
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

// Prefix returns a copy of e with prefix put before every path, so a caller
// that holds the Rules in a field can report full paths:
// errs.Prefix("target.") turns "groups[0].op" into "target.groups[0].op".
func (e Errors) Prefix(prefix string) Errors {
	out := make(Errors, len(e))
	for i, fe := range e {
		out[i] = FieldError{Path: prefix + fe.Path, Message: fe.Message}
	}
	return out
}
