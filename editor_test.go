package livechat_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The chatflow editor is a page of its own beside the inbox, with the
// inbox's headers: never framed, nothing but its own origin, revalidated.
// The page itself holds no data, so it needs no sign-in; what it asks the
// admin API for does.
func TestEditorPage(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ path, contentType, want string }{
		{"inbox/chatflows", "text/html", `<script src="editor.js" defer>`},
		{"inbox/editor.js", "javascript", "window.LCEditor"},
		{"inbox/build.js", "javascript", "LCEditor.tab('build'"},
		{"inbox/editor.css", "text/css", ".lce-tabs"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(e.base + tc.path)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Contains(t, resp.Header.Get("Content-Type"), tc.contentType)
			require.Contains(t, string(body), tc.want)
			require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
			require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
			require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'")
		})
	}

	// The inbox links to it; inbox.js shows the link to agents who may
	// edit chatflows only.
	resp, err := http.Get(e.base + "inbox/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.True(t, strings.Contains(string(body), `id="lc-chatflows" class="lc-chatflows" href="chatflows" hidden`), "the inbox's hidden link to the editor")
}
