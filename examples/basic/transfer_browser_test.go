package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// Ada transfers a conversation to Grace with a note: Grace is its
// assignee, the note is in the thread for agents, and the visitor's
// widget shows neither the note nor anything of the hand-over.
func TestTransfer(t *testing.T) {
	site, tabA := siteTab(t, "widget")
	const hello = "I need a quote for 40 seats."
	convID := visitorWrites(t, site, tabA, hello)
	tabB := adaSees(t, site, tabA, convID)
	openRow(t, tabB, convID)
	waitFor(t, tabB, "the visitor's message in the inbox", threadIs("#lc-thread", []shownMessage{{"1", "visitor", hello}}), inboxState)
	const note = "Grace, this one is for sales: 40 seats."
	do(t, tabB, "transfer to Grace with a note",
		chromedp.Click(chromedp.CSS("#lc-transfer")),
		chromedp.WaitVisible(chromedp.CSS("#lc-transfer-dialog")),
	)
	waitFor(t, tabB, "Grace to pick", `!!document.querySelector('#lc-transfer-to option[value="agent:grace"]')`, inboxState)
	checkAxe(t, tabB, "the transfer dialog")
	require.True(t, eval[bool](t, tabB, `document.getElementById('lc-transfer-to').value = 'agent:grace'; true`))
	do(t, tabB, "write the note and transfer",
		chromedp.SendKeys(chromedp.CSS("#lc-transfer-note"), note),
		chromedp.Click(chromedp.CSS("#lc-transfer-send")),
	)
	waitFor(t, tabB, "the note in the thread", threadIs("#lc-thread", []shownMessage{{"1", "visitor", hello}, {"2", "note", note}}), inboxState)
	c, err := site.chat.Conversation(stepCtx(t), convID)
	require.NoError(t, err)
	require.Equal(t, "grace", c.AssigneeID)

	front(t, tabA)
	require.NotContains(t, eval[string](t, tabA, `document.body.innerText`), "40 seats.\nGrace")
	require.NotContains(t, eval[string](t, tabA, `document.body.innerText`), "this one is for sales")
}
