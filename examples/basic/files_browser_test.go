package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// writePNG writes a small PNG image to a file in dir and returns its path.
func writePNG(t *testing.T, dir, name string, c color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o600))
	return p
}

// imagesJS lists the attachment previews shown in container: their alt
// text and whether the image loaded.
func imagesJS(container string) string {
	return `JSON.stringify([...document.querySelectorAll(` + jsString(container+" .lc-file img") + `)].map(i => [i.alt, i.complete && i.naturalWidth]))`
}

// A visitor attaches a PNG with the widget's paperclip and the agent sees
// it as a preview in the inbox; the agent's PNG shows in the widget. An
// SVG or an HTML page is refused on both sides, with the reason, and
// nothing is stored.
func TestAttachmentsInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	dir := t.TempDir()
	visitorPNG := writePNG(t, dir, "visitor-shot.png", color.RGBA{R: 200, A: 255})
	agentPNG := writePNG(t, dir, "agent-answer.png", color.RGBA{B: 200, A: 255})
	svg := filepath.Join(dir, "logo.svg")
	require.NoError(t, os.WriteFile(svg, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0o600))
	page := filepath.Join(dir, "page.html")
	require.NoError(t, os.WriteFile(page, []byte(`<!DOCTYPE html><html><body><script>alert(1)</script></body></html>`), 0o600))

	site := newBrowserSite(t)
	defer site.close(t)
	tabA, stopBrowser := startBrowser(t, ctx, chromium)
	stopA := watchConsole(t, tabA, "widget")
	defer func() { stopBrowser(); stopA() }()

	do(t, tabA, "open the widget and attach a PNG with the paperclip",
		chromedp.Navigate(site.srv.URL+"/pricing"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS(`#livechat-window button[aria-label="Attach a file"]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#livechat-file"), []string{visitorPNG}),
	)
	waitFor(t, tabA, "the visitor's image shown in the widget", imagesJS("#livechat-messages")+` === '[["visitor-shot.png",40]]'`, imagesJS("#livechat-messages"))
	convs, err := site.chat.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, convs, 1)
	convID := convs[0].ID

	do(t, tabA, "attach an SVG",
		chromedp.SetUploadFiles(chromedp.CSS("#livechat-file"), []string{svg}))
	waitFor(t, tabA, "the SVG refused with its reason",
		`[...document.querySelectorAll('#livechat-messages [role=alert]')].some(e => e.textContent === "logo.svg: the file's content is text/html, not image/svg+xml")`,
		`JSON.stringify([...document.querySelectorAll('#livechat-messages [role=alert]')].map(e => e.textContent))`)

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
	waitFor(t, tabB, "the visitor's image previewed in the inbox", imagesJS("#lc-thread")+` === '[["visitor-shot.png",40]]'`, imagesJS("#lc-thread"))
	do(t, tabB, "attach a PNG",
		chromedp.WaitVisible(chromedp.CSS("#lc-attach")),
		chromedp.SetUploadFiles(chromedp.CSS("#lc-file"), []string{agentPNG}),
	)
	waitFor(t, tabB, "the agent's image in the inbox", imagesJS("#lc-thread")+` === '[["visitor-shot.png",40],["agent-answer.png",40]]'`, imagesJS("#lc-thread"))
	do(t, tabB, "attach an HTML page",
		chromedp.SetUploadFiles(chromedp.CSS("#lc-file"), []string{page}))
	waitFor(t, tabB, "the HTML page refused with its reason",
		`document.getElementById('lc-error').textContent.startsWith("page.html: ")`,
		`document.getElementById('lc-error').textContent`)
	require.Contains(t, eval[string](t, tabB, `document.getElementById('lc-error').textContent`), "text/html files cannot be attached here")

	front(t, tabA)
	waitFor(t, tabA, "the agent's image in the widget", imagesJS("#livechat-messages")+` === '[["visitor-shot.png",40],["agent-answer.png",40]]'`, imagesJS("#livechat-messages"))

	msgs, err := site.store.Messages(stepCtx(t), convID, 0, 100)
	require.NoError(t, err)
	var types []string
	for _, m := range msgs {
		if m.Attachment != nil {
			types = append(types, m.Attachment.ContentType)
		}
	}
	require.Equal(t, []string{"image/png", "image/png"}, types, "the refused files left no message")
}
