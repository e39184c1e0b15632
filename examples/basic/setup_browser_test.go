// The setup test walks the first visit of a team lead to the chatflow
// editor on a fresh database: the setup's steps, the live preview on a
// desktop and a phone, Publish, and the chat as visitors then see it on
// the site's pages. It writes screenshots to screenshots/ (ignored by git).

package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/golivechat/livechat/storage/memory"
)

// setupState is JavaScript that describes what the setup shows.
const setupState = `JSON.stringify({url: location.href,
	step: (document.querySelector('.lce-steps [aria-current=step]') || {}).textContent,
	heading: ((document.querySelector('.lce-step:not([hidden]) h3') || document.querySelector('#lce-main h2')) || {}).textContent,
	errors: (document.querySelector('.lce-setup .lce-summary') || {}).textContent,
	msgs: [...document.querySelectorAll('.lce-msg')].map(m => m.getAttribute('data-for') + ': ' + m.textContent),
	status: (document.querySelector('.lce-setup .lce-status') || {}).textContent,
	next: (document.getElementById('lce-setup-next') || {}).textContent,
	frame: (document.querySelector('.lce-frame') || {}).src,
	main: document.getElementById('lce-main').textContent.slice(0, 300)})`

func TestSetupFirstTime(t *testing.T) {
	site, tab := siteTab(t, "setup")

	// Grace opens the inbox once (the site registered the three demo
	// agents at startup); then Ada, who may edit chatflows, opens the editor: nobody has edited a
	// chatflow yet, so it starts with the setup.
	signIn(t, tab, site.srv.URL, "Grace Hopper")
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "follow the Chatflows link", chromedp.Click(`#lc-chatflows`))
	waitFor(t, tab, "the setup's first step", `!!document.getElementById('lce-setup-title') &&
		!!document.querySelector('#lce-step-display [data-path="display.accentColor"]')`, setupState)
	eval[bool](t, tab, editorJS)
	if got := eval[string](t, tab, `document.querySelector('.lce-step:not([hidden]) h3').textContent`); got != "Step 1 of 3: Display" {
		t.Errorf("the first step is %q", got)
	}

	// Display: a grey whose white text would be too faint is refused;
	// a dark teal is taken.
	eval[bool](t, tab, `fill('display.accentColor', '#888888')`)
	waitFor(t, tab, "the faint colour refused", `document.querySelector('[data-path="display.accentColor"]').getAttribute('aria-invalid') === 'true' &&
		/at least 4\.5:1/.test(document.querySelector('.lce-color .lce-hint').textContent)`, setupState)
	eval[bool](t, tab, `fill('display.accentColor', '#0f766e')`)
	waitFor(t, tab, "the teal taken", `document.querySelector('[data-path="display.accentColor"]').getAttribute('aria-invalid') !== 'true'`, setupState)
	pageShot(t, tab, "setup-display", 0.6)
	do(t, tab, "next", chromedp.Click(`#lce-setup-next`))

	// Chatflow: the heading shows Ada by name; a welcome message; chats
	// go to Ada and Grace.
	waitFor(t, tab, "the chatflow step with the agents listed", `!document.getElementById('lce-step-chatflow').hidden &&
		!!document.querySelector('[data-path="display.heading.userIds"] input[value="ada"]') &&
		!!document.querySelector('[data-path="build.assignment.userIds"] input[value="grace"]')`, setupState)
	if f := eval[string](t, tab, `document.activeElement.textContent`); f != "Step 2 of 3: Chatflow" {
		t.Errorf("the focus is on %q, not the step's heading", f)
	}
	eval[bool](t, tab, `fill('display.heading.title', 'Acme help desk')`)
	eval[bool](t, tab, `fill('display.heading.subtitle', 'Ada answers in minutes')`)
	do(t, tab, "show specific agents in the heading", chromedp.Click(`#lce-setup-kind-agents`))
	do(t, tab, "pick Ada for the heading", chromedp.Click(`[data-path="display.heading.userIds"] input[value="ada"]`))
	eval[bool](t, tab, `fill('build.welcome', 'Welcome to Acme! What can we do for you?')`)
	do(t, tab, "assign to Ada and Grace",
		chromedp.Click(`[data-path="build.assignment.userIds"] input[value="ada"]`),
		chromedp.Click(`[data-path="build.assignment.userIds"] input[value="grace"]`))
	pageShot(t, tab, "setup-chatflow", 0.6)

	// Availability: 24/7, so that visitors can write while nobody is
	// set available.
	do(t, tab, "next", chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "the availability step", `!document.getElementById('lce-step-availability').hidden &&
		document.activeElement.textContent === 'Step 3 of 3: Availability' &&
		!!document.querySelector('#lce-step-availability [data-path="availability.mode"][value="always"]')`, setupState)
	do(t, tab, "choose 24/7", chromedp.Click(`#lce-step-availability [data-path="availability.mode"][value="always"]`))
	pageShot(t, tab, "setup-availability", 0.6)
	do(t, tab, "on to the preview", chromedp.Click(`#lce-setup-next`))

	// The preview: the real widget with what was chosen, unsaved, on a
	// desktop, then on a phone.
	const teal = "rgb(15, 118, 110)"
	waitFor(t, tab, "the desktop preview with the choices", `(() => { const p = JSON.parse(`+previewJS+`);
		return p.device === 'desktop' && p.accent === '`+teal+`' && p.header === '`+teal+`' && p.title === 'Acme help desk' &&
			p.welcome.includes('Welcome to Acme!') && p.avatars.includes('Ada Lovelace') && p.inner === 1280 && p.status === 'available'; })()`, previewJS)
	pageShot(t, tab, "setup-preview-desktop", 0.6)
	// A change made now shows in the preview at once.
	do(t, tab, "back to the chatflow step", chromedp.Click(`#lce-setup-back`), chromedp.Click(`#lce-setup-back`))
	waitFor(t, tab, "the chatflow step", `!document.getElementById('lce-step-chatflow').hidden`, setupState)
	eval[bool](t, tab, `fill('display.heading.title', 'Acme help')`)
	do(t, tab, "on to the preview again", chromedp.Click(`#lce-setup-next`), chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "the new title in the preview", `JSON.parse(`+previewJS+`).title === 'Acme help'`, previewJS)
	do(t, tab, "preview on a phone", chromedp.Click(`input[name="lce-setup-device"][value="phone"]`))
	waitFor(t, tab, "the phone preview", `(() => { const p = JSON.parse(`+previewJS+`);
		return p.box === 'phone' && p.device === 'mobile' && p.inner === 375 && p.accent === '`+teal+`' && p.title === 'Acme help'; })()`, previewJS)
	pageShot(t, tab, "setup-preview-phone", 0.6)
	do(t, tab, "preview on a tablet", chromedp.Click(`input[name="lce-setup-device"][value="tablet"]`))
	waitFor(t, tab, "the tablet preview", `(() => { const p = JSON.parse(`+previewJS+`);
		return p.box === 'tablet' && p.device === 'tablet' && p.inner === 768 && p.title === 'Acme help'; })()`, previewJS)

	// A problem the server finds shows next to its field, on its step:
	// the brand without a name.
	do(t, tab, "back to the chatflow step", chromedp.Click(`#lce-setup-back`), chromedp.Click(`#lce-setup-back`))
	do(t, tab, "show the brand in the heading", chromedp.Click(`#lce-setup-kind-brand`))
	eval[bool](t, tab, `fill('display.heading.brandName', '')`)
	do(t, tab, "on to the preview", chromedp.Click(`#lce-setup-next`), chromedp.Click(`#lce-setup-next`))
	do(t, tab, "publish", chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "the brand name's problem next to it", `(() => {
		const c = document.querySelector('[data-path="display.heading.brandName"]'), m = document.querySelector('.lce-msg[data-for="display.heading.brandName"]');
		return !document.getElementById('lce-step-chatflow').hidden && document.activeElement === c && c.getAttribute('aria-invalid') === 'true' &&
			!!m && c.getAttribute('aria-describedby').split(' ').includes(m.id) && /Not published: 1 problem, marked below/.test(document.querySelector('.lce-setup .lce-summary').textContent); })()`, setupState)
	pageShot(t, tab, "setup-error", 0.6)
	do(t, tab, "show Ada in the heading again", chromedp.Click(`#lce-setup-kind-agents`))
	do(t, tab, "on to the preview", chromedp.Click(`#lce-setup-next`), chromedp.Click(`#lce-setup-next`))

	// Nothing is saved before Publish: visitors still get the example's
	// support chat.
	sf, err := site.chat.Chatflow(stepCtx(t), "support")
	if err != nil {
		t.Fatal(err)
	}
	if sf.Version != 1 || sf.Chatflow.Display.AccentColor != "#2f6fed" {
		t.Fatalf("before Publish the chatflow is stored at version %d with %s", sf.Version, sf.Chatflow.Display.AccentColor)
	}

	do(t, tab, "publish", chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "published", `(document.getElementById('lce-setup-done') || {}).textContent === 'Your chat is live' &&
		document.activeElement === document.getElementById('lce-setup-done')`, setupState)
	pageShot(t, tab, "setup-done", 0.6)
	sf, err = site.chat.Chatflow(stepCtx(t), "support")
	if err != nil {
		t.Fatal(err)
	}
	hd := sf.Chatflow.Display.Heading
	if !sf.Chatflow.Enabled || sf.Chatflow.Display.AccentColor != "#0f766e" || hd.Title != "Acme help" || hd.Kind != "agents" ||
		len(hd.UserIDs) != 1 || hd.UserIDs[0] != "ada" || hd.BrandAlias || sf.Chatflow.Build.Welcome != "Welcome to Acme! What can we do for you?" ||
		len(sf.Chatflow.Build.Assignment.UserIDs) != 2 || sf.Chatflow.Availability.Mode != "always" {
		t.Errorf("the published chatflow: %+v", sf.Chatflow)
	}
	// The editor now shows the list: the setup is done.
	do(t, tab, "go to the chatflows", chromedp.Click(`#lce-setup-list`))
	waitFor(t, tab, "the list", `!!document.getElementById('lce-list')`, setupState)
	do(t, tab, "reload", chromedp.Reload())
	waitFor(t, tab, "the list after a reload, not the setup", `!!document.getElementById('lce-list') && !document.getElementById('lce-setup-title')`, setupState)

	// A visitor sees the chat on the example's pages with the colour and
	// heading chosen; the sales chat on /pricing is as it was.
	visitor, cancelVisitor := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	defer cancelVisitor()
	// Its first action opens the tab, bound to the tab's own context.
	if err := chromedp.Do(visitor); err != nil {
		t.Fatalf("open a visitor's tab: %v", err)
	}
	for _, path := range []string{"/", "/about"} {
		do(t, visitor, "open "+path, chromedp.Navigate(site.srv.URL+path))
		waitFor(t, visitor, "the launcher in teal on "+path, `(() => { const l = document.getElementById('livechat-launcher');
			const r = document.getElementById('livechat-root');
			return !!l && r.style.display !== 'none' && r.dataset.availability === 'available' && getComputedStyle(l).backgroundColor === '`+teal+`'; })()`, viewJS)
		do(t, visitor, "open the chat", chromedp.Evaluate[chromedp.Void](`LiveChat.open()`))
		waitFor(t, visitor, "the chosen heading on "+path, `(() => { const w = document.getElementById('livechat-window');
			return !!w && w.getClientRects().length > 0 && w.getAttribute('aria-label') === 'Acme help' &&
				[...w.querySelectorAll('.lc-avatars [aria-label], .lc-avatars img')].some(a => (a.getAttribute('aria-label') || a.alt) === 'Ada Lovelace') &&
				document.getElementById('livechat-messages').textContent.includes('Welcome to Acme!'); })()`, viewJS)
	}
	pageShot(t, visitor, "setup-visitor", 0.6)
	do(t, visitor, "open /pricing", chromedp.Navigate(site.srv.URL+"/pricing"))
	waitFor(t, visitor, "the sales chat on /pricing", `(() => { const r = document.getElementById('livechat-root');
		return !!r && r.dataset.chatflow === 'sales' && getComputedStyle(document.getElementById('livechat-launcher')).backgroundColor === 'rgb(194, 65, 12)'; })()`, viewJS)
}

