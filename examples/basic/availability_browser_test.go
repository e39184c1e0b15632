// The availability tests drive what the widget shows for a chat's
// availability in Chromium: the typical reply time, the return time in the
// visitor's own time zone outside office hours, the launcher hidden outside
// office hours (but kept for a visitor with an open conversation), a
// message left while offline, and the wait message with the visitor's
// place in the queue while every agent is at capacity. Each subtest builds its own site with a fixed
// clock, and its own browser context in one shared browser, whose time zone
// is set so that the return time is deterministic. Set
// LIVECHAT_SCREENSHOTS=1 to also save /tmp/livechat-offline.png and
// /tmp/livechat-queue.png.

package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/memory"
)

// availabilityTimeout is each availability test's share of the group's
// deadline.
const availabilityTimeout = 60 * time.Second

// saturdayNoon is the fixed clock of the offline tests: Saturday 28
// November 2026, 12:00 in Stockholm. With office hours on Mondays from
// 09:00 the chat opens again on Monday 30 November at 09:00 (CET, UTC+1).
var saturdayNoon = time.Date(2026, time.November, 28, 11, 0, 0, 0, time.UTC)

// availabilitySite is a help site whose chat's clock stands still.
type availabilitySite = helpSite

func newAvailabilitySite(t *testing.T, now time.Time, flows ...*flow.Chatflow) *availabilitySite {
	t.Helper()
	return newHelpSite(t, livechat.Config{Now: func() time.Time { return now }, Flows: flows})
}

// helpSite is a site with one page, /help, and a chat Handler on memory
// storage, shut down when the test ends.
type helpSite struct {
	url   string
	chat  *livechat.Handler
	store *memory.Store
}

// newHelpSite builds the site; cfg's Storage and Secret are filled in.
func newHelpSite(t *testing.T, cfg livechat.Config) *helpSite {
	t.Helper()
	store := memory.New()
	cfg.Storage = store
	cfg.Secret = make([]byte, 32)
	rand.Read(cfg.Secret)
	chat, err := livechat.New(cfg)
	if err != nil {
		store.Close()
		t.Fatalf("livechat.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	mux.HandleFunc("GET /help", func(w http.ResponseWriter, r *http.Request) {
		writeDisplayPage(w, "Help centre", "", false)
	})
	srv := httptest.NewServer(mux)
	closeOnCleanup(t, chat, srv, store)
	return &helpSite{url: srv.URL, chat: chat, store: store}
}

// availabilityFlow is a published chatflow on every page with the given
// availability settings, edited from the defaults.
func availabilityFlow(edit func(a *availability.Settings)) *flow.Chatflow {
	f := flow.New("Support")
	f.ID = "support"
	f.Display.Desktop.Behavior = flow.DesktopLauncher
	f.Options.Consent.Cookies.Enabled = false
	edit(&f.Availability)
	return f
}

// mondaysInStockholm are office hours on Mondays from 09:00 to 17:00 in
// Stockholm.
func mondaysInStockholm(a *availability.Settings) {
	a.Mode = availability.ModeOfficeHours
	a.OfficeHours = availability.OfficeHours{TimeZone: "Europe/Stockholm"}
	a.OfficeHours.Days.Set(time.Monday, availability.Range{Start: "09:00", End: "17:00"})
}

// availabilityTab opens a tab in a browser context of its own whose clock
// shows the time of zone in American English.
func availabilityTab(t *testing.T, browser context.Context, zone string) context.Context {
	t.Helper()
	tab := displayTab(t, browser)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
		t.Fatalf("set the time zone %s: %v", zone, err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_US"}); err != nil {
		t.Fatalf("set the locale: %v", err)
	}
	return tab
}

