package livechat_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// editorTabsBudget is the budget in bytes of the chatflow editor's Target
// and Availability tabs (inbox/target.js and inbox/hours.js) as the
// Handler sends them to a browser that accepts gzip. Like the rest of the
// editor they load only for agents who open it.
const editorTabsBudget = 10 << 10

// TestEditorTabsBudget fails when the Target and Availability tabs, as
// served gzipped, grow past editorTabsBudget, or when the editor's page
// stops loading them deferred after its shell.
func TestEditorTabsBudget(t *testing.T) {
	h := budgetHandler(t)
	total := 0
	for _, name := range []string{"target.js", "hours.js"} {
		body, resp := served(t, h, "GET", "/livechat/inbox/"+name, nil)
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), name)
		require.Contains(t, string(gunzip(t, body)), "window.LCEditor", name)
		t.Logf("%s: %d bytes gzipped", name, len(body))
		total += len(body)
	}
	t.Logf("Target and Availability tabs: %d of %d bytes", total, editorTabsBudget)
	require.LessOrEqual(t, total, editorTabsBudget, "the Target and Availability tabs as served, gzipped")

	body, _ := served(t, h, "GET", "/livechat/inbox/chatflows", nil)
	page := string(gunzip(t, body))
	at := func(tag string) int {
		i := strings.Index(page, tag)
		require.GreaterOrEqual(t, i, 0, "the editor's page lacks %s", tag)
		return i
	}
	shell, target, hours := at(`<script src="editor.js" defer>`), at(`<script src="target.js" defer>`), at(`<script src="hours.js" defer>`)
	require.Less(t, shell, target, "target.js loads after the shell")
	require.Less(t, target, hours, "hours.js loads after target.js")
}
