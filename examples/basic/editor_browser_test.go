// The editor tests walk the chatflow editor in Chromium as a team lead
// does: from the inbox's link to the list, creating a chatflow, editing
// it on several tabs, saving, and what happens when something goes wrong.
// They write screenshots to screenshots/ (ignored by git).

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/flow"
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

// a11yProblems is JavaScript listing what a keyboard or screen-reader
// user would miss in the editor as shown: controls without a name,
// groups without a legend, tabs without their panel, and content wider
// than the window.
const a11yProblems = `(() => {
	const bad = [], shown = e => e.getClientRects().length > 0;
	for (const e of document.querySelectorAll('input, select, textarea, button')) {
		if (!shown(e)) continue;
		const named = e.getAttribute('aria-label') || (e.labels && e.labels.length) || (e.tagName === 'BUTTON' && e.textContent.trim());
		if (!named) bad.push('unnamed ' + e.tagName + ' ' + (e.getAttribute('data-path') || e.outerHTML.slice(0, 80)));
	}
	for (const f of document.querySelectorAll('fieldset')) if (shown(f) && !f.querySelector(':scope > legend')) bad.push('fieldset without legend ' + f.getAttribute('data-path'));
	for (const t of document.querySelectorAll('[role=tab]')) if (!document.getElementById(t.getAttribute('aria-controls'))) bad.push('tab without panel ' + t.id);
	if (document.documentElement.scrollWidth > innerWidth) bad.push('wider than the window: ' + document.documentElement.scrollWidth + ' > ' + innerWidth);
	return bad;
})()`

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
// and installs editorJS. On a site whose chatflows nobody has edited yet
// the editor starts with the setup (setup_browser_test.go): it is skipped.
func openEditor(t *testing.T, tab context.Context) {
	t.Helper()
	waitFor(t, tab, "the chatflow list or the setup", `!!document.getElementById('lce-list') || !!document.getElementById('lce-setup-skip')`, editorState)
	if eval[bool](t, tab, `!document.getElementById('lce-list')`) {
		do(t, tab, "skip the setup", chromedp.Click(`#lce-setup-skip`))
	}
	waitFor(t, tab, "the chatflow list", `!!document.getElementById('lce-list')`, editorState)
	eval[bool](t, tab, editorJS)
}

