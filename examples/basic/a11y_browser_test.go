// The accessibility tests run axe-core (axe_browser_test.go) over every
// page a team lead, an agent or a visitor uses, in the states they meet:
// the chatflow editor (its list, each tab with field errors shown, the
// new, delete and leave dialogs, the preview page), the first-time setup
// (each step, the question before a skip, a refused Publish, done), the
// team page (with an error, a confirmation, a rename) and the inbox (open
// and closed conversations), at 1280 and 768 px wide, where none of these
// may scroll sideways; and the visitor's widget: the launcher and the
// welcome prompt, the window with the cookie banner, the consent, the
// email form, the Help tab, the survey, the offline notice and a message
// waiting through an outage, on a desktop and on a phone.

package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/knowledge"
)

// a11yTimeout is each accessibility test's share of the group's deadline:
// axe-core takes seconds a page on a busy machine.
const a11yTimeout = 150 * time.Second

// a11yWidths are the window widths the agent pages are checked at.
var a11yWidths = []int64{1280, 768}

func TestAccessibility(t *testing.T) {
	axeScript(t) // skipped (or failed on CI) without axe-core, before any browser starts
	runBrowserGroup(t, a11yTimeout, []browserCase{
		{"Editor", testA11yEditor},
		{"Setup", testA11ySetup},
		{"Team", testA11yTeam},
		{"InboxAndWidget", testA11yInboxAndWidget},
		{"ConsentAndEmail", testA11yConsentAndEmail},
		{"HelpAndSurvey", testA11yHelpAndSurvey},
		{"PromptAndOffline", testA11yPromptAndOffline},
		{"Outage", testA11yOutage},
	})
}

// checkPage runs axe-core and, for the agent pages, checks that nothing
// scrolls sideways.
func checkPage(t *testing.T, tab context.Context, what string, sideways bool) {
	t.Helper()
	checkAxe(t, tab, what)
	if sideways {
		checkNoSideScroll(t, tab, what)
	}
}

// viewport sets a tab's window width (900 px tall).
func viewport(t *testing.T, tab context.Context, width int64) {
	t.Helper()
	do(t, tab, fmt.Sprintf("a window %d px wide", width), chromedp.EmulateViewport(width, 900))
}

