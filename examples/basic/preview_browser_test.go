// The preview test edits a chatflow in the editor and watches the live
// preview beside the form follow each change, unsaved, on a desktop, a
// tablet and a phone. It writes screenshots to screenshots/ (ignored by
// git).

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// previewJS returns what the preview frame's widget shows, as JSON.
const previewJS = `(() => {
	const f = document.querySelector('.lce-frame'), d = f && f.contentDocument;
	const q = s => d && d.querySelector(s);
	const root = q('#livechat-root'), launcher = q('#livechat-launcher'), win = q('#livechat-window');
	const box = document.querySelector('.lce-frame-box');
	return JSON.stringify({device: root ? root.dataset.device : '', title: win ? win.getAttribute('aria-label') : '',
		accent: launcher ? getComputedStyle(launcher).backgroundColor : '',
		header: win ? getComputedStyle(win.querySelector('.lc-header')).backgroundColor : '',
		welcome: q('#livechat-messages') ? q('#livechat-messages').textContent : '',
		avatars: [...(d ? d.querySelectorAll('#livechat-window .lc-avatars [aria-label], #livechat-window .lc-avatars img') : [])].map(a => a.getAttribute('aria-label') || a.alt),
		frameWidth: f ? f.offsetWidth : 0, inner: f && f.contentWindow ? f.contentWindow.innerWidth : 0,
		status: root ? root.dataset.availability : '', box: box ? box.dataset.device : ''});
})()`