func TestEditorCreateEditSave(t *testing.T) {
	site, tab := siteTab(t, "editor")

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
			return r.length === 2 && r.some(t => t.includes('Sales') && t.includes('/pricing') && t.includes('/app/pricing')) &&
				r.some(t => t.includes('Support') && t.includes('except where') && t.includes('/privacy')); })()`, editorState)
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

	if got := eval[string](t, tab, `document.querySelector('[role=tab][aria-selected=true]').textContent`); got != "Build" {
		t.Errorf("a new chatflow opens on the %q tab", got)
	}

	// A Swedish chatflow starts with Swedish texts.
	if got := eval[[]string](t, tab, `[ctl('build.welcome').value, ctl('display.heading.title').value, ctl('build.emailCapture.prompt').value]`); got[0] != "Hej! Hur kan vi hjälpa dig i dag?" ||
		got[1] != "Chatta med oss" || !strings.HasPrefix(got[2], "Vad är din e-postadress?") {
		t.Errorf("a new Swedish chatflow starts with %q", got)
	}

	// Build: the welcome message, assignment, heading, desktop behaviour.
	eval[bool](t, tab, `fill('build.welcome', 'Hej! Frågor om priser?')`)
	waitFor(t, tab, "unsaved changes shown", `document.getElementById('lce-dirty').textContent === 'Unsaved changes'`, editorState)
	waitFor(t, tab, "the agents to pick from", `[...document.querySelectorAll('[data-path="build.assignment.userIds"] label')].some(l => l.textContent.includes('Ada Lovelace'))`, editorState)
	do(t, tab, "pick Ada for the assignment",
		chromedp.Click(`//fieldset[@data-path="build.assignment.userIds"]//label[contains(., "Ada Lovelace")]/input`))
	eval[bool](t, tab, `fill('build.assignment.strategy', 'least_busy')`)
	do(t, tab, "choose a brand heading", chromedp.Click(`//fieldset[@data-path="display.heading.kind"]//label[contains(., "A brand name")]/input`))
	waitFor(t, tab, "the brand fields", `!!ctl('display.heading.brandName')`, editorState)
	eval[bool](t, tab, `fill('display.heading.brandName', 'Acme sales') && fill('display.heading.brandAlias', true)`)
	do(t, tab, "open on a trigger", chromedp.Click(`//fieldset[@data-path="display.desktop.behavior"]//input[@value="open_on_trigger"]`))
	eval[bool](t, tab, `fill('display.desktop.triggers.secondsOnPage', '12')`)
	editorShot(t, tab, "editor-build")

	// The tabs answer the arrow keys: Knowledge base is next.
	do(t, tab, "arrow to the Knowledge base tab", chromedp.Focus(`#lce-tab-build`), chromedp.KeyEvent(kb.ArrowRight))
	waitFor(t, tab, "the Knowledge base tab", `document.activeElement.id === 'lce-tab-knowledge' && document.getElementById('lce-tab-knowledge').getAttribute('aria-selected') === 'true' && !document.getElementById('lce-panel-knowledge').hidden`, editorState)
	if !eval[bool](t, tab, `ctl('build.knowledgeBase.enabled').checked`) {
		t.Error("the knowledge base chosen in the new chatflow dialog is off")
	}
	// Options: the language chosen, a consent text of one's own, the survey.
	eval[bool](t, tab, `tabTo('options')`)
	if got := eval[string](t, tab, `ctl('options.language').value`); got != "sv" {
		t.Errorf("the language is %q, not the one chosen when creating", got)
	}
	waitFor(t, tab, "the Swedish default cookie text", `ctl('options.consent.cookies.text').value.startsWith('Vi använder cookies')`, editorState)
	eval[bool](t, tab, `fill('options.consent.cookies.text', 'Kakor? Bara för chatten.') && fill('options.surveyId', true)`)
	editorShot(t, tab, "editor-options")

	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.' && document.getElementById('lce-dirty').textContent === 'All changes saved'`, editorState)

	do(t, tab, "reload", chromedp.Reload())
	waitFor(t, tab, "the chatflow again", `!!window.LCEditor && !!document.querySelector('[data-path="build.welcome"]')`, editorState)
	eval[bool](t, tab, editorJS)
	waitFor(t, tab, "the agents to pick from", `[...document.querySelectorAll('[data-path="build.assignment.userIds"] input')].length > 0`, editorState)
	got := eval[map[string]any](t, tab, `({welcome: ctl('build.welcome').value, strategy: ctl('build.assignment.strategy').value,
		ada: document.querySelector('[data-path="build.assignment.userIds"] input[value="ada"]').checked,
		brand: ctl('display.heading.brandName').value, alias: ctl('display.heading.brandAlias').checked,
		trigger: document.querySelector('[data-path="display.desktop.behavior"] input[value="open_on_trigger"]').checked,
		seconds: ctl('display.desktop.triggers.secondsOnPage').value,
		cookies: ctl('options.consent.cookies.text').value, survey: ctl('options.surveyId').checked})`)
	require.Equal(t, map[string]any{"welcome": "Hej! Frågor om priser?", "strategy": "least_busy", "ada": true, "brand": "Acme sales", "alias": true,
		"trigger": true, "seconds": "12", "cookies": "Kakor? Bara för chatten.", "survey": true}, got, "what the form shows after a reload")

	// What the server stored is what the form showed.
	var stored *flow.Chatflow
	flows, err := site.chat.Chatflows(stepCtx(t))
	require.NoError(t, err)
	for _, sf := range flows {
		if sf.Chatflow.Name == "Pricing chat" {
			stored = sf.Chatflow
		}
	}
	require.NotNil(t, stored)
	require.False(t, stored.Enabled, "a new chatflow is not published until published")
	require.Equal(t, "sv", stored.Options.Language)
	require.True(t, stored.Build.KnowledgeBase.Enabled)
	require.Equal(t, []string{"ada"}, stored.Build.Assignment.UserIDs)
	require.Equal(t, flow.HeadingBrand, stored.Display.Heading.Kind)
	require.Equal(t, 12, stored.Display.Desktop.Triggers.SecondsOnPage)
	require.Equal(t, "Kakor? Bara för chatten.", stored.Options.Consent.Cookies.Text)
	require.Equal(t, "csat", stored.Options.SurveyID)

	// Published from the editor: its version moves on, and the next save
	// keeps it published.
	do(t, tab, "publish", chromedp.Click(`#lce-publish`))
	waitFor(t, tab, "published", `document.getElementById('lce-publish').getAttribute('aria-checked') === 'true' && document.getElementById('lce-status').textContent.startsWith('Published')`, editorState)
	eval[bool](t, tab, `fill('display.heading.title', 'Prata med oss')`)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.'`, editorState)
	after, err := site.chat.Chatflow(stepCtx(t), stored.ID)
	require.NoError(t, err)
	require.True(t, after.Chatflow.Enabled, "published, and still after a save")
	require.Equal(t, "Prata med oss", after.Chatflow.Display.Heading.Title)

	// Every control has a name, every group its legend, on every tab; at
	// 768 px as at 1280 px nothing is wider than the window.
	for _, width := range []int64{1280, 768} {
		do(t, tab, "viewport", chromedp.EmulateViewport(width, 900))
		for _, id := range eval[[]string](t, tab, `[...document.querySelectorAll('[role=tab]')].map(b => b.dataset.tab)`) {
			eval[bool](t, tab, `tabTo('`+id+`')`)
			if bad := eval[[]string](t, tab, a11yProblems); len(bad) > 0 {
				t.Errorf("%d px, tab %s: %q", width, id, bad)
			}
		}
		eval[bool](t, tab, `tabTo('build')`)
		editorShot(t, tab, fmt.Sprintf("editor-%d", width))
	}
	do(t, tab, "back to the list", chromedp.Click(`#lce-back`))
	waitFor(t, tab, "the list", `!!document.getElementById('lce-list')`, editorState)
	if bad := eval[[]string](t, tab, a11yProblems); len(bad) > 0 {
		t.Errorf("768 px, the list: %q", bad)
	}
	editorShot(t, tab, "editor-list-768")
	do(t, tab, "viewport", chromedp.EmulateViewport(1280, 800))
}

