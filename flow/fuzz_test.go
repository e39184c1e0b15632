package flow_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/flow"
)

func FuzzParse(f *testing.F) {
	for _, c := range []*flow.Chatflow{flow.New("Support"), full(f)} {
		data, err := json.Marshal(c)
		require.NoError(f, err)
		f.Add(data)
	}
	for _, doc := range []string{
		`{"name":"x"}`,
		`{"name":"x","display":{"heading":{"colour":"red"}}}`,
		`{"name":"x","target":{"groups":[{"rules":[{"field":"path","op":"is","value":"/","colour":1}]}]}}`,
		`{"name":"x","name":"y","priority":1e3,"enabled":null}`,
		`{"name":"x","createdAt":"0000-01-01T00:00:00+01:00"}`,
		`{"name":"x","options":{"conversationProperties":{"a":null,"b.c":"d"}}}`,
		`{"name":"\ud800","build":{"assignment":{"userIds":[null,"a"]}}}`,
		`{"name":"x"} {}`,
		`[`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c1, err1 := flow.Parse(data)
		c2, err2 := flow.Parse(data)
		require.Equal(t, c1, c2)
		if err1 != nil {
			require.Nil(t, c1)
			require.EqualError(t, err2, err1.Error())
			var errs flow.Errors
			require.ErrorAs(t, err1, &errs)
			require.NotEmpty(t, errs)
			return
		}
		require.NoError(t, err2)
		require.NoError(t, c1.Validate())
		again, err := json.Marshal(c1)
		require.NoError(t, err)
		c3, err := flow.Parse(again)
		require.NoError(t, err, "reparsing %s", again)
		require.Equal(t, c1, c3)
	})
}
