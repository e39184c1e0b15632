// The display tests drive the widget's display behaviour in Chromium: which
// chatflow a page view gets (targeting, exclusions, the device), the
// welcome prompt, the three triggers, the phone behaviour, the minimise
// memory, the brand alias and the admin preview. Each subtest builds its
// own site (a few plain pages and a Handler with its chatflows) and opens
// its own browser context (cookies and storage of its own) in one shared
// browser.

package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/targeting"
)

// displayTimeout is each display test's share of the group's deadline.
const displayTimeout = 60 * time.Second

// displayPages are the pages of a display test site, by path, with their
// titles. /long is tall enough to scroll.
var displayPages = map[string]string{
	"/pricing":       "Pricing",
	"/pricing/plans": "Plans",
	"/privacy":       "Privacy policy",
	"/long":          "A long article",
	"/help":          "Help centre",
}

// writeDisplayPage writes a plain page that includes the widget, with an
// input that tests focus; preview names a chatflow for data-preview. The
// page notes when (performance.now(), in ms) the prompt first shows its
// text and the window first opens, in window.promptAt and window.openedAt,
// and when the prompt first comes into the page, in window.promptInAt, so
// that timings do not depend on how fast the test polls.
func writeDisplayPage(w http.ResponseWriter, title, preview string, tall bool) {
	filler, attr := "", ""
	if tall {
		filler = `<div style="height: 5000px">…</div>`
	}
	if preview != "" {
		attr = ` data-preview="` + html.EscapeString(preview) + `"`
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>%[1]s</title></head><body>
<h1>%[1]s</h1><p><label>Search <input id="search"></label></p>%[2]s
<script>
window.promptAt = window.openedAt = window.promptInAt = null;
new MutationObserver(() => {
	const p = document.querySelector('#livechat-prompt .lc-text'), w = document.getElementById('livechat-window');
	if (promptInAt === null && p) promptInAt = performance.now();
	if (promptAt === null && p && p.textContent) promptAt = performance.now();
	if (openedAt === null && w && !w.hidden) openedAt = performance.now();
}).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden']});
</script>
<script%[3]s src="/livechat/widget.js" async></script>
</body></html>`, html.EscapeString(title), filler, attr)
}

// displaySite is a test site with a chat Handler serving flows.
type displaySite struct {
	url   string
	chat  *livechat.Handler
	store *memory.Store
}

// managerCookie signs the browser in as an agent who may manage chatflows
// (and so preview them); /signin sets it.
const managerCookie = "test_agent"

func newDisplaySite(t *testing.T, flows ...*flow.Chatflow) *displaySite {
	t.Helper()
	store := memory.New()
	secret := make([]byte, 32)
	rand.Read(secret)
	chat, err := livechat.New(livechat.Config{
		Storage: store,
		Secret:  secret,
		Flows:   flows,
		AgentAuth: func(r *http.Request) (*livechat.Agent, error) {
			if c, err := r.Cookie(managerCookie); err == nil && c.Value == "manager" {
				return &livechat.Agent{ID: "manager", Name: "Mona Manager", Permissions: []string{livechat.PermissionManageChatflows}}, nil
			}
			return nil, errors.New("not signed in")
		},
	})
	if err != nil {
		store.Close()
		t.Fatalf("livechat.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	for path, title := range displayPages {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			writeDisplayPage(w, title, "", path == "/long")
		})
	}
	mux.HandleFunc("GET /preview/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeDisplayPage(w, "Preview", r.PathValue("id"), false)
	})
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: managerCookie, Value: "manager", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		writeDisplayPage(w, "Signed in", "", false)
	})
	srv := httptest.NewServer(mux)
	closeOnCleanup(t, chat, srv, store)
	return &displaySite{url: srv.URL, chat: chat, store: store}
}

// chatflow is a published chatflow with the given id and targeting, its
// welcome message "Hi from <id>", changed by edit.
func chatflow(id string, target targeting.Rules, edit func(f *flow.Chatflow)) *flow.Chatflow {
	f := flow.New("Chat " + id)
	f.ID = id
	f.Enabled = true
	f.Target = target
	f.Build.Welcome = "Hi from " + id
	f.Options.Consent.Cookies.Enabled = false
	if edit != nil {
		edit(f)
	}
	return f
}

// pathStartsWith targets the pages whose path starts with one of prefixes.
func pathStartsWith(prefixes ...string) targeting.Rules {
	var r targeting.Rules
	for _, p := range prefixes {
		r.Groups = append(r.Groups, targeting.Group{Rules: []targeting.Rule{{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: p}}})
	}
	return r
}

// displayTab opens a tab in a browser context of its own, closed when the
// test ends; uncaught JavaScript exceptions fail the test.
func displayTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(tab); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	stop := watchConsole(t, tab, t.Name())
	t.Cleanup(func() { cancel(); stop() })
	return tab
}

// phone makes a tab a phone: a narrow touch screen.
func phone(t *testing.T, tab context.Context) {
	t.Helper()
	do(t, tab, "emulate a phone", chromedp.EmulateViewport(375, 700, chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// widgetView is what the page shows of the widget.
type widgetView struct {
	Path     string  `json:"path"`
	Ready    bool    `json:"ready"`    // the config call has been answered
	Shown    bool    `json:"shown"`    // the widget is in the page
	Chatflow string  `json:"chatflow"` // data-chatflow
	Device   string  `json:"device"`   // data-device
	Title    string  `json:"title"`    // the window's title
	Accent   string  `json:"accent"`   // the launcher's colour
	Launcher bool    `json:"launcher"` // the launcher is on screen
	Open     bool    `json:"open"`     // the window is on screen
	Prompt   *string `json:"prompt"`   // the prompt's text; nil without a prompt
	Focus    string  `json:"focus"`    // the id (or tag) of the focused element
	Time     float64 `json:"time"`     // milliseconds since the page started loading
	PromptAt float64 `json:"promptAt"` // when the prompt first showed its text; 0: never
	OpenedAt float64 `json:"openedAt"` // when the window first opened; 0: never
	PromptIn float64 `json:"promptIn"` // when the prompt first came into the page; 0: never
}

// viewJS is JavaScript that returns a widgetView as JSON.
const viewJS = `(() => {
	const q = s => document.querySelector(s);
	const onScreen = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
	const root = q('#livechat-root'), launcher = q('#livechat-launcher'), win = q('#livechat-window'), p = q('#livechat-prompt');
	const a = document.activeElement;
	return JSON.stringify({
		path: location.pathname, ready: !!(window.LiveChat && LiveChat.ready), shown: !!root,
		chatflow: root ? root.getAttribute('data-chatflow') || '' : '', device: root ? root.getAttribute('data-device') || '' : '',
		title: win ? win.getAttribute('aria-label') : '', accent: launcher ? getComputedStyle(launcher).backgroundColor : '',
		launcher: onScreen(launcher), open: onScreen(win),
		prompt: onScreen(p) ? (p.querySelector('.lc-text') || {}).textContent || '' : null,
		focus: a ? a.id || a.tagName : '', time: performance.now(), promptAt: window.promptAt || 0, openedAt: window.openedAt || 0,
		promptIn: window.promptInAt || 0});
})()`

func look(t *testing.T, tab context.Context) widgetView {
	t.Helper()
	var v widgetView
	if err := json.Unmarshal([]byte(eval[string](t, tab, viewJS)), &v); err != nil {
		t.Fatalf("decode the widget view: %v", err)
	}
	return v
}

func (v widgetView) String() string {
	b, _ := json.Marshal(v)
	return string(b)
}

// visit opens a page and waits until the widget has its config answer and,
// when it shows a chat, its styles.
func visit(t *testing.T, tab context.Context, url string) widgetView {
	t.Helper()
	do(t, tab, "open "+url, chromedp.Navigate(url))
	waitFor(t, tab, "the widget's config answer on "+url, `!!(window.LiveChat && LiveChat.ready) &&
		(!document.getElementById('livechat-root') || document.getElementById('livechat-root').style.display !== 'none')`, viewJS)
	return look(t, tab)
}

// waitUntilPageTime sleeps until the page has been loading for ms.
func waitUntilPageTime(t *testing.T, tab context.Context, ms float64) {
	t.Helper()
	if v := look(t, tab); v.Time < ms {
		time.Sleep(time.Duration(ms-v.Time) * time.Millisecond)
	}
}

const openJS = `(() => { const w = document.getElementById('livechat-window'); return !!w && w.getClientRects().length > 0; })()`

func TestDisplay(t *testing.T) {
	runBrowserGroup(t, displayTimeout, []browserCase{
		{"Targeting", testDisplayTargeting},
		{"Prompt", testDisplayPrompt},
		{"TimeOnPage", testDisplayTimeOnPage},
		{"Scroll", testDisplayScroll},
		{"ExitIntent", testDisplayExitIntent},
		{"PhoneBehaviour", testDisplayPhone},
		{"TabletOrPhone", testDisplayTabletOrPhone},
		{"PhoneNeverOpensByItself", testDisplayPhoneNoAutoOpen},
		{"MinimisedStaysMinimised", testDisplayMinimised},
		{"BrandAlias", testDisplayBrandAlias},
		{"Preview", testDisplayPreview},
	})
}

// A chatflow targeted at /pricing* shows there and not elsewhere; its
// exclusion wins over its targeting; another page gets another chatflow.
func testDisplayTargeting(t *testing.T, browser context.Context) {
	pricing := chatflow("pricing", pathStartsWith("/pricing"), func(f *flow.Chatflow) {
		f.Target.Exclude = []targeting.Rule{{Field: targeting.FieldPath, Op: targeting.OpContains, Value: "plans"}}
		f.Display.AccentColor = "#aa3300"
		f.Display.Heading.Title = "Sales"
		f.Display.Desktop.Behavior = flow.DesktopLauncher
	})
	support := chatflow("support", pathStartsWith("/help"), func(f *flow.Chatflow) {
		f.Display.Heading.Title = "Support"
	})
	site := newDisplaySite(t, pricing, support)
	tab := displayTab(t, browser)

	v := visit(t, tab, site.url+"/pricing")
	if !v.Shown || !v.Launcher || v.Chatflow != "pricing" || v.Device != "desktop" || v.Open || v.Prompt != nil {
		t.Errorf("/pricing: want the pricing chatflow's launcher only (desktop), got %v", v)
	}
	if v.Accent != "rgb(170, 51, 0)" {
		t.Errorf("/pricing: the launcher is %s, want the accent colour #aa3300", v.Accent)
	}
	if title := windowTitle(t, tab); title != "Sales" {
		t.Errorf("/pricing: the window's title is %q, want Sales", title)
	}
	for _, path := range []string{"/privacy", "/pricing/plans"} {
		if v := visit(t, tab, site.url+path); v.Shown {
			t.Errorf("%s: want no chat, got %v", path, v)
		}
	}
	v = visit(t, tab, site.url+"/help")
	if !v.Launcher || v.Chatflow != "support" {
		t.Errorf("/help: want the support chatflow, got %v", v)
	}
	if v.Prompt == nil || *v.Prompt == "" {
		waitFor(t, tab, "the support prompt", `(document.querySelector('#livechat-prompt .lc-text') || {}).textContent === 'Hi from support'`, viewJS)
	}
	if title := windowTitle(t, tab); title != "Support" {
		t.Errorf("/help: the window's title is %q, want Support", title)
	}
}

// windowTitle opens the chat as the host's LiveChat.open() does, reads the
// window's title (the window comes with the chat, on the first open) and
// closes it again as LiveChat.close() does, which minimises nothing.
func windowTitle(t *testing.T, tab context.Context) string {
	t.Helper()
	eval[bool](t, tab, `LiveChat.open(), true`)
	waitFor(t, tab, "the window", openJS, viewJS)
	title := look(t, tab).Title
	eval[bool](t, tab, `LiveChat.close(), true`)
	waitFor(t, tab, "the window closed", `!`+openJS, viewJS)
	return title
}

// The prompt is a polite live region above the launcher: clicking it opens
// the chat with the focus in the composer; its × dismisses it for the
// visit without minimising the chat.
func testDisplayPrompt(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("sales", targeting.Rules{}, nil)) // desktop behaviour: prompt
	const promptShown = `(() => {
		const p = document.getElementById('livechat-prompt'), x = document.getElementById('livechat-prompt-close');
		const r = p && p.getBoundingClientRect(), l = document.getElementById('livechat-launcher').getBoundingClientRect();
		return !!p && p.getAttribute('aria-live') === 'polite' && p.querySelector('.lc-text').textContent === 'Hi from sales' &&
			!!x && !!x.getAttribute('aria-label') && r.bottom <= l.top && r.right > l.left;
	})()`

	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	waitFor(t, tab, "the prompt above the launcher", promptShown, viewJS)
	do(t, tab, "click the prompt", chromedp.Click(chromedp.CSS("#livechat-prompt .lc-text")))
	waitFor(t, tab, "the window open, the focus in the composer, no prompt",
		openJS+` && document.activeElement.id === 'livechat-input' && !document.getElementById('livechat-prompt')`, viewJS)

	tab = displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	waitFor(t, tab, "the prompt above the launcher", promptShown, viewJS)
	do(t, tab, "dismiss the prompt", chromedp.Click(chromedp.CSS("#livechat-prompt-close")))
	waitFor(t, tab, "the prompt gone, the window closed, the focus on the launcher",
		`!document.getElementById('livechat-prompt') && !`+openJS+` && document.activeElement.id === 'livechat-launcher'`, viewJS)
	if c := eval[string](t, tab, `document.cookie`); strings.Contains(c, "livechat_minimized") {
		t.Errorf("dismissing the prompt minimised the chat: %s", c)
	}
	if v := visit(t, tab, site.url+"/pricing"); !v.Launcher || v.Prompt != nil {
		t.Errorf("the next page after dismissing the prompt: want the launcher only, got %v", v)
	}
}

// A 5-second time-on-page trigger opens the chat, not before 5 s of the
// page's own time (performance.now, which a busy machine slows with the
// page), even where timers fire early, without taking the focus. A prompt
// in the page well before then shows its text before the window opens; on
// a machine so busy that the widget comes after 5 s, the chat opens at
// once, with no prompt to show. (5 s and not less: a page load alone has
// taken over 2 s here.)
func testDisplayTimeOnPage(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("timed", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{SecondsOnPage: 5}}
	}))
	tab := displayTab(t, browser)
	// Timers fire up to a second early (a coarse clock errs by less): the
	// trigger still waits for its page time.
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `{ const st = window.setTimeout; window.setTimeout = (f, d, ...a) => st(f, Math.max(0, (+d || 0) - 1000), ...a); }`})
	require.NoError(t, err)
	visit(t, tab, site.url+"/pricing")
	do(t, tab, "focus the page's search field", chromedp.Focus(chromedp.CSS("#search")))
	waitFor(t, tab, "the trigger", openJS, viewJS)
	v := look(t, tab)
	switch {
	case v.OpenedAt < 5000:
		t.Errorf("the window opened at %.1f ms of page time, want 5 s or later: %v", v.OpenedAt, v)
	case v.PromptIn != 0 && v.PromptIn < 4900 && (v.PromptAt == 0 || v.PromptAt > v.OpenedAt):
		// The prompt's text comes 50 ms after the prompt: due before the trigger.
		t.Errorf("want the prompt's text before the window opens, got %v", v)
	}
	if v.Focus != "search" || v.Prompt != nil {
		t.Errorf("the opened chat took the focus or kept the prompt: %v", v)
	}
}

// A 50 % scroll trigger opens the chat once half the page is scrolled, and
// not before.
func testDisplayScroll(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("scroll", pathStartsWith("/long"), func(f *flow.Chatflow) {
		f.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{ScrollPercent: 50}}
	}))
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/long")
	const percent = `(scrollY + innerHeight) / document.documentElement.scrollHeight * 100`
	p := eval[float64](t, tab, `scrollTo(0, 200), `+percent)
	time.Sleep(300 * time.Millisecond)
	if v := look(t, tab); v.OpenedAt != 0 || p >= 50 {
		t.Fatalf("scrolled to %.0f %%: want the chat closed, got %v", p, v)
	}
	p = eval[float64](t, tab, `scrollTo(0, document.documentElement.scrollHeight * 0.4), `+percent)
	if p < 50 {
		t.Fatalf("scrolled to only %.0f %%", p)
	}
	waitFor(t, tab, fmt.Sprintf("the chat to open at %.0f %% scrolled", p), openJS, viewJS)
	if v := look(t, tab); v.Focus == "livechat-input" {
		t.Errorf("the scroll trigger took the focus: %v", v)
	}
}

// Exit intent opens the chat when the pointer leaves through the top of
// the window, not through a side.
func testDisplayExitIntent(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("exit", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{ExitIntent: true}}
	}))
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/pricing")
	move := func(x, y float64) chromedp.Action[chromedp.Void] {
		return chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)
	}
	do(t, tab, "leave through the left side", move(300, 200), move(5, 200), move(-1, 200))
	time.Sleep(300 * time.Millisecond)
	if v := look(t, tab); v.Open {
		t.Fatalf("the pointer left through a side: want the chat closed, got %v", v)
	}
	do(t, tab, "leave through the top", move(300, 200), move(300, 5), move(300, -1))
	waitFor(t, tab, "exit intent to open the chat", openJS, viewJS)
}

// On a phone the chatflow's mobile behaviour applies (launcher only here),
// on a desktop its desktop behaviour (the prompt).
func testDisplayPhone(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("sales", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Desktop.Behavior = flow.DesktopPrompt
		f.Display.Mobile.Behavior = flow.MobileLauncher
	}))
	phoneTab := displayTab(t, browser)
	phone(t, phoneTab)
	if v := visit(t, phoneTab, site.url+"/help"); v.Device != "mobile" || !v.Launcher || v.Prompt != nil || v.Open {
		t.Errorf("phone: want the launcher only on a mobile device, got %v", v)
	}
	desktopTab := displayTab(t, browser)
	visit(t, desktopTab, site.url+"/help")
	waitFor(t, desktopTab, "the prompt on a desktop", `(() => {
		const p = document.querySelector('#livechat-prompt');
		return !!p && p.getClientRects().length > 0 && p.querySelector('.lc-text').textContent === 'Hi from sales' &&
			document.getElementById('livechat-root').getAttribute('data-device') === 'desktop';
	})()`, viewJS)
}

// Touch screens are phones or tablets by their shorter side, whichever way
// they are held: a phone on its side is still a phone, a small tablet
// (an iPad mini, 744 px across) still a tablet. A tablet gets the desktop
// behaviour (the prompt here); a phone its own (the launcher only).
func testDisplayTabletOrPhone(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("sales", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Desktop.Behavior = flow.DesktopPrompt
		f.Display.Mobile.Behavior = flow.MobileLauncher
	}))
	for _, tc := range []struct {
		name          string
		width, height int64
		want          string
	}{
		{"PhoneUpright", 390, 844, "mobile"},
		{"PhoneOnItsSide", 915, 412, "mobile"},
		{"SmallTabletUpright", 744, 1133, "tablet"},
		{"TabletUpright", 768, 1024, "tablet"},
		{"TabletOnItsSide", 1180, 820, "tablet"},
	} {
		tab := displayTab(t, browser)
		do(t, tab, "emulate "+tc.name, chromedp.EmulateViewport(tc.width, tc.height, chromedp.EmulateMobile, chromedp.EmulateTouch))
		v := visit(t, tab, site.url+"/help")
		if v.Device != tc.want {
			t.Errorf("%s (%d × %d): the widget sees a %q, want %q (%v)", tc.name, tc.width, tc.height, v.Device, tc.want, v)
			continue
		}
		if tc.want == "tablet" {
			waitFor(t, tab, "the prompt on a "+tc.name, `!!document.querySelector('#livechat-prompt .lc-text') && document.querySelector('#livechat-prompt .lc-text').textContent === 'Hi from sales'`, viewJS)
		} else if v.Prompt != nil || !v.Launcher {
			t.Errorf("%s: want the launcher only, got %v", tc.name, v)
		}
	}
}

// A chatflow targeted at phones (the device the widget reports) shows the
// prompt there and never opens by itself, whatever its desktop triggers.
func testDisplayPhoneNoAutoOpen(t *testing.T, browser context.Context) {
	trigger := func(f *flow.Chatflow) {
		f.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{SecondsOnPage: 1, ExitIntent: true, ScrollPercent: 10}}
		f.Display.Mobile.Behavior = flow.MobilePrompt
	}
	everywhere := chatflow("everywhere", targeting.Rules{}, trigger)
	phones := chatflow("phones", targeting.Rules{Groups: []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldDevice, Op: targeting.OpIs, Value: "mobile"},
	}}}}, trigger)
	phones.Priority = 10
	site := newDisplaySite(t, everywhere, phones)
	tab := displayTab(t, browser)
	phone(t, tab)
	v := visit(t, tab, site.url+"/long")
	if v.Chatflow != "phones" || v.Device != "mobile" {
		t.Errorf("phone: want the phones chatflow on a mobile device, got %v", v)
	}
	waitFor(t, tab, "the prompt on the phone", `(document.querySelector('#livechat-prompt .lc-text') || {}).textContent === 'Hi from phones'`, viewJS)
	eval[bool](t, tab, `scrollTo(0, document.documentElement.scrollHeight / 2), true`)
	waitUntilPageTime(t, tab, 1800)
	if v := look(t, tab); v.OpenedAt != 0 || v.Prompt == nil {
		t.Errorf("phone after 1.8 s and a scroll: want the prompt and a closed window, got %v", v)
	}
}

// A visitor who minimises the chat is left alone on the next pages: no
// reopening, no prompt, no trigger, until they open it themselves.
func testDisplayMinimised(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("sales", pathStartsWith("/pricing", "/help"), func(f *flow.Chatflow) {
		f.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{SecondsOnPage: 1}}
	}))
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/pricing")
	waitFor(t, tab, "the trigger to open the chat", openJS, viewJS)
	do(t, tab, "minimise", chromedp.Click(chromedp.CSS("#livechat-window .lc-min")))
	waitFor(t, tab, "the window to close, the focus on the launcher",
		`!`+openJS+` && document.activeElement.id === 'livechat-launcher'`, viewJS)

	// document.cookie hands the cookie to the browser's cookie store
	// without waiting, so the store has it a moment later.
	var c *network.Cookie
	deadline := time.Now().Add(stepTimeout)
	for c == nil && time.Now().Before(deadline) {
		cookies, err := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: []string{site.url + "/help"}})
		require.NoError(t, err)
		for _, k := range cookies.Cookies {
			if k.Name == "livechat_minimized" {
				c = k
			}
		}
		if c == nil {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if c == nil {
		t.Fatalf("no livechat_minimized cookie after minimising")
	}
	left := time.Until(time.Unix(int64(c.Expires), 0))
	if c.Value != "1" || c.Path != "/" || c.SameSite != network.CookieSameSiteLax || c.Secure || c.HTTPOnly ||
		math.Abs(left.Hours()-24) > 0.1 {
		t.Errorf("livechat_minimized cookie: got value %q path %q SameSite %q secure %v httpOnly %v, expiring in %v; want 1, /, Lax, not secure on http, 24 h",
			c.Value, c.Path, c.SameSite, c.Secure, c.HTTPOnly, left.Round(time.Minute))
	}

	v := visit(t, tab, site.url+"/help")
	waitUntilPageTime(t, tab, 1500)
	if v = look(t, tab); !v.Launcher || v.OpenedAt != 0 || v.Prompt != nil || v.PromptAt != 0 {
		t.Errorf("/help after minimising: want the launcher only, past the trigger, got %v", v)
	}
	// The visitor may still open it, and minimise it with Escape.
	do(t, tab, "open by hand", chromedp.Click(chromedp.CSS("#livechat-launcher")))
	waitFor(t, tab, "the window open with the focus in the composer", openJS+` && document.activeElement.id === 'livechat-input'`, viewJS)
	v = visit(t, tab, site.url+"/pricing")
	waitUntilPageTime(t, tab, 1500)
	if v = look(t, tab); !v.Launcher || v.OpenedAt != 0 || v.Prompt != nil || v.PromptAt != 0 {
		t.Errorf("/pricing after opening by hand while minimised: want the window closed (not restored), got %v", v)
	}
	do(t, tab, "open by hand, then Escape",
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.KeyEvent(kb.Escape))
	waitFor(t, tab, "Escape to minimise", `!`+openJS+` && document.activeElement.id === 'livechat-launcher'`, viewJS)
}

// With a brand heading that stands in for agents, an agent's reply shows
// the brand's name, live and in the history, never the agent's.
func testDisplayBrandAlias(t *testing.T, browser context.Context) {
	site := newDisplaySite(t, chatflow("brand", targeting.Rules{}, func(f *flow.Chatflow) {
		f.Display.Heading = flow.Heading{Kind: flow.HeadingBrand, Title: "Acme support", BrandName: "Acme", BrandAlias: true}
		f.Display.Desktop.Behavior = flow.DesktopLauncher
	}))
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	require.NoError(t, site.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada Lovelace", Presence: livechat.PresenceAvailable}))

	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	do(t, tab, "open the chat and write",
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), "Who is there?"),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tab, "the message stored", `!!document.querySelector('#livechat-messages .lc-msg[data-seq="1"][data-sender="visitor"]')`, widgetState)
	convs, err := site.chat.Conversations(stepCtx(t), livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1, "conversations")
	_, err = site.chat.Reply(stepCtx(t), convs[0].ID, "ada", "r1", "Hello from the team")
	require.NoError(t, err)

	const brandOnly = `(() => {
		const m = document.querySelector('#livechat-messages .lc-msg[data-seq="2"][data-sender="agent"]');
		const root = document.getElementById('livechat-root');
		return !!m && m.querySelector('.lc-author').textContent === 'Acme' &&
			m.querySelector('.lc-text').textContent === 'Hello from the team' &&
			!/Ada|Lovelace/.test(root.textContent + [...root.querySelectorAll('[aria-label],[alt],[title]')]
				.map(e => [e.getAttribute('aria-label'), e.getAttribute('alt'), e.getAttribute('title')].join(' ')).join(' '));
	})()`
	const authors = `JSON.stringify([...document.querySelectorAll('#livechat-root .lc-author, #livechat-root .lc-avatar, #livechat-root .lc-title')]
		.map(e => e.textContent || e.getAttribute('aria-label') || e.getAttribute('alt')))`
	waitFor(t, tab, "the live reply from Acme", brandOnly, authors)
	// The history after a reload (the window reopens by itself).
	visit(t, tab, site.url+"/help")
	waitFor(t, tab, "the reply from Acme in the history", openJS+` && `+brandOnly, authors)
}

// The admin preview (data-preview) shows an unpublished chatflow, opened at
// once with a Preview label, to agents who manage chatflows only.
func testDisplayPreview(t *testing.T, browser context.Context) {
	draft := chatflow("draft", pathStartsWith("/nowhere"), func(f *flow.Chatflow) {
		f.Enabled = false
		f.Display.Heading.Title = "Draft chat"
	})
	site := newDisplaySite(t, draft)
	tab := displayTab(t, browser)
	if v := visit(t, tab, site.url+"/preview/draft"); v.Shown {
		t.Errorf("preview by a visitor: want no chat, got %v", v)
	}
	visit(t, tab, site.url+"/signin")
	v := visit(t, tab, site.url+"/preview/draft")
	if v.Chatflow != "draft" || !v.Open || v.Prompt != nil || v.Focus == "livechat-input" {
		t.Errorf("preview by a manager: want the draft open at once, without the focus, got %v", v)
	}
	if label := eval[string](t, tab, `(document.querySelector('#livechat-window .lc-title .lc-tag') || {}).textContent || ''`); label != "Preview" {
		t.Errorf("preview label %q, want Preview", label)
	}
	do(t, tab, "minimise the preview", chromedp.Click(chromedp.CSS("#livechat-window .lc-min")))
	if c := eval[string](t, tab, `document.cookie`); strings.Contains(c, "livechat_minimized") {
		t.Errorf("minimising a preview set the visitor's cookie: %s", c)
	}

	// The admin API's preview page does the same.
	v = visit(t, tab, site.url+"/livechat/api/v1/admin/chatflows/draft/preview")
	if v.Chatflow != "draft" || !v.Open || v.Title != "Draft chat" {
		t.Errorf("the admin preview page: want the draft open at once, got %v", v)
	}
	// An unsaved version posted to the page (as the editor's live preview
	// does) shows at once, and nothing is stored.
	unsaved := *draft
	unsaved.Display.AccentColor = "#0f766e"
	unsaved.Display.Heading.Title = "Typed, not saved"
	doc, err := json.Marshal(&unsaved)
	require.NoError(t, err)
	do(t, tab, "post the unsaved chatflow", chromedp.Evaluate[chromedp.Void](`postMessage({livechatDraft: `+string(doc)+`}, location.origin)`))
	waitFor(t, tab, "the unsaved chatflow in the preview", `(() => {
		const w = document.getElementById('livechat-window'), l = document.getElementById('livechat-launcher');
		return !!w && !!l && w.getAttribute('aria-label') === 'Typed, not saved' && getComputedStyle(l).backgroundColor === 'rgb(15, 118, 110)' &&
			getComputedStyle(w.querySelector('.lc-header')).backgroundColor === 'rgb(15, 118, 110)';
	})()`, viewJS)
	stored, err := site.chat.Chatflow(stepCtx(t), "draft")
	require.NoError(t, err)
	if stored.Version != 1 || stored.Chatflow.Display.Heading.Title != "Draft chat" {
		t.Errorf("the preview stored the unsaved chatflow: version %d, title %q", stored.Version, stored.Chatflow.Display.Heading.Title)
	}
	// A message from another origin is ignored.
	do(t, tab, "post from elsewhere", chromedp.Evaluate[chromedp.Void](`dispatchEvent(new MessageEvent('message', {origin: 'https://evil.example', data: {livechatDraft: {name: 'Evil'}}}))`))
	time.Sleep(500 * time.Millisecond)
	if v := look(t, tab); v.Title != "Typed, not saved" {
		t.Errorf("a message from another origin changed the preview: %v", v)
	}
	// Its tablet and phone views behave as those devices on a desktop
	// screen.
	for _, device := range []string{"tablet", "mobile"} {
		v = visit(t, tab, site.url+"/livechat/api/v1/admin/chatflows/draft/preview?embed="+device)
		if d := eval[string](t, tab, `document.getElementById('livechat-root').dataset.device`); v.Chatflow != "draft" || d != device {
			t.Errorf("the %s preview: want the draft as on that device, got %v on a %q", device, v, d)
		}
	}
}