// editSupport signs a tab in and opens the Support chatflow in the editor.
func editSupport(t *testing.T, tab context.Context, url, who string) {
	t.Helper()
	signIn(t, tab, url, who)
	do(t, tab, "open the editor", chromedp.Navigate(url+"/livechat/inbox/chatflows"))
	openEditor(t, tab)
	do(t, tab, "open Support", chromedp.Click(`//table[@id="lce-list"]//a[normalize-space()="Support"]`))
	waitFor(t, tab, "Support in the editor", `(document.getElementById('lce-name') || {}).value === 'Support' && !!document.querySelector('[data-path="build.welcome"]')`, editorState)
	eval[bool](t, tab, editorJS)
}

// A problem the server finds is shown next to its field, on its tab,
// which the editor switches to; nothing is saved.
func TestEditorFieldError(t *testing.T) {
	site, tab := siteTab(t, "editor")
	editSupport(t, tab, site.srv.URL, "Ada Lovelace")
	before, err := site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)

	// A brand heading needs its brand name; save from another tab.
	eval[bool](t, tab, `fill('display.heading.brandName', '')`)
	eval[bool](t, tab, `tabTo('options')`)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "the error next to the brand name", `(() => {
		const input = ctl('display.heading.brandName'), msg = document.querySelector('.lce-msg[data-for="display.heading.brandName"]');
		return !!msg && msg.textContent.includes('required') && input.getAttribute('aria-invalid') === 'true' &&
			input.getAttribute('aria-describedby').split(' ').includes(msg.id) &&
			input.closest('.lce-field').contains(msg) && !msg.closest('.lce-panel').hidden &&
			document.getElementById('lce-tab-build').getAttribute('aria-selected') === 'true' && document.activeElement === input; })()`, editorState)
	editorShot(t, tab, "editor-error")
	after, err := site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)
	require.Equal(t, before.Version, after.Version, "nothing saved")

	// A path without a control of its own goes to the nearest field that
	// holds it; one with none at all to the summary at the top.
	eval[bool](t, tab, `LCEditor.showErrors([{path: 'options.consent.communication.subscriptions[3].id', message: 'duplicate'},
		{path: 'nowhere.at.all', message: 'is odd'}]), true`)
	waitFor(t, tab, "the errors placed", `(() => {
		const msg = document.querySelector('.lce-msg[data-for="options.consent.communication.subscriptions[3].id"]'), s = document.getElementById('lce-summary');
		return !!msg && msg.closest('fieldset').dataset.path === 'options.consent.communication.subscriptions' &&
			document.getElementById('lce-tab-options').getAttribute('aria-selected') === 'true' &&
			!s.hidden && s.textContent.includes('2 problems') && s.textContent.includes('nowhere.at.all: is odd'); })()`, editorState)
	eval[bool](t, tab, `LCEditor.showErrors([]), tabTo('build')`)

	// Fixing the field clears its message; saving then works.
	eval[bool](t, tab, `fill('display.heading.brandName', 'Acme help')`)
	waitFor(t, tab, "the message gone", `!document.querySelector('.lce-msg') && ctl('display.heading.brandName').getAttribute('aria-invalid') !== 'true'`, editorState)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.'`, editorState)
	after, err = site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)
	require.Equal(t, "Acme help", after.Chatflow.Display.Heading.BrandName)
}