func testA11yEditor(t *testing.T, browser context.Context) {
	site := newBrowserSite(t)
	t.Cleanup(func() { site.close(t) })
	tab := displayTab(t, browser)
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows"))
	openEditor(t, tab)
	waitFor(t, tab, "both chatflows listed", `document.querySelectorAll('#lce-list tbody tr').length === 2`, editorState)
	for _, w := range a11yWidths {
		viewport(t, tab, w)
		checkPage(t, tab, fmt.Sprintf("the chatflow list at %d px", w), true)
	}

	viewport(t, tab, 1280)
	do(t, tab, "open the new chatflow dialog", chromedp.Click(`#lce-new`))
	waitFor(t, tab, "the dialog", `document.getElementById('lce-dialog').open`, editorState)
	checkPage(t, tab, "the new chatflow dialog", true)
	do(t, tab, "cancel", chromedp.Click(`//dialog//button[normalize-space()="Cancel"]`))
	waitFor(t, tab, "the dialog closed", `!document.getElementById('lce-dialog').open`, editorState)
	do(t, tab, "ask to delete Sales", chromedp.Click(`button[aria-label="Delete Sales"]`))
	waitFor(t, tab, "the confirmation", `document.getElementById('lce-dialog').open`, editorState)
	checkPage(t, tab, "the delete confirmation", true)
	do(t, tab, "cancel", chromedp.Click(`//dialog//button[normalize-space()="Cancel"]`))
	waitFor(t, tab, "the dialog closed", `!document.getElementById('lce-dialog').open`, editorState)

	// Support with every part of every tab on show and field errors on
	// the tabs that can have one (the Knowledge base tab is one switch).
	do(t, tab, "open Support", chromedp.Click(`//table[@id="lce-list"]//a[normalize-space()="Support"]`))
	waitFor(t, tab, "Support in the editor", `(document.getElementById('lce-name') || {}).value === 'Support' && !!document.querySelector('[data-path="build.welcome"]')`, editorState)
	eval[bool](t, tab, editorJS)
	do(t, tab, "choose a brand heading", chromedp.Click(`//fieldset[@data-path="display.heading.kind"]//label[contains(., "A brand name")]/input`))
	waitFor(t, tab, "the brand fields", `!!ctl('display.heading.brandName')`, editorState)
	eval[bool](t, tab, `fill('display.heading.brandName', '')`)
	// A brand without a name, a trigger without a setting, rules without
	// a value, office hours without an end, every consent on.
	do(t, tab, "open on a trigger", chromedp.Click(`//fieldset[@data-path="display.desktop.behavior"]//input[@value="open_on_trigger"]`))
	eval[bool](t, tab, `tabTo('target')`)
	eval[bool](t, tab, `(() => { const p = document.getElementById('lce-panel-target'), k = key => p.querySelector('[data-key="' + key + '"]');
		if (k('add-first-rule')) k('add-first-rule').click();
		k('add-group').click(); k('add-exclude').click(); return true; })()`)
	waitFor(t, tab, "two filter groups and an exclusion rule", `document.querySelectorAll('#lce-panel-target .lce-group').length >= 2 &&
		!!document.querySelector('#lce-panel-target [data-path^="target.exclude["]')`, editorState)
	eval[bool](t, tab, `tabTo('availability')`)
	do(t, tab, "office hours", chromedp.Click(`#lce-panel-availability [data-path="availability.mode"][value="office_hours"]`))
	do(t, tab, "add hours on Monday", chromedp.Click(`#lce-panel-availability button[aria-label="Add hours on Monday"]`))
	waitFor(t, tab, "two ranges on Monday", `document.querySelectorAll('#lce-panel-availability [data-path^="availability.officeHours.days.monday["]').length >= 4`, editorState)
	eval[bool](t, tab, `tabTo('options')`)
	eval[bool](t, tab, `(() => { for (let i = 0; i < 3; i++) for (const c of document.querySelectorAll('#lce-panel-options input[type=checkbox]')) if (!c.checked) c.click(); return true; })()`)
	eval[bool](t, tab, `fill('availability.officeHours.days.monday[1].end', '')`)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "the field errors on their tabs", `['build', 'target', 'availability', 'options'].every(id =>
		!!document.querySelector('#lce-panel-' + id + ' .lce-msg'))`, editorState)
	tabs := eval[[]string](t, tab, `[...document.querySelectorAll('[role=tab]')].map(b => b.dataset.tab)`)
	if len(tabs) != 5 {
		t.Errorf("the editor has the tabs %q, want build, knowledge, target, availability and options", tabs)
	}
	for _, w := range a11yWidths {
		viewport(t, tab, w)
		for _, id := range tabs {
			eval[bool](t, tab, `tabTo('`+id+`')`)
			waitFor(t, tab, "the "+id+" tab", `!document.getElementById('lce-panel-`+id+`').hidden`, editorState)
			checkPage(t, tab, fmt.Sprintf("the %s tab with field errors at %d px", id, w), true)
		}
	}

	// Leaving with unsaved changes asks first.
	viewport(t, tab, 1280)
	do(t, tab, "back to the list", chromedp.Click(`#lce-back`))
	waitFor(t, tab, "the question", `document.getElementById('lce-dialog').open`, editorState)
	checkPage(t, tab, "the editor asking before leaving unsaved changes", true)
	do(t, tab, "stay", chromedp.Click(`//dialog//button[normalize-space()="Stay"]`))
	waitFor(t, tab, "the dialog closed", `!document.getElementById('lce-dialog').open`, editorState)

	// The preview beside the form is a page of its own in a frame: the
	// real widget in preview mode, checked as a page.
	viewport(t, tab, 1280)
	waitFor(t, tab, "the preview frame", `!!document.querySelector('.lce-frame') && !!document.querySelector('.lce-frame').src`, editorState)
	src := eval[string](t, tab, `document.querySelector('.lce-frame').src`)
	preview, cancel := chromedp.NewContext(tab) // a tab signed in as Ada too
	defer cancel()
	// Its first action opens the tab, bound to the tab's own context.
	if err := chromedp.Do(preview); err != nil {
		t.Fatalf("open a tab for the preview: %v", err)
	}
	do(t, preview, "open the preview page", chromedp.Navigate(src))
	waitFor(t, preview, "the widget open in the preview", openJS, viewJS)
	checkPage(t, preview, "the preview page", false)
}

