// The team settings test walks the Team page in Chromium as a team lead
// does, with the keyboard, in a window 768 px wide: from the inbox's link,
// creating a team, adding an agent, setting the agent's capacity and
// skills, a refused capacity shown next to its field, renaming and
// deleting a team. It writes a screenshot to screenshots/ (ignored by
// git).

package main

import (
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// teamState is JavaScript that describes what the Team page shows.
const teamState = `JSON.stringify({url: location.href,
	status: (document.getElementById('lct-status') || {}).textContent,
	alert: (document.getElementById('lct-alert') || {}).textContent,
	focus: document.activeElement && document.activeElement.id,
	errors: [...document.querySelectorAll('.lct-error')].map(e => e.id + ': ' + e.textContent),
	main: (document.getElementById('lct-main') || {textContent: ''}).textContent.slice(0, 400)})`

func TestTeamSettings(t *testing.T) {
	site, tab := siteTab(t, "team")
	do(t, tab, "a window 768 px wide", chromedp.EmulateViewport(768, 1000))

	// Grace (whom the site registered at startup, as every demo agent)
	// may not change the team settings: her inbox has no link.
	signIn(t, tab, site.srv.URL, "Grace Hopper")
	if eval[bool](t, tab, `document.getElementById('lc-team').getClientRects().length > 0`) {
		t.Error("the inbox links to the team settings for an agent without manage_team")
	}
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	waitFor(t, tab, "the Team link", `document.getElementById('lc-team').getClientRects().length > 0`, inboxState)
	do(t, tab, "follow the Team link", chromedp.Click(`#lc-team`))
	waitFor(t, tab, "the Team page", `!!document.getElementById('lct-new-name')`, teamState)

	// Every control has a name a screen reader reads.
	unnamed := eval[[]string](t, tab, `[...document.querySelectorAll('#lct-main input, #lct-main button')]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()).map(e => e.outerHTML)`)
	require.Empty(t, unnamed, "controls without a name")
	// Ada's capacity is set by the site's sign-in: shown, not offered.
	require.False(t, eval[bool](t, tab, `!!document.getElementById('lct-cap-ada')`), "a control for a capacity the host sets")
	waitFor(t, tab, "Ada's capacity as the site sets it", `document.getElementById('lct-agent-ada').closest('li').textContent.includes("3 — set by your site's sign-in")`, teamState)

	// Create a team with the keyboard.
	do(t, tab, "type the new team's name and press Enter",
		chromedp.Focus(`#lct-new-name`),
		chromedp.SendKeys(`#lct-new-name`, "Billing\r"),
	)
	waitFor(t, tab, "the team created", `document.getElementById('lct-status').textContent === 'Created the team Billing.' &&
		document.getElementById('lct-team-billing').textContent === 'Billing'`, teamState)

	// Add Grace: Space ticks her box, Tab and Enter save.
	do(t, tab, "tick Grace with Space",
		chromedp.Focus(`#lct-m-billing-grace`),
		chromedp.KeyEvent(" "),
	)
	require.True(t, eval[bool](t, tab, `document.getElementById('lct-m-billing-grace').checked`))
	do(t, tab, "save the members with Enter",
		chromedp.Focus(`button[aria-label="Save members of Billing"]`),
		chromedp.KeyEvent("\r"),
	)
	waitFor(t, tab, "the members saved", `document.getElementById('lct-status').textContent === 'Saved the members of Billing: Grace Hopper.'`, teamState)
	waitFor(t, tab, "Grace's teams", `document.getElementById('lct-agent-grace').closest('li').textContent.includes('Teams: Billing')`, teamState)
	grace, err := site.store.Agent(stepCtx(t), "grace")
	require.NoError(t, err)
	require.Equal(t, []string{"billing"}, grace.TeamIDs)

	// A capacity out of range is refused next to its field, and nothing
	// changes.
	do(t, tab, "type a capacity of 500 and press Enter",
		chromedp.Clear(`#lct-cap-grace`),
		chromedp.SendKeys(`#lct-cap-grace`, "500\r"),
	)
	waitFor(t, tab, "the error next to the capacity", `(() => {
		const f = document.getElementById('lct-cap-grace'), e = document.getElementById('lct-cap-grace-err');
		return !!e && e.textContent === 'must be 0 (the default) to 100' && f.getAttribute('aria-invalid') === 'true' &&
			f.getAttribute('aria-describedby').split(' ').includes('lct-cap-grace-err') && document.activeElement === f; })()`, teamState)
	grace, err = site.store.Agent(stepCtx(t), "grace")
	require.NoError(t, err)
	require.Zero(t, grace.Capacity)

	// Capacity and skills, saved with Enter.
	do(t, tab, "set capacity 2 and two skills",
		chromedp.Clear(`#lct-cap-grace`),
		chromedp.SendKeys(`#lct-cap-grace`, "2"),
		chromedp.Focus(`#lct-skills-grace`),
		chromedp.SendKeys(`#lct-skills-grace`, "German, billing\r"),
	)
	waitFor(t, tab, "Grace saved", `document.getElementById('lct-status').textContent === 'Saved Grace Hopper: capacity 2, skills German, billing.' &&
		!document.getElementById('lct-cap-grace-err')`, teamState)
	grace, err = site.store.Agent(stepCtx(t), "grace")
	require.NoError(t, err)
	require.Equal(t, 2, grace.Capacity)
	require.Equal(t, []string{"German", "billing"}, grace.Skills)

	// Rename a second team, then delete it after confirming.
	do(t, tab, "create the team Temp",
		chromedp.Focus(`#lct-new-name`),
		chromedp.SendKeys(`#lct-new-name`, "Temp\r"),
	)
	waitFor(t, tab, "Temp created", `!!document.getElementById('lct-team-temp')`, teamState)
	do(t, tab, "open the rename form", chromedp.Focus(`#lct-rename-temp`), chromedp.KeyEvent("\r"))
	waitFor(t, tab, "the name field focused", `document.activeElement && document.activeElement.id === 'lct-name-temp'`, teamState)
	do(t, tab, "type the new name", chromedp.Clear(`#lct-name-temp`), chromedp.SendKeys(`#lct-name-temp`, "Temporary\r"))
	waitFor(t, tab, "renamed", `document.getElementById('lct-team-temp').textContent === 'Temporary' &&
		document.getElementById('lct-status').textContent === 'Renamed the team to Temporary.'`, teamState)
	do(t, tab, "ask to delete", chromedp.Focus(`#lct-delete-temp`), chromedp.KeyEvent("\r"))
	waitFor(t, tab, "the confirmation focused", `document.activeElement && document.activeElement.id === 'lct-confirm-temp'`, teamState)
	do(t, tab, "confirm", chromedp.KeyEvent("\r"))
	waitFor(t, tab, "deleted", `!document.getElementById('lct-team-temp') &&
		document.getElementById('lct-status').textContent === 'Deleted the team Temporary.'`, teamState)
	teams, err := site.store.Teams(stepCtx(t))
	require.NoError(t, err)
	require.Len(t, teams, 1)
	require.Equal(t, "Billing", teams[0].Name)

	// Nothing is wider than the window.
	require.True(t, eval[bool](t, tab, `document.documentElement.scrollWidth <= window.innerWidth`), "the page scrolls sideways at 768 px")
	editorShot(t, tab, "team-768")

	// After a reload, and after Grace signs in again, it is all still there.
	do(t, tab, "reload", chromedp.Reload())
	waitFor(t, tab, "the values again", `(document.getElementById('lct-cap-grace') || {}).value === '2' &&
		document.getElementById('lct-skills-grace').value === 'German, billing' &&
		document.getElementById('lct-m-billing-grace').checked`, teamState)
	signIn(t, tab, site.srv.URL, "Grace Hopper")
	grace, err = site.store.Agent(stepCtx(t), "grace")
	require.NoError(t, err)
	require.Equal(t, 2, grace.Capacity)
	require.True(t, slices.Equal([]string{"German", "billing"}, grace.Skills))
	require.Equal(t, []string{"billing"}, grace.TeamIDs)
}
