package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// repliesState describes the composer and its saved replies picker.
const repliesState = `JSON.stringify({value: document.getElementById('lc-reply').value,
	open: !document.getElementById('lc-replies').hidden,
	options: [...document.querySelectorAll('#lc-replies [role=option]')].map(o => ({text: o.textContent, selected: o.getAttribute('aria-selected')})),
	active: document.getElementById('lc-reply').getAttribute('aria-activedescendant'),
	error: (document.getElementById('lc-replies-error') || {}).textContent})`

// The team lead adds a saved reply in the inbox; an agent types "/" in
// the composer, narrows the list, picks one with the keyboard, edits it
// and sends it; the visitor sees it.
func TestSavedReply(t *testing.T) {
	site, tabA := siteTab(t, "widget")
	const hello = "How long does a refund take?"
	convID := visitorWrites(t, site, tabA, hello)
	tabB := adaSees(t, site, tabA, convID)

	// Ada manages the saved replies: a new one, and a refused one.
	const refund = "Refunds reach your card within 5 working days."
	do(t, tabB, "open Saved replies and add one",
		chromedp.WaitVisible(chromedp.CSS("#lc-replies-manage")),
		chromedp.Click(chromedp.CSS("#lc-replies-manage")),
		chromedp.WaitVisible(chromedp.CSS("#lc-replies-dialog")),
		chromedp.SendKeys(chromedp.CSS("#lc-replies-shortcut"), "hello"),
		chromedp.SendKeys(chromedp.CSS("#lc-replies-text"), "Taken"),
		chromedp.Click(chromedp.CSS("#lc-replies-save")),
	)
	waitFor(t, tabB, "the taken shortcut refused", `document.getElementById('lc-replies-error').textContent === 'a saved reply with this shortcut exists'`, repliesState)
	require.True(t, eval[bool](t, tabB, `document.getElementById('lc-replies-shortcut').value = ''; document.getElementById('lc-replies-text').value = ''; true`))
	do(t, tabB, "a free shortcut",
		chromedp.SendKeys(chromedp.CSS("#lc-replies-shortcut"), "refund-time"),
		chromedp.SendKeys(chromedp.CSS("#lc-replies-text"), refund),
		chromedp.Click(chromedp.CSS("#lc-replies-save")),
	)
	waitFor(t, tabB, "the new reply listed", `[...document.querySelectorAll('#lc-replies-list .lc-reply-short')].some(e => e.textContent === '/refund-time')`, repliesState)
	checkAxe(t, tabB, "the saved replies dialog")
	do(t, tabB, "close the dialog", chromedp.Click(chromedp.CSS("#lc-replies-done")))

	openRow(t, tabB, convID)
	waitFor(t, tabB, "the visitor's message in the inbox", threadIs("#lc-thread", []shownMessage{{"1", "visitor", hello}}), inboxState)
	do(t, tabB, "type / and part of a shortcut", chromedp.SendKeys(chromedp.CSS("#lc-reply"), "/re"))
	waitFor(t, tabB, "the list narrowed to /refund-time", `(() => {
		const o = [...document.querySelectorAll('#lc-replies [role=option]')];
		return !document.getElementById('lc-replies').hidden && o.length === 1 && o[0].textContent.startsWith('/refund-time')
			&& o[0].getAttribute('aria-selected') === 'true' && document.getElementById('lc-reply').getAttribute('aria-activedescendant') === o[0].id;
	})()`, repliesState)
	checkAxe(t, tabB, "the saved replies picker")
	// Escape closes the list and keeps what was typed; "/" again opens it.
	do(t, tabB, "Escape", chromedp.SendKeys(chromedp.CSS("#lc-reply"), kb.Escape))
	waitFor(t, tabB, "the list closed", `document.getElementById('lc-replies').hidden && document.getElementById('lc-reply').value === '/re'`, repliesState)
	require.True(t, eval[bool](t, tabB, `document.body.classList.contains('lc-thread-open') && !document.getElementById('lc-detail').hidden`), "Escape closed only the list")
	require.True(t, eval[bool](t, tabB, `document.getElementById('lc-reply').value = ''; true`))
	do(t, tabB, "type again to list all", chromedp.SendKeys(chromedp.CSS("#lc-reply"), "/"))
	waitFor(t, tabB, "every reply listed", `document.querySelectorAll('#lc-replies [role=option]').length === 4`, repliesState)
	do(t, tabB, "narrow, then arrow down and up, then Enter",
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), "refund"),
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), kb.ArrowDown),
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), kb.ArrowUp),
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), kb.Enter),
	)
	waitFor(t, tabB, "the reply's text in the composer, not sent", `document.getElementById('lc-reply').value === `+jsString(refund)+` && document.getElementById('lc-replies').hidden`, repliesState)
	require.Equal(t, 1, eval[int](t, tabB, `document.querySelectorAll('#lc-thread [data-seq]').length`), "nothing sent yet")
	sent := refund + " Anything else?"
	do(t, tabB, "edit and send",
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), " Anything else?"),
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), kb.Enter),
	)
	want := []shownMessage{{"1", "visitor", hello}, {"2", "agent", sent}}
	waitFor(t, tabB, "the reply sent", threadIs("#lc-thread", want), inboxState)
	front(t, tabA)
	waitFor(t, tabA, "the reply in the widget", threadIs("#livechat-messages", want), widgetState)
}
