// The targeting and availability tests walk the chatflow editor's Target
// and Availability tabs in Chromium as a team lead does: a chatflow for
// the pricing pages with office hours of two ranges on Monday, saved,
// published, and then seen by visitors on /pricing only, offline outside
// those hours with the time the chat opens again; and a rule the server
// refuses, its error shown next to the rule's field. They write
// screenshots to screenshots/ (ignored by git).

package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/targeting"
)

// formsTimeout is each targeting test's share of the group's deadline.
const formsTimeout = 90 * time.Second

// formsSite is a site with /pricing, /pricing/plans and /about, a chat
// Handler whose clock the test sets, and a team lead who may manage
// chatflows (signed in by /signin). Its one stored chatflow is not
// published, so no chat shows until the test publishes one.
type formsSite struct {
	url  string
	chat *livechat.Handler
	now  atomic.Pointer[time.Time]
}

func newFormsSite(t *testing.T, now time.Time) *formsSite {
	t.Helper()
	store := memory.New()
	secret := make([]byte, 32)
	rand.Read(secret)
	site := &formsSite{}
	site.now.Store(&now)
	draft := flow.New("Support")
	draft.ID = "support"
	draft.Enabled = false
	chat, err := livechat.New(livechat.Config{
		Storage: store,
		Secret:  secret,
		Flows:   []*flow.Chatflow{draft},
		Now:     func() time.Time { return *site.now.Load() },
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
	for path, title := range map[string]string{"/pricing": "Pricing", "/pricing/plans": "Plans", "/about": "About us"} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			writeDisplayPage(w, title, "", false)
		})
	}
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: managerCookie, Value: "manager", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		writeDisplayPage(w, "Signed in", "", false)
	})
	srv := httptest.NewServer(mux)
	closeOnCleanup(t, chat, srv, store)
	site.url = srv.URL
	site.chat = chat
	return site
}

// editorTab opens the editor's list in a tab of its own, signed in as
// the team lead.
func (s *formsSite) editorTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab := displayTab(t, browser)
	do(t, tab, "sign in", chromedp.Navigate(s.url+"/signin"))
	do(t, tab, "open the editor", chromedp.Navigate(s.url+"/livechat/inbox/chatflows"))
	openEditor(t, tab)
	return tab
}

// createChatflow creates a chatflow named name from the list and returns
// its id once the editor shows it.
func createChatflow(t *testing.T, tab context.Context, name string) string {
	t.Helper()
	do(t, tab, "open the new chatflow dialog", chromedp.Click(`#lce-new`))
	waitFor(t, tab, "the dialog", `document.getElementById('lce-dialog').open`, editorState)
	do(t, tab, "create "+name,
		chromedp.SendKeys(`#lce-dialog input[name=name]`, name),
		chromedp.Click(`//dialog//button[normalize-space()="Create"]`),
	)
	waitFor(t, tab, name+" in the editor", `(document.getElementById('lce-name') || {}).value === `+jsString(name)+` && location.hash.startsWith('#edit/')`, editorState)
	eval[bool](t, tab, editorJS)
	return eval[string](t, tab, `decodeURIComponent(location.hash.slice('#edit/'.length))`)
}

// focused is JavaScript that is true when the control with data-path or
// data-key p has the focus.
func focused(p string) string {
	return `(() => { const a = document.activeElement; return !!a && (a.getAttribute('data-path') === ` + jsString(p) +
		` || a.getAttribute('data-key') === ` + jsString(p) + `); })()`
}

// formsState describes the editor and the focus, for failures.
const formsState = `JSON.stringify({editor: JSON.parse(` + editorState + `),
	focus: document.activeElement && (document.activeElement.getAttribute('data-path') || document.activeElement.getAttribute('data-key') || document.activeElement.tagName),
	summary: (document.querySelector('.lce-target-summary') || {}).textContent,
	width: [document.documentElement.scrollWidth, innerWidth]})`

// mondayNoonBreak is Monday 30 November 2026, 12:30 in Stockholm: between
// the test's two Monday ranges, 09:00 to 12:00 and 13:00 to 17:00.
var mondayNoonBreak = time.Date(2026, time.November, 30, 11, 30, 0, 0, time.UTC)

