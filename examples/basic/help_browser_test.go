package main

import (
	"context"
	"fmt"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/knowledge"
)

// heldSearchJS lets a test hold the answers of the Help tab's searches:
// holdSearches() holds them until releaseSearches(); searchesAnswered
// counts the answers the widget has read, counted as it reads them.
const heldSearchJS = `{
	const f = window.fetch;
	let gate = null;
	window.searchesAnswered = 0;
	window.holdSearches = () => { let r; gate = new Promise(x => r = x); window.releaseSearches = () => { gate = null; r(); }; };
	window.fetch = async (u, ...a) => {
		if (!String(u).includes('/knowledge/search')) return f(u, ...a);
		const g = gate, res = await f(u, ...a);
		if (g) await g;
		const json = res.json.bind(res);
		res.json = () => json().then(v => { window.searchesAnswered++; return v; });
		return res;
	};
}`

func TestHelp(t *testing.T) {
	runBrowserGroup(t, consentTimeout, []browserCase{{"LateSearchAnswer", testHelpLateSearch}})
}

// A visitor who opens an article while a search is still under way keeps
// the article when that search's answer comes.
func testHelpLateSearch(t *testing.T, browser context.Context) {
	idx := knowledge.NewIndex()
	require.NoError(t, idx.Add(knowledge.Article{ID: "oversikt", Title: "Översikt av priser", Language: "sv", Body: "<p>Alla våra priser utan moms.</p>"}))
	site := newConsentSite(t, idx, func(f *flow.Chatflow) { f.Build.KnowledgeBase.Enabled = true })
	tab := languageTab(t, browser, "sv-SE")
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: heldSearchJS})
	require.NoError(t, err)

	visit(t, tab, site.url+"/help")
	openChat(t, tab)
	do(t, tab, "search the help",
		chromedp.Click(chromedp.CSS("#livechat-tab-help")),
		chromedp.WaitVisible(chromedp.CSS("#livechat-help-search")),
		chromedp.SendKeys(chromedp.CSS("#livechat-help-search"), "oversikt\r"),
	)
	const oneResult = `document.querySelectorAll('.lc-result').length === 1`
	waitFor(t, tab, "the article found", oneResult, consentState)
	answered := eval[int](t, tab, `window.searchesAnswered`)

	// The visitor searches again and, before the answer, opens the article.
	eval[bool](t, tab, `holdSearches(), true`)
	do(t, tab, "search again", chromedp.SendKeys(chromedp.CSS("#livechat-help-search"), "\r"))
	const article = `(() => { const a = document.getElementById('livechat-article'); return !!a && !a.hidden && a.getClientRects().length > 0; })()`
	do(t, tab, "open the article", chromedp.Click(chromedp.CSS(".lc-result")))
	waitFor(t, tab, "the article", article, consentState)
	eval[bool](t, tab, `releaseSearches(), true`)
	waitFor(t, tab, "the late answer read", fmt.Sprintf("window.searchesAnswered > %d", answered), consentState)
	if !eval[bool](t, tab, article) {
		t.Errorf("the late search answer closed the article: %s", eval[string](t, tab, consentState))
	}
}