// Two agents edit the same chatflow: the second to save is told that
// someone else changed it, and nothing of the first is overwritten.
func TestEditorConflict(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	site := newBrowserSite(t)
	defer site.close(t)
	ada, stopBrowser := startBrowser(t, ctx, chromium)
	stopAda := watchConsole(t, ada, "Ada's editor")
	katherine, stopKatherine := chromedp.NewContext(ada, chromedp.WithNewBrowserContext())
	stopKatherineConsole := watchConsole(t, katherine, "Katherine's editor")
	defer func() { stopKatherine(); stopBrowser(); stopAda(); stopKatherineConsole() }()

	editSupport(t, ada, site.srv.URL, "Ada Lovelace")
	editSupport(t, katherine, site.srv.URL, "Katherine Johnson")

	eval[bool](t, katherine, `fill('build.welcome', 'Welcome from Katherine')`)
	do(t, katherine, "Katherine saves", chromedp.Click(`#lce-save`))
	waitFor(t, katherine, "Katherine's save", `document.getElementById('lce-status').textContent === 'Saved.'`, editorState)

	eval[bool](t, ada, `fill('display.heading.title', 'Ada was here')`)
	do(t, ada, "Ada saves", chromedp.Click(`#lce-save`))
	waitFor(t, ada, "Ada told of the conflict", `(() => { const c = document.getElementById('lce-conflict');
		return !c.hidden && c.textContent.includes('Changed by someone else') && document.activeElement.id === 'lce-reload'; })()`, editorState)
	editorShot(t, ada, "editor-conflict")
	stored, err := site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)
	require.Equal(t, "Welcome from Katherine", stored.Chatflow.Build.Welcome, "Katherine's change kept")
	require.NotEqual(t, "Ada was here", stored.Chatflow.Display.Heading.Title, "Ada's stale draft not saved")
	require.Equal(t, "Ada was here", eval[string](t, ada, `ctl('display.heading.title').value`), "Ada's draft still in her form")
	require.Equal(t, "Unsaved changes", eval[string](t, ada, `document.getElementById('lce-dirty').textContent`))

	// Ada reloads Katherine's version.
	do(t, ada, "reload their version", chromedp.Click(`#lce-reload`))
	waitFor(t, ada, "Katherine's version in Ada's form", `ctl('build.welcome').value === 'Welcome from Katherine' &&
		document.getElementById('lce-conflict').hidden && document.getElementById('lce-dirty').textContent === 'All changes saved'`, editorState)
}

