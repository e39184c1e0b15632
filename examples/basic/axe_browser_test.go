// axe-core checks a page as a screen-reader or keyboard user meets it.
// The tests read axe-core's axe.min.js from $LIVECHAT_AXE (.ci/run
// installs a pinned version from npm and sets it); it is a test tool
// only, never served by the chat nor part of the module.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSetup says how to make axe-core available to the browser tests.
const axeSetup = "set LIVECHAT_AXE to axe-core's axe.min.js: npm install --prefix /tmp/livechat-axe axe-core@<version in .ci/run>, " +
	"then LIVECHAT_AXE=/tmp/livechat-axe/node_modules/axe-core/axe.min.js (.ci/run does both)"

var axeSource struct {
	once sync.Once
	src  string
	err  error
}

// axeScript returns the text of axe.min.js named by $LIVECHAT_AXE.
// Without the variable the test is skipped, except on CI ($CI set), where
// it fails.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("LIVECHAT_AXE")
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no axe-core: " + axeSetup)
		}
		t.Skip("no axe-core: " + axeSetup)
	}
	axeSource.once.Do(func() {
		b, err := os.ReadFile(path)
		axeSource.src, axeSource.err = string(b), err
	})
	if axeSource.err != nil {
		t.Fatalf("LIVECHAT_AXE=%q: %v (%s)", path, axeSource.err, axeSetup)
	}
	return axeSource.src
}

// axeViolation is one rule axe-core found broken, with the elements that
// break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeRun is JavaScript that runs axe-core over the page as shown (the
// document, not the frames in it) with the WCAG 2.0, 2.1 and 2.2 level A
// and AA rules, and returns the violations as JSON.
const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']},
	resultTypes: ['violations'], iframes: false,
}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
	nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))}))))`

// checkAxe runs axe-core in a tab's page and reports every violation of
// the WCAG 2 A and AA rules as an error naming the rule, its impact, the
// elements and how to fix it. what names the page and its state.
func checkAxe(t *testing.T, tab context.Context, what string) {
	t.Helper()
	src := axeScript(t)
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!window.axe || (() => {`+src+`
;return !!window.axe; })()`)); err != nil {
		t.Fatalf("%s: load axe-core: %v", what, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", what, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%s: axe.run's answer %q: %v", what, out, err)
	}
	if len(vs) > 0 {
		t.Errorf("%s: %d accessibility rules broken:\n%s", what, len(vs), formatViolations(vs))
	}
}

// formatViolations lists violations one rule a paragraph: the rule, its
// impact and help, then each element's selector and what is wrong.
func formatViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s (%s): %s\n", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			target, _ := json.Marshal(n.Target)
			fmt.Fprintf(&b, "    %s\n", target)
			for _, line := range strings.Split(strings.TrimSpace(n.Summary), "\n") {
				fmt.Fprintf(&b, "      %s\n", strings.TrimSpace(line))
			}
		}
	}
	return b.String()
}

// checkNoSideScroll fails when a tab's page is wider than its window, so
// that it would scroll sideways.
func checkNoSideScroll(t *testing.T, tab context.Context, what string) {
	t.Helper()
	got := eval[[]int](t, tab, `[document.documentElement.scrollWidth, innerWidth]`)
	if got[0] > got[1] {
		wide := eval[string](t, tab, `(() => { const w = innerWidth, out = [];
			for (const e of document.querySelectorAll('body *')) {
				const r = e.getBoundingClientRect();
				if (r.right > w + 0.5 && e.getClientRects().length) out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
					(e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' right=' + Math.round(r.right));
				if (out.length === 8) break;
			}
			return out.join(', '); })()`)
		t.Errorf("%s: the page scrolls sideways, %d px wide in a %d px window; reaching past it: %s", what, got[0], got[1], wide)
	}
}
