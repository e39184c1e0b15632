/* golivechat visitor widget, the chat: the window, consent, email capture,
 * the Help tab, the survey and the live channel (WebSocket, long poll).
 * widget.js loads it, with chat.css, on the first open or trigger, or at
 * once for a visitor with an open conversation, and shares its helpers and the
 * launcher through LiveChat._. Plain JavaScript, no dependencies, no build
 * step; speaks protocol version 1 (PROTOCOL.md). All text from users and
 * the server is inserted as text nodes, never parsed as markup. */
window.LiveChat && LiveChat._ && LiveChat._(L => {
  'use strict';
  const { doc, DEVICE, h, T, session } = L;
  const WS_URL = L.API.replace(/^http/, 'ws') + 'ws';
  const OPEN_KEY = 'livechat-open';
  const EMAIL_KEY = 'livechat-email';
  const ICON_MIN = 'M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z';
  const ICON_SEND = 'M2 21 23 12 2 3v7l15 2-15 2z';
  const ICON_CLIP = 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z';

  // ---- state ----
  const chat = L.chat;      // the chat's settings (the second config answer)
  const { root, launcher } = L;
  let conv = null;          // {id, status, lastSeq, …}
  let maxLen = 5000;
  const msgs = new Map();   // seq -> {m, el}
  // The outbox, in the order typed: clientMessageId -> {cid, text, el, st, ref, timer}.
  // One message is on its way at a time (flying), so that they are stored
  // in that order; hold is the timer of the first one while it waits to be
  // tried again (held: refused by a limit, so it waits the server's time).
  const pending = new Map();
  let flying = null, hold = 0, held = false, tries = 0;
  // mark: the contiguous mark, every seq up to it shown (read and resumed
  // from); top: the highest seq shown.
  let title0 = '', mark = 0, top = 0, loading = null, lastRead = 0, sentRead = 0, agentRead = 0, agentName = '';
  let isOpen = false, pastFor; // the conversation whose earlier ones are listed
  // Before cookie consent: the banner.
  let ck = null, ckEl;
  let win, list, typingEl, ended, newBtn, past, form, input, count, clipBtn;
  let typingHide, typingSentAt = 0, typingIdle, creating = null;
  // availability: the notice element, the queue line and its polling
  let av = {}, avAt = Date.now(), avTimer = 0, subSlot, lineSlot, notice = null, queueEl = null, queueOn = false, queueTimer = 0, queueBusy = 0;
  // consent to process data, email capture, survey, help tab
  let proc = null, agreed = true, consentEl, consentMsg, agreeBtn, sendBtn, emailMode = '', needEmail = false, emailEl, emailIn, emailMsg, commEl;
  let survey = null, surveyFor = '', chatPane, helpEl, tabs, searchIn, resultsEl, articleEl, findTimer = 0, findN = 0;
  // live channel
  let ws = null, ready = false, wasReady = false, wsFails = 0, attempt = 0, reconnectTimer = null;
  let polling = false, pollAbort = null, lastFrame = 0, refN = 0;
  // dead once stopped (a refresh that shows another chatflow, or clear());
  // the listeners on the page go with ac.
  let dead = false;
  const ac = new AbortController(), sig = { signal: ac.signal };

  // ---- helpers ----
  // icon is an SVG of one path, in the text colour (widget.css).
  const icon = d => {
    const NS = 'http://www.w3.org/2000/svg', s = doc.createElementNS(NS, 'svg'), p = doc.createElementNS(NS, 'path');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    p.setAttribute('d', d);
    s.append(p);
    return s;
  };
  // emit tells the host's listeners (LiveChat.on), through a widget.js of
  // this version: for a few minutes after an update a browser may run
  // the previous one from its cache.
  const emit = (e, d) => L.emit && L.emit(e, d);
  // who is the user the host's identity token names ("" for none).
  const who = () => { try { return JSON.parse(atob(L.id.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub || ''; } catch (e) { return ''; } };
  // api is the launcher's, with an error answer read: the error's code,
  // retryAfter (ms, else from Retry-After) and fields, and its status.
  const api = (...a) => L.api(...a).catch(async r => {
    if (!(r instanceof Response)) throw r;
    const x = (await r.json().catch(() => ({}))).error || {};
    throw Object.assign(new Error(x.message || 'HTTP ' + r.status), x, { status: r.status, retryAfter: x.retryAfter || r.headers.get('Retry-After') * 1000 });
  });
  const enc = encodeURIComponent;
  const pad = n => String(n).padStart(2, '0');
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  // dot drops the final full stop of a status line.
  const dot = s => s.replace(/\.$/, '');
  const backoff = n => { const d = Math.min(30000, 1000 * 2 ** n); return d / 2 + Math.random() * d / 2; };

  function uuid() {
    const c = window.crypto;
    if (c && c.randomUUID) try { return c.randomUUID(); } catch (e) { /* insecure context */ }
    const b = new Uint8Array(16);
    c.getRandomValues(b);
    return [...b].map(x => pad(x.toString(16))).join('');
  }

  function timeEl(iso) {
    let d = iso ? new Date(iso) : new Date();
    if (isNaN(d)) d = new Date();
    return h('time', { datetime: d.toISOString(), text: pad(d.getHours()) + ':' + pad(d.getMinutes()) });
  }

  function initials(name) {
    return (name || '?').trim().split(/\s+/).slice(0, 2).map(w => [...w][0] || '').join('').toUpperCase() || '?';
  }

  // ---- availability ----
  // back is "We're offline. We'll be back Monday at 09:00." for an RFC 3339
  // time, in the visitor's language and time zone (the browser's); with the
  // date when it is more than 6 days away. Empty for a bad time.
  function back(iso) {
    const d = new Date(iso || NaN);
    if (isNaN(d)) return '';
    const fmt = o => {
      try { return new Intl.DateTimeFormat(navigator.language, o).format(d); } catch (e) { return new Intl.DateTimeFormat(undefined, o).format(d); }
    };
    const day = fmt(d - Date.now() > 6 * 864e5 ? { weekday: 'long', month: 'long', day: 'numeric' } : { weekday: 'long' });
    return T('returnTime', { day, time: fmt({ hour: '2-digit', minute: '2-digit' }) });
  }

  // noticeLines are the lines of the window's notice: the text for the
  // notice kind, then the team's own message where it comes on top.
  function noticeLines() {
    const m = av.message || '';
    switch (av.notice) {
      case 'away_message': return [m || T('awayMessage')];
      case 'wait_message': return [m || T('waitMessage')];
      case 'return_time': { const t = back(av.nextOpening); return t ? [t, m] : [m || T('awayMessage')]; }
    }
    return [];
  }

  // queue shows the conversation's place in the queue while every agent is
  // busy, asking again every 20 s while it waits and the window is open.
  async function queue() {
    clearTimeout(queueTimer);
    queueTimer = 0;
    if (!queueOn || !isOpen || !conv || conv.status !== 'open') return;
    if (queueBusy) { queueBusy = 2; return; } // ask again once this answer is in
    const id = conv.id;
    let n = -1; // -1: unknown, ask again later
    queueBusy = 1;
    try {
      n = +(await api('GET', 'conversations/' + enc(id) + '/queue')).position || 0;
    } catch (e) {
      if (e.status >= 400 && e.status < 500 && e.status !== 429) n = 0;
    }
    const again = queueBusy > 1;
    queueBusy = 0;
    if (!queueOn || !conv || conv.id !== id) return;
    if (!n) { endQueue(); return; }
    if (n > 0) { queueEl.textContent = dot(T('queuePosition', { n })); queueEl.hidden = false; }
    if (isOpen) queueTimer = setTimeout(queue, again ? 0 : 20000);
  }

  // watchQueue starts asking for a conversation that no agent has answered.
  function watchQueue() {
    queueOn = !!queueEl && ![...msgs.values()].some(r => r.m.sender === 'agent');
    if (queueOn) notice.hidden = false;
    queue();
  }

  // endQueue stops asking; once an agent writes, the wait notice goes too.
  function endQueue(answered) {
    queueOn = false;
    clearTimeout(queueTimer);
    if (!queueEl) return;
    queueEl.hidden = true;
    queueEl.textContent = '';
    if (answered) notice.hidden = true;
  }

  // paintNotice shows the availability notice, in place of the one shown:
  // the typical reply time stands in for the subtitle; any other notice is
  // a status line above the messages.
  function paintNotice() {
    const nattrs = { id: 'livechat-availability', 'data-status': av.status, 'data-notice': av.notice };
    let sub = chat.subtitle && h('div', { class: 'lc-subtitle', text: chat.subtitle }), n = null;
    const lines = noticeLines();
    const rt = /^(minutes|hours?|day)$/.test(av.replyTime) && T('reply' + av.replyTime[0].toUpperCase() + av.replyTime.slice(1));
    queueEl = null;
    if (av.notice === 'reply_time' && rt) {
      sub = n = h('div', Object.assign(nattrs, { class: 'lc-subtitle', text: dot(rt) }));
    } else if (lines.length) {
      n = h('div', Object.assign(nattrs, { class: 'lc-notice', role: 'status' }), ...lines.filter(Boolean).map(l => h('p', { text: l })));
      if (av.notice === 'wait_message') n.append(queueEl = h('p', { id: 'livechat-queue', class: 'lc-queue', hidden: true }));
    }
    notice = n;
    subSlot = slot(subSlot, sub);
    lineSlot = slot(lineSlot, n !== sub && n);
    if (win) {
      if (n) win.setAttribute('aria-describedby', n.id); else win.removeAttribute('aria-describedby');
      input.placeholder = T(/^(away|offline)$/.test(av.status) ? 'leaveMessage' : 'writePrompt');
      root.setAttribute('data-availability', av.status);
    }
  }

  // slot puts e (an empty comment for none) in the place of old.
  function slot(old, e) {
    e = e || doc.createComment('');
    if (old) old.replaceWith(e);
    return e;
  }

  // The availability follows what the server says now: asked again (the
  // chat call) when the window opens, on a change of the conversation,
  // and every 60 s while the window is open.
  async function refreshAv() {
    clearTimeout(avTimer);
    if (!isOpen) return;
    avTimer = setTimeout(refreshAv, 60000);
    if (Date.now() - avAt < 1000) return;
    avAt = Date.now();
    let c;
    try { c = (await api('POST', 'chat', L.req)).chat; } catch (e) { return; }
    const a = c && c.chatflowId === chat.chatflowId && c.availability;
    if (!a || JSON.stringify(a) === JSON.stringify(av)) return;
    av = a;
    endQueue();
    paintNotice();
    if (queueEl && conv && conv.status === 'open') watchQueue();
  }

  // ---- rendering ----
  // render builds the window into the launcher's root.
  function render() {
    const avatars = h('div', { class: 'lc-avatars' });
    for (const a of (chat.avatars || []).slice(0, 3)) {
      const ini = h('span', { class: 'lc-avatar lc-initials', role: 'img', 'aria-label': a.name || null }, initials(a.name));
      if (a.avatarUrl) {
        const img = h('img', { class: 'lc-avatar', src: a.avatarUrl, alt: a.name || '' });
        img.addEventListener('error', () => img.replaceWith(ini));
        avatars.append(img);
      } else avatars.append(ini);
    }

    const title = chat.title || T('title');
    paintNotice();
    list = h('div', {
      id: 'livechat-messages', class: 'lc-messages', role: 'log', 'aria-live': 'polite',
      'aria-label': T('messages'), tabindex: '0',
    });
    if (chat.welcome) {
      list.append(h('div', { class: 'lc-msg lc-agent lc-welcome' }, h('div', { class: 'lc-text', text: chat.welcome })));
    }
    input = h('textarea', {
      id: 'livechat-input', rows: '1', autocomplete: 'off',
      placeholder: T(/^(away|offline)$/.test(av.status) ? 'leaveMessage' : 'writePrompt'),
      onkeydown: e => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
      },
      // Some synthetic key sequences deliver the Enter character separately.
      onkeypress: e => { if (e.key === 'Enter' && !e.shiftKey) e.preventDefault(); },
      oninput: onInput,
    });
    // Consent to process data: a notice, or a text to agree to before sending.
    const kb = chat.knowledgeBase && chat.knowledgeBase.enabled;
    if (proc) {
      consentEl = h('div', { id: 'livechat-consent', class: 'lc-consent', 'data-kind': proc.kind },
        h('p', null, ...segs(proc)),
        consentMsg = h('p', { class: 'lc-hint', 'aria-live': 'polite' }));
      if (proc.kind === 'explicit') consentEl.append(agreeBtn = h('button', { type: 'button', id: 'livechat-agree', class: 'lc-btn', text: T('processingAgree'), onclick: agree }));
    }
    const ec = chat.emailCapture || {};
    emailEl = h('form', { id: 'livechat-email', class: 'lc-email', hidden: true, novalidate: true, onsubmit: saveEmail },
      h('label', { for: 'livechat-email-input', text: ec.prompt || T('emailPrompt') }),
      h('div', { class: 'lc-row' },
        emailIn = h('input', { type: 'email', id: 'livechat-email-input', autocomplete: 'email', placeholder: T('emailPlaceholder'), 'aria-describedby': 'livechat-email-msg' }),
        h('button', { type: 'submit', id: 'livechat-email-submit', class: 'lc-btn', text: T('emailSubmit') })),
      emailMsg = h('p', { id: 'livechat-email-msg', class: 'lc-hint', 'aria-live': 'polite' }));
    // Consent to communicate: checkboxes above the composer, moved into the
    // email form when it shows (showEmail).
    const comm = ((chat.consent || {}).communication || []).map(c => h('label', { class: 'lc-hint' },
      h('input', { type: 'checkbox', 'data-consent-kind': c.kind, onchange: e => api('POST', 'consent', { kind: c.kind, granted: e.target.checked, textHash: c.textHash }).catch(() => {}) }), c.label));
    commEl = comm[0] && h('div', { id: 'livechat-communication', class: 'lc-consent' }, ...comm);
    // The cookie banner: in the window before the chat, floating on exit.
    if (ck) {
      const b = (id, k, g) => h('button', { type: 'button', id: 'livechat-cookies-' + id, class: 'lc-btn', text: T(k), onclick: () => cookies(g) });
      const exit = ck.when === 'on_exit';
      ckEl = h('div', { id: 'livechat-cookies', class: exit ? 'lc-consent lc-prompt lc-cookies' : 'lc-consent', role: 'region', 'aria-label': T('cookiesLabel'), hidden: exit },
        h('p', null, ...segs(ck)), h('div', { class: 'lc-row' }, b('accept', 'cookieAccept', true), b('decline', 'cookieDecline', false)));
      if (exit) {
        const f = e => { if (!e.relatedTarget && e.clientY <= 0 || e.type === 'pagehide') ckEl.hidden = false; };
        doc.addEventListener('mouseout', f, sig);
        window.addEventListener('pagehide', f, sig);
      }
    }
    if (kb) renderHelp();
    win = h('div', {
      id: 'livechat-window', class: 'lc-window', role: 'dialog', 'aria-modal': 'false', 'aria-label': title, hidden: true,
      'aria-describedby': notice && 'livechat-availability',
      onkeydown: e => { if (e.key === 'Escape') { e.stopPropagation(); close(true); } },
    },
    h('div', { class: 'lc-header' },
      avatars,
      h('div', { class: 'lc-head-text' },
        h('div', { class: 'lc-title' }, title, chat.preview && h('span', { class: 'lc-tag', text: T('preview') })),
        subSlot),
      h('button', { type: 'button', class: 'lc-min', 'aria-label': T('minimiseChat'), onclick: () => close(true) }, icon(ICON_MIN))),
    kb && h('div', { role: 'tablist', class: 'lc-tabs' }, ...tabs),
    chatPane = h('div', { id: 'livechat-chat', class: 'lc-pane', role: kb && 'tabpanel', 'aria-labelledby': kb && 'livechat-tab-chat' },
      lineSlot,
      list,
      typingEl = h('div', { class: 'lc-typing', 'aria-live': 'polite' }),
      ended = h('div', { class: 'lc-ended', hidden: true },
        h('p', { text: T('conversationEnded') }),
        transcriptForm(),
        newBtn = h('button', { type: 'button', class: 'lc-new', onclick: startNew, text: T('newConversation') }),
        past = h('details', { class: 'lc-past', hidden: true }, h('summary', { text: T('earlier') }), h('ul'))),
      ck && !ckEl.hidden && ckEl, consentEl, emailEl, commEl,
      form = h('form', { class: 'lc-composer', onsubmit: e => { e.preventDefault(); submit(); } },
        h('label', { for: 'livechat-input', class: 'lc-sr', text: T('messageLabel') }),
        chat.files && h('input', { type: 'file', id: 'livechat-file', hidden: true, accept: chat.files.types.join(), onchange: e => upload(e.target) }),
        chat.files && (clipBtn = h('button', { type: 'button', class: 'lc-send lc-clip', 'aria-label': T('attach'), onclick: () => win.querySelector('#livechat-file').click() }, icon(ICON_CLIP))),
        input,
        count = h('span', { class: 'lc-count', id: 'livechat-count', 'aria-live': 'polite', hidden: true }),
        sendBtn = h('button', { type: 'submit', id: 'livechat-send', class: 'lc-send', 'aria-label': T('send') }, icon(ICON_SEND)))),
    helpEl);
    gate();
    if (needEmail) showEmail();
    // What the visitor was typing when a route change showed this chat
    // in place of another.
    if (carried.text) { input.value = carried.text; updateCount(); }

    root.append(win);
    launcher.setAttribute('aria-controls', 'livechat-window');
    if (ckEl && ckEl.hidden) root.append(ckEl); // the on-exit banner floats outside the window

    if (window.visualViewport) {
      visualViewport.addEventListener('resize', fitViewport, sig);
      visualViewport.addEventListener('scroll', fitViewport, sig);
    }
    doc.addEventListener('visibilitychange', () => { markRead(); updateUnread(); if (doc.visibilityState === 'visible') wake(); }, sig);
    window.addEventListener('online', wake, sig);
  }

  // On phones the on-screen keyboard shrinks the visual viewport only.
  // A chat too short for all it shows scrolls (chat.css): unless the
  // visitor is busy elsewhere in it, the whole message list comes into
  // view above the composer on opening and on a change of size.
  function fitViewport(e) {
    const v = window.visualViewport, a = doc.activeElement;
    if (!root || !v) return;
    root.style.setProperty('--lc-vh', v.height + 'px');
    root.style.setProperty('--lc-vt', v.offsetTop + 'px');
    const l = list.getBoundingClientRect(), d = l.bottom - form.getBoundingClientRect().top;
    if ((!e || e.type === 'resize') && !form.hidden && (form.contains(a) || !chatPane.contains(a))) chatPane.scrollTop += d > 0 ? d : Math.min(l.top - chatPane.getBoundingClientRect().top, 0);
  }

  function scrollDown(force) {
    if (force || list.scrollHeight - list.scrollTop - list.clientHeight < 120) list.scrollTop = list.scrollHeight;
  }

  function msgEl(sender, text, time, author, a) {
    const e = h('div', { class: 'lc-msg lc-' + sender, 'data-sender': sender });
    if (sender === 'agent' && author) e.append(h('div', { class: 'lc-author', text: author }));
    e.append(h('div', { class: 'lc-text' }, ...(a ? [fileEl(a)] : linked(text))));
    const meta = h('div', { class: 'lc-meta' }, timeEl(time));
    if (sender === 'visitor') meta.append(h('span', { class: 'lc-state' }));
    e.append(meta);
    return e;
  }

  // Attachments: fetched with the visitor's token and shown from a blob:
  // URL, PNG, JPEG, GIF and WebP as images, anything else as a download link.
  const auth = () => ({ credentials: 'same-origin', headers: L.token ? { Authorization: 'Bearer ' + L.token } : {} });
  function fileEl(a) {
    const x = h('a', { class: 'lc-file', download: a.name, text: a.name });
    fetch(L.API + 'files/' + enc(a.id), auth()).then(r => r.ok ? r.blob() : 0).then(b => {
      if (!b) return;
      x.href = URL.createObjectURL(b);
      if (/^image\/(png|jpeg|gif|webp)$/.test(a.contentType)) x.replaceChildren(h('img', { src: x.href, alt: a.name }));
    });
    return x;
  }

  async function upload(fi) {
    const f = fi.files[0], o = auth();
    fi.value = '';
    if (!f) return;
    clipBtn.disabled = true;
    try {
      await ensureConv();
      const r = await fetch(L.API + 'conversations/' + enc(conv.id) + '/files?name=' + enc(f.name) + '&clientMessageId=' + uuid(), Object.assign(o, { method: 'POST', body: f }));
      const j = await r.json();
      if (!r.ok) throw j.error;
      addMessage(j.message);
      settle(1);
    } catch (e) {
      list.append(h('p', { class: 'lc-hint', role: 'alert', text: f.name + ': ' + (e && e.message || T('errorSendFailed')) }));
      scrollDown(1);
    }
    clipBtn.disabled = !!blocker();
  }

  // linked splits a message's text into text and links: only http(s)
  // URLs become links, without trailing punctuation (a closing bracket
  // stays when the URL opened one), built as nodes, opened in a new tab.
  // A URL longer than 2,048 characters or holding a bidi control stays text.
  function linked(text) {
    const s = String(text == null ? '' : text), out = [];
    let at = 0;
    for (const m of s.matchAll(/\bhttps?:\/\/[^\s<>"]+/gi)) {
      let u = m[0], e = u.length, o = 0, c = 0;
      for (let i = 0; i < e; i++) if (u[i] === '(') o++; else if (u[i] === ')') c++;
      for (let x; e && /[.,;:!?'")\]}]/.test(x = u[e - 1]) && !(x === ')' && o >= c); e--) if (x === ')') c--;
      u = u.slice(0, e);
      if (!/^https?:\/\/[^/?#]/i.test(u) || e > 2048 || /[\u202a-\u202e\u2066-\u2069]/.test(u)) continue;
      out.push(s.slice(at, m.index), h('a', { href: u, target: '_blank', rel: 'noopener noreferrer nofollow', text: u }));
      at = m.index + u.length;
    }
    out.push(s.slice(at));
    return out.filter(Boolean);
  }

  function setState(rec, st) {
    rec.st = st;
    const s = rec.el.querySelector('.lc-state');
    if (!s) return;
    rec.el.setAttribute('data-state', st);
    s.textContent = '';
    if (st === 'failed') {
      s.append(h('button', { type: 'button', class: 'lc-retry', onclick: () => { retry(rec); input.focus(); }, text: T('retry') }));
    } else s.textContent = T(st);
  }

  function updateReadStates() {
    for (const [seq, r] of msgs) if (r.m.sender === 'visitor') setState(r, seq <= agentRead ? 'read' : 'sent');
  }

  // updateUnread counts the messages the visitor has not read: on the
  // launcher while the chat is closed, and in the page's title while the
  // tab is hidden ("(2) " before the host's title, taken off again).
  function updateUnread() {
    let n = 0;
    for (const [seq, r] of msgs) if (seq > lastRead && r.m.sender !== 'visitor') n++;
    L.unread(isOpen ? 0 : n);
    if (doc.hidden && n) { if (!title0) title0 = doc.title; doc.title = '(' + n + ') ' + title0; } else if (title0) { doc.title = title0; title0 = ''; }
  }

  function updateEnded() {
    const closed = !!conv && conv.status === 'closed';
    const hadFocus = form.contains(doc.activeElement);
    ended.hidden = !closed;
    form.hidden = closed;
    if (closed) { hideTyping(); askSurvey(); if (pastFor != conv.id) listPast(); } else if (survey) { survey.remove(); survey = null; }
    if (!closed) for (const p of ended.querySelectorAll('.lc-hint')) p.textContent = ''; // the last transcript's answer
    if (hadFocus && closed) newBtn.focus();
  }

  function showTyping() {
    typingEl.textContent = agentName ? T('typing', { name: agentName }) : T('typingUnnamed');
    typingEl.classList.add('lc-on');
    clearTimeout(typingHide);
    typingHide = setTimeout(hideTyping, 6000);
    scrollDown();
  }

  function hideTyping() {
    clearTimeout(typingHide);
    if (typingEl && typingEl.textContent) { typingEl.textContent = ''; typingEl.classList.remove('lc-on'); }
  }

  function updateCount() {
    const left = maxLen - [...input.value].length;
    const show = left <= Math.min(200, Math.ceil(maxLen / 10));
    count.hidden = !show;
    if (show) count.textContent = T(left >= 0 ? 'charactersLeft' : 'charactersOver', { n: Math.abs(left) });
    count.classList.toggle('lc-over', left < 0);
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 120) + 'px';
  }

  // ---- open / close ----
  // open shows the window. Only a visitor's own action moves the focus
  // into it: a trigger or a restored page view opens it without focus.
  function open(focus = true) {
    L.hidePrompt();
    L.disarm();
    if (!isOpen) emit('open');
    isOpen = L.isOpen = true;
    win.hidden = false;
    root.classList.add('lc-open');
    launcher.setAttribute('aria-expanded', 'true');
    session(OPEN_KEY, true);
    fitViewport();
    scrollDown(true);
    markRead();
    updateUnread();
    queue();
    refreshAv();
    if (focus) focusIn();
  }

  // focusIn moves the focus to where the visitor goes on.
  const focusIn = () => (form.hidden ? newBtn : blocker() || input).focus();

  // close hides the window; byVisitor when the visitor minimised it (the
  // minimise button, Escape or the launcher), not the host's LiveChat.close().
  function close(byVisitor) {
    // A visitor who minimises the chat is left alone for 24 hours on every
    // page and chatflow of the site: no prompt, no trigger and no reopening
    // on the next page. Opening the chat again by hand does not clear the
    // cookie: it remembers "minimised within 24 hours", and the visitor who
    // wants the chat has the launcher one click away.
    if (byVisitor && L.persist) {
      doc.cookie = 'livechat_minimized=1; Max-Age=86400; Path=/; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '');
    }
    L.hidePrompt();
    L.disarm();
    if (isOpen) emit('close');
    isOpen = L.isOpen = false;
    win.hidden = true;
    root.classList.remove('lc-open');
    launcher.setAttribute('aria-expanded', 'false');
    session(OPEN_KEY, false);
    clearTimeout(queueTimer);
    clearTimeout(avTimer);
    stopTyping();
    updateUnread();
    if (byVisitor) launcher.focus();
  }

  // ---- messages ----
  // addMessage stores a message from the server once per seq, turning the
  // optimistic bubble with the same clientMessageId into the stored one.
  // old: from the history loaded with the chat (no message event).
  function addMessage(m, old) {
    if (!m || !conv || (m.conversationId && m.conversationId !== conv.id) || !(m.seq > 0)) return;
    const p = m.clientMessageId && pending.get(m.clientMessageId);
    if (p) { pending.delete(m.clientMessageId); clearTimeout(p.timer); }
    if (msgs.has(m.seq)) { if (p) p.el.remove(); return; }
    const e = p ? p.el : msgEl(m.sender, m.code === 'conversation_ended' ? T(m.authorName ? 'endedBy' : 'ended', { name: m.authorName }) : m.text, m.createdAt, m.authorName, m.attachment);
    if (p) e.querySelector('time').replaceWith(timeEl(m.createdAt));
    e.classList.remove('lc-pending');
    e.setAttribute('data-seq', m.seq);
    const rec = { m, el: e };
    msgs.set(m.seq, rec);
    if (!old) emit('message', JSON.parse(JSON.stringify(m))); // a copy: the host's to change
    let before = null;
    for (const c of list.children) {
      if (c === e) continue;
      const s = c.getAttribute('data-seq');
      if (s ? +s > m.seq : c.classList.contains('lc-pending')) { before = c; break; }
    }
    list.insertBefore(e, before);
    while (msgs.has(mark + 1)) mark++;
    gap(m.seq);
    if (m.sender === 'visitor') {
      setState(rec, m.seq <= agentRead ? 'read' : 'sent');
      if (emailMode === 'after_first_message' || (emailMode === 'when_away' && av.status !== 'available')) showEmail();
    }
    else if (m.sender === 'agent') {
      if (m.authorName) agentName = m.authorName;
      hideTyping();
      if (queueEl) endQueue(true);
    }
  }

  // settle runs after a batch of messages.
  function settle(force) {
    scrollDown(force);
    markRead();
    updateUnread();
  }

  function onRead(participant, seq, id) {
    if (!conv || id !== conv.id || !(seq > 0)) return;
    if (participant === 'visitor') {
      if (seq > lastRead) lastRead = seq;
      if (seq > sentRead) sentRead = seq;
      updateUnread();
    } else if (/^agent/.test(participant || '') && seq > agentRead) {
      agentRead = seq;
      updateReadStates();
    }
  }

  function setConv(c) {
    if (!c || !conv || c.id !== conv.id) return;
    if (conv.status !== 'closed' && c.status === 'closed') emit('conversationClosed', { conversationId: c.id });
    Object.assign(conv, c);
    updateEnded();
    if (conv.status !== 'open' && queueEl) endQueue();
  }

  function resetThread() {
    for (const r of msgs.values()) r.el.remove();
    msgs.clear();
    mark = top = lastRead = sentRead = agentRead = 0;
    loading = null;
    hideTyping();
  }

  // reach moves the mark to the seq an answer covers: numbers it skipped
  // are the team's private notes.
  function reach(s) {
    if (s > mark) mark = s;
    while (msgs.has(mark + 1)) mark++;
  }

  // gap fetches what is missing below a seq past the mark (missed on a
  // silent socket, or published out of order).
  function gap(seq) {
    if (seq > top) top = seq;
    if (top > mark && !loading) load(1).catch(() => {});
  }

  // load fetches what follows the mark, the history or a gap, until none is
  // missing below top; the history keeps the log busy so that screen
  // readers do not read it out on every page view.
  function load(isGap) {
    return loading || (loading = (async () => {
      const id = conv.id;
      if (!isGap) list.setAttribute('aria-busy', 'true');
      try {
        for (let more = 1; more;) {
          const from = mark, r = await api('GET', 'conversations/' + enc(id) + '/messages?after=' + from + '&limit=200');
          if (!conv || conv.id !== id) return;
          setConv(r.conversation);
          for (const rm of r.readMarks || []) onRead(rm.participant, rm.seq, id);
          for (const m of r.messages || []) addMessage(m, !isGap);
          reach(r.seq);
          more = mark > from && (r.hasMore || top > mark);
        }
      } finally {
        list.removeAttribute('aria-busy');
        loading = null;
      }
      settle(!isGap);
    })());
  }

  function ensureConv() {
    if (conv && conv.status !== 'closed') return Promise.resolve(conv);
    return creating || (creating = api('POST', 'conversations', { url: location.href, device: DEVICE, chatflowId: chat.chatflowId }).then(async r => {
      const c = r.conversation;
      if (dead) return c;
      if (!conv || conv.id !== c.id) {
        resetThread();
        conv = L.conv = c; // the launcher's, so that a refresh keeps this chat
        if (!c.lastSeq) emit('conversationStarted', { conversationId: c.id });
        if (c.lastSeq > 0) await load().catch(() => {});
      } else setConv(c);
      updateEnded();
      live();
      watchQueue();
      return conv;
    }).finally(() => { creating = null; }));
  }

  // listPast lists the visitor's earlier conversations in the ended view,
  // when they have any; one opens there, read-only. It runs once per
  // ended conversation (and on Back), never under the visitor reading one.
  async function listPast() {
    const ul = past.lastChild, id = pastFor = conv.id;
    const r = await api('GET', 'conversations?limit=20').catch(() => ({}));
    if (!conv || conv.id !== id) return;
    ul.replaceChildren();
    for (const c of r.conversations || []) {
      if (c.id !== id) ul.append(h('li', {}, h('button', { type: 'button', onclick: () => showPast(c, ul), text: new Date(c.createdAt).toLocaleString() })));
    }
    past.hidden = !ul.firstChild;
  }

  async function showPast(c, ul) {
    const r = await api('GET', 'conversations/' + enc(c.id) + '/messages?limit=100').catch(() => ({})), box = h('li', { class: 'lc-past-thread' });
    for (const m of r.messages || []) box.append(msgEl(m.sender, m.text, m.createdAt, m.authorName, m.attachment));
    ul.replaceChildren(box);
    box.prepend(h('button', { type: 'button', onclick: () => listPast().then(() => ul.querySelector('button').focus()), text: T('helpBack') }));
    box.firstChild.focus();
  }

  function startNew() {
    stopPoll();
    resetThread();
    for (const p of pending.values()) { clearTimeout(p.timer); p.el.remove(); }
    pending.clear();
    flying = null;
    clearTimeout(hold);
    hold = 0;
    conv = null;
    updateEnded();
    input.focus();
  }

  // ---- sending ----
  // The server's text rule (PROTOCOL.md): control characters other than
  // line feed and tab are refused, so they are dropped here (a CR of a
  // line break too), and a text that shows nothing is not sent.
  const sendable = s => s.replace(/\r\n?/g, '\n').replace(/[\0-\x08\x0B-\x1F\x7F-\x9F]/g, '');
  const shows = s => /[^\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(s);

  async function submit() {
    const b = blocker();
    if (b) { b.focus(); return; }
    const text = sendable(input.value);
    if (!shows(text) || [...text].length > maxLen) { input.focus(); return; }
    if (conv && conv.status === 'closed') return;
    stopTyping();
    input.value = '';
    updateCount();
    const p = { cid: uuid(), text, el: msgEl('visitor', text) };
    p.el.classList.add('lc-pending');
    list.append(p.el);
    pending.set(p.cid, p);
    setState(p, 'sending');
    scrollDown(true);
    pump();
  }

  // pump sends the first message of the outbox not yet stored, unless one
  // is on its way or waits to be tried again. A message the server refused
  // for good waits for the visitor's retry, and the next ones go on.
  function pump() {
    if (flying || hold) return;
    for (const p of pending.values()) {
      if (p.st === 'failed') continue;
      if (conv && conv.status === 'closed') fail(p, {});
      else { send(p); return; }
    }
  }

  // send sends one message: on the WebSocket when it is ready (by HTTP
  // when no answer comes within 10 s), else by HTTP.
  function send(p) {
    flying = p;
    clearTimeout(p.timer);
    setState(p, 'sending');
    ensureConv().then(() => {
      if (flying !== p) return;
      if (!ready) { httpSend(p); return; }
      p.ref = 'r' + ++refN;
      wsSend({ type: 'send', ref: p.ref, conversationId: conv.id, clientMessageId: p.cid, text: p.text });
      p.timer = setTimeout(() => httpSend(p), 10000);
    }, err => refused(p, err));
  }

  async function httpSend(p) {
    if (flying !== p || p.http) return;
    p.http = true;
    p.ref = null;
    clearTimeout(p.timer);
    let r, err;
    try {
      r = await api('POST', 'conversations/' + enc(conv.id) + '/messages', { clientMessageId: p.cid, text: p.text });
    } catch (e) { err = e; }
    p.http = false;
    if (err) refused(p, err);
    else if (flying === p) { addMessage(r.message); settle(); sent(); }
  }

  // sent lets the next message go.
  function sent() {
    flying = null;
    tries = 0;
    pump();
  }

  // refused handles a send that did not store the message: refused by a
  // limit, it is tried again after the time the server gave; lost to the
  // network or a server failure, after a backoff or as soon as the live
  // channel is back (kick); refused for good, it fails.
  function refused(p, err) {
    if (flying !== p) return;
    flying = null;
    clearTimeout(p.timer);
    p.ref = null;
    const st = err.status;
    if (pending.has(p.cid) && (!st || st >= 500 || st === 429)) {
      held = st === 429;
      hold = setTimeout(() => { hold = 0; pump(); }, held ? err.retryAfter || 1000 : backoff(tries++));
      return;
    }
    fail(p, err);
    pump();
  }

  function fail(p, err) {
    if (!pending.has(p.cid)) return;
    clearTimeout(p.timer);
    p.ref = null;
    setState(p, 'failed');
    if (err.code === 'consent_required' && agreeBtn) {
      p.consent = true;
      agreed = false;
      session('livechat-consent-' + proc.textHash, false);
      consentMsg.textContent = T('errorConsentRequired');
      gate();
    }
    if (err.code === 'conversation_closed' && conv) setConv(Object.assign({}, conv, { status: 'closed' }));
  }

  // retry puts a failed message back in the outbox, in its place.
  function retry(p) {
    if (!pending.has(p.cid) || (conv && conv.status === 'closed')) return;
    setState(p, 'sending');
    pump();
  }

  // kick tries a message lost to the network again at once, the live
  // channel being back.
  function kick() {
    if (hold && !held) { clearTimeout(hold); hold = 0; }
    pump();
  }

  // ---- typing and read ----
  function onInput() {
    updateCount();
    if (!conv || conv.status !== 'open') return;
    if (!input.value.trim()) { stopTyping(); return; }
    const now = Date.now();
    if (now - typingSentAt > 3000) { typingSentAt = now; sendTyping(true); }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(stopTyping, 4000);
  }

  function stopTyping() {
    clearTimeout(typingIdle);
    if (typingSentAt) { typingSentAt = 0; sendTyping(false); }
  }

  function sendTyping(on) {
    if (!conv) return;
    if (ready) wsSend({ type: 'typing', conversationId: conv.id, typing: on });
    else api('POST', 'conversations/' + enc(conv.id) + '/typing', { typing: on }).catch(() => {});
  }

  function markRead() {
    if (!isOpen || doc.visibilityState === 'hidden' || !conv || !mark) return;
    if (mark > lastRead) { lastRead = mark; updateUnread(); }
    if (mark <= sentRead) return;
    const seq = sentRead = mark;
    if (ready) wsSend({ type: 'read', conversationId: conv.id, seq });
    else api('POST', 'conversations/' + enc(conv.id) + '/read', { seq }).catch(() => { if (sentRead === seq) sentRead = 0; });
  }

  // ---- live channel: WebSocket, long-poll after 3 failed opens ----
  // While on long-poll the WebSocket is tried again every 5 to 30 s; once
  // it is ready the poll stops.
  function live() {
    if (!conv) return;
    if (wsFails >= 3) startPoll();
    if (ws) { if (ready) subscribe(); }
    else if (!reconnectTimer) connect();
  }

  function wsSend(f) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(f));
  }

  function subscribe() {
    if (ready && conv) wsSend({ type: 'subscribe', conversationId: conv.id, after: mark });
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (ws || !conv || dead) return;
    let s, opened = false;
    try { s = new WebSocket(WS_URL, L.token ? ['livechat.v1', 'livechat.token.' + L.token] : []); } catch (e) { dropped(null, false); return; }
    ws = s;
    s.onopen = () => { opened = true; lastFrame = Date.now(); };
    s.onmessage = ev => {
      lastFrame = Date.now();
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f === 'object') onFrame(f);
    };
    s.onclose = () => { if (ws === s) dropped(s, opened); };
  }

  function dropped(s, opened) {
    ws = null;
    ready = false;
    if (s) { s.onclose = s.onmessage = null; try { s.close(); } catch (e) { /* already closed */ } }
    sentRead = 0; // the last read may have gone into a dead socket
    if (flying && flying.ref) httpSend(flying);
    if (!opened && ++wsFails >= 3) startPoll();
    reconnectTimer = setTimeout(connect, polling ? Math.min(30000, 5000 * 2 ** (wsFails - 3)) : backoff(attempt++));
  }

  // wake reconnects at once when the page comes back (phone unlocked, network back).
  function wake() {
    if (reconnectTimer && !ws) connect();
    else if (ready && Date.now() - lastFrame > 30000) wsSend({ type: 'ping' });
  }

  // A connection that stays silent although we ping it is dead: drop it.
  const pinger = setInterval(() => {
    if (!ready) return;
    if (Date.now() - lastFrame > 45000) dropped(ws, true);
    else wsSend({ type: 'ping' });
  }, 25000);

  // Subscribing replays messages, not read marks: fetch those after a reconnect.
  function syncReads() {
    const id = conv && conv.id;
    if (id) api('GET', 'conversations/' + enc(id) + '/messages?after=' + mark + '&limit=1')
      .then(r => { for (const rm of r.readMarks || []) onRead(rm.participant, rm.seq, id); }, () => {});
  }

  function onFrame(f) {
    switch (f.type) {
      case 'ready':
        ready = true;
        attempt = wsFails = 0;
        if (polling) { stopPoll(); wasReady = true; }
        subscribe();
        if (typingSentAt) sendTyping(true);
        markRead();
        kick();
        if (wasReady) syncReads(); // agents may have read while we were away
        wasReady = true;
        break;
      case 'message':
        if (f.message && conv && (f.conversationId || f.message.conversationId) === conv.id) {
          addMessage(f.message);
          settle();
        }
        break;
      case 'conversation':
        setConv(f.conversation);
        if (queueOn) queue(); // assigned: the queue says 0
        refreshAv();
        break;
      case 'subscribed': // an assignment while we were not subscribed is not replayed
        if (conv && f.conversationId === conv.id) gap(f.seq);
        if (queueOn) queue();
        break;
      case 'typing':
        if (conv && f.conversationId === conv.id && /^agent/.test(f.participant || '')) {
          if (f.typing) showTyping(); else hideTyping();
        }
        break;
      case 'read':
        onRead(f.participant, f.seq, f.conversationId);
        break;
      case 'ack': {
        const p = flying;
        if (!p || p.ref !== f.ref) break;
        if (f.message) { addMessage(f.message); settle(); sent(); } else httpSend(p);
        break;
      }
      case 'error': {
        const p = flying;
        if (!p || p.ref !== f.ref) break;
        if (/^(unavailable|internal)$/.test(f.code)) httpSend(p);
        else refused(p, { status: f.code === 'rate_limited' ? 429 : 400, code: f.code, retryAfter: f.retryAfter });
        break;
      }
    }
  }

  function stopPoll() {
    if (pollAbort) pollAbort.abort();
  }

  async function startPoll() {
    if (polling) return;
    polling = true;
    let errors = 0;
    while (conv && !ready && !dead) {
      const id = conv.id;
      pollAbort = new AbortController();
      try {
        const r = await api('GET', 'poll?conversationId=' + enc(id) + '&after=' + mark + '&timeout=25', undefined, pollAbort.signal);
        errors = 0;
        if (!conv || conv.id !== id) continue;
        for (const ev of r.events || []) if (ev && ev.type !== 'ready') onFrame(ev);
        reach(r.seq);
        setConv(r.conversation);
        kick();
      } catch (e) {
        if (conv && conv.id === id && !ready) await sleep(backoff(errors++));
      }
    }
    polling = false;
  }

  // ---- consent to process data and email capture ----
  const safe = u => /^(https?:|mailto:|\/)/i.test(u);
  const aLink = (href, text) => h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow', text });
  const segs = c => (c.segments || [{ text: c.text }]).map(s => s.url && safe(s.url) ? aLink(s.url, s.text) : s.text);

  // cookies records the visitor's answer to the banner. Accepted, the
  // server sets its cookie and a first-party marker remembers the choice;
  // declined, nothing is stored and the next page view asks again.
  async function cookies(granted) {
    try { await api('POST', 'consent', { kind: 'cookies', granted, textHash: ck.textHash }); } catch (e) { return; }
    ckEl.remove();
    if (isOpen) focusIn();
    if (!granted) return;
    doc.cookie = 'livechat_consent=1; Max-Age=31536000; Path=/; SameSite=Lax';
    L.token = '';
    L.persist = true;
    if (isOpen) session(OPEN_KEY, true);
  }

  // blocker is what the visitor must do before they can send: agree, or
  // give their email address; null when nothing.
  const blocker = () => !agreed ? agreeBtn : needEmail ? emailIn : null;

  // gate disables the composer until the visitor may send.
  function gate() {
    input.disabled = sendBtn.disabled = !!blocker();
    if (clipBtn) clipBtn.disabled = input.disabled;
    if (agreeBtn) consentEl.hidden = agreed;
  }

  async function agree() {
    agreeBtn.disabled = true;
    try {
      await api('POST', 'consent', { kind: 'processing', granted: true, textHash: proc.textHash });
      agreed = true;
      session('livechat-consent-' + proc.textHash, true);
      consentMsg.textContent = '';
      gate();
      (blocker() || input).focus();
      for (const p of pending.values()) if (p.consent) { p.consent = false; retry(p); }
    } catch (e) {
      consentMsg.textContent = T('errorUnavailable');
    }
    agreeBtn.disabled = false;
  }

  function showEmail() {
    emailEl.hidden = false;
    if (commEl) { emailEl.append(...commEl.children); commEl.hidden = true; }
  }

  async function saveEmail(e) {
    e.preventDefault();
    const email = emailIn.value.trim();
    try {
      await api('POST', 'email', { email, chatflowId: chat.chatflowId });
    } catch (err) {
      emailMsg.textContent = T(err.status === 400 ? 'emailInvalid' : 'errorUnavailable');
      emailIn.setAttribute('aria-invalid', err.status === 400);
      emailIn.focus();
      return;
    }
    session(EMAIL_KEY, true);
    emailMode = needEmail = false;
    emailEl.replaceChildren(h('p', { id: 'livechat-email-saved', role: 'status', text: T('emailSaved', { email }) }), ...emailEl.querySelectorAll('label.lc-hint'));
    gate();
    if (!form.hidden) input.focus();
  }

  // ---- satisfaction survey, once a conversation has ended ----
  function askSurvey() {
    const id = conv.id, key = 'livechat-survey-' + id;
    if (!chat.survey || surveyFor === id || session(key)) return;
    surveyFor = id;
    session(key, true);
    let rating = 0;
    const done = t => {
      survey.replaceChildren(h('p', { role: 'status', text: t }));
      newBtn.focus();
    };
    const send = h('button', {
      type: 'button', id: 'livechat-survey-submit', class: 'lc-btn', disabled: true, text: T('surveySubmit'),
      onclick: async () => {
        send.disabled = true;
        try {
          await api('POST', 'conversations/' + enc(id) + '/survey', { rating, comment: comment.value.trim() });
        } catch (e) {
          if (e.status !== 409) { send.disabled = false; return; }
        }
        done(T('surveyThanks'));
      },
    });
    const rates = [1, 2, 3, 4, 5].map(n => h('button', {
      // The name starts with the number shown, for those who say it.
      type: 'button', class: 'lc-rate', 'data-rating': n, 'aria-label': n + ': ' + T('surveyRating' + n), 'aria-pressed': 'false', text: n,
      onclick: () => {
        rating = n;
        rates.forEach((b, i) => b.setAttribute('aria-pressed', i + 1 === n));
        send.disabled = false;
      },
    }));
    const comment = h('textarea', { id: 'livechat-survey-comment', rows: '2', maxlength: '1000', placeholder: T('surveyComment'), 'aria-label': T('surveyComment') });
    survey = h('div', { id: 'livechat-survey', class: 'lc-survey', role: 'group', 'aria-labelledby': 'livechat-survey-q' },
      h('p', { id: 'livechat-survey-q', text: T('surveyQuestion') }),
      h('div', { class: 'lc-row' }, ...rates),
      comment,
      h('div', { class: 'lc-row' }, send, h('button', { type: 'button', class: 'lc-skip', text: T('surveySkip'), onclick: () => { survey.remove(); newBtn.focus(); } })));
    ended.insertBefore(survey, newBtn);
  }

  // ---- the transcript by email, when the site sends it ----
  function transcriptForm() {
    if (!chat.transcript) return;
    let inp, msg, btn;
    return h('form', {
      id: 'livechat-transcript', class: 'lc-email', novalidate: true,
      onsubmit: async e => {
        e.preventDefault();
        const email = inp.value.trim();
        let k = 'transcriptFailed';
        btn.disabled = true;
        try {
          if (!email || !inp.checkValidity()) throw Error('email');
          k = (await api('POST', 'conversations/' + enc(conv.id) + '/transcript', { email })).transcript.status === 'sent' ? 'transcriptSent' : 'transcriptQueued';
        } catch (err) {
          if (err.status === 429) k = 'errorRateLimited';
          if (/^email/.test(err.message)) k = 'emailInvalid';
        }
        msg.textContent = T(k, { email });
        inp.setAttribute('aria-invalid', k === 'emailInvalid');
        btn.disabled = false;
      },
    },
    h('label', { for: 'livechat-transcript-input', text: T('transcriptAsk') }),
    h('div', { class: 'lc-row' },
      inp = h('input', { type: 'email', id: 'livechat-transcript-input', autocomplete: 'email', value: chat.transcript.email || '', placeholder: T('emailPlaceholder'), 'aria-describedby': 'livechat-transcript-msg' }),
      btn = h('button', { type: 'submit', class: 'lc-btn', text: T('send') })),
    msg = h('p', { id: 'livechat-transcript-msg', class: 'lc-hint', 'aria-live': 'polite' }));
  }

  // ---- help tab: search the knowledge base and read its articles ----
  function renderHelp() {
    const tab = (id, k) => h('button', {
      type: 'button', role: 'tab', id: 'livechat-tab-' + id, class: 'lc-tab', 'aria-controls': 'livechat-' + id, text: T(k),
      onclick: () => showTab(id === 'help'),
      onkeydown: e => { if (/^Arrow(Left|Right)$/.test(e.key)) { const o = tabs.find(t => t !== e.target); o.focus(); o.click(); } },
    });
    tabs = [tab('chat', 'tabChat'), tab('help', 'tabHelp')];
    helpEl = h('div', { id: 'livechat-help', class: 'lc-pane lc-help', role: 'tabpanel', 'aria-labelledby': 'livechat-tab-help' },
      searchIn = h('input', {
        type: 'search', id: 'livechat-help-search', class: 'lc-search', autocomplete: 'off',
        placeholder: T('helpSearch'), 'aria-label': T('helpSearch'), 'aria-controls': 'livechat-results',
        oninput: () => { clearTimeout(findTimer); findTimer = setTimeout(find, 250); },
        onkeydown: e => { if (e.key === 'Enter') { e.preventDefault(); clearTimeout(findTimer); find(); } },
      }),
      resultsEl = h('div', { id: 'livechat-results', class: 'lc-results', 'aria-live': 'polite' }),
      articleEl = h('article', { id: 'livechat-article', class: 'lc-article', hidden: true, tabindex: '-1' }));
    showTab(false);
  }

  function showTab(help) {
    tabs.forEach((t, i) => {
      t.setAttribute('aria-selected', !i !== help);
      t.tabIndex = !i !== help ? 0 : -1;
    });
    if (chatPane) chatPane.hidden = help;
    helpEl.hidden = !help;
  }

  async function find() {
    const q = searchIn.value.trim(), n = ++findN;
    let rs = [];
    try {
      if (q) rs = (await api('GET', 'knowledge/search?q=' + enc(q) + '&limit=10')).results || [];
    } catch (e) {
      rs = null;
    }
    if (n !== findN) return; // a newer search is under way
    articleEl.hidden = true;
    resultsEl.hidden = false;
    resultsEl.replaceChildren(!rs || (q && !rs.length)
      ? h('p', { class: 'lc-hint', text: T(rs ? 'helpNoResults' : 'errorUnavailable') })
      : h('ul', { role: 'list' }, ...rs.map(r => h('li', null, h('button', { type: 'button', class: 'lc-result', 'data-id': r.id, onclick: e => read(r.id, e.currentTarget) },
        h('strong', { text: r.title }), r.snippet && h('span', { text: r.snippet }))))));
  }

  async function read(id, from) {
    clearTimeout(findTimer); // an article opened supersedes the searches under way
    findN++;
    let a;
    try { a = (await api('GET', 'knowledge/articles/' + enc(id))).article; } catch (e) { /* stay on the list */ }
    if (!a) return;
    const body = h('div', { class: /<[a-z]/i.test(a.body) ? 'lc-body' : 'lc-body lc-plain' });
    copy(new DOMParser().parseFromString(a.body || '', 'text/html').body, body);
    articleEl.replaceChildren(
      h('button', { type: 'button', class: 'lc-back', text: '‹ ' + T('helpBack'), onclick: () => { articleEl.hidden = true; resultsEl.hidden = false; from.focus(); } }),
      h('h2', { text: a.title }), body);
    if (a.language) articleEl.setAttribute('lang', a.language);
    resultsEl.hidden = true;
    articleEl.hidden = false;
    articleEl.focus();
  }

  // copy rebuilds the safe subset of an article body's HTML, element by
  // element: other elements give their text only (script and style
  // nothing), and links keep a safe href and nothing else.
  function copy(from, to) {
    for (const n of from.childNodes) {
      const t = n.nodeName;
      if (n.nodeType === 3) to.append(n.data);
      else if (/^(P|BR|UL|OL|LI|STRONG|EM|B|I|CODE|PRE|H2|H3|BLOCKQUOTE)$/.test(t)) copy(n, to.appendChild(doc.createElement(t)));
      else if (t === 'A') {
        const u = (n.getAttribute('href') || '').trim();
        copy(n, to.appendChild(safe(u) ? aLink(u) : h('span')));
      } else if (n.nodeType === 1 && !/^(SCRIPT|STYLE|TEMPLATE|NOSCRIPT|IFRAME|OBJECT|SVG|MATH)$/i.test(t)) copy(n, to);
    }
  }

  // ---- start ----
  av = chat.availability || {};
  if (chat.maxMessageLength > 0) maxLen = chat.maxMessageLength;
  ck = L.ck && chat.consent && chat.consent.cookies;
  proc = chat.consent && chat.consent.processing;
  agreed = !proc || proc.kind !== 'explicit' || session('livechat-consent-' + proc.textHash);
  emailMode = !session(EMAIL_KEY) && (chat.emailCapture || {}).mode;
  // What a chat shown before this one left: the text being typed and the
  // messages sent but not yet stored (L.draft; clear() empties it), for
  // the same user only: identify() may have made this chat another's.
  const me = who(), carried = L.draft && L.draft.who === me ? L.draft : {};
  L.draft = '';
  // Before the first message: unless this visitor has written already.
  const c0 = L.conv;
  needEmail = emailMode === 'before_first_message' && !(c0 && c0.lastSeq > 0);
  render();
  if (c0 && c0.id) {
    conv = c0;
    updateEnded();
    load().catch(() => { /* the live channel replays what is missing */ }).then(() => {
      live();
      if (conv && conv.status === 'open') watchQueue();
    });
  }
  // The carried messages go again with their ids: one that the server
  // stored meanwhile is not stored twice.
  for (const o of carried.outbox || []) {
    const p = { cid: o.cid, text: o.text, el: msgEl('visitor', o.text) };
    p.el.classList.add('lc-pending');
    list.append(p.el);
    pending.set(p.cid, p);
    setState(p, 'sending');
  }
  if (pending.size) pump();

  // stop ends this chat for good: the live channel, the timers, the
  // listeners. The widget removes the window with the launcher.
  function stop() {
    L.draft = { who: me, text: input.value, outbox: [...pending.values()].map(p => ({ cid: p.cid, text: p.text })) };
    if (isOpen) emit('close');
    dead = true;
    conv = null;
    stopPoll();
    for (const t of [reconnectTimer, hold, queueTimer, avTimer, typingHide, typingIdle, findTimer]) clearTimeout(t);
    clearInterval(pinger);
    for (const p of pending.values()) clearTimeout(p.timer);
    pending.clear();
    flying = null;
    if (ws) { ws.onclose = ws.onmessage = null; ws.close(); }
    ws = null;
    ready = false;
    ac.abort();
  }

  return {
    open, close, stop,
    // exit shows the cookie banner set to show on exit.
    exit: () => { if (ckEl && ckEl.isConnected) ckEl.hidden = false; },
  };
});