// "Reset to default" brings back the default text of the chatflow's
// language, and the chatflow stores no text of its own again.
func TestEditorResetConsentText(t *testing.T) {
	site, tab := siteTab(t, "editor")
	editSupport(t, tab, site.srv.URL, "Ada Lovelace")

	const dflt = "To chat with us, please agree that we store and process the personal data you share in this chat"
	const legit = "We store and process the personal data you share in this chat to answer your questions"
	eval[bool](t, tab, `tabTo('options')`)
	waitFor(t, tab, "the default processing text (legitimate interest)", `ctl('options.consent.processing.text').value.startsWith('`+legit+`')`, editorState)
	do(t, tab, "ask for explicit consent", chromedp.Click(`//fieldset[@data-path="options.consent.processing.kind"]//input[@value="explicit"]`))
	waitFor(t, tab, "the explicit default text", `ctl('options.consent.processing.text').value.startsWith('`+dflt+`')`, editorState)
	eval[bool](t, tab, `fill('options.consent.processing.text', 'We keep what you write. OK?')`)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.'`, editorState)
	stored, err := site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)
	require.Equal(t, "We keep what you write. OK?", stored.Chatflow.Options.Consent.Processing.Text)

	eval[bool](t, tab, `tabTo('options')`)
	do(t, tab, "reset to default", chromedp.Click(`[data-reset="options.consent.processing.text"]`))
	waitFor(t, tab, "the default text back", `ctl('options.consent.processing.text').value.startsWith('`+dflt+`') && document.activeElement === ctl('options.consent.processing.text')`, editorState)
	editorShot(t, tab, "editor-reset")
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.'`, editorState)
	stored, err = site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)
	require.Equal(t, "", stored.Chatflow.Options.Consent.Processing.Text, "no text of its own: the language's default")
	require.Equal(t, "explicit", string(stored.Chatflow.Options.Consent.Processing.Kind))
}

