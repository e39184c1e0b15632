// Package invalid reports every problem of a document at once, each
// located by its JSON path. The chatflow packages (flow, targeting,
// availability, routing) return their validation problems as [Fields];
// find them with errors.As and show each next to the field it concerns.
package invalid

import "strings"

// Field is one problem, located by the JSON path of the field, as in
// "display.accentColor" or "target.groups[0].rules[1].op".
type Field struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error returns "path: message", or the message alone when Path is empty.
func (f Field) Error() string {
	if f.Path == "" {
		return f.Message
	}
	return f.Path + ": " + f.Message
}

// Fields is every problem found, in the order of the fields:
//
//	var errs invalid.Fields
//	if errors.As(err, &errs) { ... }
type Fields []Field

// Error joins the problems with "; ".
func (fs Fields) Error() string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Prefix returns a copy of fs with prefix put before every path, so that a
// caller holding the document in a field reports full paths:
// Prefix("availability.") turns "mode" into "availability.mode".
func (fs Fields) Prefix(prefix string) Fields {
	out := make(Fields, len(fs))
	for i, f := range fs {
		out[i] = Field{Path: prefix + f.Path, Message: f.Message}
	}
	return out
}

// Add appends a problem.
func (fs *Fields) Add(path, message string) {
	*fs = append(*fs, Field{Path: path, Message: message})
}

// Err returns fs as an error, or nil when there is no problem, so that an
// empty Fields is never returned as a non-nil error.
func (fs Fields) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return fs
}
