package flow

import "strings"

// FieldError is one problem with a chatflow: the JSON path of the field
// ("display.heading.title", "target.groups[0].rules[1].op"; empty for the
// document as a whole) and what is wrong with it.
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

// Errors is every problem found in a chatflow, in a deterministic order.
// Validate and Parse return it as their error; find it with errors.As:
//
//	var errs flow.Errors
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

// add appends a problem at path.
func (e *Errors) add(path, msg string) {
	*e = append(*e, FieldError{Path: path, Message: msg})
}

// err returns e as an error, or nil when it is empty.
func (e Errors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}