// Leaving with unsaved changes asks first: in the page (back to the list)
// and when the browser leaves it.
func TestEditorLeaveUnsaved(t *testing.T) {
	site, tab := siteTab(t, "editor")
	editSupport(t, tab, site.srv.URL, "Ada Lovelace")

	// Typing as a person does (the browser asks on leaving only after one).
	do(t, tab, "type in the welcome message", chromedp.SendKeys(`[data-path="build.welcome"]`, " Really."))
	waitFor(t, tab, "unsaved changes", `document.getElementById('lce-dirty').textContent === 'Unsaved changes'`, editorState)

	// In the page: the dialog, "Stay", then "Leave without saving".
	do(t, tab, "back to the list", chromedp.Click(`#lce-back`))
	waitFor(t, tab, "the question", `document.getElementById('lce-dialog').open && document.getElementById('lce-dialog').textContent.includes('Leave without saving?')`, editorState)
	editorShot(t, tab, "editor-leave")
	do(t, tab, "stay", chromedp.Click(`//dialog//button[normalize-space()="Stay"]`))
	waitFor(t, tab, "still editing", `!document.getElementById('lce-dialog').open && ctl('build.welcome').value.endsWith(' Really.')`, editorState)
	// The browser's Back button asks too.
	eval[bool](t, tab, `history.pushState(null, '', '#'), dispatchEvent(new HashChangeEvent('hashchange')), true`)
	waitFor(t, tab, "the question again", `document.getElementById('lce-dialog').open && location.hash.startsWith('#edit/')`, editorState)
	do(t, tab, "stay", chromedp.Click(`//dialog//button[normalize-space()="Stay"]`))

	// Leaving the page: the browser's own question; dismissed, the page stays.
	dialogs := make(chan string, 4)
	require.NoError(t, chromedp.Listen(tab, func(ev any) {
		if d, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			dialogs <- string(d.Type)
		}
	}))
	eval[bool](t, tab, `setTimeout(() => { location.href = '/about'; }), true`)
	select {
	case typ := <-dialogs:
		require.Equal(t, "beforeunload", typ)
	case <-time.After(stepTimeout):
		t.Fatal("leaving with unsaved changes did not ask")
	}
	cctx, ccancel := context.WithTimeout(tab, stepTimeout)
	_, err := chromedp.Call(cctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
	ccancel()
	require.NoError(t, err)
	waitFor(t, tab, "still in the editor", `location.pathname.endsWith('/inbox/chatflows') && ctl('build.welcome').value.endsWith(' Really.')`, editorState)

	// Saved, nothing asks.
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.'`, editorState)
	do(t, tab, "back to the list", chromedp.Click(`#lce-back`))
	waitFor(t, tab, "the list", `!!document.getElementById('lce-list') && !document.getElementById('lce-dialog').open`, editorState)
	select {
	case typ := <-dialogs:
		t.Errorf("a %s dialog after saving", typ)
	default:
	}
}

// rowJS is JavaScript for the list's row of the chatflow named name.
func rowJS(name string) string {
	return `[...document.querySelectorAll('#lce-list tbody tr')].find(r => r.querySelector('th').textContent === '` + name + `')`
}