// Skipping the setup shows the list for as long as the browser tab stays
// open, after asking when something was chosen; nothing is saved, so
// another tab starts with the setup again.
func TestSetupSkip(t *testing.T) {
	site, tab := siteTab(t, "skip")

	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows"))
	waitFor(t, tab, "the setup", `!!document.querySelector('#lce-step-display [data-path="display.accentColor"]')`, setupState)
	eval[bool](t, tab, editorJS)
	eval[bool](t, tab, `fill('display.accentColor', '#0f766e')`)
	do(t, tab, "skip", chromedp.Click(`#lce-setup-skip`))
	waitFor(t, tab, "the question", `!document.getElementById('lce-setup-ask').hidden && document.activeElement.textContent === 'Keep setting up'`, setupState)
	do(t, tab, "keep setting up", chromedp.Click(`//button[normalize-space()="Keep setting up"]`))
	waitFor(t, tab, "still in the setup", `document.getElementById('lce-setup-ask').hidden && document.activeElement.id === 'lce-setup-skip' &&
		document.querySelector('[data-path="display.accentColor"]').value === '#0f766e'`, setupState)
	do(t, tab, "skip", chromedp.Click(`#lce-setup-skip`))
	do(t, tab, "skip without saving", chromedp.Click(`#lce-setup-skip-now`))
	waitFor(t, tab, "the list", `!!document.getElementById('lce-list')`, setupState)
	do(t, tab, "reload", chromedp.Reload())
	waitFor(t, tab, "the list after a reload", `!!document.getElementById('lce-list') && !document.getElementById('lce-setup-title')`, setupState)
	sf, err := site.chat.Chatflow(stepCtx(t), "support")
	if err != nil {
		t.Fatal(err)
	}
	if sf.Version != 1 {
		t.Errorf("skipping saved the chatflow: version %d", sf.Version)
	}

	// Another browser (its own cookies and tabs) gets the setup again.
	other, cancelOther := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	defer cancelOther()
	if err := chromedp.Do(other); err != nil {
		t.Fatalf("open another browser: %v", err)
	}
	signIn(t, other, site.srv.URL, "Ada Lovelace")
	do(t, other, "open the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows"))
	waitFor(t, other, "the setup again", `!!document.getElementById('lce-setup-title')`, `(async () => JSON.stringify([sessionStorage.getItem("lce-setup-skipped"), (await (await fetch("/livechat/api/v1/admin/chatflows")).json()).chatflows.map(c => [c.chatflow.id, c.version, c.unedited])]))()`)
}