func testA11ySetup(t *testing.T, browser context.Context) {
	site := newBrowserSite(t)
	t.Cleanup(func() { site.close(t) })
	tab := displayTab(t, browser)
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows"))
	waitFor(t, tab, "the setup's first step", `!!document.querySelector('#lce-step-display [data-path="display.accentColor"]')`, setupState)
	eval[bool](t, tab, editorJS)
	// A colour too faint for white text is refused, next to the picker.
	eval[bool](t, tab, `fill('display.accentColor', '#888888')`)
	waitFor(t, tab, "the faint colour refused", `document.querySelector('[data-path="display.accentColor"]').getAttribute('aria-invalid') === 'true'`, setupState)
	for _, step := range []string{"display", "chatflow", "availability", "preview"} {
		if step != "display" {
			do(t, tab, "next", chromedp.Click(`#lce-setup-next`))
		}
		if step == "preview" {
			waitFor(t, tab, "the preview", `!!document.querySelector('.lce-frame')`, setupState)
		} else {
			waitFor(t, tab, "the "+step+" step", `!document.getElementById('lce-step-`+step+`').hidden`, setupState)
		}
		for _, w := range a11yWidths {
			viewport(t, tab, w)
			checkPage(t, tab, fmt.Sprintf("the setup's %s step at %d px", step, w), true)
		}
		viewport(t, tab, 1280)
		if step == "display" {
			eval[bool](t, tab, `fill('display.accentColor', '#0f766e')`)
		}
	}

	// Skipping after choices asks first.
	do(t, tab, "ask to skip", chromedp.Click(`#lce-setup-skip`))
	waitFor(t, tab, "the question", `!!document.getElementById('lce-setup-skip-now') && document.getElementById('lce-setup-skip-now').getClientRects().length > 0`, setupState)
	checkPage(t, tab, "the setup asking before a skip", true)
	do(t, tab, "keep setting up", chromedp.Click(`//button[normalize-space()="Keep setting up"]`))

	// Publish refused: the brand without a name, marked on its step.
	do(t, tab, "back to the chatflow step", chromedp.Click(`#lce-setup-back`), chromedp.Click(`#lce-setup-back`))
	do(t, tab, "show the brand in the heading", chromedp.Click(`#lce-setup-kind-brand`))
	eval[bool](t, tab, `fill('display.heading.brandName', '')`)
	do(t, tab, "on to the preview", chromedp.Click(`#lce-setup-next`), chromedp.Click(`#lce-setup-next`))
	do(t, tab, "publish", chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "the brand name's problem", `!!document.querySelector('.lce-msg[data-for="display.heading.brandName"]') && !document.getElementById('lce-step-chatflow').hidden`, setupState)
	for _, w := range a11yWidths {
		viewport(t, tab, w)
		checkPage(t, tab, fmt.Sprintf("the setup refusing to publish at %d px", w), true)
	}
	viewport(t, tab, 1280)
	eval[bool](t, tab, `fill('display.heading.brandName', 'Acme')`)
	do(t, tab, "on to the preview", chromedp.Click(`#lce-setup-next`), chromedp.Click(`#lce-setup-next`))
	do(t, tab, "publish", chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "published", `(document.getElementById('lce-setup-done') || {}).textContent === 'Your chat is live'`, setupState)
	checkPage(t, tab, "the setup done", true)
}

