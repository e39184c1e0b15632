// Package flow defines Chatflow, the whole configuration of one chat: what
// it says (Build), where it shows (Target), how it looks and opens
// (Display), when it is answered (Availability), and its language, default
// conversation properties, survey and consent (Options).
//
// The entry points are:
//
//   - New, which returns a working chatflow with every default filled in;
//   - (*Chatflow).Validate, which reports every problem at once as Errors,
//     each FieldError naming the JSON path of the field
//     ("display.accentColor: must be #rrggbb");
//   - Parse, which reads the JSON form strictly: unknown fields, wrong
//     types, duplicate fields, invalid UTF-8 and trailing data are rejected
//     with their paths, and missing fields keep the defaults of New.
//
// A Chatflow marshals with encoding/json; Parse(json.Marshal(c)) gives back
// a value equal to c (times in UTC).
//
// The package is a pure leaf: no I/O, no goroutines, no clock. It never
// imports the root livechat package; the root stores chatflows as opaque
// JSON documents and maps them onto its own behaviour.
package flow
