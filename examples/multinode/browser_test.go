// The browser test drives the program in Chromium with chromedp, as a
// person trying it would: the visitor's widget on node 1's page, Ada's
// inbox on node 2. Set LIVECHAT_SCREENSHOTS=1 to also save
// /tmp/livechat-multinode-widget.png and /tmp/livechat-multinode-inbox.png.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds each browser step: generous, for two cores shared
// with other test runs and browsers.
const stepTimeout = 30 * time.Second

func TestBrowserVisitorOnNode1AgentOnNode2(t *testing.T) {
	chromium := chromiumPath(t)
	d := startDemo(t, "redis")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	// Tab A is the visitor, on node 1.
	tabA, stopBrowser := startBrowser(t, ctx, chromium)
	defer stopBrowser()
	const (
		hello = "Hello from node 1"
		reply = "Hi! Ada here, on node 2."
	)
	do(t, tabA, "open node 1's page and the widget",
		chromedp.Navigate(d.nodes[0]+"/"),
		chromedp.WaitVisible(chromedp.CSS("#livechat-launcher")),
		chromedp.Click(chromedp.CSS("#livechat-launcher")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-input")),
	)
	if got := eval[string](t, tabA, `document.getElementById('served-by').textContent`); !strings.Contains(got, "Served by node 1.") {
		t.Errorf("the visitor's page says %q, want it served by node 1", got)
	}
	do(t, tabA, "write a message",
		chromedp.SendKeys(chromedp.CSS("#livechat-input"), hello),
		chromedp.Click(chromedp.CSS("#livechat-send")),
	)
	waitFor(t, tabA, "the visitor's message sent", `(() => {
		const m = document.querySelector('#livechat-messages .lc-msg[data-sender="visitor"][data-seq="1"]');
		return !!m && m.querySelector('.lc-state').textContent === 'Sent';
	})()`, widgetState)

	// Tab B is Ada, signed in on node 2.
	tabB, cancelB := chromedp.NewContext(tabA)
	defer cancelB()
	// The tab's first action opens it, bound to its own context: one
	// under a step timeout would close it with the step.
	if err := chromedp.Do(tabB); err != nil {
		t.Fatalf("open tab B: %v", err)
	}
	do(t, tabB, "sign in as Ada on node 2",
		chromedp.Navigate(d.nodes[1]+"/login"),
		chromedp.Click(`//button[normalize-space()="Sign in as Ada Lovelace"]`),
		chromedp.WaitVisible(chromedp.CSS(".lc-conv")),
	)
	if got := eval[string](t, tabB, `location.href`); got != d.nodes[1]+"/livechat/inbox/" {
		t.Errorf("the inbox is at %s, want node 2's %s/livechat/inbox/", got, d.nodes[1])
	}
	waitFor(t, tabB, "the inbox page served by node 2, asked again",
		`fetch(location.href).then(r => r.headers.get('X-Served-By') === 'node 2')`, inboxState)
	// The schema is new: the visitor's is the only conversation.
	waitFor(t, tabB, "the conversation's row, clicked", `(() => {
		const rows = document.querySelectorAll('.lc-conv');
		if (rows.length !== 1 || rows[0].getClientRects().length === 0) return false;
		rows[0].click();
		return true;
	})()`, inboxState)
	waitFor(t, tabB, "the visitor's message in the inbox",
		threadIs("#lc-thread", []shownMessage{{"1", "visitor", hello}}), inboxState)
	do(t, tabB, "reply",
		chromedp.SendKeys(chromedp.CSS("#lc-reply"), reply),
		chromedp.Click(chromedp.CSS("#lc-reply-send")),
	)
	both := []shownMessage{{"1", "visitor", hello}, {"2", "agent", reply}}
	waitFor(t, tabB, "the reply in the inbox thread", threadIs("#lc-thread", both), inboxState)
	screenshot(t, tabB, "/tmp/livechat-multinode-inbox.png")

	front(t, tabA)
	waitFor(t, tabA, "the reply in the widget on node 1", threadIs("#livechat-messages", both), widgetState)
	waitFor(t, tabA, "the visitor's message marked Read", `(() => {
		const s = document.querySelector('#livechat-messages .lc-msg[data-seq="1"] .lc-state');
		return !!s && s.textContent === 'Read';
	})()`, widgetState)
	screenshot(t, tabA, "/tmp/livechat-multinode-widget.png")
}

// chromiumPath finds the browser: $LIVECHAT_CHROMIUM, or the first of the
// usual names on $PATH. Without one the test is skipped, except on CI
// ($CI set), where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LIVECHAT_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("LIVECHAT_CHROMIUM=%q: %v", p, err)
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const msg = "no Chromium: set LIVECHAT_CHROMIUM or install chromium (apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startBrowser starts headless Chromium with the flags of examples/basic's
// browser tests and returns its first tab; stop closes the tab and waits
// for the browser to exit.
func startBrowser(t *testing.T, ctx context.Context, chromium string) (tab context.Context, stop func()) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	stop = func() { cancelTab(); cancelAlloc() }
	if err := chromedp.Do(tab); err != nil {
		stop()
		t.Fatalf("start %s: %v", chromium, err)
	}
	return tab, stop
}

