// The accessibility tests run axe-core (axe_browser_test.go) over the
// pages a team lead uses, in the states they meet: the chatflow editor
// (its list, each tab with a field error shown, the dialogs) and the team
// page, at 1280 and 768 px wide, where neither may scroll sideways.

package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
		{"Team", testA11yTeam},
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

	// Support with a field error: its brand heading without a name.
	do(t, tab, "open Support", chromedp.Click(`//table[@id="lce-list"]//a[normalize-space()="Support"]`))
	waitFor(t, tab, "Support in the editor", `(document.getElementById('lce-name') || {}).value === 'Support' && !!document.querySelector('[data-path="build.welcome"]')`, editorState)
	eval[bool](t, tab, editorJS)
	do(t, tab, "choose a brand heading", chromedp.Click(`//fieldset[@data-path="display.heading.kind"]//label[contains(., "A brand name")]/input`))
	waitFor(t, tab, "the brand fields", `!!ctl('display.heading.brandName')`, editorState)
	eval[bool](t, tab, `fill('display.heading.brandName', '')`)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "the error next to the brand name", `!!document.querySelector('.lce-msg[data-for="display.heading.brandName"]')`, editorState)
	// Every part of every tab on show: a trigger, a filter group with a
	// rule, office hours with two ranges on Monday, every consent.
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
	tabs := eval[[]string](t, tab, `[...document.querySelectorAll('[role=tab]')].map(b => b.dataset.tab)`)
	if len(tabs) != 5 {
		t.Errorf("the editor has the tabs %q, want build, knowledge, target, availability and options", tabs)
	}
	for _, w := range a11yWidths {
		viewport(t, tab, w)
		for _, id := range tabs {
			eval[bool](t, tab, `tabTo('`+id+`')`)
			waitFor(t, tab, "the "+id+" tab", `!document.getElementById('lce-panel-`+id+`').hidden`, editorState)
			checkPage(t, tab, fmt.Sprintf("the %s tab with a field error at %d px", id, w), true)
		}
	}

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
}
