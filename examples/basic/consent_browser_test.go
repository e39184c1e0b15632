// The consent tests drive, in Chromium, what the widget asks of a visitor
// before and after a chat: explicit consent to process data blocks sending
// until "I agree"; an email address asked before the first message; the
// consent-to-communicate checkbox under every email capture mode; the
// cookie banner shown on exit; the satisfaction survey once the agent has
// closed the conversation, and the answer showing live in the agent's
// inbox; the message that ends a conversation in the visitor's language;
// and the Help tab searching the knowledge base, in the visitor's
// language. Each subtest builds its own site and its own browser context
// in one shared browser.

package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/knowledge"
)

// consentTimeout is each consent test's share of the group's deadline.
const consentTimeout = 60 * time.Second

// consentSite is a help site with one chatflow.
type consentSite = helpSite

func newConsentSite(t *testing.T, kb knowledge.Base, edit func(f *flow.Chatflow)) *consentSite {
	t.Helper()
	f := flow.New("Support")
	f.ID = "support"
	f.Display.Desktop.Behavior = flow.DesktopLauncher
	f.Options.Consent.Cookies.Enabled = false
	edit(f)
	return newHelpSite(t, livechat.Config{Flows: []*flow.Chatflow{f}, Knowledge: kb, AgentAuth: agentCookieAuth})
}

// agentCookie signs a browser in as the agent Ada.
const agentCookie = "test_agent_ada"

func agentCookieAuth(r *http.Request) (*livechat.Agent, error) {
	if c, err := r.Cookie(agentCookie); err == nil && c.Value == "1" {
		return &livechat.Agent{ID: "ada", Name: "Ada Lovelace"}, nil
	}
	return nil, errors.New("not signed in")
}

// inboxTab opens the inbox of the site in a browser context of its own,
// signed in as Ada.
func inboxTab(t *testing.T, browser context.Context, siteURL string) context.Context {
	t.Helper()
	tab := displayTab(t, browser)
	u, err := url.Parse(siteURL)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	_, err = chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: agentCookie, Value: "1", Domain: u.Hostname(), Path: "/"})
	cancel()
	require.NoError(t, err, "sign in")
	do(t, tab, "open the inbox",
		chromedp.Navigate(siteURL+"/livechat/inbox/"),
		chromedp.WaitVisible(chromedp.CSS("#lc-list")),
	)
	return tab
}

// inboxInfoState is JavaScript describing the inbox list and thread info, for failures.
const inboxInfoState = `JSON.stringify((() => {
	const q = s => document.querySelector(s);
	return {me: (q('#lc-me') || {}).textContent, rows: [...document.querySelectorAll('.lc-conv')].map(e => e.textContent),
		title: (q('#lc-title') || {}).textContent, status: (q('#lc-info-status') || {}).textContent,
		rating: (q('#lc-info-survey') || {}).textContent,
		thread: [...document.querySelectorAll('#lc-thread [data-seq]')].map(e => e.textContent)};
})())`

// conversations are every conversation of the site.
func (s *consentSite) conversations(t *testing.T) []*livechat.Conversation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	var all []*livechat.Conversation
	for _, st := range []livechat.ConversationStatus{livechat.StatusOpen, livechat.StatusClosed} {
		cs, err := s.store.Conversations(ctx, livechat.ConversationFilter{Status: st})
		require.NoError(t, err)
		all = append(all, cs...)
	}
	return all
}

// visitorTexts are the texts of the visitor messages stored in conversation id.
func (s *consentSite) visitorTexts(t *testing.T, id string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	ms, err := s.store.Messages(ctx, id, 0, 100)
	require.NoError(t, err)
	var out []string
	for _, m := range ms {
		if m.Sender == livechat.SenderVisitor {
			out = append(out, m.Text)
		}
	}
	return out
}

