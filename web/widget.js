/* golivechat visitor widget, the part every page view loads: plain
 * JavaScript, no dependencies, no build step. Speaks protocol version 1
 * (PROTOCOL.md). It asks the config call what to show, shows the launcher,
 * the welcome prompt and the unread badge, and arms the triggers; the chat
 * itself (chat.js and chat.css, beside this file) loads on the first open
 * or trigger, or at once for a visitor with an open conversation. All text from
 * users and the server is inserted as text nodes, never parsed as markup. */
(() => {
  'use strict';
  const W = window, doc = document;
  if (W.LiveChat && W.LiveChat.v) return; // included twice

  const script = doc.currentScript ||
    [...doc.getElementsByTagName('script')].reverse().find(s => /widget\.js([?#]|$)/.test(s.src));
  if (!script || !script.src) return;
  const attr = n => script.getAttribute(n);
  const BASE = script.src.replace(/widget\.js([?#].*)?$/, '');
  const OPEN_KEY = 'livechat-open';
  const PROMPT_KEY = 'livechat-prompt-dismissed';
  // The admin preview page names the chatflow to show.
  const PREVIEW = attr('data-preview');
  // pd is the unsaved chatflow the editor shows in the preview: a page of
  // the same origin posts it ({livechatDraft}), and the config and chat
  // calls carry it. shut: the editor asks for what visitors see before
  // they open the chat ({livechatClosed: true}) rather than the open chat.
  let pd, shut;

  // The device as the widget sees the screen, for targeting and behaviour:
  // a touch screen (a coarse pointer) is a phone when its shorter side is
  // under 600 px, a tablet otherwise, whichever way it is held (a phone
  // on its side stays a phone, an iPad mini at 744 px a tablet); anything
  // else a desktop. (Not "hover: none": desktops without a mouse, headless
  // browsers included, match it too.) A preview may name the device it
  // shows.
  const DEVICE = (PREVIEW && attr('data-device')) || (W.matchMedia && matchMedia('(pointer: coarse)').matches
    ? (Math.min(screen.width, screen.height) < 600 ? 'mobile' : 'tablet') : 'desktop');

  // L is what the chat (chat.js) shares with this part: the helpers, the
  // config answer, the launcher's elements and the state both change.
  // token: the visitor token while it stays in page memory (before cookie
  // consent); persist: false in preview and before cookie consent (no
  // cookie, no sessionStorage); ck: the chat's cookie banner ("before_chat"
  // or "on_exit") while the visitor has not accepted cookies.
  // id: a token the host's server minted for its logged-in user (package
  // identity), from the script tag or LiveChat.identify; the chat verifies
  // it and the user is the same visitor on every device.
  const L = { doc, BASE, API: BASE + 'api/v1/visitor/', DEVICE, token: '', persist: true, isOpen: false, n: 0, id: attr('data-identity') };

  // The host's listeners by event (LiveChat.on); emit calls them, and one
  // that throws stops neither the others nor the widget.
  const subs = {};
  const call = (f, d) => { try { f(d); } catch (x) { console.error(x); } };
  const emit = L.emit = (e, d) => { for (const f of [...subs[e] || []]) call(f, d); };

  const h = L.h = (tag, attrs, ...kids) => {
    const e = doc.createElement(tag);
    for (const k in attrs) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids) if (c != null && c !== false) e.append(c); // strings become text nodes
    return e;
  };

  // T is the text for key k in the visitor's language (chat.texts), with
  // its {placeholders} filled from o.
  const T = L.T = (k, o) => {
    let s = (L.chat && L.chat.texts || {})[k] || '';
    for (const x in o) s = s.split('{' + x + '}').join(o[x]);
    return s;
  };

  const api = L.api = async (method, path, body, signal) => {
    const o = { method, credentials: 'same-origin', headers: L.token ? { Authorization: 'Bearer ' + L.token } : {}, signal };
    if (body !== undefined) {
      o.headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(body);
    }
    const r = await fetch(L.API + path, o);
    // An error answer is thrown as it came: chat.js reads it.
    if (!r.ok) throw r;
    return r.status === 204 ? {} : r.json();
  };

  // session reads (v undefined) or writes a flag in sessionStorage.
  const session = L.session = (k, v) => {
    if (L.persist) try {
      if (v === undefined) return sessionStorage.getItem(k) === '1';
      if (v) sessionStorage.setItem(k, '1'); else sessionStorage.removeItem(k);
    } catch (e) { /* storage disabled */ }
    return false;
  };

  // minimized: the visitor minimised the chat on this site in the last 24
  // hours (the chat sets the cookie).
  const minimized = L.minimized = () => /(^|;\s*)livechat_minimized=1(;|$)/.test(doc.cookie);

  // ---- the chat: chat.js, chat.css and the chat's full settings ----
  // ui is the chat once loaded; pend the open waiting for it (1: without
  // focus, 2: with); uiP the loading under way.
  let ui = null, uiP = null, pend = 0, chat = null, cssReady = false, rendered = false;
  let wantOpen = null, wantPrompt = false, prompt = null, disarm = L.disarm = () => {};
  // gen counts the widgets a page has shown (a refresh may show another);
  // lib is chat.js with chat.css, loaded once; hid: the host hid the
  // launcher.
  let gen = 0, lib, css, hid = false;

  const add = (tag, a) => new Promise((ok, no) => doc.head.append(h(tag, { ...a, onload: ok, onerror: no })));

  // need loads the chat once: its script and styles, and the settings only
  // the open chat needs (the second config answer). A failure lets the
  // next open try again.
  const load = () => lib = lib || Promise.all([
    add('link', { rel: 'stylesheet', href: BASE + 'chat.css' }),
    add('script', { src: BASE + 'chat.js' }),
  ]).catch(e => { lib = 0; throw e; });
  function need() {
    const g = gen;
    return uiP || (uiP = Promise.all([
      load(),
      api('POST', 'chat', L.req),
    ]).then(([, r]) => {
      if (g !== gen) return;
      if (!r.chat || !L.start) throw 0; // no chat: the catch below
      L.chat = r.chat;
      ui = L.start(L);
      reveal();
      if (pend) ui.open(pend > 1);
      pend = 0;
      return ui;
    }).catch(() => { if (g === gen) { uiP = null; pend = 0; reveal(); } }));
  }

  // open shows the window, loading the chat first when needed. Only a
  // visitor's own action moves the focus into it: a trigger or a restored
  // page view opens it without focus.
  function open(focus = true) {
    // Before the config answer it waits; on a page without chat it does
    // nothing.
    if (!rendered) { if (!LC.ready) wantOpen = true; return; }
    hidePrompt();
    disarm();
    if (ui) ui.open(focus);
    else { pend = focus ? 2 : 1; need(); }
  }

  // close hides the window; byVisitor when the visitor minimised it.
  function close(byVisitor) {
    if (!rendered) wantOpen = false;
    else if (ui) ui.close(byVisitor);
    pend = 0;
  }

  // ---- display behaviour: prompt and triggers ----
  // behave applies the chatflow's behaviour for this device. Tablets follow
  // the desktop behaviour (the window does not cover their screen) but
  // have no exit intent; phones never open the chat by themselves.
  function behave() {
    const b = (DEVICE === 'mobile' ? chat.mobile : chat.desktop) || {};
    if (minimized() || session(PROMPT_KEY)) return;
    wantPrompt = !!chat.welcome && (b.behavior === 'prompt' || b.behavior === 'open_on_trigger');
    if (b.behavior === 'open_on_trigger' && DEVICE !== 'mobile') arm(b.triggers || {});
  }

  // arm listens for the triggers; the first one to fire opens the chat,
  // unless it is open or minimised by then. disarm removes every listener.
  function arm(t) {
    const offs = [];
    const on = (target, type, fn, opts) => {
      target.addEventListener(type, fn, opts);
      offs.push(() => target.removeEventListener(type, fn, opts));
    };
    const fire = () => { disarm(); if (!L.isOpen && !minimized() && !hid) open(false); };
    disarm = L.disarm = () => { offs.splice(0).forEach(f => f()); };
    if (t.exitIntent && DEVICE === 'desktop') {
      const f = e => { if (!e.relatedTarget && e.clientY <= 0) fire(); };
      on(doc, 'mouseout', f);
      on(doc, 'mouseleave', f);
    }
    if (t.secondsOnPage > 0) {
      // Page time (performance.now) since navigation, or since the route
      // change of a single-page app (t0); a timer may fire a fraction of a
      // millisecond early, so it checks the clock each time.
      let id;
      const due = t.secondsOnPage * 1000 + t0;
      const wait = () => { const left = due - performance.now(); if (left > 0) id = setTimeout(wait, Math.ceil(left)); else fire(); };
      id = setTimeout(wait);
      offs.push(() => clearTimeout(id));
    }
    if (t.scrollPercent > 0) {
      on(W, 'scroll', () => {
        if ((scrollY + innerHeight) / doc.documentElement.scrollHeight * 100 >= t.scrollPercent) fire();
      }, { passive: true });
    }
  }

  // reveal shows the widget once its styles have loaded (and the chat, when
  // it loads at once), with the prompt.
  function reveal() {
    if (!cssReady || !rendered || (uiP && !ui)) return;
    shade();
    L.root.style.display = '';
    if (!wantPrompt || prompt || L.isOpen || minimized()) return;
    const text = h('span', { class: 'lc-text' });
    prompt = h('div', {
      id: 'livechat-prompt', class: 'lc-prompt', 'aria-live': 'polite',
      onclick: e => { if (!e.target.closest('#livechat-prompt-close')) open(); },
      onkeydown: e => { if (e.key === 'Escape') dismiss(); },
    },
    h('button', { type: 'button', class: 'lc-prompt-open' }, text),
    h('button', { type: 'button', id: 'livechat-prompt-close', class: 'lc-prompt-close', 'aria-label': T('dismissMessage'), text: '×', onclick: dismiss }));
    L.root.insertBefore(prompt, L.launcher);
    // The text comes once the live region is in the page, so that screen
    // readers announce it.
    setTimeout(() => { text.textContent = chat.welcome; }, 50);
  }

  const hidePrompt = L.hidePrompt = () => {
    wantPrompt = false;
    if (prompt) prompt.remove();
    prompt = null;
  };

  // dismiss is the prompt's ×: no prompt and no trigger for the rest of the
  // visit (this tab), but the chat is not minimised.
  function dismiss() {
    const had = prompt && prompt.contains(doc.activeElement);
    hidePrompt();
    disarm();
    session(PROMPT_KEY, true);
    if (had) L.launcher.focus();
  }

  // ---- the unread badge ----
  // unread shows n messages the visitor has not read on the launcher.
  L.unread = n => {
    if (n !== L.n) emit('unreadChanged', { unread: L.n = n });
    L.badge.textContent = n > 99 ? '99+' : String(n);
    L.badge.hidden = !n;
    const label = n ? T(n === 1 ? 'unreadOne' : 'unreadMany', { n }) : '';
    if (L.unreadLive.textContent !== label) L.unreadLive.textContent = label;
  };

  // shade hides the launcher and the prompt while the host wants them
  // hidden (LiveChat.hide); the window still opens.
  const shade = () => L.root && L.root.classList.toggle('lc-hide', hid);

  // stop removes the widget shown: the chat's live channel and timers, the
  // triggers, the launcher.
  function stop() {
    gen++;
    disarm();
    hidePrompt();
    if (ui && ui.stop) ui.stop(); // a chat.js of this version
    if (L.root) { L.unread(0); L.root.remove(); }
    if (L.ac) L.ac.abort();
    ui = uiP = chat = L.chat = L.root = null;
    rendered = L.isOpen = false;
    pend = 0;
  }

  // ---- start ----
  function render() {
    const root = L.root = h('div', {
      id: 'livechat-root', class: 'lc-root', 'data-chatflow': chat.chatflowId, 'data-device': DEVICE,
      'data-availability': (chat.availability || {}).status, lang: chat.language || null,
    });
    root.style.display = 'none'; // until widget.css has loaded
    css = css || add('link', { rel: 'stylesheet', href: BASE + 'widget.css' }).then(() => { cssReady = true; reveal(); }, () => { css = 0; });
    const accent = chat.accentColor;
    if (accent && W.CSS && CSS.supports('color', accent)) {
      root.style.setProperty('--lc-accent', accent);
      root.style.setProperty('--lc-on-accent', chat.accentText || '#fff');
    }
    root.append(
      L.launcher = h('button', {
        type: 'button', id: 'livechat-launcher', class: 'lc-launcher', 'aria-label': T('openChat'),
        'aria-expanded': 'false', 'aria-describedby': 'livechat-unread',
        onclick: () => L.isOpen ? close(true) : open(),
      }, L.badge = h('span', { class: 'lc-badge', 'aria-hidden': 'true', hidden: true })),
      L.unreadLive = h('span', { id: 'livechat-unread', class: 'lc-sr', 'aria-live': 'polite' }));
    (doc.body || doc.documentElement).append(root);
    rendered = true;
  }

  // init asks the config call what to show on this page, and shows it. A
  // refresh keeps the widget shown when the chatflow and the visitor's
  // conversation are the same (the same user's new identity token too);
  // a preview shows the answer again, as its draft may have changed.
  let at = '', t0 = 0;
  async function init() {
    const req = { url: location.href, referrer: at || doc.referrer, language: navigator.language, device: DEVICE };
    if (at) t0 = performance.now();
    at = req.url;
    if (PREVIEW) req.preview = PREVIEW, req.draft = pd;
    if (L.id) req.identity = L.id;
    // Until cookies are accepted the token stays in page memory.
    else if (!/(^|;\s*)livechat_consent=1(;|$)/.test(doc.cookie)) req.cookies = false;
    // A call that fails rejects and keeps what shows.
    let r = await api('POST', 'config', req);
    // A chat without a cookie banner keeps the visitor in its cookie.
    if (r.token && r.chat && !r.chat.cookieBanner) { delete req.cookies; L.token = r.token; r = await api('POST', 'config', req); }
    let c = r.chat;
    const was = L.conv, c0 = L.conv = r.conversation, av = (c && c.availability) || {};
    // A chat hidden for its status (hide launcher) still shows to a visitor
    // with an open conversation, but without prompt or trigger.
    const hide = av.showChat === false;
    if (hide && !(c0 && c0.status === 'open')) c = null;
    if (rendered && !PREVIEW && c && c.chatflowId === chat.chatflowId && (was || 0).id === (c0 || 0).id) L.req.url = at;
    else if (stop(), chat = c) {
      L.chat = chat;
      L.req = { url: req.url, language: req.language, device: DEVICE, preview: PREVIEW || undefined, draft: pd };
      L.token = r.token || '';
      L.ck = !r.identified && req.cookies === false && chat.cookieBanner;
      L.persist = !chat.preview && !L.ck;
      render();
      // A visitor with an open conversation gets the chat at once: its
      // history, and its live channel for the unread badge. A closed one
      // needs only the badge, which the answer counts.
      if (c0 && c0.status === 'open') need();
      else if (c0) L.unread(c0.unread || 0);
      // A preview opens at once (unless the editor asks for it closed: then
      // it behaves as on a visitor's first page view); otherwise the host's
      // LiveChat.open(), or the window left open on the previous page
      // unless minimised since.
      if (chat.preview && !shut) open(false);
      else if (wantOpen) open();
      else if (wantOpen !== false && session(OPEN_KEY) && !minimized()) open(false);
      else if (!hide) behave();
      // The cookie banner set to show on exit needs the chat then.
      if (L.ck === 'on_exit') {
        const f = e => { if (!e.relatedTarget && e.clientY <= 0 || e.type === 'pagehide') need().then(u => u && u.exit()); };
        const o = { signal: (L.ac = new AbortController()).signal };
        doc.addEventListener('mouseout', f, o);
        W.addEventListener('pagehide', f, o);
      }
      reveal();
    }
    wantOpen = null;
    // ready: the config call has been answered (tests wait for it).
    emit('ready', LC.ready = { chatflowId: chat ? chat.chatflowId : null });
  }

  // ---- the host's API (README, "The JavaScript API") ----
  // run queues an operation after those before it, so that a refresh's
  // config call never overtakes a clear(); the promise it returns tells
  // the host how this one went.
  let chain = Promise.resolve(), loaded;
  const run = f => { const p = chain.then(f); chain = p.catch(() => {}); return p; };
  // Before load() there is nothing to refresh: load() asks anyway.
  const refresh = () => loaded ? run(init) : chain;
  // L.start is set by chat.js as it runs: LiveChat._(start).
  const LC = W.LiveChat = {
    v: 1, ready: false, open: () => open(), close: () => close(false), toggle: () => L.isOpen ? close(false) : open(),
    hide: () => shade(hid = true), show: () => shade(hid = false),
    load: () => loaded || (loaded = run(init)),
    refresh,
    identify: t => t && typeof t == 'string' ? (L.id = t, refresh()) : Promise.reject(new TypeError('LiveChat.identify: the token must be a non-empty string')),
    // clear forgets the visitor. First what the page holds, which nothing
    // can fail to drop: the chat, the identity and visitor tokens, the
    // draft, the widget's cookies and session flags (for-in lists the
    // storage's keys and methods; the prefix picks the widget's keys).
    // Then the server's HttpOnly cookie, by the forget call, even before
    // load(): an earlier page view may have left one. Then the widget,
    // once loaded, starts again as a new visitor.
    clear: () => run(async () => {
      stop();
      L.id = L.token = L.draft = L.conv = '';
      doc.cookie = 'livechat_consent=; Max-Age=0; Path=/';
      doc.cookie = 'livechat_minimized=; Max-Age=0; Path=/';
      try {
        for (const k in sessionStorage) if (k.startsWith('livechat-')) sessionStorage.removeItem(k);
      } catch (e) { /* storage disabled */ }
      await api('POST', 'forget');
      return loaded && init();
    }),
    on: (e, f) => {
      if (typeof f != 'function') return;
      (subs[e] = subs[e] || new Set).add(f);
      if (e == 'ready' && LC.ready) call(f, LC.ready);
    },
    off: (e, f) => subs[e] && subs[e].delete(f),
    _: f => { L.start = f; },
  };
  // A single-page app's route change asks again what to show. (A failed
  // config call keeps what shows; run's chain handles the rejection.)
  const auto = () => run(() => loaded && location.href !== at && init());
  for (const k of ['pushState', 'replaceState']) {
    const f = history[k];
    history[k] = function () { const r = f.apply(this, arguments); auto(); return r; };
  }
  W.addEventListener('popstate', auto);
  // The editor hears back how each draft went: livechatPreview is 0 once
  // shown, else the failed call's HTTP status (400: not a valid chatflow).
  if (PREVIEW) W.addEventListener('message', m => {
    const e = m.data || 0;
    if (m.origin == location.origin && e.livechatDraft) {
      pd = e.livechatDraft;
      shut = e.livechatClosed;
      refresh().then(() => 0, x => x.status || 1).then(s => m.source && m.source.postMessage({ livechatPreview: s }, m.origin));
    }
  });
  if (attr('data-load') !== 'manual') LC.load();
})();
