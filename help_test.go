package livechat_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/knowledge"
)

func TestHelpArticles(t *testing.T) {
	idx := knowledge.NewIndex()
	require.NoError(t, idx.Add(knowledge.Article{ID: "oversikt", Title: "Översikt av priser", Body: `<p>Alla priser <script>alert(1)</script>i kronor.</p>`, Language: "sv"}))
	require.NoError(t, idx.Add(knowledge.Article{ID: "overview", Title: "Pricing overview", Body: "All prices in euros.", Language: "en"}))
	f := flow.New("Help")
	f.ID = "help"
	f.Build.KnowledgeBase.Enabled = true
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f}; c.Knowledge = idx })
	v := e.newVisitor()
	require.Equal(t, map[string]any{"enabled": true}, v.configFor("https://shop.example/")["knowledgeBase"])

	status, body := v.do("GET", "api/v1/visitor/knowledge/search?language=sv&q="+url.QueryEscape("oversikt"), nil)
	require.Equal(t, 200, status, "%v", body)
	results := body["results"].([]any)
	require.NotEmpty(t, results)
	require.Equal(t, "Översikt av priser", results[0].(map[string]any)["title"])

	status, body = v.do("GET", "api/v1/visitor/knowledge/articles/oversikt", nil)
	require.Equal(t, 200, status)
	require.NotContains(t, body["article"].(map[string]any)["body"], "<script")
	status, body = v.do("GET", "api/v1/visitor/knowledge/articles/nope", nil)
	require.Equal(t, 404, status)
	require.Equal(t, "not_found", errCode(body))
}
