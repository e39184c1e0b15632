package targeting_test

import (
	"errors"
	"fmt"

	"github.com/golivechat/livechat/targeting"
)

func Example() {
	m, err := targeting.Compile(targeting.Rules{
		Groups: []targeting.Group{{Rules: []targeting.Rule{
			{Field: targeting.FieldPath, Op: targeting.OpMatchWildcard, Value: "/pricing*"},
		}}},
	})
	if err != nil {
		panic(err)
	}
	for _, u := range []string{
		"https://example.com/pricing",
		"https://EXAMPLE.com/pricing/#plans",
		"https://example.com/privacy",
	} {
		fmt.Println(u, m.Match(targeting.NewView(u, "desktop", nil)))
	}
	// Output:
	// https://example.com/pricing true
	// https://EXAMPLE.com/pricing/#plans true
	// https://example.com/privacy false
}

func ExampleCompile_errors() {
	_, err := targeting.Compile(targeting.Rules{
		Groups: []targeting.Group{{Rules: []targeting.Rule{
			{Field: targeting.FieldContact, Op: targeting.OpStartsWith, Value: "x"},
		}}},
		Exclude: []targeting.Rule{
			{Field: targeting.FieldPath, Op: targeting.OpMatchRegexp, Value: "(pricing"},
		},
	})
	var errs targeting.Errors
	if errors.As(err, &errs) {
		for _, e := range errs.Prefix("target.") {
			fmt.Println(e)
		}
	}
	// Output:
	// target.groups[0].rules[0].op: "starts_with" does not apply to field "contact"
	// target.exclude[0].value: invalid regular expression: error parsing regexp: missing closing ): `(pricing`
}

func ExampleSelector_Select() {
	sales, _ := targeting.Compile(targeting.Rules{
		Groups: []targeting.Group{{Rules: []targeting.Rule{
			{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: "/pricing"},
		}}},
	})
	support, _ := targeting.Compile(targeting.Rules{
		Exclude: []targeting.Rule{{Field: targeting.FieldPath, Op: targeting.OpIs, Value: "/privacy"}},
	})
	s := targeting.NewSelector([]targeting.Candidate{
		{ID: "support", Priority: 1, Matcher: support},
		{ID: "sales", Priority: 10, Matcher: sales},
	})
	for _, u := range []string{"https://example.com/pricing", "https://example.com/help", "https://example.com/privacy/"} {
		id, ok := s.Select(targeting.NewView(u, "mobile", nil))
		fmt.Println(u, id, ok)
	}
	// Output:
	// https://example.com/pricing sales true
	// https://example.com/help support true
	// https://example.com/privacy/  false
}
