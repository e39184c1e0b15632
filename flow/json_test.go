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
			flow.Errors{{Path: "colour", Message: "unknown field"}}},
		{"ErrUnknownNested", `{"name":"x","display":{"heading":{"colour":"red"}}}`,
			flow.Errors{{Path: "display.heading.colour", Message: "unknown field"}}},
		{"ErrUnknownDeep", `{"name":"x","display":{"desktop":{"triggers":{"onIdle":{"seconds":5}}}}}`,
			flow.Errors{{Path: "display.desktop.triggers.onIdle", Message: "unknown field"}}},
		{"ErrUnknownInArray", `{"name":"x","target":{"groups":[{"rules":[{"field":"path","op":"is","value":"/"}]},{"rules":[{"field":"path","op":"is","value":"/a","colour":1}]}]}}`,
			flow.Errors{{Path: "target.groups[1].rules[0].colour", Message: "unknown field"}}},
		{"ErrUnknownInExclude", `{"name":"x","target":{"exclude":[{"field":"path","op":"is","value":"/","x":[1,{"y":2}]}]}}`,
			flow.Errors{{Path: "target.exclude[0].x", Message: "unknown field"}}},
		{"ErrUnknownOddKey", `{"name":"x","options":{"lang uage":"en"}}`,
			flow.Errors{{Path: `options["lang uage"]`, Message: "unknown field"}}},
		{"ErrWrongCase", `{"Name":"x"}`,
			flow.Errors{{Path: "Name", Message: "unknown field"}}},
		{"ErrSeveralUnknown", `{"name":"x","a":1,"build":{"b":2,"assignment":{"c":3}}}`,
			flow.Errors{{Path: "a", Message: "unknown field"}, {Path: "build.b", Message: "unknown field"}, {Path: "build.assignment.c", Message: "unknown field"}}},
		{"ErrDuplicateField", `{"name":"x","name":"y"}`,
			flow.Errors{{Path: "name", Message: "duplicate field"}}},
		{"ErrDuplicatePropertyKey", `{"name":"x","options":{"conversationProperties":{"a":"1","a":"2"}}}`,
			flow.Errors{{Path: "options.conversationProperties.a", Message: "duplicate key"}}},
		{"ErrStringForInt", `{"name":"x","priority":"1"}`,
			flow.Errors{{Path: "priority", Message: "must be an integer in range"}}},
		{"ErrFractionForInt", `{"name":"x","display":{"desktop":{"triggers":{"scrollPercent":50.5}}}}`,
			flow.Errors{{Path: "display.desktop.triggers.scrollPercent", Message: "must be an integer in range"}}},
		{"ErrIntOverflow", `{"name":"x","priority":99999999999999999999}`,
			flow.Errors{{Path: "priority", Message: "must be an integer in range"}}},
		{"ErrNumberForString", `{"name":1}`,
			flow.Errors{{Path: "name", Message: "must be a string"}}},
		{"ErrStringForBool", `{"name":"x","enabled":"yes"}`,
			flow.Errors{{Path: "enabled", Message: "must be true or false"}}},
		{"ErrArrayForObject", `{"name":"x","display":[1,[2]]}`,
			flow.Errors{{Path: "display", Message: "must be an object"}}},
		{"ErrObjectForArray", `{"name":"x","build":{"assignment":{"userIds":{"a":"b"}}}}`,
			flow.Errors{{Path: "build.assignment.userIds", Message: "must be an array"}}},
		{"ErrNumberInStringArray", `{"name":"x","display":{"heading":{"teamIds":["a",2]}}}`,
			flow.Errors{{Path: "display.heading.teamIds[1]", Message: "must be a string"}}},
		{"ErrBadTime", `{"name":"x","updatedAt":"yesterday"}`,
			flow.Errors{{Path: "updatedAt", Message: "must be an RFC 3339 time"}}},
		{"ErrShapeAndValidation", `{"colour":"red","display":{"accentColor":"red"}}`,
			flow.Errors{{Path: "colour", Message: "unknown field"}, {Path: "name", Message: "required"}, {Path: "display.accentColor", Message: "must be #rrggbb"}}},
		{"ErrTypeErrorHidesItsDefault", `{"name":5,"display":{"accentColor":"red"}}`,
			flow.Errors{{Path: "name", Message: "must be a string"}, {Path: "display.accentColor", Message: "must be #rrggbb"}}},
		{"ErrValidation", `{"name":"x","display":{"accentColor":"#12345"},"target":{"groups":[{"rules":[{"field":"path","op":"sounds_like","value":"/"}]}]}}`,
			flow.Errors{{Path: "target.groups[0].rules[0].op", Message: `unknown operator "sounds_like"`}, {Path: "display.accentColor", Message: "must be #rrggbb"}}},
		{"ErrNameMissing", `{}`,
			flow.Errors{{Path: "name", Message: "required"}}},
		{"ErrInvalidUTF8", "{\"name\":\"a\xffb\"}",
			flow.Errors{{Path: "", Message: "invalid UTF-8"}}},
		{"ErrTrailingObject", `{"name":"x"}{}`,
			flow.Errors{{Path: "", Message: "invalid JSON: data after the chatflow object"}}},
		{"ErrTrailingGarbage", `{"name":"x"} x`,
			flow.Errors{{Path: "", Message: "invalid JSON: data after the chatflow object"}}},
		{"ErrEmpty", ``,
			flow.Errors{{Path: "", Message: "invalid JSON: empty document"}}},
		{"ErrNotAnObject", `["name"]`,
			flow.Errors{{Path: "", Message: "invalid JSON: a chatflow must be a JSON object"}}},
		{"ErrNull", `null`,
			flow.Errors{{Path: "", Message: "invalid JSON: a chatflow must be a JSON object"}}},
		{"ErrTrailingComma", `{"name":"x",}`,
			flow.Errors{{Path: "", Message: "invalid JSON: invalid character '}' looking for beginning of object key string"}}},
		{"ErrUnclosed", `{"name":"x"`,
			flow.Errors{{Path: "", Message: "invalid JSON: unexpected EOF"}}},
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
