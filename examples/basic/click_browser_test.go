package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// An agent's click on a conversation opens it even when the list changes
// between pressing and releasing the button, as it does whenever a visitor
// writes: the row is updated in place, not replaced.
func TestInboxClickWhileListChanges(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	site := newBrowserSite(t)
	defer site.close(t)
	store, chat, srv := site.store, site.chat, site.srv
	require.NoError(t, store.CreateVisitor(ctx, &livechat.Visitor{ID: "visitor", CreatedAt: time.Now()}))
	c, _, err := chat.StartConversation(ctx, "visitor", srv.URL+"/help")
	require.NoError(t, err)
	_, err = chat.Send(ctx, "visitor", c.ID, "m1", "Hello")
	require.NoError(t, err)

	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "inbox")
	defer func() { stopBrowser(); stopConsole() }()
	_, err = chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: heldListJS})
	require.NoError(t, err)

	row := `document.querySelector('.lc-conv[data-id="` + c.ID + `"]')`
	do(t, tab, "sign in as Ada",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
	)
	waitFor(t, tab, "the conversation listed", `!!`+row+` && `+row+`.textContent.includes('Hello')`, inboxState)
	// A message the list shows after it first loaded: the inbox is live.
	_, err = chat.Send(ctx, "visitor", c.ID, "m2", "Still here")
	require.NoError(t, err)
	waitFor(t, tab, "the list live", row+`.textContent.includes('Still here')`, inboxState)
	xy := eval[[]float64](t, tab, `(() => { const r = `+row+`.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	require.Len(t, xy, 2)
	do(t, tab, "press the mouse button on the conversation",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, xy[0], xy[1], chromedp.ButtonLeft, chromedp.ClickCount(1)),
	)
	_, err = chat.Send(ctx, "visitor", c.ID, "m3", "Are you there?")
	require.NoError(t, err)
	waitFor(t, tab, "the list to show the new message", row+`.textContent.includes('Are you there?')`, inboxState)
	do(t, tab, "release the mouse button",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, xy[0], xy[1], chromedp.ButtonLeft, chromedp.ClickCount(1)),
	)
	waitFor(t, tab, "the conversation open", row+`.getAttribute('aria-current') === 'true' && `+
		`[...document.querySelectorAll('#lc-thread .lc-msg')].some(e => e.textContent.includes('Are you there?'))`, inboxState)

	// A list answer the server wrote before a message, read after the
	// message's event, does not take the message back out of the list.
	eval[bool](t, tab, `holdLists(), true`)
	require.NoError(t, store.CreateVisitor(ctx, &livechat.Visitor{ID: "other", CreatedAt: time.Now()}))
	_, _, err = chat.StartConversation(ctx, "other", srv.URL+"/help") // the inbox lists again
	require.NoError(t, err)
	waitFor(t, tab, "a list answer held", `window.listsHeld > 0`, inboxState)
	_, err = chat.Send(ctx, "visitor", c.ID, "m4", "One more thing")
	require.NoError(t, err)
	waitFor(t, tab, "the list to show the newest message", row+`.textContent.includes('One more thing')`, inboxState)
	answered := eval[int](t, tab, `window.listsAnswered`)
	eval[bool](t, tab, `releaseLists(), true`)
	waitFor(t, tab, "the held answer read", fmt.Sprintf("window.listsAnswered > %d", answered), inboxState)
	if !eval[bool](t, tab, row+`.textContent.includes('One more thing')`) {
		t.Errorf("an older list answer took the newest message out of the list: %s", eval[string](t, tab, inboxState))
	}
}

// heldListJS lets a test hold the answers of the inbox's conversation list:
// holdLists() holds them until releaseLists(); listsHeld counts those the
// server has written meanwhile, listsAnswered those the inbox has read.
const heldListJS = `{
	const f = window.fetch;
	let gate = null;
	window.listsHeld = window.listsAnswered = 0;
	window.holdLists = () => { let r; gate = new Promise(x => r = x); window.releaseLists = () => { gate = null; r(); }; };
	window.fetch = async (u, ...a) => {
		if (!/\/conversations\?/.test(String(u))) return f(u, ...a);
		const g = gate, res = await f(u, ...a);
		if (g) { window.listsHeld++; await g; }
		const json = res.json.bind(res);
		res.json = () => json().then(v => { window.listsAnswered++; return v; });
		return res;
	};
}`
