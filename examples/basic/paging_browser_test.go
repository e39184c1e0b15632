package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// An agent with more open conversations than one page reaches the oldest
// with the "Load more" button at the end of the list.
func TestInboxLoadMore(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	site := newBrowserSite(t)
	defer site.close(t)
	store, chat, srv := site.store, site.chat, site.srv

	const n = 130
	var ids []string // oldest first
	for i := range n {
		vid := fmt.Sprintf("visitor-%d", i)
		require.NoError(t, store.CreateVisitor(ctx, &livechat.Visitor{ID: vid, CreatedAt: time.Now()}))
		c, _, err := chat.StartConversation(ctx, vid, srv.URL+"/help")
		require.NoError(t, err)
		ids = append(ids, c.ID)
	}

	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "inbox")
	defer func() { stopBrowser(); stopConsole() }()

	rowCount := `document.querySelectorAll('.lc-conv').length`
	oldest := `!!document.querySelector('.lc-conv[data-id="` + ids[0] + `"]')`
	more := `(() => { const b = document.getElementById('lc-more'); return !!b && !b.hidden && b.getClientRects().length > 0; })()`
	do(t, tab, "sign in as Ada",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
	)
	waitFor(t, tab, "the first page and the Load more button", rowCount+` === 100 && `+more+` && !`+oldest, inboxState)
	if got := eval[string](t, tab, `(() => { const b = document.getElementById('lc-more'); return b.tagName + ' ' + b.type + ' ' + b.textContent; })()`); got != "BUTTON button Load more" {
		t.Errorf("the Load more control is %q, want a real button named Load more", got)
	}

	// Keyboard users reach it like any button.
	do(t, tab, "press Load more with the keyboard",
		chromedp.Focus(chromedp.CSS("#lc-more")),
		chromedp.KeyEvent("\r"),
	)
	waitFor(t, tab, "every conversation and no button", rowCount+` === `+fmt.Sprint(n)+` && `+oldest+
		` && document.getElementById('lc-more').hidden`, inboxState)
	if dup := eval[bool](t, tab, `(() => { const r = [...document.querySelectorAll('.lc-conv')].map(e => e.dataset.id); return new Set(r).size !== r.length; })()`); dup {
		t.Error("a conversation is listed twice")
	}
	if got := eval[bool](t, tab, `document.activeElement && document.activeElement.classList.contains('lc-conv')`); !got {
		t.Error("focus is lost after the last page: want it on the last conversation")
	}

	// Another filter starts from its first page; coming back pages again.
	do(t, tab, "show closed, then open conversations",
		chromedp.Click(chromedp.CSS("#lc-tab-closed")),
		chromedp.Click(chromedp.CSS("#lc-tab-open")),
	)
	waitFor(t, tab, "the first page again", rowCount+` === 100 && `+more, inboxState)
}
