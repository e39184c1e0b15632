package flow_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		c    *flow.Chatflow
	}{
		{"New", flow.New("Support")},
		{"Full", full(t)},
		{"EmptyListsAndMap", func() *flow.Chatflow {
			c := flow.New("Empty")
			c.Build.Assignment.UserIDs = []string{}
			c.Target = targeting.Rules{Groups: []targeting.Group{}, Exclude: []targeting.Rule{}}
			c.Options.ConversationProperties = map[string]string{}
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.c)
			require.NoError(t, err)
			got, err := flow.Parse(data)
			require.NoError(t, err)
			require.Equal(t, tt.c, got)
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want func(c *flow.Chatflow) // applied to New("Support")
	}{
		{"OKNameOnly", `{"name":"Support"}`, func(c *flow.Chatflow) {}},
		{"OKPartialNested", `{"name":"Support","display":{"heading":{"title":"Hi"}},"options":{"language":"de"}}`,
			func(c *flow.Chatflow) {
				c.Display.Heading.Title = "Hi"
				c.Options.Language = "de"
			}},
		{"OKNullKeepsDefault", `{"name":"Support","display":null,"build":{"welcome":null}}`, func(c *flow.Chatflow) {}},
		{"OKTimesInUTC", `{"name":"Support","createdAt":"2026-03-29T03:30:00+02:00"}`, func(c *flow.Chatflow) {
			c.CreatedAt = time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
		}},
		{"OKWhitespaceAround", " \n{\"name\":\"Support\"}\n\t", func(c *flow.Chatflow) {}},
		{"OKTargeting", `{"name":"Support","target":{"groups":[{"rules":[{"field":"path","op":"starts_with","value":"/pricing"}]}]}}`,
			func(c *flow.Chatflow) {
				c.Target.Groups = []targeting.Group{{Rules: []targeting.Rule{{Field: "path", Op: "starts_with", Value: "/pricing"}}}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flow.Parse([]byte(tt.doc))
			require.NoError(t, err)
			want := flow.New("Support")
			tt.want(want)
			require.Equal(t, want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want flow.Errors
	}{
		{"ErrUnknownTopLevel", `{"name":"x","colour":"red"}`,
			flow.Errors{{"colour", "unknown field"}}},
		{"ErrUnknownNested", `{"name":"x","display":{"heading":{"colour":"red"}}}`,
			flow.Errors{{"display.heading.colour", "unknown field"}}},
		{"ErrUnknownDeep", `{"name":"x","display":{"desktop":{"triggers":{"onIdle":{"seconds":5}}}}}`,
			flow.Errors{{"display.desktop.triggers.onIdle", "unknown field"}}},
		{"ErrUnknownInArray", `{"name":"x","target":{"groups":[{"rules":[{"field":"path","op":"is","value":"/"}]},{"rules":[{"field":"path","op":"is","value":"/a","colour":1}]}]}}`,
			flow.Errors{{"target.groups[1].rules[0].colour", "unknown field"}}},
		{"ErrUnknownInExclude", `{"name":"x","target":{"exclude":[{"field":"path","op":"is","value":"/","x":[1,{"y":2}]}]}}`,
			flow.Errors{{"target.exclude[0].x", "unknown field"}}},
		{"ErrUnknownOddKey", `{"name":"x","options":{"lang uage":"en"}}`,
			flow.Errors{{`options["lang uage"]`, "unknown field"}}},
		{"ErrWrongCase", `{"Name":"x"}`,
			flow.Errors{{"Name", "unknown field"}}},
		{"ErrSeveralUnknown", `{"name":"x","a":1,"build":{"b":2,"assignment":{"c":3}}}`,
			flow.Errors{{"a", "unknown field"}, {"build.b", "unknown field"}, {"build.assignment.c", "unknown field"}}},
		{"ErrDuplicateField", `{"name":"x","name":"y"}`,
			flow.Errors{{"name", "duplicate field"}}},
		{"ErrDuplicatePropertyKey", `{"name":"x","options":{"conversationProperties":{"a":"1","a":"2"}}}`,
			flow.Errors{{"options.conversationProperties.a", "duplicate key"}}},
		{"ErrStringForInt", `{"name":"x","priority":"1"}`,
			flow.Errors{{"priority", "must be an integer in range"}}},
		{"ErrFractionForInt", `{"name":"x","display":{"desktop":{"triggers":{"scrollPercent":50.5}}}}`,
			flow.Errors{{"display.desktop.triggers.scrollPercent", "must be an integer in range"}}},
		{"ErrIntOverflow", `{"name":"x","priority":99999999999999999999}`,
			flow.Errors{{"priority", "must be an integer in range"}}},
		{"ErrNumberForString", `{"name":1}`,
			flow.Errors{{"name", "must be a string"}}},
		{"ErrStringForBool", `{"name":"x","enabled":"yes"}`,
			flow.Errors{{"enabled", "must be true or false"}}},
		{"ErrArrayForObject", `{"name":"x","display":[1,[2]]}`,
			flow.Errors{{"display", "must be an object"}}},
		{"ErrObjectForArray", `{"name":"x","build":{"assignment":{"userIds":{"a":"b"}}}}`,
			flow.Errors{{"build.assignment.userIds", "must be an array"}}},
		{"ErrNumberInStringArray", `{"name":"x","display":{"heading":{"teamIds":["a",2]}}}`,
			flow.Errors{{"display.heading.teamIds[1]", "must be a string"}}},
		{"ErrBadTime", `{"name":"x","updatedAt":"yesterday"}`,
			flow.Errors{{"updatedAt", "must be an RFC 3339 time"}}},
		{"ErrShapeAndValidation", `{"colour":"red","display":{"accentColor":"red"}}`,
			flow.Errors{{"colour", "unknown field"}, {"name", "required"}, {"display.accentColor", "must be #rrggbb"}}},
		{"ErrTypeErrorHidesItsDefault", `{"name":5,"display":{"accentColor":"red"}}`,
			flow.Errors{{"name", "must be a string"}, {"display.accentColor", "must be #rrggbb"}}},
		{"ErrValidation", `{"name":"x","display":{"accentColor":"#12345"},"target":{"groups":[{"rules":[{"field":"path","op":"sounds_like","value":"/"}]}]}}`,
			flow.Errors{{"target.groups[0].rules[0].op", `unknown operator "sounds_like"`}, {"display.accentColor", "must be #rrggbb"}}},
		{"ErrNameMissing", `{}`,
			flow.Errors{{"name", "required"}}},
		{"ErrInvalidUTF8", "{\"name\":\"a\xffb\"}",
			flow.Errors{{"", "invalid UTF-8"}}},
		{"ErrTrailingObject", `{"name":"x"}{}`,
			flow.Errors{{"", "invalid JSON: data after the chatflow object"}}},
		{"ErrTrailingGarbage", `{"name":"x"} x`,
			flow.Errors{{"", "invalid JSON: data after the chatflow object"}}},
		{"ErrEmpty", ``,
			flow.Errors{{"", "invalid JSON: empty document"}}},
		{"ErrNotAnObject", `["name"]`,
			flow.Errors{{"", "invalid JSON: a chatflow must be a JSON object"}}},
		{"ErrNull", `null`,
			flow.Errors{{"", "invalid JSON: a chatflow must be a JSON object"}}},
		{"ErrTrailingComma", `{"name":"x",}`,
			flow.Errors{{"", "invalid JSON: invalid character '}' looking for beginning of object key string"}}},
		{"ErrUnclosed", `{"name":"x"`,
			flow.Errors{{"", "invalid JSON: unexpected EOF"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := flow.Parse([]byte(tt.doc))
			require.Nil(t, c)
			var errs flow.Errors
			require.ErrorAs(t, err, &errs)
			require.Equal(t, tt.want, errs)
		})
	}
}
