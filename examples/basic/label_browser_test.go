package main

import (
	"context"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// A conversation that arrives while the inbox is open is named after its
// visitor, in the list and in the thread's heading, as after a reload:
// never after the conversation's id, not even until the list is asked
// again; the thread's messages say who wrote them the same way. A visitor
// nothing is known of gets a generated name (a colour and an animal); one
// whose contact has a name is called by it.
func TestInboxLiveVisitorLabel(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	site := newBrowserSite(t)
	defer site.close(t)
	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "inbox")
	defer func() { stopBrowser(); stopConsole() }()
	_, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: heldListJS + labelsSeenJS})
	require.NoError(t, err)
	do(t, tab, "sign in as Ada",
		chromedp.Navigate(site.srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
	)
	// The inbox asks for the list as it starts and again once its live
	// channel is ready: the second answer says that the conversation's
	// events will reach it. Held before then, the only list that would
	// show a conversation started meanwhile never comes.
	waitFor(t, tab, "the list loaded and the live channel ready", `window.listsAnswered > 1`, inboxState)

	// The list answers are held: what shows comes from the live events.
	eval[bool](t, tab, `holdLists(), true`)
	require.NoError(t, site.store.CreateVisitor(ctx, &livechat.Visitor{ID: "zoe-visitor", CreatedAt: time.Now()}))
	c, _, err := site.chat.StartConversation(ctx, "zoe-visitor", site.srv.URL+"/help")
	require.NoError(t, err)
	_, err = site.chat.Send(ctx, "zoe-visitor", c.ID, "m1", "Hello")
	require.NoError(t, err)
	row := `document.querySelector('.lc-conv[data-id="` + c.ID + `"]')`
	waitFor(t, tab, "the live row", `!!`+row, inboxState)
	openRow(t, tab, c.ID)
	waitFor(t, tab, "the thread", threadIs("#lc-thread", []shownMessage{{"1", "visitor", "Hello"}}), inboxState)

	eval[bool](t, tab, `releaseLists(), true`)
	waitFor(t, tab, "the row and the heading named after the visitor",
		`/^[A-Z][a-z]+ [A-Z][a-z]+$/.test(`+row+`.querySelector('.lc-conv-name').textContent)`+
			` && document.getElementById('lc-title').textContent === `+row+`.querySelector('.lc-conv-name').textContent`, inboxState)
	generated := eval[string](t, tab, row+`.querySelector('.lc-conv-name').textContent`)
	if author := eval[string](t, tab, `document.querySelector('#lc-thread .lc-visitor .lc-author').textContent`); author != generated {
		t.Errorf("the thread names the visitor's message %q, want %q", author, generated)
	}

	// A visitor the host identified, whose contact has a name, is listed by
	// that name (an identified visitor's id starts with "u-").
	require.NoError(t, site.store.CreateContact(ctx, &livechat.Contact{ID: "c-zoe", Name: "Zoë Martin", Email: "zoe@example.com", Verified: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	require.NoError(t, site.store.CreateVisitor(ctx, &livechat.Visitor{ID: "u-zoe-known", ContactID: "c-zoe", CreatedAt: time.Now()}))
	known, _, err := site.chat.StartConversation(ctx, "u-zoe-known", site.srv.URL+"/help")
	require.NoError(t, err)
	_, err = site.chat.Send(ctx, "u-zoe-known", known.ID, "m1", "Hi, it is Zoë")
	require.NoError(t, err)
	knownRow := `document.querySelector('.lc-conv[data-id="` + known.ID + `"]')`
	waitFor(t, tab, "the contact's name in the list",
		`!!`+knownRow+` && `+knownRow+`.querySelector('.lc-conv-name').textContent === 'Zoë Martin'`, inboxState)
	require.Equal(t, generated, eval[string](t, tab, row+`.querySelector('.lc-conv-name').textContent`), "the generated name changed")
	for _, l := range eval[[]string](t, tab, `window.labelsSeen`) {
		if strings.Contains(l, c.ID[:6]) {
			t.Errorf("the inbox named the conversation %q, after its id %s", l, c.ID)
		}
	}
}

// labelsSeenJS collects in window.labelsSeen every text the inbox shows as
// a conversation's name (list rows, the thread's heading, announcements).
const labelsSeenJS = `
window.labelsSeen = [];
document.addEventListener('DOMContentLoaded', () => {
	const seen = () => {
		for (const e of document.querySelectorAll('.lc-conv-name, #lc-title, #lc-announce')) {
			if (e.textContent && !window.labelsSeen.includes(e.textContent)) window.labelsSeen.push(e.textContent);
		}
	};
	new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
});`