// consentState is JavaScript describing what the widget asks of the
// visitor, for failures.
const consentState = `JSON.stringify((() => {
	const q = s => document.querySelector(s);
	const shown = s => { const e = q(s); return !!e && e.getClientRects().length > 0; };
	return {ready: !!(window.LiveChat && LiveChat.ready), lang: (q('#livechat-root') || {}).lang,
		consent: shown('#livechat-consent') && q('#livechat-consent').textContent, agree: shown('#livechat-agree'),
		email: shown('#livechat-email') && q('#livechat-email').textContent,
		input: !!q('#livechat-input') && !q('#livechat-input').disabled,
		survey: shown('#livechat-survey') && q('#livechat-survey').textContent,
		ended: shown('.lc-ended'), help: shown('#livechat-help'),
		results: [...document.querySelectorAll('.lc-result')].map(e => e.textContent),
		article: shown('#livechat-article') && q('#livechat-article').textContent,
		active: document.activeElement && (document.activeElement.id || document.activeElement.className),
		messages: [...document.querySelectorAll('#livechat-messages .lc-msg')].map(e => [e.getAttribute('data-seq'), e.getAttribute('data-state'), e.textContent])};
})())`

// trySend types text into the composer's field by script (it is disabled),
// submits the composer, as Enter would, and then empties the field.
func trySend(t *testing.T, tab context.Context, text string) {
	t.Helper()
	eval[bool](t, tab, `(() => {
		const i = document.getElementById('livechat-input');
		i.value = `+jsString(text)+`;
		i.form.requestSubmit();
		i.value = '';
		return true;
	})()`)
}

// send writes text in the composer, sends it and waits until it is stored.
func send(t *testing.T, tab context.Context, text string) {
	t.Helper()
	do(t, tab, "send "+text,
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), text),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tab, "the message stored", `[...document.querySelectorAll('#livechat-messages [data-seq][data-sender="visitor"]')].some(e => e.textContent.includes(`+jsString(text)+`))`, consentState)
}

func TestConsent(t *testing.T) {
	runBrowserGroup(t, consentTimeout, []browserCase{
		{"ExplicitConsent", testConsentExplicit},
		{"EmailBeforeFirstMessage", testConsentEmailFirst},
		{"Survey", testConsentSurvey},
		{"CloseInGerman", testConsentCloseInGerman},
		{"KnowledgeBase", testConsentKnowledge},
		{"NoCookieBeforeConsent", testConsentNoCookie},
		{"CookieBannerOnExit", testConsentCookiesOnExit},
	})
}

// TestCommunication checks the consent to communicate under each email
// capture mode, in a browser of its own.
func TestCommunication(t *testing.T) {
	runBrowserGroup(t, consentTimeout, []browserCase{
		{"EmailNever", communicationCase(flow.EmailNever)},
		{"EmailBeforeFirstMessage", communicationCase(flow.EmailBeforeFirstMessage)},
		{"EmailAfterFirstMessage", communicationCase(flow.EmailAfterFirstMessage)},
		{"EmailWhenAway", communicationCase(flow.EmailWhenAway)},
	})
}