// availabilityState is JavaScript describing what the widget shows of the
// chat's availability, for failures.
const availabilityState = `JSON.stringify((() => {
	const q = s => document.querySelector(s);
	const onScreen = e => !!e && e.getClientRects().length > 0;
	const n = q('#livechat-availability'), i = q('#livechat-input');
	return {ready: !!(window.LiveChat && LiveChat.ready), root: !!q('#livechat-root'),
		launcher: onScreen(q('#livechat-launcher')), open: onScreen(q('#livechat-window')),
		prompt: !!q('#livechat-prompt'),
		notice: n && {status: n.getAttribute('data-status'), notice: n.getAttribute('data-notice'),
			role: n.getAttribute('role'), shown: onScreen(n), text: n.textContent},
		queue: (q('#livechat-queue') || {}).textContent,
		composer: !!i && onScreen(i) && !i.disabled,
		zone: Intl.DateTimeFormat().resolvedOptions().timeZone, lang: navigator.language,
		messages: [...document.querySelectorAll('#livechat-messages .lc-msg')].map(e => [e.getAttribute('data-seq'), e.getAttribute('data-state'), e.textContent])};
})())`

// noticeShows is JavaScript that is true when the availability notice is on
// screen with the given status and kind and its text matches re (a
// JavaScript regular expression).
func noticeShows(status, notice, re string) string {
	return `(() => {
		const n = document.getElementById('livechat-availability');
		return !!n && n.getClientRects().length > 0 && n.getAttribute('data-status') === ` + jsString(status) + ` &&
			n.getAttribute('data-notice') === ` + jsString(notice) + ` && ` + re + `.test(n.textContent);
	})()`
}

// openChat clicks the launcher and waits for the composer.
func openChat(t *testing.T, tab context.Context) {
	t.Helper()
	do(t, tab, "open the chat",
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
	)
}

func TestAvailability(t *testing.T) {
	runBrowserGroup(t, availabilityTimeout, []browserCase{
		{"ReplyTime", testAvailabilityReplyTime},
		{"ReturnTime", testAvailabilityReturnTime},
		{"HiddenLauncher", testAvailabilityHiddenLauncher},
		{"OfflineMessage", testAvailabilityOfflineMessage},
		{"AtCapacityQueue", testAvailabilityAtCapacity},
		{"FollowsAgents", testAvailabilityFollowsAgents},
	})
}

// A chat available 24/7 that shows its typical reply time says so in the
// window's heading, in place of the subtitle.
func testAvailabilityReplyTime(t *testing.T, browser context.Context) {
	site := newAvailabilitySite(t, saturdayNoon, availabilityFlow(func(a *availability.Settings) {
		a.Mode = availability.ModeAlways
		a.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyMinutes}
	}))
	tab := availabilityTab(t, browser, "Europe/Stockholm")
	if v := visit(t, tab, site.url+"/help"); !v.Launcher {
		t.Fatalf("want the launcher, got %v", v)
	}
	openChat(t, tab)
	waitFor(t, tab, "the reply time in the heading", noticeShows("available", "reply_time", `/^We typically reply in a few minutes$/`)+
		` && !!document.querySelector('#livechat-window .lc-header #livechat-availability')`, availabilityState)
}

// Outside office hours the window tells when the chat is back, in the
// visitor's time zone: Monday 09:00 in Stockholm is Monday 03:00 in New
// York.
func testAvailabilityReturnTime(t *testing.T, browser context.Context) {
	site := newAvailabilitySite(t, saturdayNoon, availabilityFlow(func(a *availability.Settings) {
		mondaysInStockholm(a)
		a.Offline = availability.OfflineDisplay{Behavior: availability.OfflineReturnTime}
	}))
	for zone, at := range map[string]string{"Europe/Stockholm": "09:00", "America/New_York": "03:00"} {
		tab := availabilityTab(t, browser, zone)
		if v := visit(t, tab, site.url+"/help"); !v.Launcher {
			t.Fatalf("%s: want the launcher, got %v", zone, v)
		}
		openChat(t, tab)
		waitFor(t, tab, "the return time in "+zone,
			noticeShows("offline", "return_time", `/^We're offline\. We'll be back Monday(, November 30)? at `+at+`( AM)?\.$/`)+
				` && document.getElementById('livechat-availability').getAttribute('role') === 'status'`, availabilityState)
		if s := eval[string](t, tab, availabilityState); !strings.Contains(s, `"composer":true`) {
			t.Errorf("%s: want the composer usable while offline, got %s", zone, s)
		}
		if zone == "Europe/Stockholm" {
			screenshot(t, tab, "/tmp/livechat-offline.png")
		}
	}
}

