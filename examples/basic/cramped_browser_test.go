// The cramped tests open the chat where it has the least room: a desktop
// window 800 px tall and phones of 375×667 and 320×568, also with the
// on-screen keyboard open (a visual viewport much shorter), while the
// cookie banner, the data-processing consent and the email form all show,
// and while the satisfaction survey shows. In every state the visitor
// still reads the conversation in a message list at least listMinHeight
// tall, sees the composer (or the ended conversation's survey), and
// reaches the cookie banner's buttons and the consent text.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
)

// crampedTimeout is each cramped test's share of the group's deadline.
const crampedTimeout = 90 * time.Second

// listMinHeight is the least height of the message list the widget keeps,
// in CSS pixels: about three short messages. web/chat.css sets it.
const listMinHeight = 140

// crampedScreen is a window size the chat is checked in.
type crampedScreen struct {
	name          string
	width, height int64
	mobile        bool
}

// crampedScreens are a desktop window and two phones, each phone also
// with its on-screen keyboard open.
var crampedScreens = []crampedScreen{
	{"desktop 1280×800", 1280, 800, false},
	{"phone 375×667", 375, 667, true},
	{"phone 320×568", 320, 568, true},
	{"phone 375×667 with the keyboard open", 375, 380, true},
	{"phone 320×568 with the keyboard open", 320, 300, true},
}

func TestCramped(t *testing.T) {
	runBrowserGroup(t, crampedTimeout, []browserCase{
		{"Pricing", testCrampedPricing},
		{"Notices", testCrampedNotices},
		{"Typing", testCrampedTyping},
		{"Survey", testCrampedSurvey},
	})
}

// crampedLayout is what the chat window shows, in CSS pixels.
type crampedLayout struct {
	Window   float64 `json:"window"`   // the window's height
	List     float64 `json:"list"`     // the message list's height
	ListSeen float64 `json:"listSeen"` // how much of it shows, not covered by the composer
	Composer bool    `json:"composer"` // the composer shows whole in the window
	Parts    string  `json:"parts"`    // each part's height, for failures
}

// crampedLayoutJS measures the chat window.
const crampedLayoutJS = `JSON.stringify((() => {
	const q = s => document.querySelector(s), r = e => e.getBoundingClientRect();
	const w = r(q('#livechat-window')), l = r(q('#livechat-messages')), f = q('.lc-composer');
	const c = f && f.getClientRects().length ? r(f) : null;
	const pane = r(q('#livechat-chat'));
	const top = Math.max(l.top, pane.top, w.top), bottom = Math.min(l.bottom, c ? c.top : pane.bottom, w.bottom);
	const parts = [...q('#livechat-chat').children].filter(e => e.getClientRects().length)
		.map(e => (e.id || e.className) + '=' + Math.round(r(e).height)).join(' ');
	return {window: w.height, list: l.height, listSeen: Math.max(0, bottom - top),
		composer: !!c && c.top >= w.top - 0.5 && c.bottom <= Math.min(w.bottom, visualViewport.height) + 0.5, parts};
})())`

// crampedLook measures the chat window in a tab.
func crampedLook(t *testing.T, tab context.Context) crampedLayout {
	t.Helper()
	var l crampedLayout
	require.NoError(t, json.Unmarshal([]byte(eval[string](t, tab, crampedLayoutJS)), &l))
	return l
}

// screenSize sets a tab's window to s.
func screenSize(t *testing.T, tab context.Context, s crampedScreen) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if s.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	do(t, tab, "a window of "+s.name, chromedp.EmulateViewport(s.width, s.height, opts...))
	waitFor(t, tab, "the window fits "+s.name, fmt.Sprintf(`(() => { const w = document.getElementById('livechat-window').getBoundingClientRect();
		return innerWidth === %d && w.bottom <= visualViewport.height + 0.5; })()`, s.width), crampedLayoutJS)
}

// reachJS is JavaScript that brings the element of a selector into view
// as a visitor would (the focus for a control, scrolling for a text) and
// says whether it then shows in the chat window, not covered.
const reachJS = `(sel => {
	const e = document.querySelector(sel), w = document.getElementById('livechat-window').getBoundingClientRect();
	if (!e || !e.getClientRects().length) return false;
	if (e.tabIndex >= 0 && !e.disabled) e.focus(); else e.scrollIntoView({block: 'nearest'});
	const r = e.getClientRects()[0], x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 8);
	if (r.top < w.top - 0.5 || r.top + Math.min(r.height, 16) > Math.min(w.bottom, visualViewport.height) + 0.5) return false;
	const hit = document.elementFromPoint(x, y);
	return !!hit && (hit === e || e.contains(hit));
})`

// checkReach fails unless each selector's element can be brought into view.
func checkReach(t *testing.T, tab context.Context, where string, sels ...string) {
	t.Helper()
	for _, sel := range sels {
		if !eval[bool](t, tab, reachJS+"("+jsString(sel)+")") {
			t.Errorf("%s: %s cannot be brought into view: %s", where, sel, eval[string](t, tab, crampedLayoutJS))
		}
	}
}

