// The editor tests walk the chatflow editor in Chromium as a team lead
// does: from the inbox's link to the list, creating a chatflow, editing
// it on several tabs, saving, and what happens when something goes wrong.
// They write screenshots to screenshots/ (ignored by git).

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// editorState is JavaScript that describes what the editor shows.
const editorState = `JSON.stringify({url: location.href,
	status: (document.getElementById('lce-status') || {}).textContent,
	rows: [...document.querySelectorAll('#lce-list tbody tr')].map(r => r.getAttribute('data-id') + ': ' + r.textContent),
	tab: (document.querySelector('[role=tab][aria-selected=true]') || {}).textContent,
	dirty: (document.getElementById('lce-dirty') || {}).textContent,
	summary: (document.getElementById('lce-summary') || {}).textContent,
	conflict: (document.getElementById('lce-conflict') || {}).textContent,
	msgs: [...document.querySelectorAll('.lce-msg')].map(m => m.getAttribute('data-for') + ': ' + m.textContent),
	dialog: (document.getElementById('lce-dialog') || {}).open,
	main: document.getElementById('lce-main').textContent.slice(0, 300)})`

// editorJS are helpers the tests evaluate in the editor's page: fill sets
// a control (by its data-path, in the shown tab first) as typing does.
const editorJS = `window.ctl = p => { const all = [...document.querySelectorAll('[data-path="' + p + '"]')];
	return all.find(e => e.getClientRects().length > 0) || all[0]; };
window.fill = (p, v) => { const e = ctl(p); if (!e) throw new Error('no control ' + p);
	if (e.type === 'checkbox' || e.type === 'radio') e.checked = v; else e.value = v;
	e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; };
window.tabTo = id => { document.getElementById('lce-tab-' + id).click(); return true; };
true`

// editorShot saves a PNG of a tab's viewport to screenshots/name.png.
func editorShot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	if err := os.MkdirAll("screenshots", 0o755); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("screenshots", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signIn signs a tab in as a demo agent and waits for the inbox.
func signIn(t *testing.T, tab context.Context, url, who string) {
	t.Helper()
	do(t, tab, "sign in as "+who,
		chromedp.Navigate(url+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as `+who+`"]`),
	)
	waitFor(t, tab, "the inbox", `!!document.getElementById('lc-me') && document.getElementById('lc-me').textContent !== ''`, inboxState)
}

// openEditor waits for the list of chatflows in a tab showing the editor
// and installs editorJS.
func openEditor(t *testing.T, tab context.Context) {
	t.Helper()
	waitFor(t, tab, "the chatflow list", `!!document.getElementById('lce-list')`, editorState)
	eval[bool](t, tab, editorJS)
}

func TestEditorCreateEditSave(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	site := newBrowserSite(t)
	defer site.close(t)

	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "editor")
	defer func() { stopBrowser(); stopConsole() }()

	// Grace may not edit chatflows: her inbox has no link.
	signIn(t, tab, site.srv.URL, "Grace Hopper")
	if eval[bool](t, tab, `document.getElementById('lc-chatflows').getClientRects().length > 0`) {
		t.Error("the inbox links to the editor for an agent without manage_chatflows")
	}
	// Ada may: she follows the link.
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	waitFor(t, tab, "the Chatflows link", `document.getElementById('lc-chatflows').getClientRects().length > 0`, inboxState)
	do(t, tab, "follow the Chatflows link", chromedp.Click(`#lc-chatflows`))
	openEditor(t, tab)
	waitFor(t, tab, "Sales and Support listed with their targeting",
		`(() => { const r = [...document.querySelectorAll('#lce-list tbody tr')].map(r => r.textContent);
			return r.length === 2 && r.some(t => t.includes('Sales') && t.includes('path starts with /pricing')) &&
				r.some(t => t.includes('Support') && t.includes('Every page, except where path is /privacy')); })()`, editorState)
	editorShot(t, tab, "editor-list")

	// Create: a name, a language, the knowledge base on.
	do(t, tab, "open the new chatflow dialog", chromedp.Click(`#lce-new`))
	waitFor(t, tab, "the dialog", `document.getElementById('lce-dialog').open`, editorState)
	do(t, tab, "fill in the dialog",
		chromedp.SendKeys(`#lce-dialog input[name=name]`, "Pricing chat"),
		chromedp.SetValue(`#lce-dialog select`, "sv"),
		chromedp.Click(`#lce-dialog input[name=knowledge]`),
		chromedp.Click(`//dialog//button[normalize-space()="Create"]`),
	)
	waitFor(t, tab, "the new chatflow in the editor", `(document.getElementById('lce-name') || {}).value === 'Pricing chat' && location.hash.startsWith('#edit/')`, editorState)
	eval[bool](t, tab, editorJS)

	// Build: the welcome message.
	eval[bool](t, tab, `fill('build.welcome', 'Hej! Frågor om priser?')`)
	waitFor(t, tab, "unsaved changes shown", `document.getElementById('lce-dirty').textContent === 'Unsaved changes'`, editorState)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.' && document.getElementById('lce-dirty').textContent === 'All changes saved'`, editorState)
	editorShot(t, tab, "editor-build")

	do(t, tab, "reload", chromedp.Reload())
	waitFor(t, tab, "the chatflow again", `!!window.LCEditor && !!document.querySelector('[data-path="build.welcome"]')`, editorState)
	eval[bool](t, tab, editorJS)
	if got := eval[string](t, tab, `ctl('build.welcome').value`); got != "Hej! Frågor om priser?" {
		t.Errorf("after a reload the welcome message is %q", got)
	}
}
