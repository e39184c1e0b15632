package consent

import "github.com/golivechat/livechat/invalid"

// FieldError is one problem in a Settings value or a Catalog, located by
// its JSON path, as in "communication.subscriptions[1].id".
type FieldError = invalid.Field

// Errors is every problem Settings.Validate or Catalog.Validate found;
// find it with errors.As.
type Errors = invalid.Fields
