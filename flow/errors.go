package flow

import "github.com/golivechat/livechat/invalid"

// FieldError is one problem in a chatflow, located by its JSON path, as in
// "display.accentColor".
type FieldError = invalid.Field

// Errors is every problem Parse or Validate found; find it with errors.As.
type Errors = invalid.Fields
