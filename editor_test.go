package livechat_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/consent"
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
		{"inbox/build.js", "javascript", "L.tab('build'"},
		{"inbox/options.js", "javascript", "L.tab('options'"},
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

// The editor's "reset to default" brings back the text a chatflow shows
// when its own is empty: the default of the chatflow's language, with the
// host's overrides, as GET api/v1/admin/texts answers it.
func TestAdminTexts(t *testing.T) {
	texts := &consent.Catalog{}
	require.NoError(t, texts.Set("sv", consent.KeyCookieText, "Vi använder kakor. OK?"))
	e := newEnv(t, func(c *livechat.Config) {
		c.Texts = texts
		c.Company = "Acme"
	})
	t.Run("Swedish", func(t *testing.T) {
		status, body := e.agentDo("admin1", "GET", "api/v1/admin/texts?language=sv-SE", nil)
		require.Equal(t, http.StatusOK, status, "%v", body)
		require.Equal(t, "sv", body["language"])
		got := body["texts"].(map[string]any)
		require.Equal(t, "Vi använder kakor. OK?", got["cookieText"], "the host's override")
		require.Equal(t, consent.Default(language.Swedish, consent.KeyProcessingExplicitText), got["processingExplicitText"])
		require.Equal(t, consent.Default(language.Swedish, consent.KeyProcessingLegitimateText), got["processingLegitimateText"])
		require.Equal(t, consent.CommunicationLabel("Acme", "", "", language.Swedish), body["communicationLabel"])
		require.Len(t, got, len(consent.Keys()), "every text")
	})
	t.Run("UnsupportedIsEnglish", func(t *testing.T) {
		status, body := e.agentDo("admin1", "GET", "api/v1/admin/texts?language=fi", nil)
		require.Equal(t, http.StatusOK, status, "%v", body)
		require.Equal(t, "en", body["language"])
		require.Equal(t, consent.Default(language.English, consent.KeyCookieText), body["texts"].(map[string]any)["cookieText"])
	})
	t.Run("NoLanguageIsEnglish", func(t *testing.T) {
		status, body := e.agentDo("admin1", "GET", "api/v1/admin/texts", nil)
		require.Equal(t, http.StatusOK, status, "%v", body)
		require.Equal(t, "en", body["language"])
	})
	t.Run("ErrMalformedLanguage", func(t *testing.T) {
		status, body := e.agentDo("admin1", "GET", "api/v1/admin/texts?language=not+a+tag!", nil)
		require.Equal(t, http.StatusBadRequest, status)
		require.Equal(t, "bad_request", errCode(body))
		require.Contains(t, body["error"].(map[string]any)["message"], "language must be a BCP 47 tag")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		status, body := e.agentDo("a1", "GET", "api/v1/admin/texts?language=sv", nil)
		require.Equal(t, http.StatusForbidden, status)
		require.Equal(t, "forbidden", errCode(body))
		status, _ = e.agentDo("", "GET", "api/v1/admin/texts?language=sv", nil)
		require.Equal(t, http.StatusUnauthorized, status)
	})
}

// editorBudget is the chatflow editor's budget in bytes as the Handler
// sends it to a browser that accepts gzip: its page, its shell and its
// Build, Knowledge base and Options tabs with their styles. It loads only
// for agents who open the editor; the other tabs' scripts have their own.
const editorBudget = 24 << 10

// TestEditorBudget fails when the editor's files, as served gzipped, grow
// past editorBudget, or when the widget a visitor's page loads refers to
// the editor at all.
func TestEditorBudget(t *testing.T) {
	h := budgetHandler(t)
	total := 0
	for _, name := range []string{"chatflows", "editor.js", "build.js", "options.js", "editor.css"} {
		body, resp := served(t, h, "GET", "/livechat/inbox/"+name, nil)
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), name)
		require.NotEmpty(t, gunzip(t, body), name)
		t.Logf("%s: %d bytes gzipped", name, len(body))
		total += len(body)
	}
	t.Logf("editor: %d of %d bytes", total, editorBudget)
	require.LessOrEqual(t, total, editorBudget, "the editor's files as served, gzipped")

	for _, name := range []string{"widget.js", "chat.js"} {
		body, _ := served(t, h, "GET", "/livechat/"+name, nil)
		for _, s := range []string{"editor", "LCEditor", "chatflows"} {
			require.NotContains(t, string(gunzip(t, body)), s, "%s refers to the editor", name)
		}
	}
}