func testA11yTeam(t *testing.T, browser context.Context) {
	site := newBrowserSite(t)
	t.Cleanup(func() { site.close(t) })
	tab := displayTab(t, browser)
	signIn(t, tab, site.srv.URL, "Grace Hopper")
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the team page", chromedp.Navigate(site.srv.URL+"/livechat/inbox/team"))
	waitFor(t, tab, "the team page with Grace", `!!document.getElementById('lct-cap-grace')`, teamState)
	do(t, tab, "create the team Billing", chromedp.Focus(`#lct-new-name`), chromedp.SendKeys(`#lct-new-name`, "Billing\r"))
	waitFor(t, tab, "Billing created", `!!document.getElementById('lct-team-billing')`, teamState)
	for _, w := range a11yWidths {
		viewport(t, tab, w)
		checkPage(t, tab, fmt.Sprintf("the team page at %d px", w), true)
	}
	do(t, tab, "a capacity out of range",
		chromedp.Clear(`#lct-cap-grace`),
		chromedp.SendKeys(`#lct-cap-grace`, "500\r"),
	)
	waitFor(t, tab, "the error next to the capacity", `!!document.getElementById('lct-cap-grace-err')`, teamState)
	do(t, tab, "ask to delete Billing", chromedp.Focus(`#lct-delete-billing`), chromedp.KeyEvent("\r"))
	waitFor(t, tab, "the confirmation", `!!document.getElementById('lct-confirm-billing')`, teamState)
	for _, w := range a11yWidths {
		viewport(t, tab, w)
		checkPage(t, tab, fmt.Sprintf("the team page with an error and a confirmation at %d px", w), true)
	}
	do(t, tab, "open the rename form", chromedp.Focus(`#lct-rename-billing`), chromedp.KeyEvent("\r"))
	waitFor(t, tab, "the name field", `!!document.getElementById('lct-name-billing')`, teamState)
	checkPage(t, tab, "the team page renaming a team at 768 px", true)
}

