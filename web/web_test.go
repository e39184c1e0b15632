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
	for _, name := range []string{"widget.js", "widget.css", "chat.js", "chat.css", "inbox/index.html", "inbox/inbox.js", "inbox/inbox.css"} {
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
	for _, name := range []string{"widget.js", "chat.js", "inbox/inbox.js"} {
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

// TestInboxRelativeURLs: the inbox works under any mount prefix only if it
// loads its files relative to its own URL.
func TestInboxRelativeURLs(t *testing.T) {
	b, err := fs.ReadFile(Files, "inbox/index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{`href="inbox.css"`, `src="inbox.js"`} {
		if !strings.Contains(html, want) {
			t.Errorf("inbox/index.html lacks %s", want)
		}
	}
	if regexp.MustCompile(`(src|href)="/`).MatchString(html) {
		t.Error("inbox/index.html uses an absolute path")
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
	for _, name := range []string{"widget.js", "chat.js", filepath.Join("inbox", "inbox.js")} {
		if out, err := exec.Command(node, "--check", name).CombinedOutput(); err != nil {
			t.Errorf("node --check %s: %v\n%s", name, err, out)
		}
	}
}