func TestEditorTargetAndHours(t *testing.T) {
	runBrowserGroup(t, formsTimeout, []browserCase{
		{"PricingOfficeHours", testEditorPricingOfficeHours},
		{"RuleError", testEditorRuleError},
		{"Keyboard", testEditorTabsByKeyboard},
		{"Summary", testEditorTargetSummary},
	})
}

// A chatflow targeted at /pricing with office hours, set up by clicking
// and typing in the editor, is stored as built, shows on the pricing pages
// only once published, and is offline outside its hours with the time it
// opens again: Monday 09:00 on Saturday, 13:00 in Monday's lunch break.
func testEditorPricingOfficeHours(t *testing.T, browser context.Context) {
	site := newFormsSite(t, saturdayNoon)
	tab := site.editorTab(t, browser)
	// The team lead's browser is in Stockholm.
	zctx, cancel := context.WithTimeout(tab, stepTimeout)
	_, err := chromedp.Call(zctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Stockholm"})
	cancel()
	require.NoError(t, err, "set the time zone")
	id := createChatflow(t, tab, "Pricing")

	// Target: no rule means every page; "Add rule" starts the first filter
	// group and puts the focus on the new rule.
	eval[bool](t, tab, `tabTo('target')`)
	waitFor(t, tab, "every page", `document.querySelector('.lce-target-summary').textContent === 'Shows on: Every page'`, formsState)
	do(t, tab, "add a rule", chromedp.Click(`#lce-panel-target button[data-key="add-first-rule"]`))
	waitFor(t, tab, "the focus on the new rule", focused("target.groups[0].rules[0].field"), formsState)
	// Choosing what the rule looks at redraws the rule and keeps the focus.
	eval[bool](t, tab, `fill('target.groups[0].rules[0].field', 'path')`)
	waitFor(t, tab, "the path rule, still focused", `ctl('target.groups[0].rules[0].op').value === 'contains' && `+focused("target.groups[0].rules[0].field"), formsState)
	eval[bool](t, tab, `fill('target.groups[0].rules[0].op', 'starts_with')`)
	do(t, tab, "type /pricing", chromedp.SendKeys(`[data-path="target.groups[0].rules[0].value"]`, "/pricing"))
	waitFor(t, tab, "the summary", `document.querySelector('.lce-target-summary').textContent === 'Shows on: Pages whose path starts with /pricing'`, formsState)
	// An exclusion rule, added and removed again: the focus goes back to
	// "Add exclusion rule".
	do(t, tab, "add an exclusion rule", chromedp.Click(`#lce-panel-target button[data-key="add-exclude"]`))
	waitFor(t, tab, "the focus on the exclusion rule", focused("target.exclude[0].field"), formsState)
	do(t, tab, "remove it", chromedp.Click(`button[aria-label="Remove exclusion rule 1"]`))
	waitFor(t, tab, "the focus back on Add exclusion rule", focused("add-exclude")+` && !ctl('target.exclude[0].field')`, formsState)
	editorShot(t, tab, "editor-target")

	// Availability: office hours in Stockholm; Monday 09:00 to 12:00 and,
	// with "+ add hours", 13:00 to 17:00.
	eval[bool](t, tab, `tabTo('availability')`)
	do(t, tab, "choose office hours", chromedp.Click(`input[data-path="availability.mode"][value="office_hours"]`))
	waitFor(t, tab, "the office hours", `ctl('availability.officeHours.timeZone').getClientRects().length > 0`, formsState)
	useMine := `[...document.querySelectorAll('#lce-panel-availability button')].find(b => b.textContent === 'Use my time zone (Europe/Stockholm)')`
	waitFor(t, tab, "UTC, and a button for the browser's zone", `ctl('availability.officeHours.timeZone').value === 'UTC' && `+useMine+`.getClientRects().length > 0`, formsState)
	eval[bool](t, tab, useMine+`.click() || true`)
	waitFor(t, tab, "Stockholm chosen, the button gone", `ctl('availability.officeHours.timeZone').value === 'Europe/Stockholm' && `+useMine+`.hidden`, formsState)
	eval[bool](t, tab, `fill('availability.officeHours.days.monday[0].end', '12:00')`)
	do(t, tab, "add hours on Monday", chromedp.Click(`button[aria-label="Add hours on Monday"]`))
	waitFor(t, tab, "Monday's second range, focused", focused("availability.officeHours.days.monday[1].start"), formsState)
	if got := eval[string](t, tab, `ctl('availability.officeHours.days.monday[1].start').value + '-' + ctl('availability.officeHours.days.monday[1].end').value`); got != "13:00-17:00" {
		t.Errorf("+ add hours after 09:00-12:00 suggests %s, want 13:00-17:00", got)
	}
	eval[bool](t, tab, `fill('availability.available.showReplyTime', true) && fill('availability.available.replyTime', 'hour')`)
	editorShot(t, tab, "editor-availability")

	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.' && document.getElementById('lce-dirty').textContent === 'All changes saved'`, formsState)

	// The stored chatflow is what was built.
	sf, err := site.chat.Chatflow(stepCtx(t), id)
	require.NoError(t, err)
	require.Equal(t, []targeting.Group{{Rules: []targeting.Rule{
		{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: "/pricing"},
	}}}, sf.Chatflow.Target.Groups)
	require.Empty(t, sf.Chatflow.Target.Exclude)
	a := sf.Chatflow.Availability
	require.Equal(t, availability.ModeOfficeHours, a.Mode)
	require.Equal(t, "Europe/Stockholm", a.OfficeHours.TimeZone)
	require.Equal(t, []availability.Range{{Start: "09:00", End: "12:00"}, {Start: "13:00", End: "17:00"}}, a.OfficeHours.Days.Monday)
	require.Equal(t, []availability.Range{{Start: "09:00", End: "17:00"}}, a.OfficeHours.Days.Tuesday)
	require.Equal(t, availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyHour}, a.Available)
	require.False(t, sf.Chatflow.Enabled)

	// The list says where it shows; its switch publishes it.
	do(t, tab, "back to the list", chromedp.Click(`#lce-back`))
	openEditor(t, tab)
	row := `#lce-list tr[data-id="` + id + `"]`
	waitFor(t, tab, "the summary in the list", `document.querySelector('`+row+` .lce-where').textContent.includes('path starts with /pricing')`, formsState)
	do(t, tab, "publish", chromedp.Click(row+` [role=switch]`))
	waitFor(t, tab, "published", `document.querySelector('`+row+` [role=switch]').getAttribute('aria-checked') === 'true'`, formsState)

	// A visitor in Stockholm on Saturday: the chat on the pricing pages,
	// offline until Monday 09:00; none on /about.
	visitor := availabilityTab(t, browser, "Europe/Stockholm")
	for _, path := range []string{"/pricing", "/pricing/plans"} {
		if v := visit(t, visitor, site.url+path); v.Chatflow != id || !v.Launcher {
			t.Fatalf("%s: want the %s chat, got %v", path, id, v)
		}
	}
	openChat(t, visitor)
	waitFor(t, visitor, "back on Monday at 09:00", noticeShows("offline", "return_time", `/Monday.* at 09:00/`), availabilityState)
	if v := visit(t, visitor, site.url+"/about"); v.Shown {
		t.Fatalf("/about: want no chat, got %v", v)
	}

	// Monday's lunch break: offline until the second range starts.
	site.now.Store(&mondayNoonBreak)
	visit(t, visitor, site.url+"/pricing")
	openChat(t, visitor)
	waitFor(t, visitor, "back at 13:00", noticeShows("offline", "return_time", `/ at (13:00|01:00 PM)\.$/`), availabilityState)
}

