// The side panel tests drive, in Chromium, the inbox's panel beside the
// open thread: the agent edits the visitor's contact (a bad address is
// refused on its field and nothing changes; the saved name shows in the
// list and the header at once), the visitor's rating appears in the
// panel as they give it, and their earlier conversations open from it.

package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

// panelTimeout is each side panel test's share of the group's deadline.
const panelTimeout = 60 * time.Second

// panelState is JavaScript describing the inbox and its panel, for failures.
const panelState = `JSON.stringify((() => {
	const q = s => document.querySelector(s);
	return {rows: [...document.querySelectorAll('.lc-conv-name')].map(e => e.textContent),
		title: (q('#lc-title') || {}).textContent, panelHidden: (q('#lc-panel') || {}).hidden,
		panel: (q('#lc-panel-body') || {}).innerText, status: (q('#lc-cf-status') || {}).textContent};
})())`

func TestSidePanel(t *testing.T) {
	runBrowserGroup(t, panelTimeout, []browserCase{
		{"ContactEdit", testPanelContactEdit},
		{"SurveyLive", testPanelSurveyLive},
		{"EarlierConversations", testPanelEarlierConversations},
	})
}

// panelConversation has a visitor write on a new site and the agent open
// the conversation in the inbox, with the panel beside it.
func panelConversation(t *testing.T, browser context.Context, edit func(f *flow.Chatflow)) (site *consentSite, visitor, inbox context.Context, id string) {
	t.Helper()
	site = newConsentSite(t, nil, edit)
	visitor = displayTab(t, browser)
	visit(t, visitor, site.url+"/help")
	openChat(t, visitor)
	send(t, visitor, "Hello from the help page")
	cs := site.conversations(t)
	require.Len(t, cs, 1, "conversations")
	id = cs[0].ID
	inbox = inboxTab(t, browser, site.url)
	openRow(t, inbox, id)
	waitFor(t, inbox, "the panel beside the thread", `(() => {
		const p = document.getElementById('lc-panel');
		return !!p && !p.hidden && p.getClientRects().length > 0 &&
			document.getElementById('lc-panel-body').innerText.includes('/help') &&
			document.getElementById('lc-panel-toggle').getAttribute('aria-expanded') === 'true';
	})()`, panelState)
	return site, visitor, inbox, id
}