// Outside office hours with the launcher hidden, a visitor sees no chat at
// all; one with an open conversation keeps the launcher (without the
// prompt) and their conversation.
func testAvailabilityHiddenLauncher(t *testing.T, browser context.Context) {
	site := newAvailabilitySite(t, saturdayNoon, availabilityFlow(func(a *availability.Settings) {
		mondaysInStockholm(a)
		a.Offline = availability.OfflineDisplay{Behavior: availability.OfflineHideLauncher}
	}))
	tab := availabilityTab(t, browser, "Europe/Stockholm")
	v := visit(t, tab, site.url+"/help")
	time.Sleep(300 * time.Millisecond) // a late launcher would show up now
	if v = look(t, tab); v.Shown || v.Launcher || v.Prompt != nil {
		t.Fatalf("offline with the launcher hidden: want no chat, got %v", v)
	}

	// The visitor (their cookie came with the config answer) has an open
	// conversation, started through the visitor API as the widget does.
	const start = `fetch('/livechat/api/v1/visitor/conversations', {method: 'POST', credentials: 'same-origin',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({url: location.href, device: 'desktop'})})
		.then(r => r.json()).then(j => j.conversation.id + ' ' + j.conversation.status)`
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](start, chromedp.EvalAwaitPromise))
	cancel()
	require.NoError(t, err, "start a conversation")
	id, status, _ := strings.Cut(got, " ")
	require.Equal(t, "open", status, "the new conversation")
	ctx, cancel = context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	require.NoError(t, site.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada", Presence: livechat.PresenceAway}))
	_, err = site.chat.Reply(ctx, id, "ada", "r1", "We saw your question")
	require.NoError(t, err)

	if v := visit(t, tab, site.url+"/help"); !v.Launcher || v.Chatflow != "support" || v.Prompt != nil || v.Open {
		t.Fatalf("offline with the launcher hidden and an open conversation: want the launcher only, got %v", v)
	}
	openChat(t, tab)
	waitFor(t, tab, "the conversation in the window", `(() => {
		const m = document.querySelector('#livechat-messages .lc-msg[data-seq="1"][data-sender="agent"] .lc-text');
		return !!m && m.textContent === 'We saw your question';
	})()`, availabilityState)
}

// A visitor writes while the chat is offline: the message is stored like
// any other and the notice stays.
func testAvailabilityOfflineMessage(t *testing.T, browser context.Context) {
	site := newAvailabilitySite(t, saturdayNoon, availabilityFlow(mondaysInStockholm))
	const text = "Do you ship to Norway?"
	tab := availabilityTab(t, browser, "Europe/Stockholm")
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the offline notice", noticeShows("offline", "return_time", `/Monday/`), availabilityState)
	do(t, tab, "write while offline",
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), text),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tab, "the message sent, the notice still shown", `(() => {
		const m = document.querySelector('#livechat-messages .lc-msg[data-seq="1"][data-sender="visitor"]');
		return !!m && m.getAttribute('data-state') === 'sent' && m.querySelector('.lc-text').textContent === `+jsString(text)+`;
	})() && `+noticeShows("offline", "return_time", `/Monday/`), availabilityState)

	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	convs, err := site.chat.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1, "conversations")
	checkStored(t, ctx, site.chat, convs[0].ID, []storedMessage{{livechat.SenderVisitor, text}})
}

