// The directory test shows what registering the team at startup
// (Handler.PutAgents in newSite) gives a team lead: agents who have never
// signed in are in the chatflow editor's pickers and on the Team page.

package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

func TestEditorListsAgentsNeverSignedIn(t *testing.T) {
	site, tab := siteTab(t, "directory")

	// Only Ada signs in; Grace and Katherine never have.
	editSupport(t, tab, site.srv.URL, "Ada Lovelace")
	for _, id := range []string{"grace", "katherine"} {
		a, err := site.store.Agent(stepCtx(t), id)
		require.NoError(t, err, "%s registered at startup", id)
		require.True(t, a.LastSeenAt.IsZero(), "%s has never had the inbox open", id)
	}

	// Support names no agent for its assignment: the picker offers every
	// agent of the directory, by name.
	eval[bool](t, tab, `tabTo('build')`)
	waitFor(t, tab, "all three agents in the assignment picker, by name",
		`(() => { const l = [...document.querySelectorAll('[data-path="build.assignment.userIds"] label')];
			return [['ada', 'Ada Lovelace'], ['grace', 'Grace Hopper'], ['katherine', 'Katherine Johnson']].every(([id, name]) =>
				l.some(e => e.querySelector('input').value === id && e.textContent.includes(name))); })()`,
		`JSON.stringify([...document.querySelectorAll('[data-path="build.assignment.userIds"] label')].map(e => e.textContent))`)

	// The Team page lists them too, each with the settings a team lead sets.
	do(t, tab, "open the Team page", chromedp.Navigate(site.srv.URL+"/livechat/inbox/team"))
	waitFor(t, tab, "Grace and Katherine on the Team page",
		`!!document.getElementById('lct-cap-grace') && !!document.getElementById('lct-cap-katherine')`, teamState)
}
