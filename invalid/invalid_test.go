package invalid_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/invalid"
)

func TestFields(t *testing.T) {
	var fs invalid.Fields
	require.NoError(t, fs.Err())
	fs.Add("name", "required")
	fs.Add("", "document is empty")
	err := fs.Err()
	require.EqualError(t, err, "name: required; document is empty")
	var got invalid.Fields
	require.True(t, errors.As(fmt.Errorf("saving: %w", err), &got))
	require.Equal(t, invalid.Fields{{Path: "flow.name", Message: "required"}, {Path: "flow.", Message: "document is empty"}}, got.Prefix("flow."))
	require.Equal(t, "name", fs[0].Path, "Prefix copies")
}

func ExampleFields() {
	var fs invalid.Fields
	fs.Add("display.accentColor", "must be #rrggbb")
	fs.Add("name", "required")
	err := fs.Err()

	var problems invalid.Fields
	if errors.As(err, &problems) {
		for _, p := range problems.Prefix("chatflow.") {
			fmt.Println(p.Path, "→", p.Message)
		}
	}
	// Output:
	// chatflow.display.accentColor → must be #rrggbb
	// chatflow.name → required
}