// A regular expression the server refuses, and an office-hours range
// left without its end, are not saved: each error shows next to its
// control, the Target tab (which holds the first) is shown, and the
// rule's error goes once the rule is fixed. The tabs fit 768 px.
func testEditorRuleError(t *testing.T, browser context.Context) {
	site := newFormsSite(t, saturdayNoon)
	tab := site.editorTab(t, browser)
	do(t, tab, "a 768 px window", chromedp.EmulateViewport(768, 1000))
	createChatflow(t, tab, "Plans")

	eval[bool](t, tab, `tabTo('target')`)
	do(t, tab, "add a rule", chromedp.Click(`#lce-panel-target button[data-key="add-first-rule"]`))
	eval[bool](t, tab, `fill('target.groups[0].rules[0].op', 'matches_regex')`)
	do(t, tab, "type an invalid regular expression", chromedp.SendKeys(`[data-path="target.groups[0].rules[0].value"]`, "/pricing(/plans"))
	fits := `document.documentElement.scrollWidth <= innerWidth`
	waitFor(t, tab, "the Target tab within 768 px", fits, formsState)
	editorShot(t, tab, "editor-target-768")

	eval[bool](t, tab, `tabTo('availability')`)
	do(t, tab, "choose office hours", chromedp.Click(`input[data-path="availability.mode"][value="office_hours"]`))
	eval[bool](t, tab, `fill('availability.officeHours.days.tuesday[0].end', '')`)
	waitFor(t, tab, "the Availability tab within 768 px", fits, formsState)
	editorShot(t, tab, "editor-availability-768")

	do(t, tab, "save", chromedp.Click(`#lce-save`))
	const ruleValue = "target.groups[0].rules[0].value"
	// The message is next to the rule's value, in the rule's own row, and
	// the control is marked invalid and described by it.
	nextTo := func(path, text string) string {
		return `(() => { const c = ctl(` + jsString(path) + `), m = document.querySelector('.lce-msg[data-for="` + path + `"]');
			return !!c && !!m && m.textContent.includes(` + jsString(text) + `) && c.getAttribute('aria-invalid') === 'true' &&
				(c.getAttribute('aria-describedby') || '').split(' ').includes(m.id) &&
				(c.closest('.lce-rule, .lce-range') === m.closest('.lce-rule, .lce-range')); })()`
	}
	waitFor(t, tab, "the rule's error next to it, on the Target tab",
		nextTo(ruleValue, "invalid regular expression")+
			` && document.querySelector('[role=tab][aria-selected=true]').id === 'lce-tab-target'`, formsState)
	waitFor(t, tab, "the range's error next to it", nextTo("availability.officeHours.days.tuesday[0].end", "must be HH:MM"), formsState)
	if got := eval[string](t, tab, `document.getElementById('lce-status').textContent`); !strings.HasPrefix(got, "Not saved") {
		t.Errorf("status after a refused save: %q", got)
	}
	editorShot(t, tab, "editor-target-error")

	// Fixing the pattern takes its message away; with the range fixed too
	// the chatflow saves.
	eval[bool](t, tab, `fill('target.groups[0].rules[0].value', '^/pricing(/plans)?$')`)
	waitFor(t, tab, "the rule's error gone", `!document.querySelector('.lce-msg[data-for="`+ruleValue+`"]') && ctl('`+ruleValue+`').getAttribute('aria-invalid') !== 'true'`, formsState)
	eval[bool](t, tab, `fill('availability.officeHours.days.tuesday[0].end', '17:00')`)
	do(t, tab, "save", chromedp.Click(`#lce-save`))
	waitFor(t, tab, "saved", `document.getElementById('lce-status').textContent === 'Saved.'`, formsState)
}