func testPanelContactEdit(t *testing.T, browser context.Context) {
	site, _, inbox, id := panelConversation(t, browser, func(*flow.Chatflow) {})
	ctx := stepCtx(t)
	conv, err := site.store.Conversation(ctx, id)
	require.NoError(t, err)
	// The visitor gave their address earlier: an unverified contact.
	v, err := site.store.Visitor(ctx, conv.VisitorID)
	require.NoError(t, err)
	now := time.Now().UTC()
	require.NoError(t, site.store.CreateContact(ctx, &livechat.Contact{ID: "ct-1", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}))
	v.ContactID = "ct-1"
	require.NoError(t, site.store.UpdateVisitor(ctx, v))
	do(t, inbox, "reload the inbox", chromedp.Reload())
	openRow(t, inbox, id)
	waitFor(t, inbox, "the contact in the panel and the list", `(() => {
		const p = document.getElementById('lc-panel-contact');
		return !!p && p.innerText.includes('ada@example.com') && !!document.getElementById('lc-contact-edit') &&
			document.getElementById('lc-title').textContent === 'ada@example.com';
	})()`, panelState)

	// A bad address is refused on its field; nothing is stored.
	waitFor(t, inbox, "edit the contact", `(() => { const b = document.getElementById('lc-contact-edit'); if (b) b.click(); return !!document.getElementById('lc-contact-form'); })()`, panelState)
	waitFor(t, inbox, "the form, its name field focused", `document.activeElement && document.activeElement.id === 'lc-cf-name'`, panelState)
	do(t, inbox, "type a name and a bad address",
		chromedp.SendKeys(chromedp.CSS("#lc-cf-name"), "Ada Byron"),
		chromedp.SetValue(chromedp.CSS("#lc-cf-email"), "ada at example"),
		chromedp.Click(chromedp.CSS(".lc-cf-save")),
	)
	waitFor(t, inbox, "the address refused on its field", `(() => {
		const e = document.getElementById('lc-cf-email');
		return e.getAttribute('aria-invalid') === 'true' && document.activeElement === e &&
			document.getElementById('lc-cf-email-err').textContent === 'must be one address, like name@example.com' &&
			document.getElementById('lc-cf-status').textContent === 'Please correct the highlighted fields.';
	})()`, panelState)
	got, err := site.store.Contact(stepCtx(t), "ct-1")
	require.NoError(t, err)
	require.Equal(t, "", got.Name, "nothing changed")

	// Corrected, it is saved: the list and the header name the visitor by it.
	do(t, inbox, "correct the address and save",
		chromedp.SetValue(chromedp.CSS("#lc-cf-email"), "ada@example.com"),
		chromedp.SetValue(chromedp.CSS("#lc-cf-properties"), "plan = pro"),
		chromedp.Click(chromedp.CSS(".lc-cf-save")),
	)
	waitFor(t, inbox, "the name in the panel, the list and the header", `(() => {
		const row = document.querySelector('.lc-conv[data-id="`+id+`"] .lc-conv-name');
		const p = document.getElementById('lc-panel-contact');
		return !document.getElementById('lc-contact-form') && p.innerText.includes('Ada Byron') && p.innerText.includes('pro') &&
			!!row && row.textContent === 'Ada Byron' && document.getElementById('lc-title').textContent === 'Ada Byron' &&
			document.getElementById('lc-info-contact').textContent.startsWith('Ada Byron') &&
			document.activeElement && document.activeElement.id === 'lc-contact-edit';
	})()`, panelState)
	got, err = site.store.Contact(stepCtx(t), "ct-1")
	require.NoError(t, err)
	require.Equal(t, "Ada Byron", got.Name)
	require.Equal(t, map[string]string{"plan": "pro"}, got.Properties)

	// Someone else changes the contact meanwhile: the next save says so
	// and offers to reload, and changes nothing.
	clickEdit := `(() => { const b = document.getElementById('lc-contact-edit'); if (b) b.click(); return !!document.getElementById('lc-contact-form'); })()`
	waitFor(t, inbox, "edit again", clickEdit, panelState)
	got.Name, got.UpdatedAt = "Augusta Ada King", got.UpdatedAt.Add(time.Second)
	require.NoError(t, site.store.UpdateContact(stepCtx(t), got))
	do(t, inbox, "save a stale edit",
		chromedp.SetValue(chromedp.CSS("#lc-cf-name"), "Ada L."),
		chromedp.Click(chromedp.CSS(".lc-cf-save")),
	)
	waitFor(t, inbox, "the conflict", `(() => {
		const s = document.getElementById('lc-cf-status');
		return s.textContent.startsWith('the contact was changed by someone else') && document.activeElement === s.querySelector('button');
	})()`, panelState)
	do(t, inbox, "reload the contact", chromedp.Click(chromedp.CSS("#lc-cf-status button")))
	waitFor(t, inbox, "the other edit shown", `document.getElementById('lc-panel-contact').innerText.includes('Augusta Ada King')`, panelState)

	// On a narrower screen the panel lies over the thread: Escape closes
	// it and gives the keyboard back to its button.
	do(t, inbox, "a narrower screen", chromedp.EmulateViewport(900, 800))
	waitFor(t, inbox, "the panel closed by default", `document.getElementById('lc-panel').hidden`, panelState)
	do(t, inbox, "show the details", chromedp.Click(chromedp.CSS("#lc-panel-toggle")))
	waitFor(t, inbox, "the panel over the thread, focused", `(() => {
		const p = document.getElementById('lc-panel');
		return !p.hidden && getComputedStyle(p).position === 'fixed' && document.activeElement === document.getElementById('lc-panel-title');
	})()`, panelState)
	do(t, inbox, "press Escape in the panel", chromedp.KeyEvent(kb.Escape))
	waitFor(t, inbox, "the panel closed, its button focused", `document.getElementById('lc-panel').hidden &&
		document.activeElement === document.getElementById('lc-panel-toggle') &&
		document.getElementById('lc-panel-toggle').getAttribute('aria-expanded') === 'false' && !document.getElementById('lc-detail').hidden`, panelState)
	got, err = site.store.Contact(stepCtx(t), "ct-1")
	require.NoError(t, err)
	require.Equal(t, "Augusta Ada King", got.Name)
}