// The list publishes and unpublishes with the version it showed, so a
// chatflow someone else changed meanwhile is not switched blindly;
// duplicates; deletes after asking.
func TestEditorList(t *testing.T) {
	site, tab := siteTab(t, "editor")
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows"))
	openEditor(t, tab)

	// Unpublish Sales, then publish it again.
	sales := rowJS("Sales")
	eval[bool](t, tab, sales+`.querySelector('[role=switch]').click(), true`)
	waitFor(t, tab, "Sales unpublished", sales+`.querySelector('[role=switch]').getAttribute('aria-checked') === 'false'`, editorState)
	stored, err := site.chat.Chatflow(stepCtx(t), "sales")
	require.NoError(t, err)
	require.False(t, stored.Chatflow.Enabled)
	eval[bool](t, tab, sales+`.querySelector('[role=switch]').click(), true`)
	waitFor(t, tab, "Sales published", sales+`.querySelector('[role=switch]').getAttribute('aria-checked') === 'true' && document.activeElement === `+sales+`.querySelector('[role=switch]')`, editorState)

	// Someone else changes Sales: switching it off now is refused and says so.
	stored, err = site.chat.Chatflow(stepCtx(t), "sales")
	require.NoError(t, err)
	f := *stored.Chatflow
	f.Name = "Sales team"
	_, err = site.chat.UpdateChatflow(stepCtx(t), &f, stored.Version)
	require.NoError(t, err)
	eval[bool](t, tab, sales+`.querySelector('[role=switch]').click(), true`)
	waitFor(t, tab, "the conflict said and the list read again", `document.getElementById('lce-status').textContent.includes('changed by someone else') && !!`+rowJS("Sales team"), editorState)
	stored, err = site.chat.Chatflow(stepCtx(t), "sales")
	require.NoError(t, err)
	require.True(t, stored.Chatflow.Enabled, "not unpublished on a stale version")

	// Duplicate: a draft copy with the same targeting.
	eval[bool](t, tab, rowJS("Sales team")+`.querySelector('button[aria-label^="Duplicate"]').click(), true`)
	waitFor(t, tab, "the copy listed", `!!`+rowJS("Copy of Sales team")+` && `+rowJS("Copy of Sales team")+`.querySelector('[role=switch]').getAttribute('aria-checked') === 'false' && `+
		rowJS("Copy of Sales team")+`.querySelector('.lce-where').textContent === `+rowJS("Sales team")+`.querySelector('.lce-where').textContent`, editorState)

	// Delete asks; Cancel keeps it, Delete removes it.
	del := rowJS("Copy of Sales team") + `.querySelector('button[aria-label^="Delete"]')`
	eval[bool](t, tab, del+`.click(), true`)
	waitFor(t, tab, "the question", `document.getElementById('lce-dialog').open && document.getElementById('lce-dialog').textContent.includes('Delete Copy of Sales team?')`, editorState)
	do(t, tab, "cancel", chromedp.Click(`//dialog//button[normalize-space()="Cancel"]`))
	waitFor(t, tab, "still listed", `!document.getElementById('lce-dialog').open && !!`+rowJS("Copy of Sales team"), editorState)
	eval[bool](t, tab, del+`.click(), true`)
	waitFor(t, tab, "the question", `document.getElementById('lce-dialog').open`, editorState)
	do(t, tab, "delete", chromedp.Click(`//dialog//button[normalize-space()="Delete chatflow"]`))
	waitFor(t, tab, "gone", `!`+rowJS("Copy of Sales team")+` && document.getElementById('lce-status').textContent.includes('deleted')`, editorState)
	flows, err := site.chat.Chatflows(stepCtx(t))
	require.NoError(t, err)
	require.Len(t, flows, 2)

	// By keyboard alone: Enter on "New chatflow", a name, Enter.
	do(t, tab, "new chatflow by keyboard", chromedp.Focus(`#lce-new`), chromedp.KeyEvent(kb.Enter))
	waitFor(t, tab, "the dialog, its name field focused", `document.getElementById('lce-dialog').open && document.activeElement.name === 'name'`, editorState)
	do(t, tab, "name it and press Enter", chromedp.KeyEvent("Keyboard chat"), chromedp.KeyEvent(kb.Enter))
	waitFor(t, tab, "the new chatflow open, the focus in the page", `(document.getElementById('lce-name') || {}).value === 'Keyboard chat' &&
		document.activeElement === document.getElementById('lce-main') && document.getElementById('lce-tab-build').getAttribute('aria-selected') === 'true'`, editorState)
}

// An accent colour on which the widget's text would be hard to read is
// refused; a light one gets dark text, as the widget writes it.
func TestEditorAccentColour(t *testing.T) {
	site, tab := siteTab(t, "editor")
	editSupport(t, tab, site.srv.URL, "Ada Lovelace")

	// Mid grey: white text on it is 3.9:1, and the widget writes white on it.
	eval[bool](t, tab, `ctl('display.accentColor').value = '', true`)
	do(t, tab, "write a grey", chromedp.SendKeys(`[data-path="display.accentColor"]`, "#808080"))
	waitFor(t, tab, "the colour refused", `(() => { const e = ctl('display.accentColor'), note = document.getElementById(e.getAttribute('aria-describedby'));
		return e.getAttribute('aria-invalid') === 'true' && note.textContent.includes('at least 4.5:1'); })()`, editorState)
	editorShot(t, tab, "editor-accent-refused")
	if eval[bool](t, tab, `document.getElementById('lce-dirty').textContent === 'Unsaved changes'`) {
		t.Error("a refused colour changed the chatflow")
	}
	// A pale yellow takes near-black text: accepted.
	eval[bool](t, tab, `ctl('display.accentColor').value = '', true`)
	do(t, tab, "write a yellow", chromedp.SendKeys(`[data-path="display.accentColor"]`, "#fde047"))
	waitFor(t, tab, "the colour taken", `ctl('display.accentColor').getAttribute('aria-invalid') !== 'true' && document.getElementById('lce-dirty').textContent === 'Unsaved changes'`, editorState)
	do(t, tab, "save", chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitFor(t, tab, "saved with Ctrl+S, the focus where it was", `document.getElementById('lce-status').textContent === 'Saved.' && document.activeElement === ctl('display.accentColor')`, editorState)
	stored, err := site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)
	require.Equal(t, "#fde047", stored.Chatflow.Display.AccentColor)
}