// Both tabs work from the keyboard alone: Tab reaches "Add rule", Enter
// adds a rule and focuses it, the value takes typing; the arrow keys
// choose office hours, and "+ add hours" adds a range and focuses its
// start. Every control there has a name.
func testEditorTabsByKeyboard(t *testing.T, browser context.Context) {
	site := newFormsSite(t, saturdayNoon)
	tab := site.editorTab(t, browser)
	createChatflow(t, tab, "Keys")

	eval[bool](t, tab, `document.getElementById('lce-tab-target').focus() || true`)
	do(t, tab, "Enter on the Target tab, then Tab past the panel to Add rule",
		chromedp.KeyEvent("\r"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
	waitFor(t, tab, "Add rule focused", focused("add-first-rule"), formsState)
	do(t, tab, "Enter on Add rule", chromedp.KeyEvent("\r"))
	waitFor(t, tab, "the new rule focused", focused("target.groups[0].rules[0].field"), formsState)
	do(t, tab, "Tab to the value and type", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("/pricing"))
	waitFor(t, tab, "the rule typed", focused("target.groups[0].rules[0].value")+
		` && document.querySelector('.lce-target-summary').textContent === 'Shows on: Pages whose URL contains /pricing'`, formsState)
	do(t, tab, "Tab to Remove and press Space", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(" "))
	waitFor(t, tab, "the rule and its group gone, Add rule focused", focused("add-first-rule")+
		` && document.querySelector('.lce-target-summary').textContent === 'Shows on: Every page'`, formsState)

	eval[bool](t, tab, `tabTo('availability') && ctl('availability.mode').focus() || true`)
	do(t, tab, "arrow down to office hours", chromedp.KeyEvent(kb.ArrowDown))
	waitFor(t, tab, "office hours chosen and shown", `document.activeElement.value === 'office_hours' && document.activeElement.checked &&
		ctl('availability.officeHours.timeZone').getClientRects().length > 0`, formsState)
	eval[bool](t, tab, `document.querySelector('button[aria-label="Add hours on Saturday"]').focus() || true`)
	do(t, tab, "Enter on + add hours", chromedp.KeyEvent("\r"))
	waitFor(t, tab, "Saturday's range focused", focused("availability.officeHours.days.saturday[0].start"), formsState)

	// Every control of both tabs has an accessible name; every group of
	// them a legend or a label.
	unnamed := eval[string](t, tab, `[...document.querySelectorAll('#lce-panel-target, #lce-panel-availability')].flatMap(p =>
		[...p.querySelectorAll('input, select, textarea, button')].filter(e =>
			!(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
		.concat([...p.querySelectorAll('fieldset')].filter(f => !f.querySelector('legend')))
		.concat([...p.querySelectorAll('[role=group]')].filter(g => !g.getAttribute('aria-label'))))
		.map(e => e.outerHTML.slice(0, 80)).join('\n')`)
	if unnamed != "" {
		t.Errorf("controls without a name:\n%s", unnamed)
	}
}

// LCEditor.targetSummary says in one line where a chatflow shows, for any
// targeting: every page, one group, several groups with exclusions, and
// more groups than the line names.
func testEditorTargetSummary(t *testing.T, browser context.Context) {
	site := newFormsSite(t, saturdayNoon)
	tab := site.editorTab(t, browser)
	rule := func(field, name, op, value string) map[string]string {
		return map[string]string{"field": field, "name": name, "op": op, "value": value}
	}
	group := func(rules ...map[string]string) map[string]any { return map[string]any{"rules": rules} }
	pricing := group(rule("url", "", "contains", "/pricing"))
	for _, tc := range []struct {
		target map[string]any
		want   string
	}{
		{map[string]any{"groups": nil, "exclude": nil}, "Every page"},
		{map[string]any{"groups": []any{pricing}}, "Pages whose URL contains /pricing"},
		{map[string]any{
			"groups":  []any{group(rule("path", "", "starts_with", "/pricing"), rule("query", "ref", "is", "ads")), group(rule("contact", "", "is_known", ""))},
			"exclude": []any{rule("device", "", "is", "mobile")},
		}, "Pages whose path starts with /pricing and query parameter “ref” is ads, or whose visitor is a known contact, except where device is mobile"},
		{map[string]any{"groups": []any{pricing, pricing, pricing, pricing}, "exclude": []any{rule("property", "plan", "is_unknown", "")}},
			"Pages whose URL contains /pricing, or whose URL contains /pricing, or 2 more filter groups, except where contact property “plan” has no value"},
	} {
		b, err := json.Marshal(tc.target)
		require.NoError(t, err)
		if got := eval[string](t, tab, `LCEditor.targetSummary(`+string(b)+`)`); got != tc.want {
			t.Errorf("summary of %s:\n got %s\nwant %s", b, got, tc.want)
		}
	}
}
