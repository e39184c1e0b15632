package targeting

// Field is what a rule looks at.
type Field string

// Rule fields.
const (
	FieldURL      Field = "url"      // the full page URL
	FieldPath     Field = "path"     // the URL's path
	FieldQuery    Field = "query"    // the query parameter named by Rule.Name
	FieldContact  Field = "contact"  // whether the visitor is a known contact (OpKnown, OpUnknown)
	FieldProperty Field = "property" // the contact property named by Rule.Name
	FieldDevice   Field = "device"   // "desktop", "tablet" or "mobile", as the widget reports it
)

// Operator is how a rule compares.
type Operator string

// Rule operators. Which fields take which operators is checked by Compile:
//
//	url, path  is, is_not, contains, not_contains, starts_with, ends_with,
//	           matches_wildcard, matches_regex
//	query      is, is_not, contains, is_present
//	contact    is_known, is_unknown
//	property   is, is_not, contains, is_known, is_unknown, greater_than, less_than
//	device     is, is_not
const (
	OpIs            Operator = "is"
	OpIsNot         Operator = "is_not"
	OpContains      Operator = "contains"
	OpNotContains   Operator = "not_contains"
	OpStartsWith    Operator = "starts_with"
	OpEndsWith      Operator = "ends_with"
	OpMatchWildcard Operator = "matches_wildcard" // '*' matches any run of characters
	OpMatchRegexp   Operator = "matches_regex"    // RE2 syntax, length-limited
	OpPresent       Operator = "is_present"       // query parameter present, with any value
	OpKnown         Operator = "is_known"         // contact known / property has a value
	OpUnknown       Operator = "is_unknown"
	OpGreaterThan   Operator = "greater_than" // numbers, or dates as RFC 3339 / YYYY-MM-DD
	OpLessThan      Operator = "less_than"
)

// Rule is one condition on a page view.
//
// Name is required for [FieldQuery] and [FieldProperty] and must be empty
// otherwise. Value is required by every operator except is_present,
// is_known and is_unknown, which take none. See [Compile] for how values
// are normalised and limited.
type Rule struct {
	Field Field    `json:"field"`
	Name  string   `json:"name,omitempty"` // query parameter or contact property name
	Op    Operator `json:"op"`
	Value string   `json:"value,omitempty"`
}

// Group is a set of rules that must all match (AND). A group needs at least
// one rule.
type Group struct {
	Rules []Rule `json:"rules"`
}

// Rules decide where a chat shows: it shows when any group matches (OR)
// and no exclusion rule matches. No groups means every page.
type Rules struct {
	Groups  []Group `json:"groups"`
	Exclude []Rule  `json:"exclude"`
}