// With explicit consent the visitor cannot send before "I agree": nothing
// is stored; after it the message is.
func testConsentExplicit(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Options.Consent.Processing.Kind = consent.ProcessingExplicit
		f.Options.Consent.Processing.PrivacyPolicyURL = "/privacy"
	})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the consent text with its link and I agree", `(() => {
		const c = document.getElementById('livechat-consent'), a = c && c.querySelector('a');
		return !!c && c.getAttribute('data-kind') === 'explicit' && /privacy policy/.test(c.textContent) &&
			!!a && a.getAttribute('href') === '/privacy' && a.rel.includes('noopener') &&
			document.getElementById('livechat-agree').textContent === 'I agree' &&
			document.getElementById('livechat-input').disabled && document.getElementById('livechat-send').disabled &&
			document.activeElement === document.getElementById('livechat-agree');
	})()`, consentState)

	trySend(t, tab, "Before I agree")
	time.Sleep(300 * time.Millisecond)
	if n := eval[int](t, tab, `document.querySelectorAll('#livechat-messages .lc-msg[data-sender="visitor"]').length`); n != 0 {
		t.Fatalf("a message shows before consent: %s", eval[string](t, tab, consentState))
	}
	for _, c := range site.conversations(t) {
		if got := site.visitorTexts(t, c.ID); len(got) > 0 {
			t.Fatalf("messages stored before consent: %q", got)
		}
	}

	do(t, tab, "agree", chromedp.Click(chromedp.CSS("#livechat-agree")))
	waitFor(t, tab, "the composer usable", `!document.getElementById('livechat-input').disabled &&
		document.getElementById('livechat-consent').hidden && document.activeElement.id === 'livechat-input'`, consentState)
	send(t, tab, "After I agree")
	cs := site.conversations(t)
	require.Len(t, cs, 1, "conversations")
	require.Equal(t, []string{"After I agree"}, site.visitorTexts(t, cs[0].ID), "stored visitor messages")
}

// Asked before the first message, the visitor cannot send before a valid
// email address is saved; the contact exists after.
func testConsentEmailFirst(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Build.EmailCapture.Mode = flow.EmailBeforeFirstMessage
		f.Build.EmailCapture.Prompt = ""
	})
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the email form", `(() => {
		const f = document.getElementById('livechat-email'), i = document.getElementById('livechat-email-input');
		return !!f && !f.hidden && i.type === 'email' && i.labels.length === 1 && /email address/.test(i.labels[0].textContent) &&
			document.getElementById('livechat-input').disabled && document.activeElement === i;
	})()`, consentState)
	trySend(t, tab, "Before my email")

	do(t, tab, "give an invalid address",
		chromedp.SendKeys(chromedp.CSS("#livechat-email-input"), "not-an-address"),
		chromedp.Click(chromedp.CSS("#livechat-email-submit")),
	)
	waitFor(t, tab, "the invalid address refused", `document.getElementById('livechat-email-msg').textContent === 'Please enter a valid email address.' &&
		document.getElementById('livechat-email-input').getAttribute('aria-invalid') === 'true' &&
		document.getElementById('livechat-input').disabled`, consentState)
	if n := len(site.conversations(t)); n != 0 {
		t.Fatalf("%d conversations started before the email address", n)
	}

	eval[string](t, tab, `document.getElementById('livechat-email-input').value = ''`)
	do(t, tab, "give a valid address",
		chromedp.SendKeys(chromedp.CSS("#livechat-email-input"), "Zoe@Example.com"),
		chromedp.Click(chromedp.CSS("#livechat-email-submit")),
	)
	waitFor(t, tab, "the address saved", `(() => {
		const s = document.getElementById('livechat-email-saved');
		return !!s && s.textContent === "Thanks! We'll reply to Zoe@Example.com if we miss you here." &&
			!document.getElementById('livechat-input').disabled;
	})()`, consentState)
	send(t, tab, "Hello after my email")

	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	c, err := site.store.ContactByEmail(ctx, "zoe@example.com")
	require.NoError(t, err, "the contact")
	require.True(t, strings.EqualFold(c.Email, "zoe@example.com"), "contact email %q", c.Email)
	cs := site.conversations(t)
	require.Len(t, cs, 1, "conversations")
	require.Equal(t, []string{"Hello after my email"}, site.visitorTexts(t, cs[0].ID))

	// Not asked again on the next page, where the chat stays open.
	visit(t, tab, site.url+"/help")
	waitFor(t, tab, "no email form on the next page", `!document.getElementById('livechat-window').hidden &&
		document.getElementById('livechat-email').hidden &&
		!document.getElementById('livechat-input').disabled`, consentState)
}

// Once the agent closes the conversation the visitor rates it, once.
func testConsentSurvey(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) { f.Options.SurveyID = "csat" })
	tab := displayTab(t, browser)
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	send(t, tab, "Thanks for the help")
	cs := site.conversations(t)
	require.Len(t, cs, 1, "conversations")
	id := cs[0].ID

	// The agent has the conversation open in the inbox.
	inbox := inboxTab(t, browser, site.url)
	openRow(t, inbox, id)
	waitFor(t, inbox, "the thread", `[...document.querySelectorAll('#lc-thread [data-seq]')].some(e => e.textContent.includes('Thanks for the help')) &&
		document.getElementById('lc-info-survey').textContent === '—'`, inboxInfoState)

	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	_, err := site.chat.CloseConversation(ctx, id, "")
	require.NoError(t, err)
	waitFor(t, inbox, "the thread closed", `document.getElementById('lc-info-status').textContent === 'Closed'`, inboxInfoState)
	do(t, inbox, "list the closed conversations", chromedp.Click(chromedp.CSS("#lc-tab-closed")))
	waitFor(t, inbox, "the closed conversation listed without a rating", `(() => {
		const r = document.querySelector('.lc-conv[data-id="`+id+`"]');
		return !!r && !r.querySelector('.lc-conv-rating');
	})()`, inboxInfoState)
	waitFor(t, tab, "the survey", `(() => {
		const s = document.getElementById('livechat-survey');
		const labels = [1, 2, 3, 4, 5].map(n => s && (s.querySelector('[data-rating="' + n + '"]') || {}).ariaLabel);
		return !!s && s.getClientRects().length > 0 && s.textContent.startsWith('How would you rate this conversation?') &&
			JSON.stringify(labels) === '["1: Very poor","2: Poor","3: Okay","4: Good","5: Excellent"]' &&
			document.getElementById('livechat-survey-submit').disabled;
	})()`, consentState)
	do(t, tab, "rate 4 with a comment",
		chromedp.Click(chromedp.CSS(`#livechat-survey [data-rating="4"]`)),
		chromedp.SendKeys(chromedp.CSS("#livechat-survey-comment"), "Quick and kind"),
		chromedp.Click(chromedp.CSS("#livechat-survey-submit")),
	)
	waitFor(t, tab, "the thanks", `document.getElementById('livechat-survey').textContent === 'Thank you for your feedback!'`, consentState)
	a, err := site.store.Survey(stepCtx(t), id)
	require.NoError(t, err, "the survey answer")
	require.Equal(t, 4, a.Rating)
	require.Equal(t, "Quick and kind", a.Comment)

	// The agent sees the rating at once, in the open thread and the list.
	waitFor(t, inbox, "the rating in the inbox", `(() => {
		const r = document.querySelector('.lc-conv[data-id="`+id+`"] .lc-conv-rating');
		return document.getElementById('lc-info-survey').textContent === '★★★★☆ 4/5 · “Quick and kind”' &&
			!!r && r.textContent === '★ 4 of 5';
	})()`, inboxInfoState)

	// The next page, where the chat stays open, shows the ended
	// conversation without the survey.
	visit(t, tab, site.url+"/help")
	waitFor(t, tab, "the ended conversation", `(() => {
		const e = document.querySelector('#livechat-window .lc-ended');
		return !!e && e.getClientRects().length > 0 && !document.getElementById('livechat-survey');
	})()`, consentState)
}