// The settings kept as lists of rows: skill rules, default conversation
// properties, subscription types. A removed row hands the focus to its
// list's add button.
func TestEditorRows(t *testing.T) {
	site, tab := siteTab(t, "editor")
	editSupport(t, tab, site.srv.URL, "Ada Lovelace")

	do(t, tab, "add a skill rule", chromedp.Click(`//fieldset[@data-path="build.assignment.skillRules"]/button[contains(., "Add skill rule")]`))
	eval[bool](t, tab, `fill('build.assignment.skillRules[0].when.field', 'property') && fill('build.assignment.skillRules[0].when.name', 'plan') &&
		fill('build.assignment.skillRules[0].when.value', 'enterprise') && fill('build.assignment.skillRules[0].skills', 'billing, sales')`)

	eval[bool](t, tab, `tabTo('options')`)
	add := `//fieldset[@data-path="options.conversationProperties"]/button[contains(., "Add property")]`
	do(t, tab, "add two properties", chromedp.Click(add), chromedp.Click(add))
	eval[bool](t, tab, `(() => { const rows = document.querySelectorAll('[data-path="options.conversationProperties"] .lce-item');
		const set = (row, name, value) => { const [n, v] = row.querySelectorAll('input');
			n.value = name; n.dispatchEvent(new Event('input', {bubbles: true})); v.value = value; v.dispatchEvent(new Event('input', {bubbles: true})); };
		set(rows[0], 'source', 'chat'); set(rows[1], 'drop me', 'x'); return true; })()`)
	do(t, tab, "remove the second", chromedp.Click(`[aria-label="Remove property 2"]`))
	waitFor(t, tab, "one property left, the focus on its add button", `document.querySelectorAll('[data-path="options.conversationProperties"] .lce-item').length === 1 &&
		document.activeElement.classList.contains('lce-add')`, editorState)

	eval[bool](t, tab, `fill('options.consent.communication.enabled', true)`)
	do(t, tab, "add a subscription type", chromedp.Click(`//fieldset[@data-path="options.consent.communication.subscriptions"]/button[contains(., "Add subscription type")]`))
	eval[bool](t, tab, `fill('options.consent.communication.subscriptions[0].id', 'newsletter') && fill('options.consent.communication.subscriptions[0].label', 'Send me the newsletter')`)
	eval[bool](t, tab, `fill('options.consent.marketingContacts', true) && fill('priority', '5')`)

	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.'`, editorState)
	stored, err := site.chat.Chatflow(stepCtx(t), "support")
	require.NoError(t, err)
	f := stored.Chatflow
	require.Len(t, f.Build.Assignment.SkillRules, 1)
	r := f.Build.Assignment.SkillRules[0]
	require.Equal(t, "property", string(r.When.Field))
	require.Equal(t, "plan", r.When.Name)
	require.Equal(t, "enterprise", r.When.Value)
	require.Equal(t, []string{"billing", "sales"}, r.Skills)
	require.Equal(t, map[string]string{"source": "chat"}, f.Options.ConversationProperties)
	require.True(t, f.Options.Consent.Communication.Enabled)
	require.Len(t, f.Options.Consent.Communication.Subscriptions, 1)
	require.Equal(t, "newsletter", f.Options.Consent.Communication.Subscriptions[0].ID)
	require.Equal(t, "Send me the newsletter", f.Options.Consent.Communication.Subscriptions[0].Label)
	require.True(t, f.Options.Consent.MarketingContacts)
	require.Equal(t, 5, f.Priority)
}