// The editor starts once every script of its page has run, however slowly
// they arrive: a setup script that comes late still gets its turn before
// the list is shown.
func TestSetupScriptArrivesLate(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	store := memory.New()
	secret := make([]byte, 32)
	rand.Read(secret)
	site, chat, err := newSite(store, secret)
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/inbox/setup.js") {
			time.Sleep(time.Second)
		}
		site.ServeHTTP(w, r)
	}))
	closeOnCleanup(t, chat, srv, store)

	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "late")
	defer func() { stopBrowser(); stopConsole() }()
	signIn(t, tab, srv.URL, "Ada Lovelace")
	do(t, tab, "open the editor", chromedp.Navigate(srv.URL+"/livechat/inbox/chatflows"))
	waitFor(t, tab, "the setup or the list", `!!document.getElementById('lce-setup-title') || !!document.getElementById('lce-list')`, setupState)
	if eval[bool](t, tab, `!!document.getElementById('lce-list')`) {
		t.Error("the editor showed the list before the setup script had run")
	}
}

// With no chatflow at all the setup creates one, and publishing it shows
// the chat on every page.
func TestSetupWithoutChatflows(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	site := newBrowserSite(t)
	defer site.close(t)
	for _, id := range []string{"sales", "support"} {
		if err := site.chat.DeleteChatflow(stepCtx(t), id, 0); err != nil {
			t.Fatal(err)
		}
	}

	tab, stopBrowser := startBrowser(t, ctx, chromium)
	stopConsole := watchConsole(t, tab, "empty")
	defer func() { stopBrowser(); stopConsole() }()
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows"))
	waitFor(t, tab, "the setup of a new chatflow", `!!document.getElementById('lce-setup-title') && document.getElementById('lce-main').textContent.includes('setting up "Website chat"')`, setupState)
	eval[bool](t, tab, editorJS)
	eval[bool](t, tab, `fill('display.accentColor', '#0f766e')`)
	do(t, tab, "on to the preview", chromedp.Click(`#lce-setup-next`), chromedp.Click(`#lce-setup-next`), chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "the preview", `JSON.parse(`+previewJS+`).accent === 'rgb(15, 118, 110)'`, previewJS)
	do(t, tab, "publish", chromedp.Click(`#lce-setup-next`))
	waitFor(t, tab, "published", `!!document.getElementById('lce-setup-done')`, setupState)

	flows, err := site.chat.Chatflows(stepCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 1 || !flows[0].Chatflow.Enabled || flows[0].Chatflow.Name != "Website chat" || flows[0].Chatflow.Display.AccentColor != "#0f766e" {
		t.Fatalf("after the setup: %+v", flows)
	}
	do(t, tab, "open /about", chromedp.Navigate(site.srv.URL+"/about"))
	waitFor(t, tab, "the new chat on /about", `(() => { const r = document.getElementById('livechat-root');
		return !!r && r.dataset.chatflow === '`+flows[0].Chatflow.ID+`' && getComputedStyle(document.getElementById('livechat-launcher')).backgroundColor === 'rgb(15, 118, 110)'; })()`, viewJS)
}