func testA11yInboxAndWidget(t *testing.T, browser context.Context) {
	site := newBrowserSite(t)
	t.Cleanup(func() { site.close(t) })
	// Grace, whom the sales chat's heading shows, has signed in once.
	agent := displayTab(t, browser)
	signIn(t, agent, site.srv.URL, "Grace Hopper")
	visitor := displayTab(t, browser)
	do(t, visitor, "open /pricing", chromedp.Navigate(site.srv.URL+"/pricing"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")))
	checkPage(t, visitor, "the page with the launcher", false)
	openChat(t, visitor)
	waitFor(t, visitor, "the cookie banner", `(() => { const c = document.getElementById('livechat-cookies'); return !!c && c.getClientRects().length > 0; })()`, widgetState)
	waitFor(t, visitor, "Grace in the heading", `[...document.querySelectorAll('#livechat-window .lc-avatars [aria-label], #livechat-window .lc-avatars img')].some(a => (a.getAttribute('aria-label') || a.alt) === 'Grace Hopper')`, widgetState)
	checkPage(t, visitor, "the chat window with the cookie banner", false)
	send(t, visitor, "Hello, is anyone there?")
	checkPage(t, visitor, "the chat window with a message sent", false)

	signIn(t, agent, site.srv.URL, "Ada Lovelace")
	waitFor(t, agent, "the conversation listed", `document.querySelectorAll('.lc-conv').length === 1`, inboxState)
	for _, w := range a11yWidths {
		viewport(t, agent, w)
		checkPage(t, agent, fmt.Sprintf("the inbox at %d px", w), true)
	}
	viewport(t, agent, 1280)
	id := eval[string](t, agent, `document.querySelector('.lc-conv').getAttribute('data-id')`)
	openRow(t, agent, id)
	waitFor(t, agent, "the thread", `document.querySelectorAll('#lc-thread [data-seq]').length > 0`, inboxState)
	for _, w := range a11yWidths {
		viewport(t, agent, w)
		checkPage(t, agent, fmt.Sprintf("the inbox with a conversation open at %d px", w), true)
	}
	// The side panel: over the thread on a narrower screen, and its
	// contact form with an error.
	viewport(t, agent, 768)
	do(t, agent, "show the details", chromedp.Click(chromedp.CSS("#lc-panel-toggle")))
	waitFor(t, agent, "the panel", `!document.getElementById('lc-panel').hidden && !!document.getElementById('lc-contact-edit')`, inboxState)
	checkPage(t, agent, "the side panel at 768 px", true)
	do(t, agent, "add a contact with a bad address",
		chromedp.Click(chromedp.CSS("#lc-contact-edit")),
		chromedp.SetValue(chromedp.CSS("#lc-cf-email"), "not an address"),
		chromedp.Click(chromedp.CSS(".lc-cf-save")))
	waitFor(t, agent, "the error", `document.getElementById('lc-cf-email').getAttribute('aria-invalid') === 'true'`, inboxState)
	checkPage(t, agent, "the contact form with an error at 768 px", true)
	do(t, agent, "hide the details", chromedp.Click(chromedp.CSS("#lc-panel-close")))
	viewport(t, agent, 1280)
	_, err := site.chat.CloseConversation(stepCtx(t), id, "")
	require.NoError(t, err)
	waitFor(t, agent, "the thread closed", `document.getElementById('lc-info-status').textContent === 'Closed'`, inboxState)
	do(t, agent, "list the closed conversations", chromedp.Click(chromedp.CSS("#lc-tab-closed")))
	waitFor(t, agent, "the closed conversation listed", `!!document.querySelector('.lc-conv[data-id="`+id+`"]')`, inboxState)
	checkPage(t, agent, "the inbox's closed conversations", true)
}

func testA11yConsentAndEmail(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Options.Consent.Processing.Kind = consent.ProcessingExplicit
		f.Options.Consent.Processing.PrivacyPolicyURL = "/privacy"
		f.Build.EmailCapture.Mode = flow.EmailBeforeFirstMessage
	})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the consent", `!!document.getElementById('livechat-agree')`, consentState)
	checkPage(t, tab, "the chat window asking for consent", false)
	do(t, tab, "agree", chromedp.Click(chromedp.CSS("#livechat-agree")))
	waitFor(t, tab, "the email form", `(() => { const f = document.getElementById('livechat-email'); return !!f && !f.hidden; })()`, consentState)
	checkPage(t, tab, "the chat window asking for an email address", false)
	do(t, tab, "give an invalid address",
		chromedp.SendKeys(chromedp.CSS("#livechat-email-input"), "not-an-address"),
		chromedp.Click(chromedp.CSS("#livechat-email-submit")),
	)
	waitFor(t, tab, "the invalid address refused", `document.getElementById('livechat-email-input').getAttribute('aria-invalid') === 'true'`, consentState)
	checkPage(t, tab, "the email form with an error", false)
	phone(t, tab)
	checkPage(t, tab, "the email form with an error on a phone", false)
}

