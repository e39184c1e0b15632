package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// A private note written in the inbox shows there, marked as a note, and
// never in the visitor's widget: not live, not while it is typed, not
// after a reload. The reply after it arrives, and the widget reads past
// the note's number (the inbox shows the reply as read).
func TestPrivateNote(t *testing.T) {
	site, tabA := siteTab(t, "widget")
	const (
		hello = "Can I get a refund?"
		note  = "Checked the order: refund approved, tell them after 5 pm"
		reply = "Let me check that for you."
	)
	convID := visitorWrites(t, site, tabA, hello)
	// Whatever the widget ever shows, from now on, is recorded.
	require.True(t, eval[bool](t, tabA, `window.seen = ''; new MutationObserver(() => { window.seen += document.body.innerText; }).observe(document.body, {subtree: true, childList: true, characterData: true}); true`))

	tabB := adaSees(t, site, tabA, convID)
	openRow(t, tabB, convID)
	waitFor(t, tabB, "the visitor's message in the inbox", threadIs("#lc-thread", []shownMessage{{"1", "visitor", hello}}), inboxState)
	do(t, tabB, "switch to Note and write a note",
		chromedp.Click(chromedp.CSS(`label:has(#lc-mode-note)`)),
		chromedp.WaitVisible(chromedp.CSS(`.lc-composer.lc-noting`)),
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), note),
	)
	require.Equal(t, "Add note", eval[string](t, tabB, `document.getElementById('lc-reply-send').textContent`))
	require.Equal(t, "Private note", eval[string](t, tabB, `document.getElementById('lc-reply-label').textContent`))
	do(t, tabB, "add the note", chromedp.Click(chromedp.CSS("#lc-reply-send")))
	waitFor(t, tabB, "the note in the inbox", threadIs("#lc-thread", []shownMessage{{"1", "visitor", hello}, {"2", "note", note}}), inboxState)
	require.Equal(t, "Private note", eval[string](t, tabB, `document.querySelector('.lc-msg.lc-note .lc-note-tag').textContent`))
	do(t, tabB, "back to Reply and answer",
		chromedp.Click(chromedp.CSS(`label:has(#lc-mode-reply)`)),
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), reply),
		chromedp.Click(chromedp.CSS("#lc-reply-send")),
	)
	all := []shownMessage{{"1", "visitor", hello}, {"2", "note", note}, {"3", "agent", reply}}
	waitFor(t, tabB, "note and reply in the inbox", threadIs("#lc-thread", all), inboxState)

	front(t, tabA)
	shown := []shownMessage{{"1", "visitor", hello}, {"3", "agent", reply}}
	waitFor(t, tabA, "the reply, without the note, in the widget", threadIs("#livechat-messages", shown), widgetState)
	require.NotContains(t, eval[string](t, tabA, `window.seen + document.body.innerText`), "refund approved")

	// The widget read past the note: the inbox shows the reply read.
	front(t, tabB)
	waitFor(t, tabB, "the reply read by the visitor", `document.querySelector('#lc-thread [data-seq="3"]').getAttribute('data-state') === 'read'`, inboxState)

	front(t, tabA)
	// The demo asks for cookie consent: accept before the reload.
	do(t, tabA, "accept cookies", chromedp.Click(chromedp.CSS("#livechat-cookies-accept")))
	waitFor(t, tabA, "the cookie banner gone", `!document.getElementById('livechat-cookies')`, widgetState)
	do(t, tabA, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")))
	if eval[bool](t, tabA, `document.getElementById('livechat-window').hidden`) {
		do(t, tabA, "open the widget after the reload", chromedp.Click(chromedp.CSS("#livechat-launcher")))
	}
	waitFor(t, tabA, "the thread again, without the note", threadIs("#livechat-messages", shown), widgetState)
	require.NotContains(t, eval[string](t, tabA, `document.body.innerText`), "refund approved")
	marks, err := site.store.ReadMarks(stepCtx(t), convID)
	require.NoError(t, err)
	for _, m := range marks {
		if m.Participant == "visitor" {
			require.EqualValues(t, 3, m.Seq, "the visitor's read mark passes the note")
		}
	}
}
