package targeting

import "github.com/golivechat/livechat/invalid"

// FieldError is one problem in a set of rules, located by its JSON path
// relative to the Rules, as in "groups[0].rules[1].op".
type FieldError = invalid.Field

// Errors is every problem Compile found; find it with errors.As.
type Errors = invalid.Fields
