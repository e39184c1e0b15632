package main

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
)

// An agent's click on a conversation opens it even when the list changes
// between pressing and releasing the button, as it does whenever a visitor
// writes: the row is updated in place, not replaced.
func TestInboxClickWhileListChanges(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	store := memory.New()
	defer store.Close()
	secret := make([]byte, 32)
	rand.Read(secret)
	site, chat, err := newSite(store, secret)
	require.NoError(t, err)
	srv := httptest.NewServer(site)
	defer srv.Close()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		require.NoError(t, chat.Shutdown(sctx))
	}()
	require.NoError(t, store.CreateVisitor(ctx, &livechat.Visitor{ID: "visitor", CreatedAt: time.Now()}))
	c, _, err := chat.StartConversation(ctx, "visitor", srv.URL+"/help")
	require.NoError(t, err)
	_, err = chat.Send(ctx, "visitor", c.ID, "m1", "Hello")
	require.NoError(t, err)

	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "inbox")
	defer func() { stopBrowser(); stopConsole() }()

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
}
