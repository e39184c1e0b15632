package main

// A text that shows nothing (only whitespace and zero-width characters)
// is not sent by the widget or the inbox, and control characters the
// server refuses are dropped before sending: what a person sees is what
// was stored, with no failed message left behind.

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

func TestInvisibleText(t *testing.T) {
	runBrowserGroup(t, consentTimeout, []browserCase{{"WidgetAndInbox", testInvisibleText}})
}

func testInvisibleText(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(*flow.Chatflow) {})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	send(t, tab, "Hello")
	trySend(t, tab, "\u200b\u2060 \ufeff\n")
	trySend(t, tab, "ring\u0007 the bell")
	waitFor(t, tab, "only the visible messages, stored", `(() => {
		const m = [...document.querySelectorAll('#livechat-messages .lc-msg[data-sender="visitor"]')];
		return m.length === 2 && m.every(e => e.hasAttribute('data-seq')) &&
			m[1].querySelector('.lc-text').textContent === 'ring the bell';
	})()`, widgetState)
	convs := site.conversations(t)
	require.Len(t, convs, 1)
	require.Equal(t, []string{"Hello", "ring the bell"}, site.visitorTexts(t, convs[0].ID))

	inbox := inboxTab(t, browser, site.url)
	// Clicked from the page: the list may render its rows anew meanwhile.
	waitFor(t, inbox, "the conversation's row, clicked", `(() => {
		const row = document.querySelector('.lc-conv[data-id="`+convs[0].ID+`"]');
		if (row) row.click();
		return !!row;
	})()`, inboxState)
	waitFor(t, inbox, "the visitor's messages in the thread", threadIs("#lc-thread", []shownMessage{
		{"1", "visitor", "Hello"}, {"2", "visitor", "ring the bell"}}), inboxState)
	for _, text := range []string{"\u200b\u200d", "Sure\x00!"} {
		eval[bool](t, inbox, `(() => {
			const r = document.getElementById('lc-reply');
			r.value = `+jsString(text)+`;
			document.getElementById('lc-reply-send').click();
			r.value = '';
			return true;
		})()`)
	}
	waitFor(t, inbox, "only the visible reply, stored", threadIs("#lc-thread", []shownMessage{
		{"1", "visitor", "Hello"}, {"2", "visitor", "ring the bell"}, {"3", "agent", "Sure!"}}), inboxState)
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	ms, err := site.store.Messages(ctx, convs[0].ID, 0, 100)
	require.NoError(t, err)
	var texts []string
	for _, m := range ms {
		if m.Sender != livechat.SenderSystem {
			texts = append(texts, m.Text)
		}
	}
	require.Equal(t, []string{"Hello", "ring the bell", "Sure!"}, texts)
}
