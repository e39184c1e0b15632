package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// startChat stores a visitor with a conversation and their message.
func startChat(t *testing.T, site *browserSite, vid, text string) string {
	t.Helper()
	ctx := stepCtx(t)
	require.NoError(t, site.store.CreateVisitor(ctx, &livechat.Visitor{ID: vid, CreatedAt: time.Now()}))
	c, _, err := site.chat.StartConversation(ctx, vid, site.srv.URL+"/help")
	require.NoError(t, err)
	_, err = site.chat.Send(ctx, vid, c.ID, "m-"+vid, text)
	require.NoError(t, err)
	return c.ID
}

// An agent snoozes a conversation from the thread header, with a preset
// and with a time of their own; at that time it comes back to the Open
// list by itself.
func TestInboxSnooze(t *testing.T) {
	site, tab := siteTab(t, "inbox")
	conv := startChat(t, site, "visitor-snooze", "Can you call me back later?")
	stored := func() *livechat.Conversation {
		c, err := site.store.Conversation(stepCtx(t), conv)
		require.NoError(t, err)
		return c
	}
	row := `!!document.querySelector('.lc-conv[data-id="` + conv + `"]')`
	status := `document.getElementById('lc-info-status').textContent`
	do(t, tab, "sign in as Ada",
		chromedp.Navigate(site.srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
	)
	openRow(t, tab, conv)
	waitFor(t, tab, "the open conversation's header", status+`.startsWith('Open')`, inboxState)

	// A preset: one hour from now.
	do(t, tab, "snooze for 1 hour",
		chromedp.Click(chromedp.CSS("#lc-snooze")),
		chromedp.Click(chromedp.CSS(`#lc-snooze-menu [data-snooze="1h"]`)),
	)
	waitFor(t, tab, "the header to say snoozed", status+`.startsWith('Snoozed until')`, inboxState)
	c := stored()
	require.Equal(t, livechat.StatusSnoozed, c.Status)
	require.WithinDuration(t, time.Now().Add(time.Hour), c.SnoozedUntil, time.Minute)
	do(t, tab, "show the snoozed conversations", chromedp.Click(chromedp.CSS("#lc-tab-snoozed")))
	waitFor(t, tab, "the row in the Snoozed list", row, inboxState)
	do(t, tab, "unsnooze", chromedp.Click(chromedp.CSS("#lc-reopen")))
	waitFor(t, tab, "the header to say open", status+`.startsWith('Open')`, inboxState)
	require.Equal(t, livechat.StatusOpen, stored().Status)

	// A time of the agent's own, a few seconds ahead, in their local time.
	do(t, tab, "show the open conversations", chromedp.Click(chromedp.CSS("#lc-tab-open")))
	openRow(t, tab, conv)
	do(t, tab, "open the snooze menu", chromedp.Click(chromedp.CSS("#lc-snooze")))
	eval[bool](t, tab, `(() => {
		const d = new Date(Date.now() + 3000), p = n => String(n).padStart(2, '0');
		document.getElementById('lc-snooze-at').value = d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) +
			'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
		return true;
	})()`)
	do(t, tab, "snooze until then", chromedp.Click(chromedp.CSS("#lc-snooze-go")))
	waitFor(t, tab, "the header to say snoozed", status+`.startsWith('Snoozed until')`, inboxState)
	c = stored()
	require.Equal(t, livechat.StatusSnoozed, c.Status)
	require.WithinDuration(t, time.Now().Add(3*time.Second), c.SnoozedUntil, 3*time.Second)

	// The Snoozed list, with no thread open, has it until its time comes;
	// then it leaves the list by itself and the Open list has it.
	do(t, tab, "reload the inbox and show the snoozed conversations",
		chromedp.Reload(),
		chromedp.Click(chromedp.CSS("#lc-tab-snoozed")),
	)
	waitFor(t, tab, "the row in the Snoozed list", row+` && document.querySelector('.lc-conv').textContent.includes('Can you call me back')`, inboxState)
	waitFor(t, tab, "the row to leave the Snoozed list", "!"+row, inboxState)
	require.Equal(t, livechat.StatusOpen, stored().Status)
	do(t, tab, "show the open conversations", chromedp.Click(chromedp.CSS("#lc-tab-open")))
	waitFor(t, tab, "the row in the Open list", row, inboxState)
	openRow(t, tab, conv)
	waitFor(t, tab, "the header to say open", status+`.startsWith('Open')`, inboxState)
}

// An agent types a word into the search box, sees the conversations with
// a message holding it, and opens one at that message.
func TestInboxSearch(t *testing.T) {
	site, tab := siteTab(t, "inbox")
	hit := startChat(t, site, "visitor-invoice", "My invoice from March is wrong")
	_, err := site.chat.Send(stepCtx(t), "visitor-invoice", hit, "m-2", "and the address too")
	require.NoError(t, err)
	other := startChat(t, site, "visitor-other", "Do you ship to Norway?")
	for i := range 3 {
		startChat(t, site, fmt.Sprint("visitor-", i), "Just looking")
	}
	rows := `[...document.querySelectorAll('.lc-conv')].map(e => e.dataset.id).join()`
	do(t, tab, "sign in as Ada",
		chromedp.Navigate(site.srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
	)
	waitFor(t, tab, "every conversation", `document.querySelectorAll('.lc-conv').length === 5`, inboxState)
	do(t, tab, "search for invoice",
		chromedp.Click(chromedp.CSS("#lc-search")),
		chromedp.SendKeys(chromedp.CSS("#lc-search"), "INVOICE"),
	)
	waitFor(t, tab, "only the conversation with the word", rows+` === "`+hit+`"`, inboxState)
	if got := eval[string](t, tab, `document.querySelector('.lc-conv .lc-conv-snippet').textContent`); got != "My invoice from March is wrong" {
		t.Errorf("the result shows %q, want the message that matched", got)
	}
	openRow(t, tab, hit)
	waitFor(t, tab, "the thread at the message found", `(() => {
		const m = document.querySelector('#lc-thread .lc-msg.lc-found');
		return !!m && m.dataset.seq === '1' && m.textContent.includes('My invoice from March');
	})()`, inboxState)

	// Clearing the search lists everything again.
	eval[bool](t, tab, `(() => { const s = document.getElementById('lc-search'); s.value = ''; s.form.requestSubmit(); return true; })()`)
	waitFor(t, tab, "every conversation again", `document.querySelectorAll('.lc-conv').length === 5 && `+rows+`.includes("`+other+`")`, inboxState)
	do(t, tab, "reload the inbox, then search for a word no one wrote",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#lc-search")),
		chromedp.SendKeys(chromedp.CSS("#lc-search"), "refund\r"),
	)
	waitFor(t, tab, "no results, said", `document.querySelectorAll('.lc-conv').length === 0 && !document.getElementById('lc-list-empty').hidden &&
		document.getElementById('lc-list-empty').textContent.includes('refund')`, inboxState)
}
