package availability

import "github.com/golivechat/livechat/invalid"

// FieldError is one problem in a Settings value, located by its JSON path,
// as in "officeHours.days.monday[1].end".
type FieldError = invalid.Field

// Errors is every problem Settings.Validate found; find it with errors.As.
type Errors = invalid.Fields