func testA11yHelpAndSurvey(t *testing.T, browser context.Context) {
	idx := knowledge.NewIndex()
	require.NoError(t, idx.Add(knowledge.Article{ID: "returns", Title: "Returns", Language: "en",
		Body: `<p>Send it back within <strong>30 days</strong>.</p><ul><li>Unused</li><li>In its box</li></ul><p><a href="https://shop.example/returns">Return form</a></p>`}))
	site := newConsentSite(t, idx, func(f *flow.Chatflow) {
		f.Build.KnowledgeBase.Enabled = true
		f.Options.SurveyID = "csat"
	})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	do(t, tab, "search the help",
		chromedp.Click(chromedp.CSS("#livechat-tab-help")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-help-search")),
		chromedp.SendKeys(chromedp.CSS("#livechat-help-search"), "returns"),
	)
	waitFor(t, tab, "the article found", `document.querySelectorAll('.lc-result').length === 1`, consentState)
	checkPage(t, tab, "the Help tab with a result", false)
	do(t, tab, "open the article", chromedp.Click(chromedp.CSS(".lc-result")))
	waitFor(t, tab, "the article", `(() => { const a = document.getElementById('livechat-article'); return !!a && !a.hidden; })()`, consentState)
	checkPage(t, tab, "an article of the Help tab", false)

	do(t, tab, "back to the chat", chromedp.Click(chromedp.CSS("#livechat-tab-chat")))
	send(t, tab, "Thanks for the help")
	cs := site.conversations(t)
	require.Len(t, cs, 1, "conversations")
	_, err := site.chat.CloseConversation(stepCtx(t), cs[0].ID, "")
	require.NoError(t, err)
	waitFor(t, tab, "the survey", `(() => { const s = document.getElementById('livechat-survey'); return !!s && s.getClientRects().length > 0; })()`, consentState)
	checkPage(t, tab, "the satisfaction survey", false)
	do(t, tab, "rate 4", chromedp.Click(chromedp.CSS(`#livechat-survey [data-rating="4"]`)))
	checkPage(t, tab, "the satisfaction survey with a rating chosen", false)
	do(t, tab, "send the rating", chromedp.Click(chromedp.CSS("#livechat-survey-submit")))
	waitFor(t, tab, "the thanks", `document.getElementById('livechat-survey').textContent === 'Thank you for your feedback!'`, consentState)
	checkPage(t, tab, "the ended conversation with the thanks", false)
}

func testA11yPromptAndOffline(t *testing.T, browser context.Context) {
	f := availabilityFlow(mondaysInStockholm)
	f.Display.Desktop.Behavior = flow.DesktopPrompt
	site := newAvailabilitySite(t, saturdayNoon, f)
	tab := availabilityTab(t, browser, "Europe/Stockholm")
	visit(t, tab, site.url+"/help")
	waitFor(t, tab, "the welcome prompt", `(() => { const p = document.querySelector('#livechat-prompt .lc-text'); return !!p && p.textContent !== ''; })()`, viewJS)
	checkPage(t, tab, "the page with the welcome prompt", false)
	openChat(t, tab)
	waitFor(t, tab, "the offline notice", noticeShows("offline", "return_time", `/Monday/`), availabilityState)
	checkPage(t, tab, "the chat window while offline", false)
	phone(t, tab)
	checkPage(t, tab, "the chat window while offline on a phone", false)
}

// While the chat's API is down the visitor's message waits in the
// window, marked as not yet sent.
func testA11yOutage(t *testing.T, browser context.Context) {
	site := newFaultSite(t)
	tab := openWidget(t, browser, site)
	// Room for the messages: a tall window, the cookie banner answered.
	do(t, tab, "a tall window", chromedp.EmulateViewport(1280, 1200))
	do(t, tab, "accept cookies", chromedp.Click(chromedp.CSS("#livechat-cookies-accept")))
	typeMessages(t, tab, "Before the outage")
	waitFor(t, tab, "the first message sent", sentInWidget(1, []string{"Before the outage"}), widgetState)
	site.down.Store(true)
	site.cut()
	typeMessages(t, tab, "During the outage")
	waitFor(t, tab, "the message waiting", `!!document.querySelector('#livechat-messages .lc-pending')`, widgetState)
	time.Sleep(2 * time.Second) // the retries fail meanwhile
	// axe-core judges the contrast of what is in view.
	eval[bool](t, tab, `(document.querySelector('#livechat-messages .lc-pending').scrollIntoView({block: 'nearest'}), true)`)
	checkPage(t, tab, "the chat window with a message waiting during an outage", false)
	site.down.Store(false)
	waitFor(t, tab, "the message sent after the outage", sentInWidget(1, []string{"Before the outage", "During the outage"}), widgetState)
}