// checkRoom fails when the message list is shorter than listMinHeight or,
// with seen, shows less than that; and, with composer, when the composer
// does not show whole.
func checkRoom(t *testing.T, tab context.Context, where string, seen, composer bool) {
	t.Helper()
	// The window follows a new size once the browser has told the page.
	var l crampedLayout
	for range 20 {
		if l = crampedLook(t, tab); l.List >= listMinHeight-0.5 && (!seen || l.ListSeen >= listMinHeight-0.5) && (!composer || l.Composer) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	if l.List < listMinHeight-0.5 || seen && l.ListSeen < listMinHeight-0.5 {
		t.Errorf("%s: the message list is %.0f px tall, %.0f px of it in view; want at least %d: %+v", where, l.List, l.ListSeen, listMinHeight, l)
	}
	if composer && !l.Composer {
		t.Errorf("%s: the composer does not show whole: %+v", where, l)
	}
}

// testCrampedPricing opens the demo site's sales chat on /pricing on a
// first visit, with what its settings show at the time the test runs
// (the cookie banner, the consent text, and the email form outside office
// hours).
func testCrampedPricing(t *testing.T, browser context.Context) {
	site := newBrowserSite(t)
	t.Cleanup(func() { site.close(t) })
	tab := displayTab(t, browser)
	visit(t, tab, site.srv.URL+"/pricing")
	openChat(t, tab)
	waitFor(t, tab, "the cookie banner and the consent", `['livechat-cookies', 'livechat-consent'].every(id => {
		const e = document.getElementById(id); return !!e && e.getClientRects().length > 0; })`, consentState)
	for _, s := range crampedScreens {
		screenSize(t, tab, s)
		checkRoom(t, tab, s.name, false, true)
		checkReach(t, tab, s.name, "#livechat-cookies p", "#livechat-cookies-accept", "#livechat-cookies-decline", "#livechat-consent p")
	}
}

// testCrampedNotices opens the chat on a first visit with the defaults
// (cookie banner before the chat, explicit consent to processing) and the
// email asked before the first message.
func testCrampedNotices(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Options.Consent = flow.New("Defaults").Options.Consent
		f.Options.Consent.Processing.Kind = consent.ProcessingExplicit
		f.Options.Consent.Processing.PrivacyPolicyURL = "/privacy"
		f.Build.EmailCapture.Mode = flow.EmailBeforeFirstMessage
	})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the cookie banner, the consent and the email form", `['livechat-cookies', 'livechat-consent', 'livechat-email'].every(id => {
		const e = document.getElementById(id); return !!e && e.getClientRects().length > 0; })`, consentState)
	for _, s := range crampedScreens {
		screenSize(t, tab, s)
		checkRoom(t, tab, s.name, false, true)
		checkReach(t, tab, s.name, "#livechat-cookies p", "#livechat-cookies-accept", "#livechat-cookies-decline",
			"#livechat-consent p", "#livechat-consent a", "#livechat-agree", "#livechat-email-input", "#livechat-email-submit",
			"#livechat-messages")
		checkRoom(t, tab, s.name+", the controls reached", false, true)
	}
	// The chat scrolling in the shortest window, as axe-core meets it.
	if os.Getenv("LIVECHAT_AXE") != "" || os.Getenv("CI") != "" {
		checkAxe(t, tab, "the chat window scrolling with the keyboard open")
	}
}

// testCrampedTyping writes in the composer, the keyboard open on phones,
// while the cookie banner, the processing notice (legitimate interest)
// and the email form asked after the first message all show.
func testCrampedTyping(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Options.Consent = flow.New("Defaults").Options.Consent
		f.Options.Consent.Processing.Kind = consent.ProcessingLegitimateInterest
		f.Build.EmailCapture.Mode = flow.EmailAfterFirstMessage
	})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	send(t, tab, "Do you ship to Norway?")
	waitFor(t, tab, "the cookie banner, the notice and the email form", `['livechat-cookies', 'livechat-consent', 'livechat-email'].every(id => {
		const e = document.getElementById(id); return !!e && e.getClientRects().length > 0; })`, consentState)
	for _, s := range crampedScreens {
		eval[bool](t, tab, `(document.getElementById('livechat-input').focus(), true)`)
		screenSize(t, tab, s)
		checkRoom(t, tab, s.name+", writing", true, true)
		checkReach(t, tab, s.name, "#livechat-cookies-accept", "#livechat-cookies-decline", "#livechat-consent p",
			"#livechat-email-input", "#livechat-input")
	}
}

// testCrampedSurvey shows the satisfaction survey of an ended
// conversation.
func testCrampedSurvey(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Options.SurveyID = "csat"
	})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	send(t, tab, "Where is my order?")
	cs := site.conversations(t)
	require.Len(t, cs, 1, "conversations")
	_, err := site.chat.CloseConversation(stepCtx(t), cs[0].ID, "")
	require.NoError(t, err)
	waitFor(t, tab, "the survey", `(() => { const s = document.getElementById('livechat-survey'); return !!s && s.getClientRects().length > 0; })()`, consentState)
	for _, s := range crampedScreens {
		screenSize(t, tab, s)
		eval[bool](t, tab, `(document.getElementById('livechat-messages').scrollIntoView({block: 'nearest'}), true)`)
		checkRoom(t, tab, s.name, true, false)
		checkReach(t, tab, s.name, "#livechat-survey-q", `#livechat-survey [data-rating="1"]`, `#livechat-survey [data-rating="5"]`,
			"#livechat-survey-comment", "#livechat-survey .lc-skip", ".lc-new")
	}
}
