package routing

import "github.com/golivechat/livechat/invalid"

// FieldError is one problem in a list of skill rules, located by its JSON
// path relative to the list, as in "[0].when.op".
type FieldError = invalid.Field

// Errors is every problem ValidateRules found; find it with errors.As.
type Errors = invalid.Fields
