package flow_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
)

func Example() {
	c := flow.New("Pricing")
	c.Target.Groups = []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: "/pricing"},
	}}}
	if err := c.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	display, _ := json.MarshalIndent(c.Display, "", "  ")
	fmt.Println(string(display))

	c.Display.AccentColor = "blue"
	c.Display.Desktop.Triggers.ScrollPercent = 150
	var errs flow.Errors
	if errors.As(c.Validate(), &errs) {
		for _, e := range errs {
			fmt.Println(e.Path, "→", e.Message)
		}
	}
	// Output:
	// {
	//   "accentColor": "#2f6fed",
	//   "heading": {
	//     "kind": "agents",
	//     "title": "Chat with us",
	//     "subtitle": "",
	//     "userIds": null,
	//     "teamIds": null,
	//     "brandName": "",
	//     "brandAvatarUrl": "",
	//     "brandAlias": false
	//   },
	//   "desktop": {
	//     "behavior": "prompt",
	//     "triggers": {
	//       "exitIntent": false,
	//       "secondsOnPage": 0,
	//       "scrollPercent": 0
	//     }
	//   },
	//   "mobile": {
	//     "behavior": "launcher"
	//   }
	// }
	// display.accentColor → must be #rrggbb
	// display.desktop.triggers.scrollPercent → must be 0 to 100
}

func ExampleParse() {
	c, err := flow.Parse([]byte(`{
		"name": "Help articles",
		"display": {"accentColor": "#0a7d32", "heading": {"colour": "green"}},
		"options": {"language": "sv"}
	}`))
	fmt.Println(c, err)

	c, err = flow.Parse([]byte(`{"name": "Help articles", "options": {"language": "sv"}}`))
	fmt.Println(c.Name, c.Options.Language, c.Display.AccentColor, err)
	// Output:
	// <nil> display.heading.colour: unknown field
	// Help articles sv #2f6fed <nil>
}
