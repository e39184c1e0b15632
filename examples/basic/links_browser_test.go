package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// linksJS describes the links inside the messages of container: href as
// written, rel, target and text, and the text of each message.
func linksJS(container string) string {
	return `JSON.stringify([...document.querySelectorAll(` + jsString(container) + ` + ' .lc-text')].map(e => ({
		text: e.textContent,
		links: [...e.querySelectorAll('a')].map(a => ({href: a.getAttribute('href'), rel: a.rel, target: a.target, text: a.textContent}))})))`
}

// A URL in a message is a link in the widget and in the inbox: http(s)
// only, without the sentence's full stop, opening in a new tab with
// rel="noopener noreferrer nofollow"; a javascript: URL stays text.
func TestMessageLinks(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	site := newBrowserSite(t)
	defer site.close(t)
	tabA, stopBrowser := startBrowser(t, ctx, chromium)
	stopA := watchConsole(t, tabA, "widget")
	defer func() { stopBrowser(); stopA() }()

	const (
		fromVisitor = "Is it on https://example.com/x. or javascript:alert(1)?"
		fromAgent   = "It is on https://example.com/x."
	)
	do(t, tabA, "open the widget and write",
		chromedp.Navigate(site.srv.URL+"/pricing"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), fromVisitor),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tabA, "the visitor's message sent", threadIs("#livechat-messages", []shownMessage{{"1", "visitor", fromVisitor}}), widgetState)
	convs, err := site.chat.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	convID := convs[0].ID

	tabB, cancelB := chromedp.NewContext(tabA)
	defer cancelB()
	require.NoError(t, chromedp.Do(tabB))
	stopB := watchConsole(t, tabB, "inbox")
	defer func() { cancelB(); stopB() }()
	do(t, tabB, "sign in as Ada",
		chromedp.Navigate(site.srv.URL+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
		chromedp.WaitVisible(chromedp.CSS(`.lc-conv[data-id="`+convID+`"]`)),
	)
	openRow(t, tabB, convID)
	both := []shownMessage{{"1", "visitor", fromVisitor}, {"2", "agent", fromAgent}}
	waitFor(t, tabB, "the visitor's message in the inbox thread", threadIs("#lc-thread", both[:1]), inboxState)
	do(t, tabB, "reply",
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), fromAgent),
		chromedp.Click(chromedp.CSS("#lc-reply-send")),
	)
	waitFor(t, tabB, "both messages in the inbox thread", threadIs("#lc-thread", both), inboxState)
	front(t, tabA)
	waitFor(t, tabA, "the reply in the widget", threadIs("#livechat-messages", both), widgetState)

	link := map[string]any{"href": "https://example.com/x", "rel": "noopener noreferrer nofollow", "target": "_blank", "text": "https://example.com/x"}
	want := []map[string]any{
		{"text": fromVisitor, "links": []any{link}},
		{"text": fromAgent, "links": []any{link}},
	}
	check := func(tab context.Context, where, container string) {
		t.Helper()
		var got []map[string]any
		for _, m := range eval[[]map[string]any](t, tab, `JSON.parse(`+linksJS(container)+`)`) {
			if m["text"] == fromVisitor || m["text"] == fromAgent {
				got = append(got, m)
			}
		}
		require.Equal(t, want, got, "the links in the %s", where)
		require.Zero(t, eval[int](t, tab, `[...document.querySelectorAll('a')].filter(a => /^\s*javascript:/i.test(a.getAttribute('href') || '')).length`),
			"a javascript: link in the %s", where)
	}
	check(tabA, "widget", "#livechat-messages")

	front(t, tabB)
	check(tabB, "inbox", "#lc-thread")

	// Thousands of closing brackets after a URL are stripped in linear
	// time: the link is the URL alone, the brackets text. A URL with a
	// bidi control (which can disguise where it leads) stays text.
	brackets := "http://a/" + strings.Repeat(")", 4990)
	const bidi = "Try http://b.example/\u202eexe.txt please"
	for i, text := range []string{brackets, bidi} {
		_, err := site.chat.Send(stepCtx(t), convs[0].VisitorID, convID, fmt.Sprintf("links-%d", i), text)
		require.NoError(t, err)
	}
	long := []map[string]any{
		{"text": brackets, "links": []any{map[string]any{"href": "http://a/", "rel": "noopener noreferrer nofollow", "target": "_blank", "text": "http://a/"}}},
		{"text": bidi, "links": []any{}},
	}
	checkLong := func(tab context.Context, where, container string) {
		t.Helper()
		waitFor(t, tab, "the long messages in the "+where, `[...document.querySelectorAll(`+jsString(container+" .lc-text")+`)].some(e => e.textContent === `+jsString(bidi)+`)`, linksJS(container))
		got := eval[[]map[string]any](t, tab, `JSON.parse(`+linksJS(container)+`)`)
		require.GreaterOrEqual(t, len(got), 2)
		require.Equal(t, long, got[len(got)-2:], "the links of the long messages in the %s", where)
	}
	checkLong(tabB, "inbox", "#lc-thread")
	front(t, tabA)
	checkLong(tabA, "widget", "#livechat-messages")
}