func testPanelSurveyLive(t *testing.T, browser context.Context) {
	site, visitor, inbox, id := panelConversation(t, browser, func(f *flow.Chatflow) { f.Options.SurveyID = "csat" })
	waitFor(t, inbox, "no rating yet", `document.getElementById('lc-panel-survey').textContent === 'Not rated.'`, panelState)
	// The agent's reply shows their initials beside it (Ada has no avatar).
	_, err := site.chat.Reply(stepCtx(t), id, "ada", "r1", "Happy to help")
	require.NoError(t, err)
	waitFor(t, inbox, "the reply with Ada's initials", `(() => {
		const m = [...document.querySelectorAll('#lc-thread .lc-agent')].find(e => e.textContent.includes('Happy to help'));
		const a = m && m.querySelector('.lc-avatar');
		return !!a && a.tagName === 'SPAN' && a.textContent === 'AL' && a.getAttribute('aria-hidden') === 'true';
	})()`, panelState)
	_, err = site.chat.CloseConversation(stepCtx(t), id, "")
	require.NoError(t, err)
	waitFor(t, visitor, "the survey", `!!document.querySelector('#livechat-survey [data-rating="5"]')`, consentState)
	do(t, visitor, "rate 5 with a comment",
		chromedp.Click(chromedp.CSS(`#livechat-survey [data-rating="5"]`)),
		chromedp.SendKeys(chromedp.CSS("#livechat-survey-comment"), "Lovely"),
		chromedp.Click(chromedp.CSS("#livechat-survey-submit")),
	)
	waitFor(t, inbox, "the rating in the panel, without a reload", `document.getElementById('lc-panel-survey').textContent === '★★★★★ 5 of 5: “Lovely”'`, panelState)
}

// The panel lists the visitor's earlier conversation; a click opens it in
// the inbox.
func testPanelEarlierConversations(t *testing.T, browser context.Context) {
	site, visitor, inbox, first := panelConversation(t, browser, func(*flow.Chatflow) {})
	_, err := site.chat.CloseConversation(stepCtx(t), first, "")
	require.NoError(t, err)
	do(t, visitor, "start a new conversation", chromedp.Click(chromedp.CSS("#livechat-window .lc-new")))
	send(t, visitor, "Back with another question")
	var second string
	for _, c := range site.conversations(t) {
		if c.ID != first {
			second = c.ID
		}
	}
	require.NotEmpty(t, second)
	openRow(t, inbox, second)
	waitFor(t, inbox, "the earlier conversation in the panel", `(() => {
		const b = document.querySelector('.lc-panel-conv[data-id="`+first+`"]');
		return !!b && b.textContent.startsWith('Closed · ') && document.querySelectorAll('.lc-panel-conv').length === 1;
	})()`, panelState)
	do(t, inbox, "open it", chromedp.Click(chromedp.CSS(`.lc-panel-conv[data-id="`+first+`"]`)))
	waitFor(t, inbox, "the earlier conversation open, its panel listing the later one", `(() => {
		const texts = [...document.querySelectorAll('#lc-thread [data-seq]')].map(e => e.textContent);
		return texts.some(x => x.includes('Hello from the help page')) && !texts.some(x => x.includes('another question')) &&
			!!document.querySelector('.lc-panel-conv[data-id="`+second+`"]');
	})()`, panelState)
}
