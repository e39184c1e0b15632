// The split test checks, in Chromium, that a page view loads only the
// launcher (widget.js, widget.css and the config answer) and that the chat
// (chat.js, chat.css and the chat answer) comes on the first open: a click
// on the launcher, or a trigger.

package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
)

// resourcesJS lists what the page has requested (Resource Timing), each
// with the bytes it took on the wire.
const resourcesJS = `JSON.stringify(performance.getEntriesByType('resource').map(e => ({name: new URL(e.name).pathname, bytes: e.encodedBodySize})))`

type resource struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
}

func resources(t *testing.T, tab context.Context) map[string]resource {
	t.Helper()
	var list []resource
	if err := json.Unmarshal([]byte(eval[string](t, tab, resourcesJS)), &list); err != nil {
		t.Fatalf("decode the resources: %v", err)
	}
	out := map[string]resource{}
	for _, r := range list {
		out[strings.TrimPrefix(r.Name, "/livechat/")] = r
	}
	return out
}

// chatLoaded is JavaScript that is true once the page has requested the
// chat's script.
const chatLoaded = `performance.getEntriesByType('resource').some(e => new URL(e.name).pathname === '/livechat/chat.js')`

// checkLauncherOnly checks that the page requested the launcher's files and
// the config answer, and nothing of the chat.
func checkLauncherOnly(t *testing.T, tab context.Context, when string) {
	t.Helper()
	got := resources(t, tab)
	for _, want := range []string{"widget.js", "widget.css", "api/v1/visitor/config"} {
		if _, ok := got[want]; !ok {
			t.Errorf("%s: the page did not request %s: %v", when, want, got)
		}
	}
	for _, unwanted := range []string{"chat.js", "chat.css", "api/v1/visitor/chat", "api/v1/visitor/ws"} {
		if _, ok := got[unwanted]; ok {
			t.Errorf("%s: the page requested %s before the chat opened: %v", when, unwanted, got)
		}
	}
	if b := got["widget.js"].Bytes; b > 4096 {
		t.Errorf("%s: widget.js took %d bytes on the wire, over its budget of 4096", when, b)
	}
}

func TestWidgetLoadsChatOnDemand(t *testing.T) {
	runBrowserGroup(t, displayTimeout, []browserCase{
		{"Click", testSplitClick},
		{"Trigger", testSplitTrigger},
		{"UnreadBadge", testSplitUnreadBadge},
	})
}

// A launcher-only page view loads the launcher alone; a click on it loads
// the chat and opens it with the focus in the composer.
func testSplitClick(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("sales", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Desktop.Behavior = flow.DesktopLauncher
	}))
	tab := displayTab(t, browser)
	if v := visit(t, tab, site.url+"/pricing"); !v.Launcher || v.Open {
		t.Fatalf("want the launcher only, got %v", v)
	}
	checkLauncherOnly(t, tab, "after the page loaded")
	time.Sleep(time.Second)
	checkLauncherOnly(t, tab, "a second later")
	do(t, tab, "click the launcher", chromedp.Click(chromedp.CSS("#livechat-launcher")))
	waitFor(t, tab, "the chat open, the focus in the composer", openJS+` && document.activeElement.id === 'livechat-input'`, resourcesJS)
	got := resources(t, tab)
	for _, want := range []string{"chat.js", "chat.css", "api/v1/visitor/chat"} {
		if _, ok := got[want]; !ok {
			t.Errorf("the open chat did not request %s: %v", want, got)
		}
	}
	t.Logf("requested: %v", got)
}

// A 2-second time-on-page trigger loads the chat and opens it; nothing of
// the chat loads before.
func testSplitTrigger(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("timed", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{SecondsOnPage: 2}}
	}))
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/pricing")
	if v := look(t, tab); v.Time < 1500 {
		checkLauncherOnly(t, tab, "before the trigger")
	}
	waitFor(t, tab, "the trigger to load the chat and open it", chatLoaded+` && `+openJS, resourcesJS)
	if v := look(t, tab); v.OpenedAt < 2000 {
		t.Errorf("the chat opened at %.0f ms of page time, before its trigger: %v", v.OpenedAt, v)
	}
}

// badgeJS is JavaScript that returns the launcher's badge and its
// announcement: "" while hidden.
const badgeJS = `(() => {
	const b = document.querySelector('#livechat-launcher .lc-badge'), l = document.getElementById('livechat-unread');
	return b && !b.hidden && b.getClientRects().length > 0 ? b.textContent + ' / ' + l.textContent : '';
})()`

// The unread badge counts the replies the visitor has not read: live while
// the window is closed, on the next page with the conversation still open
// (the chat loads at once), and for a closed conversation without loading
// the chat at all; opening the chat reads them.
func testSplitUnreadBadge(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("sales", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Desktop.Behavior = flow.DesktopLauncher
	}))
	require.NoError(t, site.store.PutAgent(stepCtx(t), &livechat.Agent{ID: "ada", Name: "Ada", Presence: livechat.PresenceAvailable}))
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/pricing")
	do(t, tab, "open the chat and write",
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), "Hello?"),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tab, "the message stored", `!!document.querySelector('#livechat-messages .lc-msg[data-seq="1"]')`, widgetState)
	eval[bool](t, tab, `LiveChat.close(), true`)
	convs, err := site.chat.Conversations(stepCtx(t), livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	id := convs[0].ID
	_, err = site.chat.Reply(stepCtx(t), id, "ada", "r1", "Hi! How can I help?")
	require.NoError(t, err)
	waitFor(t, tab, "the badge for one live reply", badgeJS+` === '1 / 1 unread message'`, badgeJS)

	// The next page: the conversation is open, so the chat loads at once.
	visit(t, tab, site.url+"/pricing")
	waitFor(t, tab, "the badge on the next page", badgeJS+` === '1 / 1 unread message'`, badgeJS)
	if !eval[bool](t, tab, chatLoaded) {
		t.Error("the chat did not load at once for an open conversation")
	}

	// Closed by the agent: the next page shows the badge without the chat.
	_, err = site.chat.Reply(stepCtx(t), id, "ada", "r2", "Anything else?")
	require.NoError(t, err)
	_, err = site.chat.CloseConversation(stepCtx(t), id, "ada")
	require.NoError(t, err)
	waitFor(t, tab, "three unread: two replies and the end", badgeJS+` === '3 / 3 unread messages'`, badgeJS)
	visit(t, tab, site.url+"/pricing")
	waitFor(t, tab, "the badge for a closed conversation", badgeJS+` === '3 / 3 unread messages'`, badgeJS)
	checkLauncherOnly(t, tab, "with a closed conversation")

	do(t, tab, "open the chat", chromedp.Click(chromedp.CSS("#livechat-launcher")))
	waitFor(t, tab, "the window open with the replies and no badge", openJS+` && `+badgeJS+` === '' &&
		document.querySelectorAll('#livechat-messages .lc-msg[data-sender="agent"]').length === 2`, widgetState)
}
