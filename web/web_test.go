package web

import (
	"bytes"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestFilesEmbedded(t *testing.T) {
	for _, name := range []string{"widget.js", "widget.css", "chat.js", "chat.css", "inbox/index.html", "inbox/inbox.js", "inbox/inbox.css",
		"inbox/chatflows.html", "inbox/editor.js", "inbox/editor.css", "inbox/build.js", "inbox/options.js", "inbox/target.js", "inbox/hours.js"} {
		b, err := fs.ReadFile(Files, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

// TestNoHTMLInsertion keeps user and server text out of the HTML parser:
// scripts build the DOM with createElement and textContent only.
func TestNoHTMLInsertion(t *testing.T) {
	for _, name := range scripts(t) {
		b, err := fs.ReadFile(Files, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
}

// TestNoExternalRequests makes sure no asset points at another origin: no
// fonts, CDNs or images from elsewhere.
func TestNoExternalRequests(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	err := fs.WalkDir(Files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Files, name)
		if err != nil {
			return err
		}
		for _, m := range url.FindAll(b, -1) {
			if string(m) == "http://www.w3.org" { // the SVG namespace, not a request
				continue
			}
			t.Errorf("%s refers to another origin: %s", name, m)
		}
		if bytes.Contains(b, []byte("@import")) {
			t.Errorf("%s uses @import", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// scripts are every embedded script: the widget's, the inbox's and the
// chatflow editor's.
func scripts(t *testing.T) []string {
	t.Helper()
	inbox, err := fs.Glob(Files, "inbox/*.js")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"widget.js", "chat.js"}, inbox...)
}

// TestInboxRelativeURLs: the inbox and the chatflow editor work under any
// mount prefix only if they load their files relative to their own URL.
func TestInboxRelativeURLs(t *testing.T) {
	for name, wants := range map[string][]string{
		"inbox/index.html":     {`href="inbox.css"`, `src="inbox.js"`, `href="chatflows"`},
		"inbox/chatflows.html": {`href="editor.css"`, `src="editor.js" defer`, `href="./"`},
	} {
		b, err := fs.ReadFile(Files, name)
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		for _, want := range wants {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		if regexp.MustCompile(`(src|href)="/`).MatchString(html) {
			t.Errorf("%s uses an absolute path", name)
		}
	}
}

// TestEditorScriptsDeferred: the editor's scripts run in the order of the
// page, after it is parsed, editor.js (which defines window.LCEditor)
// first.
func TestEditorScriptsDeferred(t *testing.T) {
	b, err := fs.ReadFile(Files, "inbox/chatflows.html")
	if err != nil {
		t.Fatal(err)
	}
	tags := regexp.MustCompile(`<script[^>]*>`).FindAllString(string(b), -1)
	if len(tags) == 0 || !strings.Contains(tags[0], `src="editor.js"`) {
		t.Fatalf("the first script is not editor.js: %q", tags)
	}
	for _, tag := range tags {
		if !strings.Contains(tag, " defer") || !strings.Contains(tag, "src=") {
			t.Errorf("%s: every editor script is an external, deferred one", tag)
		}
	}
}

// TestHooks checks the stable ids that browser tests and hosts target.
func TestHooks(t *testing.T) {
	hooks := map[string][]string{
		"widget.js": {"livechat-root", "livechat-launcher", "livechat-prompt", "livechat-prompt-close", "data-chatflow", "data-device",
			"livechat_minimized", "data-preview", "data-availability", "chat.js", "chat.css", "widget.css"},
		"chat.js": {"livechat-window", "livechat-input", "livechat-send", "livechat-messages", "lc-text", "lc-state", "data-seq", "data-sender",
			"livechat_minimized", "livechat-availability", "data-status", "data-notice", "livechat-queue", "/queue",
			"livechat-consent", "livechat-agree", "livechat-email", "livechat-email-input", "livechat-email-submit",
			"livechat-survey", "data-rating", "livechat-survey-comment", "livechat-survey-submit",
			"livechat-tab-help", "livechat-help-search", "lc-result", "livechat-article"},
		"inbox/index.html": {`id="lc-thread"`, `id="lc-reply"`, `id="lc-reply-send"`, `id="lc-close"`, `id="lc-assign-me"`, `id="lc-presence"`, `id="lc-list"`},
		"inbox/inbox.js":   {"lc-conv", "data-id", "data-seq", "lc-text"},
	}
	for name, want := range hooks {
		b, err := fs.ReadFile(Files, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				t.Errorf("%s lacks %s", name, w)
			}
		}
	}
}

// TestJavaScriptSyntax runs node --check on the scripts when node is
// installed.
func TestJavaScriptSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	for _, name := range scripts(t) {
		if out, err := exec.Command(node, "--check", filepath.FromSlash(name)).CombinedOutput(); err != nil {
			t.Errorf("node --check %s: %v\n%s", name, err, out)
		}
	}
}