// do runs actions in a tab within stepTimeout.
func do(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in a tab and decodes its value.
func eval[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript expression (or promise) in a tab until it is
// true. On timeout it fails with the value of the expression state, which
// describes what the page shows.
func waitFor(t *testing.T, tab context.Context, what, expr, state string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		lastErr = err
		select {
		case <-ctx.Done():
			sctx, scancel := context.WithTimeout(tab, 2*time.Second)
			got, serr := chromedp.Run(sctx, chromedp.Evaluate[string](state))
			scancel()
			t.Fatalf("timed out waiting for %s (last error: %v)\npage state: %s (%v)", what, lastErr, got, serr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// front makes a tab the active one, as a person switching tabs does.
func front(t *testing.T, tab context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, cdppage.BringToFront, cdp.Empty{}); err != nil {
		t.Fatalf("bring tab to front: %v", err)
	}
}

// screenshot saves a PNG of a tab's viewport when $LIVECHAT_SCREENSHOTS is
// set, so that CI writes no files.
func screenshot(t *testing.T, tab context.Context, file string) {
	t.Helper()
	if os.Getenv("LIVECHAT_SCREENSHOTS") == "" {
		return
	}
	front(t, tab)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", file)
}

// JavaScript that describes what the widget and the inbox show, for
// failures.
const (
	widgetState = `JSON.stringify([...document.querySelectorAll('#livechat-messages .lc-msg')].map(e => ({
		seq: e.getAttribute('data-seq'), sender: e.getAttribute('data-sender'), state: e.getAttribute('data-state'),
		text: (e.querySelector('.lc-text') || {}).textContent})))`
	inboxState = `JSON.stringify({url: location.href,
		rows: [...document.querySelectorAll('.lc-conv')].map(e => e.getAttribute('data-id')),
		thread: [...document.querySelectorAll('#lc-thread .lc-msg')].map(e => ({
			seq: e.getAttribute('data-seq'), sender: e.getAttribute('data-sender'),
			text: (e.querySelector('.lc-text') || {}).textContent})),
		error: (document.getElementById('lc-error') || {}).textContent})`
)

type shownMessage struct {
	Seq    string `json:"seq"`
	Sender string `json:"sender"`
	Text   string `json:"text"`
}

// threadIs returns JavaScript that is true when the elements with a
// data-seq inside container are exactly want, in order, and nothing is
// still pending.
func threadIs(container string, want []shownMessage) string {
	w, _ := json.Marshal(want)
	return fmt.Sprintf(`(() => {
		const want = %s;
		const c = document.querySelector(%q);
		if (!c || c.querySelector('.lc-pending')) return false;
		const got = [...c.querySelectorAll('[data-seq]')].map(e => ({
			seq: e.getAttribute('data-seq'), sender: e.getAttribute('data-sender'),
			text: (e.querySelector('.lc-text') || {}).textContent}));
		return JSON.stringify(got) === JSON.stringify(want);
	})()`, w, container)
}
