package livechat_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

// listedUnedited is the unedited mark of each chatflow in the admin list
// answer, by id.
func listedUnedited(t *testing.T, e *testEnv) map[string]bool {
	t.Helper()
	status, body := e.admin("admin1", "GET", "", nil, "")
	require.Equal(t, 200, status, "%v", body)
	out := map[string]bool{}
	for _, x := range body["chatflows"].([]any) {
		sf := x.(map[string]any)
		u, present := sf["unedited"]
		require.True(t, !present || u == true, "unedited is true or left out: %v", u)
		require.NotNil(t, sf["chatflow"])
		require.NotNil(t, sf["version"])
		out[sf["chatflow"].(map[string]any)["id"].(string)] = present
	}
	return out
}

// TestChatflowListUnedited: the list answer marks the chatflows still as
// the server stored them from its configuration (Config.Flows, or the
// default chatflow), which the editor reads as "set up the chat first". A
// save or a publish ends it; a chatflow created through the API never has
// it.
func TestChatflowListUnedited(t *testing.T) {
	t.Run("ConfigFlows", func(t *testing.T) {
		e := newEnv(t, func(c *livechat.Config) { c.Flows = pricingAndSupport() })
		require.Equal(t, map[string]bool{"pricing": true, "support": true}, listedUnedited(t, e))

		status, body := e.admin("admin1", "POST", "/pricing/unpublish", nil, `"1"`)
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, map[string]bool{"pricing": false, "support": true}, listedUnedited(t, e), "unpublishing is an edit")

		f := flow.New("Made here")
		status, body = e.admin("admin1", "POST", "", flowJSON(t, f), "")
		require.Equal(t, 201, status, "%v", body)
		id := body["chatflow"].(map[string]any)["id"].(string)
		require.Equal(t, map[string]bool{"pricing": false, "support": true, id: false}, listedUnedited(t, e), "created through the API")
	})
	t.Run("DefaultChatflow", func(t *testing.T) {
		e := newEnv(t)
		require.Equal(t, map[string]bool{livechat.DefaultChatflowID: true}, listedUnedited(t, e))
		_, body := e.admin("admin1", "GET", "/"+livechat.DefaultChatflowID, nil, "")
		doc := body["chatflow"].(map[string]any)
		doc["display"].(map[string]any)["accentColor"] = "#0f766e"
		status, body := e.admin("admin1", "PUT", "/"+livechat.DefaultChatflowID, doc, `"1"`)
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, map[string]bool{livechat.DefaultChatflowID: false}, listedUnedited(t, e), "saved")
	})
	t.Run("NothingStored", func(t *testing.T) {
		e := newEnv(t)
		status, _ := e.admin("admin1", "DELETE", "/"+livechat.DefaultChatflowID, nil, "")
		require.Equal(t, 204, status)
		status, body := e.admin("admin1", "GET", "", nil, "")
		require.Equal(t, 200, status)
		require.Equal(t, []any{}, body["chatflows"], "an empty list, not null")
	})
}

// The setup and the live preview are scripts of the editor's page, after
// the shell and in this order, served like it.
func TestEditorSetupAndPreviewScripts(t *testing.T) {
	e := newEnv(t)
	get := func(path string) (string, *http.Response) {
		t.Helper()
		resp, err := http.Get(e.base + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return string(body), resp
	}
	for file, exports := range map[string]string{"setup.js": "E.setup = setup", "preview.js": "E.previewPane = previewPane"} {
		body, resp := get("inbox/" + file)
		require.Contains(t, resp.Header.Get("Content-Type"), "javascript", file)
		require.Contains(t, body, exports)
		require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"), file)
	}
	page, _ := get("inbox/chatflows")
	editor := strings.Index(page, `<script src="editor.js" defer></script>`)
	setup := strings.Index(page, `<script src="setup.js" defer></script>`)
	preview := strings.Index(page, `<script src="preview.js" defer></script>`)
	require.True(t, editor >= 0 && editor < setup && setup < preview, "editor.js, then setup.js, then preview.js:\n%s", page)
}