// While the only agent is at their limit the window shows the wait
// message; a visitor who writes waits in the queue and sees their place in
// it until the agent has room and takes the conversation.
func testAvailabilityAtCapacity(t *testing.T, browser context.Context) {
	site := newAvailabilitySite(t, saturdayNoon, availabilityFlow(func(a *availability.Settings) {
		a.Mode = availability.ModeAlways
		a.AtCapacity = availability.AtCapacityDisplay{Behavior: availability.AtCapacityWaitMessage}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	// Ada is available (her inbox was connected just now) and busy with
	// another visitor's conversation, her limit.
	require.NoError(t, site.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada",
		Presence: livechat.PresenceAvailable, LastSeenAt: saturdayNoon, Capacity: 1}))
	require.NoError(t, site.store.CreateVisitor(ctx, &livechat.Visitor{ID: "other", CreatedAt: saturdayNoon, LastSeenAt: saturdayNoon}))
	other, _, err := site.chat.StartConversation(ctx, "other", site.url+"/help")
	require.NoError(t, err)
	require.Equal(t, "ada", other.AssigneeID, "the other visitor's conversation")

	tab := availabilityTab(t, browser, "Europe/Stockholm")
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the wait message", noticeShows("at_capacity", "wait_message", `/^All our agents are busy\. We'll be with you shortly\.$/`)+
		` && document.getElementById('livechat-queue').hidden`, availabilityState)
	do(t, tab, "write while everyone is busy",
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), "Anyone there?"),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tab, "the place in the queue", `(() => {
		const q = document.getElementById('livechat-queue');
		return !!q && !q.hidden && q.getClientRects().length > 0 && q.textContent === 'You are number 1 in the queue';
	})()`, availabilityState)
	screenshot(t, tab, "/tmp/livechat-queue.png")

	// Ada closes the other conversation and gets the waiting one.
	_, err = site.chat.CloseConversation(stepCtx(t), other.ID, "ada")
	require.NoError(t, err)
	waitFor(t, tab, "the queue line gone", `document.getElementById('livechat-queue').hidden`, availabilityState)
	convs, err := site.chat.Conversations(stepCtx(t), livechat.ConversationFilter{VisitorID: "", Status: livechat.StatusOpen})
	require.NoError(t, err)
	require.Len(t, convs, 1, "open conversations")
	require.Equal(t, "ada", convs[0].AssigneeID, "the waiting conversation after Ada had room")
}

// The notice in the open chat follows the availability the server reports
// now, not the one when the chat loaded: the away message while nobody is
// available gives way to the reply time once an agent is, when the window
// opens again.
func testAvailabilityFollowsAgents(t *testing.T, browser context.Context) {
	site := newAvailabilitySite(t, saturdayNoon, availabilityFlow(func(a *availability.Settings) {
		a.Mode = availability.ModeAgents
		a.Away = availability.AwayDisplay{ShowChat: true}
		a.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyMinutes}
	}))
	tab := availabilityTab(t, browser, "Europe/Stockholm")
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the away message", noticeShows("away", "away_message", `/away/`)+
		` && document.getElementById('livechat-input').placeholder !== ''`, availabilityState)
	away := eval[string](t, tab, `document.getElementById('livechat-input').placeholder`)

	require.NoError(t, site.store.PutAgent(stepCtx(t), &livechat.Agent{ID: "ada", Name: "Ada",
		Presence: livechat.PresenceAvailable, LastSeenAt: saturdayNoon}))
	time.Sleep(1100 * time.Millisecond) // the chat asks at most once a second
	do(t, tab, "minimise the chat", chromedp.Click(chromedp.CSS("#livechat-window .lc-min")))
	openChat(t, tab)
	waitFor(t, tab, "the reply time in the heading, the away message gone",
		noticeShows("available", "reply_time", `/^We typically reply in a few minutes$/`)+
			` && !!document.querySelector('#livechat-window .lc-header #livechat-availability') && !document.querySelector('#livechat-window .lc-notice')`+
			` && document.getElementById('livechat-input').placeholder !== `+jsString(away), availabilityState)
}
