package main

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// visitorWrites opens the widget on /pricing in tab, sends text as the
// site's first conversation and returns that conversation's id.
func visitorWrites(t *testing.T, site *browserSite, tab context.Context, text string) string {
	t.Helper()
	do(t, tab, "open the widget and write",
		chromedp.Navigate(site.srv.URL+"/pricing"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), text),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tab, "the visitor's message sent", threadIs("#livechat-messages", []shownMessage{{"1", "visitor", text}}), widgetState)
	convs, err := site.chat.Conversations(stepCtx(t), livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	return convs[0].ID
}

// adaSees opens a second tab of tab's browser, signs in as Ada and waits
// until her inbox lists the conversation; the tab closes with the test.
func adaSees(t *testing.T, site *browserSite, tab context.Context, convID string) context.Context {
	t.Helper()
	tabB, cancelB := chromedp.NewContext(tab)
	require.NoError(t, chromedp.Do(tabB))
	stopB := watchConsole(t, tabB, "inbox")
	t.Cleanup(func() { cancelB(); stopB() })
	do(t, tabB, "sign in as Ada",
		chromedp.Navigate(site.srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
		chromedp.WaitVisible(chromedp.CSS(`.lc-conv[data-id="`+convID+`"]`)),
	)
	return tabB
}