// pageShot saves a PNG of a tab's whole page (up to 1,200 pixels tall)
// at scale to screenshots/name.png: the README shows copies at 0.6.
func pageShot(t *testing.T, tab context.Context, name string, scale float64) {
	t.Helper()
	w := eval[float64](t, tab, `document.documentElement.clientWidth`)
	h := eval[float64](t, tab, `Math.min(document.documentElement.scrollHeight, 1200)`)
	if err := os.MkdirAll("screenshots", 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	beyond := true
	r, err := chromedp.Call(ctx, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{
		Format: cdppage.CaptureScreenshotFormatPng, CaptureBeyondViewport: &beyond,
		Clip: &cdppage.Viewport{Width: w, Height: h, Scale: scale},
	})
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("screenshots", name+".png"), r.Data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEditorLivePreview(t *testing.T) {
	site, tab := siteTab(t, "preview")

	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the sales chatflow in the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows#edit/sales"))
	waitFor(t, tab, "the sales chatflow with its preview", `!!document.querySelector('[data-path="display.accentColor"]') &&
		JSON.parse(`+previewJS+`).title === 'Talk to sales'`, previewJS)
	eval[bool](t, tab, editorJS)
	const orange = "rgb(194, 65, 12)"
	if p := eval[string](t, tab, previewJS); !jsonHas(t, p, map[string]any{"device": "desktop", "accent": orange, "inner": 1280.0}) {
		t.Errorf("the desktop preview before any change: %s", p)
	}

	// Each change shows in the preview, unsaved.
	eval[bool](t, tab, `fill('display.accentColor', '#6d28d9')`)
	eval[bool](t, tab, `fill('display.heading.title', 'Sales, live')`)
	const violet = "rgb(109, 40, 217)"
	waitFor(t, tab, "the preview with the new colour and title", `(() => { const p = JSON.parse(`+previewJS+`);
		return p.accent === '`+violet+`' && p.header === '`+violet+`' && p.title === 'Sales, live'; })()`, previewJS)
	// A value the server refuses keeps the last valid preview, and says so
	// until the form is valid again.
	eval[bool](t, tab, `fill('display.heading.title', 'x'.repeat(101))`)
	waitFor(t, tab, "the note on a refused change", `(() => { const n = document.querySelector('.lce-preview-stale');
		return !n.hidden && n.textContent.includes('last valid change') && JSON.parse(`+previewJS+`).title === 'Sales, live'; })()`, previewJS)
	eval[bool](t, tab, `fill('display.heading.title', 'Sales, live')`)
	waitFor(t, tab, "the note gone", `document.querySelector('.lce-preview-stale').hidden`, previewJS)
	if d := eval[string](t, tab, `document.getElementById('lce-dirty').textContent`); d != "Unsaved changes" {
		t.Errorf("the editor says %q", d)
	}
	pageShot(t, tab, "editor-preview-desktop", 0.6)

	// The device switch: a tablet, then a phone, each behaving as that
	// device; the unsaved changes follow.
	for _, dev := range []struct{ button, device string }{{"tablet", "tablet"}, {"phone", "mobile"}} {
		do(t, tab, "preview on a "+dev.button, chromedp.Click(`.lce-devices [data-device="`+dev.button+`"]`))
		waitFor(t, tab, "the "+dev.button+" preview", `(() => { const p = JSON.parse(`+previewJS+`);
			return p.box === '`+dev.button+`' && p.device === '`+dev.device+`' && p.accent === '`+violet+`' && p.title === 'Sales, live'; })()`, previewJS)
	}
	if w := eval[float64](t, tab, `document.querySelector('.lce-frame').contentWindow.innerWidth`); w != 375 {
		t.Errorf("the phone's screen is %v wide", w)
	}
	pageShot(t, tab, "editor-preview-phone", 0.6)

	// What visitors see first: on a phone the launcher only (the sales
	// chat's phone behaviour), on a desktop the welcome prompt (it opens
	// by itself after 8 seconds, or on leaving the page).
	do(t, tab, "show what visitors see first", chromedp.Click(`.lce-preview-show input[value="closed"]`))
	const closedJS = `(() => { const d = document.querySelector('.lce-frame').contentDocument, q = s => d.querySelector(s);
		const on = e => !!e && e.getClientRects().length > 0;
		return JSON.stringify({launcher: on(q('#livechat-launcher')), open: on(q('#livechat-window')),
			prompt: on(q('#livechat-prompt')) ? q('#livechat-prompt .lc-text').textContent : null,
			accent: q('#livechat-launcher') ? getComputedStyle(q('#livechat-launcher')).backgroundColor : ''}); })()`
	waitFor(t, tab, "the launcher only on a phone", `(() => { const v = JSON.parse(`+closedJS+`);
		return v.launcher && !v.open && v.prompt === null && v.accent === '`+violet+`'; })()`, closedJS)
	do(t, tab, "preview on a desktop", chromedp.Click(`.lce-devices [data-device="desktop"]`))
	waitFor(t, tab, "the prompt on a desktop", `(() => { const v = JSON.parse(`+closedJS+`);
		return v.launcher && !v.open && v.prompt === 'Questions about plans or volume pricing? Grace from sales is here.'; })()`, closedJS)
	pageShot(t, tab, "editor-preview-closed", 0.6)

	// Nothing was saved.
	sf, err := site.chat.Chatflow(stepCtx(t), "sales")
	if err != nil {
		t.Fatal(err)
	}
	if sf.Version != 1 || sf.Chatflow.Display.AccentColor != "#c2410c" || sf.Chatflow.Display.Heading.Title != "Talk to sales" {
		t.Errorf("the preview saved the chatflow: version %d, %s, %q", sf.Version, sf.Chatflow.Display.AccentColor, sf.Chatflow.Display.Heading.Title)
	}
}

// jsonHas reports whether the JSON object s has each of want's fields
// with its value.
func jsonHas(t *testing.T, s string, want map[string]any) bool {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(s), &got); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// A chatflow that shows no chat now (the launcher hidden while nobody is
// available) is said to be so beside an empty preview.
func TestEditorPreviewNoChat(t *testing.T) {
	site, tab := siteTab(t, "preview")

	// Nobody is available: the support chat is away.
	signIn(t, tab, site.srv.URL, "Ada Lovelace")
	do(t, tab, "open the support chatflow in the editor", chromedp.Navigate(site.srv.URL+"/livechat/inbox/chatflows#edit/support"))
	waitFor(t, tab, "the preview", `JSON.parse(`+previewJS+`).status === 'away' && document.querySelector('.lce-preview-empty').hidden`, previewJS)
	eval[bool](t, tab, editorJS)
	eval[bool](t, tab, `tabTo('availability')`)
	eval[bool](t, tab, `fill('availability.away.showChat', false)`)
	waitFor(t, tab, "no chat, and why", `(() => { const d = document.querySelector('.lce-frame').contentDocument;
		return !d.getElementById('livechat-root') && !!d.defaultView.LiveChat.ready && !document.querySelector('.lce-preview-empty').hidden; })()`, previewJS)
	pageShot(t, tab, "editor-preview-no-chat", 0.6)
	eval[bool](t, tab, `fill('availability.away.showChat', true)`)
	waitFor(t, tab, "the chat again", `JSON.parse(`+previewJS+`).status === 'away' && document.querySelector('.lce-preview-empty').hidden`, previewJS)
}