// The Help tab finds the Swedish article for a query without diacritics
// and shows it, in Swedish, with only the safe part of its HTML.
func testConsentKnowledge(t *testing.T, browser context.Context) {
	idx := knowledge.NewIndex()
	require.NoError(t, idx.Add(knowledge.Article{ID: "oversikt", Title: "Översikt av priser", Language: "sv",
		Body: `<p>Alla våra priser <strong>utan</strong> moms.</p><ul><li>Bas</li><li>Pro</li></ul><p><a href="https://shop.example/priser">Prislista</a></p>`}))
	require.NoError(t, idx.Add(knowledge.Article{ID: "returns", Title: "Returns", Language: "en", Body: "Send it back within 30 days."}))
	site := newConsentSite(t, idx, func(f *flow.Chatflow) { f.Build.KnowledgeBase.Enabled = true })

	tab := languageTab(t, browser, "sv-SE")
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the tabs in Swedish", `(() => {
		const h = document.getElementById('livechat-tab-help');
		return document.getElementById('livechat-root').lang === 'sv' && !!h && h.textContent === 'Hjälp' &&
			h.getAttribute('role') === 'tab' && h.parentNode.getAttribute('role') === 'tablist' && h.getAttribute('aria-selected') === 'false';
	})()`, consentState)
	do(t, tab, "search the help",
		chromedp.Click(chromedp.CSS("#livechat-tab-help")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-help-search")),
		chromedp.SendKeys(chromedp.CSS("#livechat-help-search"), "oversikt"),
	)
	waitFor(t, tab, "the Swedish article found", `(() => {
		const r = [...document.querySelectorAll('.lc-result')];
		return r.length === 1 && r[0].querySelector('strong').textContent === 'Översikt av priser' &&
			document.getElementById('livechat-chat').hidden;
	})()`, consentState)
	do(t, tab, "open the article", chromedp.Click(chromedp.CSS(".lc-result")))
	waitFor(t, tab, "the article", `(() => {
		const a = document.getElementById('livechat-article');
		if (!a || a.hidden || a.querySelector('h2').textContent !== 'Översikt av priser') return false;
		const b = a.querySelector('.lc-body'), l = b.querySelector('a');
		return b.querySelector('p > strong').textContent === 'utan' && b.querySelectorAll('ul > li').length === 2 &&
			!!l && l.getAttribute('href') === 'https://shop.example/priser' && l.target === '_blank' &&
			l.rel === 'noopener noreferrer nofollow' && l.attributes.length === 3;
	})()`, consentState)
	do(t, tab, "back to the results", chromedp.Click(chromedp.CSS("#livechat-article .lc-back")))
	waitFor(t, tab, "the results again", `document.getElementById('livechat-article').hidden &&
		document.activeElement.classList.contains('lc-result')`, consentState)
}

// languageTab opens a tab whose browser speaks lang.
func languageTab(t *testing.T, browser context.Context, lang string) context.Context {
	t.Helper()
	tab := displayTab(t, browser)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	ua, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err == nil {
		_, err = chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: lang})
	}
	require.NoError(t, err, "set the language to %s", lang)
	return tab
}

// A German visitor sees the message that ends the conversation in German,
// with the name of the agent who ended it; the inbox keeps the English.
func testConsentCloseInGerman(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {})
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	require.NoError(t, site.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada Lovelace", UpdatedAt: time.Now()}))
	tab := languageTab(t, browser, "de-DE")
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	send(t, tab, "Hallo")
	cs := site.conversations(t)
	require.Len(t, cs, 1, "conversations")
	_, err := site.chat.CloseConversation(ctx, cs[0].ID, "ada")
	require.NoError(t, err)
	waitFor(t, tab, "the close message in German", `(() => {
		const m = document.querySelector('#livechat-messages .lc-msg[data-sender="system"] .lc-text');
		const e = document.querySelector('#livechat-window .lc-ended');
		return document.getElementById('livechat-root').lang === 'de' && !!m &&
			m.textContent === 'Ada Lovelace hat das Gespräch beendet.' &&
			!!e && e.getClientRects().length > 0 && e.textContent.startsWith('Dieses Gespräch wurde beendet');
	})()`, consentState)
	ms, err := site.store.Messages(ctx, cs[0].ID, 0, 10)
	require.NoError(t, err)
	require.Equal(t, "Ada Lovelace ended the conversation.", ms[len(ms)-1].Text, "the stored text")
}

// With cookie consent on, the chat works before the visitor answers the
// banner but nothing is stored in the browser; once they accept, the
// visitor cookie is set and the conversation survives a reload.
func testConsentNoCookie(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Options.Consent.Cookies.Enabled = true
		f.Options.Consent.Cookies.When = consent.BannerBeforeChat
	})
	tab := displayTab(t, browser)
	visitorCookie := func() bool {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		cs, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{site.url + "/help", site.url + "/livechat/api/v1/visitor/config"}})
		require.NoError(t, err, "the cookies")
		for _, c := range cs.Cookies {
			if c.Name == "livechat_visitor" {
				return true
			}
		}
		return false
	}
	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	waitFor(t, tab, "the cookie banner", `(() => {
		const b = document.getElementById('livechat-cookies');
		return !!b && b.getClientRects().length > 0 && b.getAttribute('role') === 'region' &&
			!!document.getElementById('livechat-cookies-accept') && !!document.getElementById('livechat-cookies-decline');
	})()`, consentState)
	send(t, tab, "Before cookies")
	if got := eval[string](t, tab, `document.cookie + sessionStorage.length + localStorage.length`); got != "00" {
		t.Fatalf("stored in the browser before cookie consent: %q", got)
	}
	if visitorCookie() {
		t.Fatalf("a livechat_visitor cookie before cookie consent")
	}

	do(t, tab, "accept cookies", chromedp.Click(chromedp.CSS("#livechat-cookies-accept")))
	waitFor(t, tab, "the banner gone", `!document.getElementById('livechat-cookies')`, consentState)
	if !visitorCookie() {
		t.Fatalf("no livechat_visitor cookie after accepting cookies")
	}

	visit(t, tab, site.url+"/help")
	if eval[bool](t, tab, `document.getElementById('livechat-window').hidden`) {
		openChat(t, tab)
	}
	waitFor(t, tab, "the conversation after the reload, without the banner", `!document.getElementById('livechat-cookies') &&
		[...document.querySelectorAll('#livechat-messages [data-seq][data-sender="visitor"]')].some(e => e.textContent.includes('Before cookies'))`, consentState)
}

// A cookie banner set to show on exit stays hidden while the visitor reads
// and chats, not when the pointer leaves through a side, and floats
// outside the chat window once it leaves through the top of the page;
// accepting it sets the visitor cookie.
func testConsentCookiesOnExit(t *testing.T, browser context.Context) {
	site := newConsentSite(t, nil, func(f *flow.Chatflow) {
		f.Options.Consent.Cookies.Enabled = true
		f.Options.Consent.Cookies.When = consent.BannerOnExit
	})
	tab := displayTab(t, browser)
	const bannerShown = `(() => {
		const b = document.getElementById('livechat-cookies');
		return !!b && b.getClientRects().length > 0;
	})()`
	visit(t, tab, site.url+"/help")
	if eval[bool](t, tab, bannerShown) {
		t.Fatalf("the on-exit cookie banner shows as the page opens")
	}
	openChat(t, tab)
	send(t, tab, "Before the banner")
	if eval[bool](t, tab, bannerShown) {
		t.Fatalf("the on-exit cookie banner shows while the visitor chats")
	}
	move := func(x, y float64) chromedp.Action[chromedp.Void] {
		return chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)
	}
	do(t, tab, "leave through the left side", move(300, 200), move(5, 200), move(-1, 200))
	time.Sleep(300 * time.Millisecond)
	if eval[bool](t, tab, bannerShown) {
		t.Fatalf("the pointer left through a side: want no cookie banner")
	}
	do(t, tab, "leave through the top", move(300, 200), move(300, 5), move(300, -1))
	waitFor(t, tab, "the floating cookie banner", `(() => {
		const b = document.getElementById('livechat-cookies');
		return !!b && b.getClientRects().length > 0 && b.getAttribute('role') === 'region' &&
			!document.getElementById('livechat-window').contains(b) &&
			!!document.getElementById('livechat-cookies-accept') && !!document.getElementById('livechat-cookies-decline');
	})()`, consentState)
	if got := eval[string](t, tab, `document.cookie + sessionStorage.length + localStorage.length`); got != "00" {
		t.Fatalf("stored in the browser before cookie consent: %q", got)
	}
	do(t, tab, "accept cookies", chromedp.Click(chromedp.CSS("#livechat-cookies-accept")))
	waitFor(t, tab, "the banner gone", `!document.getElementById('livechat-cookies')`, consentState)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	cs, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{site.url + "/livechat/api/v1/visitor/config"}})
	require.NoError(t, err, "the cookies")
	found := false
	for _, c := range cs.Cookies {
		found = found || c.Name == "livechat_visitor"
	}
	require.True(t, found, "no livechat_visitor cookie after accepting cookies on exit")
}

// communicationCase checks the consent to communicate under one email
// capture mode, other settings left at their defaults: the checkbox is on
// screen before the first message (in the email form when that shows,
// else above the composer), stays there and keeps its state when the
// email form appears, and ticking and unticking it records both answers.
func communicationCase(mode flow.EmailMode) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browser context.Context) {
		site := newConsentSite(t, nil, func(f *flow.Chatflow) {
			f.Build.EmailCapture.Mode = mode
			f.Options.Consent.Communication = consent.Communication{Enabled: true, Subscriptions: []consent.Subscription{{ID: "news", Label: "Send me news"}}}
		})
		if mode == flow.EmailWhenAway {
			// The team is available: the email form never shows.
			ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
			err := site.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada Lovelace", Presence: livechat.PresenceAvailable, LastSeenAt: time.Now(), UpdatedAt: time.Now()})
			cancel()
			require.NoError(t, err)
		}
		tab := displayTab(t, browser)
		visit(t, tab, site.url+"/help")
		openChat(t, tab)
		// boxIn is JavaScript true when the checkbox is on screen inside
		// the element with the id, ticked or not as said.
		boxIn := func(id string, checked bool) string {
			return `(() => {
				const i = document.querySelector('input[data-consent-kind="communication:news"]');
				return !!i && i.type === 'checkbox' && i.checked === ` + strconv.FormatBool(checked) + ` && !i.disabled &&
					i.getClientRects().length > 0 && i.labels[0].textContent === 'Send me news' &&
					i.closest('#` + id + `') !== null && document.querySelectorAll('input[data-consent-kind]').length === 1;
			})()`
		}
		emailShown := `document.getElementById('livechat-email').getClientRects().length > 0`
		before := "livechat-communication"
		if mode == flow.EmailBeforeFirstMessage {
			before = "livechat-email"
		}
		waitFor(t, tab, "the checkbox before the first message", boxIn(before, false), consentState)
		box := chromedp.CSS(`input[data-consent-kind="communication:news"]`)
		do(t, tab, "tick the checkbox", chromedp.Click(box))
		waitFor(t, tab, "the checkbox ticked", boxIn(before, true), consentState)

		if mode == flow.EmailBeforeFirstMessage {
			do(t, tab, "give an address",
				chromedp.SendKeys(chromedp.CSS("#livechat-email-input"), "zoe@example.com"),
				chromedp.Click(chromedp.CSS("#livechat-email-submit")),
			)
			waitFor(t, tab, "the address saved, the checkbox kept", `!!document.getElementById('livechat-email-saved') && `+boxIn("livechat-email", true), consentState)
		}
		send(t, tab, "Hello") // a conversation names the visitor
		switch mode {
		case flow.EmailAfterFirstMessage:
			waitFor(t, tab, "the checkbox in the email form", emailShown+` && `+boxIn("livechat-email", true), consentState)
		case flow.EmailWhenAway, flow.EmailNever:
			waitFor(t, tab, "the checkbox above the composer, no email form", `!(`+emailShown+`) && `+boxIn("livechat-communication", true), consentState)
		}
		do(t, tab, "untick the checkbox", chromedp.Click(box))
		waitFor(t, tab, "the checkbox unticked", `!document.querySelector('input[data-consent-kind="communication:news"]').checked`, consentState)

		cs := site.conversations(t)
		require.Len(t, cs, 1, "conversations")
		var got []string
		for end := time.Now().Add(stepTimeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
			rs, err := site.store.Consents(ctx, cs[0].VisitorID)
			cancel()
			require.NoError(t, err)
			got = got[:0]
			for _, r := range rs {
				if r.Kind == "communication:news" {
					got = append(got, strconv.FormatBool(r.Granted))
				}
			}
			if len(got) == 2 {
				break
			}
		}
		require.Equal(t, []string{"true", "false"}, got, "communication consents recorded")
	}
}
