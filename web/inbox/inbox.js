/* golivechat agent inbox: plain JavaScript, no dependencies, no build step.
 * Speaks protocol version 1 (PROTOCOL.md) on the agent endpoints, with the
 * host's own cookies. All text is inserted as text nodes, never as markup. */
(() => {
  'use strict';

  const doc = document;
  const src = (doc.currentScript && doc.currentScript.src) || location.href;
  // inbox.js lives at <mount>inbox/inbox.js, so the mount is one level up.
  const BASE = new URL('../', src).href;
  const API = BASE + 'api/v1/agent/';
  const WS_URL = API.replace(/^http/, 'ws') + 'ws?batch=1';
  const FILTERS = {
    open: 'status=open',
    mine: 'status=open&assignee=me',
    unassigned: 'status=open&assignee=unassigned',
    pending: 'status=pending',
    snoozed: 'status=snoozed',
    closed: 'status=closed',
  };
  // filters.js (the list's filters and search) and states.js (the thread's
  // status actions) plug in here; see their heads.
  const ext = window.LCInbox = { query: () => '', match: () => true, head: () => {} };
  const STATES = { sending: 'Sending…', sent: 'Sent', read: 'Read' };
  const $ = id => doc.getElementById(id);
  const enc = encodeURIComponent;
  const pad = n => String(n).padStart(2, '0');
  // The side panel (panel.js) follows the open thread and the live frames.
  const emit = (type, detail) => doc.dispatchEvent(new CustomEvent(type, { detail }));
  const backoff = n => { const d = Math.min(30000, 1000 * 2 ** n); return d / 2 + Math.random() * d / 2; };

  // ---- state ----
  let me = null;
  let filter = 'open';
  const agents = new Map();   // id -> agent
  let convs = new Map();      // id -> conversation summary
  const ignored = new Set();  // ids known not to match the current filter
  let nextCursor = '', olderLoaded = false; // the list's next page; whether "Load more" brought one
  // The open thread: {id, msgs, pending, mark, top, vRead, loaded}. mark is
  // the contiguous mark: every message from the first one loaded up to it
  // is shown; it is what is read and resumed from. top is the highest seq
  // shown; above mark it means a gap, fetched by fill.
  let cur = null;
  let ws = null, ready = false, attempt = 0, reconnectTimer = null, lastFrame = 0, refN = 0;
  const refs = new Map();     // ws ref -> {thread, cid}
  let renderQueued = false, refetchTimer = null, typingHide = null, typingSentAt = 0, typingIdle = null;

  // ---- helpers ----
  function h(tag, attrs, ...kids) {
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
  }

  // morph makes element a look like b (attributes, text), keeping a's
  // elements where the two have the same shape; a's listeners stay.
  function morph(a, b) {
    for (const n of [...a.attributes]) if (!b.hasAttribute(n.name)) a.removeAttribute(n.name);
    for (const n of [...b.attributes]) if (a.getAttribute(n.name) !== n.value) a.setAttribute(n.name, n.value);
    const ak = [...a.childNodes], bk = [...b.childNodes];
    if (ak.length !== bk.length || ak.some((n, i) => n.nodeName !== bk[i].nodeName)) { a.replaceChildren(...bk); return; }
    ak.forEach((n, i) => {
      if (n.nodeType === 1) morph(n, bk[i]);
      else if (n.nodeValue !== bk[i].nodeValue) n.nodeValue = bk[i].nodeValue;
    });
  }

  function uuid() {
    const c = window.crypto;
    if (c.randomUUID) try { return c.randomUUID(); } catch (e) { /* insecure context */ }
    const b = new Uint8Array(16);
    c.getRandomValues(b);
    return [...b].map(x => pad(x.toString(16))).join('');
  }

  async function api(method, path, body) {
    const o = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      o.headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(body);
    }
    const r = await fetch(API + path, o);
    const j = r.status === 204 ? {} : await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error((j.error && j.error.message) || 'HTTP ' + r.status);
      e.status = r.status;
      e.code = j.error && j.error.code;
      throw e;
    }
    return j;
  }

  function showError(err) {
    const e = $('lc-error');
    e.textContent = err ? (err.message || String(err)) : '';
    e.hidden = !err;
    clearTimeout(showError.t);
    if (err) showError.t = setTimeout(() => showError(null), 8000);
  }

  function toDate(iso) { const d = iso ? new Date(iso) : new Date(); return isNaN(d) ? new Date() : d; }
  function hhmm(d) { return pad(d.getHours()) + ':' + pad(d.getMinutes()); }
  function timeEl(iso, withDate) {
    const d = toDate(iso);
    const today = d.toDateString() === new Date().toDateString();
    const text = !withDate || today ? hhmm(d) : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    return h('time', { datetime: d.toISOString(), title: d.toLocaleString(), text });
  }

  // visitorLabel names a conversation by its visitor, as the server names
  // them (contact name, else email, else a name generated from the visitor
  // id). A conversation that arrived live (an event carries no visitor) is
  // "Visitor" until the list, asked again at once, tells whose it is.
  function visitorLabel(c) {
    return c.visitorName || 'Visitor';
  }
  function agentName(id) {
    if (!id) return 'Unassigned';
    if (me && id === me.id) return 'You';
    const a = agents.get(id);
    return (a && a.name) || id;
  }
  // avatar is an agent's picture beside their messages, found by the
  // message's author name (decorative: the name is written beside it), or
  // their initials when they have none or the name is not one agent's.
  function avatar(name) {
    const a = [...agents.values()].filter(x => x.name === name);
    const url = a.length === 1 && a[0].avatarUrl;
    const ini = h('span', { class: 'lc-avatar', 'aria-hidden': 'true', text: String(name || '?').trim().split(/\s+/).slice(0, 2).map(w => [...w][0]).join('').toUpperCase() });
    if (!url || !/^(https:\/\/|\/[^/])/i.test(url)) return ini;
    return h('img', { class: 'lc-avatar', src: url, alt: '', referrerpolicy: 'no-referrer', onerror: e => e.target.replaceWith(ini) });
  }
  function activity(c) { return toDate((c.lastMessage && c.lastMessage.createdAt) || c.updatedAt || c.createdAt).getTime(); }
  function matches(c) {
    switch (filter) {
      case 'mine': return c.status === 'open' && !!me && c.assigneeId === me.id && ext.match(c, filter);
      case 'unassigned': return c.status === 'open' && !c.assigneeId && ext.match(c, filter);
      default: return c.status === (FILTERS[filter] ? filter : 'open') && ext.match(c, filter);
    }
  }
  const visible = () => doc.visibilityState !== 'hidden';

  // ---- conversation list ----
  function scheduleRender() {
    renderTitle();
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; renderList(); });
  }

  function renderList() {
    const ul = $('lc-list');
    const focused = doc.activeElement && doc.activeElement.classList.contains('lc-conv') ? doc.activeElement.dataset.id : null;
    const rows = [...convs.values()].filter(c => matches(c) || (cur && c.id === cur.id && c.status !== 'closed' && filter !== 'closed'))
      .sort((a, b) => activity(b) - activity(a));
    // A row keeps its elements while its conversation is listed, and moves
    // only when its place changes: a list that changes between an agent's
    // mousedown and mouseup on a row does not lose their click.
    const old = new Map([...ul.querySelectorAll('.lc-conv')].map(b => [b.dataset.id, b.parentElement]));
    const keep = new Set(rows.map(c => c.id));
    for (const [id, li] of old) if (!keep.has(id)) li.remove();
    let next = ul.firstElementChild;
    for (const c of rows) {
      const unread = c.unread > 0 ? c.unread : 0;
      const lm = c.match || c.lastMessage; // a search shows what it found
      const snippet = lm ? ({ agent: 'Agent: ', note: 'Note: ' }[lm.sender] || '') + (lm.attachment ? 'File: ' + lm.attachment.name : lm.text) : 'No messages yet';
      const btn = h('button', {
        type: 'button', class: 'lc-conv' + (unread ? ' lc-has-unread' : '') + (c.status === 'closed' ? ' lc-is-closed' : ''),
        'data-id': c.id, 'data-match': c.match && c.match.seq, 'aria-current': cur && cur.id === c.id ? 'true' : null,
        onclick: () => openConv(c.id),
      },
      h('span', { class: 'lc-conv-top' },
        h('span', { class: 'lc-conv-name', text: visitorLabel(c) }),
        timeEl(lm ? lm.createdAt : c.updatedAt, true)),
      h('span', { class: 'lc-conv-snippet', text: snippet.length > 140 ? snippet.slice(0, 140) + '…' : snippet }),
      h('span', { class: 'lc-conv-bottom' },
        h('span', { class: 'lc-conv-assignee', text: agentName(c.assigneeId) }),
        c.survey ? h('span', { class: 'lc-conv-rating', text: '★ ' + c.survey.rating, title: 'Rated ' + c.survey.rating + '/5' }, h('span', { class: 'lc-sr', text: ' of 5' })) : null,
        unread ? h('span', { class: 'lc-badge' }, String(unread), h('span', { class: 'lc-sr', text: ' unread' })) : null));
      let li = old.get(c.id);
      if (li) morph(li.firstElementChild, btn);
      else li = h('li', {}, btn);
      if (li === next) next = next.nextElementSibling;
      else ul.insertBefore(li, next);
    }
    $('lc-list-empty').hidden = rows.length > 0;
    if (focused) {
      const b = ul.querySelector('.lc-conv[data-id="' + CSS.escape(focused) + '"]');
      if (b) b.focus();
    }
    renderTitle();
  }

  // ---- tab title ----
  // The title counts the conversations with visitor messages this agent
  // has not read, of those that are theirs to answer (assigned to them or
  // to no one, and open): "(2) Inbox". tally remembers them across the
  // list's filters, so that the count stays whole while the list shows
  // another tab. It is set at once, not on the next frame: a hidden tab
  // gets no animation frames, and that is when the title is looked at.
  const tally = new Map(); // id -> {unread, lastSeq, assigneeId, status}
  function track(c) {
    tally.set(c.id, { unread: c.unread > 0 ? c.unread : 0, lastSeq: c.lastSeq || 0, assigneeId: c.assigneeId, status: c.status });
  }
  const forMe = t => t.status !== 'closed' && (!t.assigneeId || (!!me && t.assigneeId === me.id));
  function renderTitle() {
    for (const c of convs.values()) track(c);
    let n = 0;
    for (const t of tally.values()) if (t.unread > 0 && forMe(t)) n++;
    const title = (n ? '(' + n + ') ' : '') + 'Inbox';
    if (doc.title !== title) doc.title = title;
  }

  const listQuery = () => FILTERS[filter] + ext.query(filter);
  async function loadList() {
    const f = filter, q = listQuery();
    try {
      const r = await api('GET', 'conversations?' + q);
      if (f !== filter || q !== listQuery()) return;
      const next = new Map();
      for (const c of r.conversations || []) {
        // An answer older than an event already shown keeps the event.
        const o = convs.get(c.id), seq = x => Math.max(x.lastSeq || 0, (x.lastMessage && x.lastMessage.seq) || 0);
        if (o && seq(o) > seq(c)) Object.assign(c, { lastMessage: o.lastMessage, lastSeq: o.lastSeq, updatedAt: o.updatedAt, unread: o.unread });
        next.set(c.id, c);
      }
      if (cur && !next.has(cur.id) && convs.has(cur.id)) next.set(cur.id, convs.get(cur.id));
      // Keep the older pages "Load more" brought; else page on from this one.
      if (olderLoaded) { for (const [id, c] of convs) if (!next.has(id) && matches(c)) next.set(id, c); }
      else nextCursor = r.nextCursor || '';
      convs = next;
      // The list may count as unread what the open thread shows and marks
      // read at this moment (its mark goes again after a reconnect).
      if (cur && convs.has(cur.id)) { renderHead(); markRead(); }
      scheduleRender();
      renderMore();
    } catch (e) {
      if (e.status === 401) return signedOut();
      showError(e);
    }
  }

  // loadMore appends the next page of older conversations.
  async function loadMore() {
    const f = filter, q = listQuery(), btn = $('lc-more'), hadFocus = doc.activeElement === btn;
    if (!nextCursor || btn.disabled) return;
    btn.disabled = true; // which also takes the focus away
    try {
      const r = await api('GET', 'conversations?' + q + '&cursor=' + enc(nextCursor));
      if (f !== filter || q !== listQuery()) return;
      const added = (r.conversations || []).filter(c => !convs.has(c.id));
      for (const c of added) convs.set(c.id, c);
      nextCursor = r.nextCursor || '';
      olderLoaded = true;
      renderList();
      $('lc-announce').textContent = added.length + ' more conversations' + (nextCursor ? '' : ', no more to load');
    } catch (e) {
      if (e.status === 401) return signedOut();
      showError(e);
    } finally {
      btn.disabled = false;
      renderMore();
      // Keep the keyboard where it was: on the button, or on the last row
      // once there is nothing more to load.
      const rows = doc.querySelectorAll('.lc-conv');
      if (hadFocus && !btn.hidden) btn.focus();
      else if (hadFocus && rows.length) rows[rows.length - 1].focus();
    }
  }

  function renderMore() { $('lc-more').hidden = !nextCursor; }

  // refetchSoon reloads the list shortly, for events about conversations it
  // does not know yet.
  function refetchSoon(id) {
    if (id && ignored.has(id)) return;
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(async () => {
      await loadList();
      if (id && !convs.has(id)) ignored.add(id);
    }, 400);
  }

  function mergeConv(c) {
    if (!c || !c.id) return;
    const old = convs.get(c.id);
    const merged = Object.assign(old || {}, c);
    if (!c.assigneeId) delete merged.assigneeId; // the server omits it when unassigned
    if (!c.snoozedUntil && c.status) delete merged.snoozedUntil; // and when not snoozed
    convs.set(c.id, merged);
    remember(c.id, c);
    // Created just now: no message yet (an event of an older one has some).
    if (!old && !(c.lastSeq > 0) && c.status === 'open') alertOf(c.id, '', 'new');
    if (!old || !merged.visitor) {
      if (matches(merged)) { ignored.delete(c.id); refetchSoon(c.id); }
    }
    if (cur && cur.id === c.id) renderHead();
    scheduleRender();
  }

  // A visitor rated a conversation: the list and the open thread show it.
  function onSurvey(f) {
    const c = convs.get(f.conversationId);
    if (c) c.survey = f.survey;
    if (cur && cur.id === f.conversationId) { cur.survey = f.survey; renderHead(); }
    scheduleRender();
  }

  function setFilter(f, focus) {
    filter = f;
    ignored.clear();
    nextCursor = '';
    olderLoaded = false;
    renderMore();
    for (const t of doc.querySelectorAll('.lc-tabs [role=tab]')) {
      const on = t.dataset.filter === f;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      if (on) {
        $('lc-list-panel').setAttribute('aria-labelledby', t.id);
        if (focus) t.focus();
      }
    }
    convs = new Map(cur && convs.has(cur.id) ? [[cur.id, convs.get(cur.id)]] : []);
    renderList();
    loadList();
  }

  // ---- thread ----
  function renderHead() {
    if (!cur) return;
    const c = convs.get(cur.id) || { id: cur.id };
    const v = c.visitor || {};
    const name = visitorLabel(c);
    $('lc-title').textContent = name;
    for (const a of $('lc-thread').querySelectorAll('.lc-visitor .lc-author')) a.textContent = name;
    $('lc-info-page').textContent = v.pageUrl || c.pageUrl || '—';
    $('lc-info-lang').textContent = v.language || '—';
    $('lc-info-status').textContent = c.status === 'closed' ? 'Closed' : (c.status === 'pending' ? 'Pending' : c.status === 'snoozed' ? 'Snoozed until ' + toDate(c.snoozedUntil).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : 'Open') + ' · ' + (c.assigneeId ? 'assigned to ' + agentName(c.assigneeId) : 'unassigned');
    const ct = v.contact;
    $('lc-info-contact').textContent = ct ? [ct.name, ct.email].filter(Boolean).join(' · ') + (ct.verified ? ' (verified)' : ' (not verified)') : '—';
    const s = cur.survey;
    $('lc-info-survey').textContent = s ? '★'.repeat(s.rating) + '☆'.repeat(5 - s.rating) + ' ' + s.rating + '/5' + (s.comment ? ' · “' + s.comment + '”' : '') : '—';
    const mine = !!me && c.assigneeId === me.id;
    $('lc-assign-me').disabled = mine;
    $('lc-close').disabled = c.status === 'closed';
    for (const f of ['text', 'html']) $('lc-transcript-' + f).href = API + 'conversations/' + enc(c.id) + '/transcript?format=' + f;
    renderAssign(c.assigneeId || '');
    ext.head(c);
  }

  function renderAssign(value) {
    const sel = $('lc-assign');
    sel.textContent = '';
    sel.append(h('option', { value: '', text: 'Unassigned' }));
    const list = [...agents.values()];
    if (me && !agents.has(me.id)) list.unshift(me);
    if (value && !list.some(a => a.id === value)) list.push({ id: value, name: value });
    for (const a of list) {
      const away = a.presence === 'away' ? ' (away)' : '';
      sel.append(h('option', { value: a.id, text: (a.name || a.id) + (me && a.id === me.id ? ' (you)' : '') + away }));
    }
    sel.value = value;
  }

  function msgEl(m) {
    const note = m.sender === 'note';
    const who = m.sender === 'agent' || note ? (m.authorName || 'Agent') : m.sender === 'visitor' ? visitorLabel(convs.get(m.conversationId) || {}) : '';
    const e = h('div', { class: 'lc-msg lc-' + m.sender, 'data-sender': m.sender },
      h('div', { class: 'lc-meta' }, m.sender === 'agent' || note ? avatar(who) : null, note ? h('span', { class: 'lc-note-tag', text: 'Private note' }) : null,
        who ? h('span', { class: 'lc-author', text: who }) : null, timeEl(m.createdAt)),
      h('div', { class: 'lc-text' }, ...(m.attachment ? [fileEl(m.attachment)] : linked(m.text))));
    if (m.sender === 'agent' || note) e.append(h('div', { class: 'lc-state' }));
    if (m.seq > 0) e.setAttribute('data-seq', m.seq);
    return e;
  }

  // fileEl shows an attachment: PNG, JPEG, GIF and WebP as a preview that
  // opens the image, anything else as a download link with its size.
  function fileEl(a) {
    const href = API + 'files/' + enc(a.id);
    if (/^image\/(png|jpeg|gif|webp)$/.test(a.contentType)) {
      return h('a', { class: 'lc-file', href, target: '_blank', rel: 'noopener noreferrer' }, h('img', { src: href, alt: a.name }));
    }
    return h('a', { class: 'lc-file', href, download: a.name, text: a.name + ' (' + Math.ceil(a.size / 1024) + ' KB)' });
  }

  // uploadFile attaches the file chosen in the composer to the open
  // conversation, as a message of its own.
  async function uploadFile() {
    const t = cur, f = $('lc-file').files[0];
    $('lc-file').value = '';
    if (!t || !f) return;
    $('lc-attach').disabled = true;
    try {
      const r = await fetch(API + 'conversations/' + enc(t.id) + '/files?name=' + enc(f.name) + '&clientMessageId=' + uuid(), { method: 'POST', credentials: 'same-origin', body: f });
      const j = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error((j.error && j.error.message) || 'HTTP ' + r.status);
      addMessage(Object.assign({ conversationId: t.id }, j.message));
      $('lc-thread').scrollTop = $('lc-thread').scrollHeight;
    } catch (e) {
      showError(new Error(f.name + ': ' + e.message));
    }
    $('lc-attach').disabled = false;
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
      s.append(h('button', { type: 'button', class: 'lc-retry', text: 'Failed – retry', onclick: () => { deliver(rec); $('lc-reply').focus(); } }));
    } else s.textContent = STATES[st];
  }

  function addMessage(m) {
    if (!cur || !m || m.conversationId !== cur.id || !(m.seq > 0)) return;
    const p = m.clientMessageId && cur.pending.get(m.clientMessageId);
    if (p) { cur.pending.delete(m.clientMessageId); clearTimeout(p.timer); }
    if (cur.msgs.has(m.seq)) { if (p) p.el.remove(); return; }
    const thread = $('lc-thread');
    const near = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 120;
    const e = msgEl(m);
    if (p) p.el.replaceWith(e);
    const rec = { m, el: e };
    cur.msgs.set(m.seq, rec);
    let before = null;
    for (const c of thread.children) {
      if (c === e) continue;
      const s = c.getAttribute('data-seq');
      if (s ? +s > m.seq : c.classList.contains('lc-pending')) { before = c; break; }
    }
    thread.insertBefore(e, before);
    gap(cur, m.seq);
    if (m.sender === 'agent') setState(rec, m.seq <= cur.vRead ? 'read' : 'sent');
    if (m.sender === 'note') setState(rec, 'sent'); // never read by the visitor
    if (m.sender === 'visitor') hideTyping();
    if (near || p) thread.scrollTop = thread.scrollHeight;
  }

  function updateReadStates() {
    for (const [seq, r] of cur.msgs) if (r.m.sender === 'agent') setState(r, seq <= cur.vRead ? 'read' : 'sent');
  }

  async function openConv(id) {
    if (cur && cur.id === id) { $('lc-reply').focus(); return; }
    stopTyping();
    for (const p of cur ? cur.pending.values() : []) clearTimeout(p.timer);
    cur = { id, msgs: new Map(), pending: new Map(), mark: 0, top: 0, vRead: 0 };
    emit('lc-thread', { id });
    $('lc-thread').textContent = '';
    hideTyping();
    $('lc-placeholder').hidden = true;
    $('lc-detail').hidden = false;
    doc.body.classList.add('lc-thread-open');
    renderHead();
    scheduleRender();
    const t = cur;
    $('lc-thread').setAttribute('aria-busy', 'true'); // do not read the history out
    try {
      const r = await api('GET', 'conversations/' + enc(id));
      if (cur !== t) return;
      t.survey = r.survey || null;
      $('lc-attach').hidden = !r.files;
      $('lc-file').accept = r.files ? r.files.types.join() : '';
      mergeConv(r.conversation);
      renderHead();
      for (const rm of r.readMarks || []) onRead({ conversationId: id, participant: rm.participant, seq: rm.seq });
      const ms = r.messages || [];
      if (ms.length) t.mark = ms[0].seq - 1; // the thread starts at the oldest message loaded
      for (const m of ms) addMessage(Object.assign({ conversationId: id }, m));
      $('lc-thread').scrollTop = $('lc-thread').scrollHeight;
    } catch (e) {
      if (cur === t) showError(e);
    }
    if (cur !== t) return;
    $('lc-thread').removeAttribute('aria-busy');
    t.loaded = true;
    gap(t, 0); // events that came during the load
    subscribe();
    markRead();
  }

  // gap advances a thread's contiguous mark and, once the thread is loaded,
  // fetches what is missing below seq (an event or ack beyond the mark).
  function gap(t, seq) {
    while (t.msgs.has(t.mark + 1)) t.mark++;
    if (seq > t.top) t.top = seq;
    if (t.loaded) fill(t);
  }

  async function fill(t) {
    if (t.filling || t.top <= t.mark) return;
    t.filling = true;
    try {
      for (let more = true; more && cur === t;) {
        const from = t.mark;
        const r = await api('GET', 'conversations/' + enc(t.id) + '/messages?after=' + from + '&limit=200');
        if (cur !== t) break;
        for (const m of r.messages || []) addMessage(Object.assign({ conversationId: t.id }, m));
        more = t.mark > from && t.top > t.mark;
      }
    } catch (e) { /* the next event or the replay after a reconnect asks again */ }
    t.filling = false;
    if (cur === t) markRead();
  }

  function closeThread() {
    stopTyping();
    cur = null;
    emit('lc-thread', { id: null });
    $('lc-detail').hidden = true;
    $('lc-placeholder').hidden = false;
    doc.body.classList.remove('lc-thread-open');
    renderList();
    const first = doc.querySelector('.lc-conv');
    if (first) first.focus();
  }

  function markRead() {
    if (!cur || !cur.mark || !visible()) return;
    const c = convs.get(cur.id);
    if (c && c.unread) { c.unread = 0; scheduleRender(); }
    if (cur.mark <= (cur.sentRead || 0)) return;
    const seq = cur.sentRead = cur.mark, id = cur.id;
    if (ready) wsSend({ type: 'read', conversationId: id, seq });
    else api('POST', 'conversations/' + enc(id) + '/read', { seq }).catch(() => { if (cur && cur.id === id) cur.sentRead = 0; });
  }

  function showTyping() {
    const t = $('lc-typing');
    t.textContent = visitorLabel((cur && convs.get(cur.id)) || {}) + ' is typing…';
    t.classList.add('lc-on');
    clearTimeout(typingHide);
    typingHide = setTimeout(hideTyping, 6000);
  }
  function hideTyping() {
    clearTimeout(typingHide);
    const t = $('lc-typing');
    if (t.textContent) { t.textContent = ''; t.classList.remove('lc-on'); }
  }

  // ---- sending ----
  // The server's text rule (PROTOCOL.md): control characters other than
  // line feed and tab are refused, so they are dropped here (a CR of a
  // line break too), and a text that shows nothing is not sent.
  const sendable = s => s.replace(/\r\n?/g, '\n').replace(/[\0-\x08\x0B-\x1F\x7F-\x9F]/g, '');
  const shows = s => /[^\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(s);

  function submit() {
    const ta = $('lc-reply');
    const text = sendable(ta.value);
    if (!cur || !shows(text)) return;
    stopTyping();
    ta.value = '';
    const p = { cid: uuid(), text, conv: cur.id, thread: cur, note: noting() };
    if (p.note) myNotes.add(p.cid);
    p.el = msgEl({ sender: p.note ? 'note' : 'agent', authorName: (me && me.name) || 'You', text });
    p.el.classList.add('lc-pending');
    $('lc-thread').append(p.el);
    $('lc-thread').scrollTop = $('lc-thread').scrollHeight;
    cur.pending.set(p.cid, p);
    deliver(p);
  }

  function deliver(p) {
    if (!p.thread.pending.has(p.cid)) return;
    setState(p, 'sending');
    clearTimeout(p.timer);
    if (ready && !p.note) { // notes go by HTTP only
      const ref = 'r' + ++refN;
      refs.set(ref, p);
      p.ref = ref;
      wsSend({ type: 'send', ref, conversationId: p.conv, clientMessageId: p.cid, text: p.text });
      p.timer = setTimeout(() => httpSend(p), 10000);
    } else httpSend(p);
  }

  async function httpSend(p) {
    if (!p.thread.pending.has(p.cid) || p.http) return;
    p.http = true;
    p.ref = null;
    clearTimeout(p.timer);
    try {
      const r = await api('POST', 'conversations/' + enc(p.conv) + (p.note ? '/notes' : '/messages'), { clientMessageId: p.cid, text: p.text });
      onMessage({ conversationId: p.conv, message: r.message });
    } catch (e) {
      fail(p, e);
    }
    p.http = false;
  }

  function fail(p, err) {
    if (!p.thread.pending.has(p.cid)) return;
    clearTimeout(p.timer);
    p.ref = null;
    p.auto = !err.status || err.status >= 500 || err.status === 429;
    setState(p, 'failed');
    if (!p.auto) showError(err);
  }

  // ---- private notes ----
  // The composer writes a reply or, switched to Note, a private note that
  // only agents see; typing a note is not shown to the visitor.
  const noting = () => $('lc-mode-note').checked;
  const myNotes = new Set(); // client message ids of the notes written here: no alert for them
  function setMode() {
    const n = noting();
    if (n) stopTyping();
    $('lc-composer').classList.toggle('lc-noting', n);
    $('lc-reply-label').textContent = n ? 'Private note' : 'Reply';
    $('lc-reply').placeholder = n ? 'Write a private note… only agents see it' : 'Write a reply… (Enter sends, Shift+Enter for a new line)';
    $('lc-reply-send').textContent = n ? 'Add note' : 'Send';
  }

  // ---- typing out ----
  function onInput() {
    if (!cur || noting()) return;
    if (!$('lc-reply').value.trim()) { stopTyping(); return; }
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
    if (!cur) return;
    if (ready) wsSend({ type: 'typing', conversationId: cur.id, typing: on });
    else api('POST', 'conversations/' + enc(cur.id) + '/typing', { typing: on }).catch(() => {});
  }

  // ---- events ----
  function onMessage(f) {
    const m = f.message;
    if (!m) return;
    const id = f.conversationId || m.conversationId;
    if (!m.conversationId) m.conversationId = id;
    const c = convs.get(id);
    const reading = cur && cur.id === id && visible();
    if (!c) {
      refetchSoon(id);
      // Counted in the title until the list knows it (another filter's).
      const t = tally.get(id) || { unread: 0, lastSeq: 0, status: 'open' };
      if (m.seq > t.lastSeq) {
        t.lastSeq = m.seq;
        if (m.sender === 'visitor' && !reading) t.unread++;
        tally.set(id, t);
        if (m.sender === 'visitor') alertOf(id, m.attachment ? 'File: ' + m.attachment.name : m.text, m.seq);
        renderTitle();
      }
    } else if (!c.lastMessage || m.seq > (c.lastMessage.seq || 0)) {
      c.lastMessage = { seq: m.seq, sender: m.sender, text: m.text, createdAt: m.createdAt };
      c.lastSeq = Math.max(c.lastSeq || 0, m.seq);
      c.updatedAt = m.createdAt || c.updatedAt;
      if (m.sender === 'visitor' && !reading) c.unread = (c.unread || 0) + 1;
      if (m.sender === 'visitor') alertOf(id, m.attachment ? 'File: ' + m.attachment.name : m.text, m.seq);
      if (m.sender === 'note' && !myNotes.has(m.clientMessageId)) alertOf(id, 'Note from ' + (m.authorName || 'a colleague') + ': ' + m.text, m.seq);
      scheduleRender();
    }
    if (isNewVisitorMsg(m, id)) $('lc-announce').textContent = 'New message from ' + visitorLabel(c || {});
    if (cur && cur.id === id) { addMessage(m); markRead(); }
  }

  const announced = new Set();
  function isNewVisitorMsg(m, id) {
    if (m.sender !== 'visitor' || (cur && cur.id === id)) return false;
    const k = id + ':' + m.seq;
    if (announced.has(k)) return false;
    announced.add(k);
    return true;
  }

  function onRead(f) {
    const c = convs.get(f.conversationId);
    if (me && f.participant === 'agent:' + me.id) {
      if (c && f.seq >= (c.lastSeq || 0) && c.unread) { c.unread = 0; scheduleRender(); }
      const t = !c && tally.get(f.conversationId);
      if (t && f.seq >= t.lastSeq && t.unread) { t.unread = 0; renderTitle(); }
      if (cur && cur.id === f.conversationId && f.seq > (cur.sentRead || 0)) cur.sentRead = f.seq;
    } else if (f.participant === 'visitor' && cur && cur.id === f.conversationId && f.seq > cur.vRead) {
      cur.vRead = f.seq;
      updateReadStates();
    }
  }

  // Subscribing replays messages, not read marks: after a reconnect, fetch
  // the open thread's marks so that receipts sent meanwhile show.
  async function syncReads() {
    const t = cur;
    if (!t) return;
    try {
      const r = await api('GET', 'conversations/' + enc(t.id) + '/messages?after=' + t.mark + '&limit=1');
      if (cur === t) for (const rm of r.readMarks || []) onRead({ conversationId: t.id, participant: rm.participant, seq: rm.seq });
    } catch (e) { /* the next read event brings them */ }
  }

  function onFrame(f) {
    emit('lc-frame', f);
    switch (f.type) {
      case 'ready':
        ready = true;
        attempt = 0;
        $('lc-conn').textContent = '';
        loadList();
        subscribe();
        markRead();
        syncReads();
        if (cur) for (const p of cur.pending.values()) if (p.st === 'failed' && p.auto) deliver(p);
        break;
      case 'message': onMessage(f); break;
      case 'subscribed': if (cur && f.conversationId === cur.id) gap(cur, f.seq); break;
      case 'conversation': mergeConv(f.conversation); break;
      case 'survey': onSurvey(f); break;
      case 'read': onRead(f); break;
      case 'typing':
        if (cur && f.conversationId === cur.id && f.participant === 'visitor') {
          if (f.typing) showTyping(); else hideTyping();
        }
        break;
      case 'presence': {
        const a = agents.get(f.agentId) || { id: f.agentId, name: f.agentId };
        a.presence = f.presence;
        agents.set(a.id, a);
        if (me && f.agentId === me.id) { me.presence = f.presence; renderPresence(); }
        if (cur) renderAssign($('lc-assign').value);
        break;
      }
      case 'ack': {
        const p = refs.get(f.ref);
        refs.delete(f.ref);
        if (f.message) onMessage({ conversationId: f.message.conversationId || (p && p.conv), message: f.message });
        else if (p) httpSend(p);
        break;
      }
      case 'error': {
        const p = refs.get(f.ref);
        refs.delete(f.ref);
        if (p) {
          if (/^(unavailable|internal|rate_limited)$/.test(f.code)) httpSend(p);
          else fail(p, { status: 400, message: f.message || f.code });
        }
        break;
      }
    }
  }

  // ---- notifications ----
  // Desktop notifications and a short sound for a new conversation and for
  // a visitor's message, in conversations that are the agent's to answer
  // (assigned to them or to no one), while the tab is hidden or the
  // conversation is not the one open. The browser's permission is asked
  // only when the agent clicks "Turn on notifications"; the choice, and
  // the sound's, are remembered in this browser.
  const NOTIFY_KEY = 'livechat.inbox.notifications', SOUND_KEY = 'livechat.inbox.sound';
  const alerted = new Set(); // id:seq, or id:new for a new conversation: each alerted once
  // id -> {visitorName, status, assigneeId, asked}: what conversation events
  // and at most one request per conversation told, for the last 500.
  const known = new Map();
  let audio = null, chimedAt = 0;
  const store = {
    get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* storage refused: kept for this page only */ } },
  };
  const canNotify = () => typeof window.Notification === 'function';
  const notifyOn = () => canNotify() && Notification.permission === 'granted' && store.get(NOTIFY_KEY) === 'on';
  const soundOn = () => store.get(SOUND_KEY) !== 'off';

  function renderNotify() {
    const b = $('lc-notify'), note = $('lc-notify-note'), snd = $('lc-sound');
    snd.hidden = false;
    snd.setAttribute('aria-pressed', soundOn() ? 'true' : 'false');
    snd.title = soundOn() ? 'A sound plays for new conversations and messages. Click to mute it.' : 'Click to play a sound for new conversations and messages.';
    if (!canNotify()) { b.hidden = true; note.textContent = ''; return; }
    const perm = Notification.permission, on = notifyOn();
    b.hidden = false;
    b.textContent = on ? 'Turn off notifications' : 'Turn on notifications';
    // Asked for and refused: say so, and where to change it.
    note.textContent = perm === 'denied' && store.get(NOTIFY_KEY) === 'on' ?
      'Notifications are blocked for this site in the browser’s settings.' : '';
  }

  async function toggleNotify() {
    unlockAudio();
    if (notifyOn()) { store.set(NOTIFY_KEY, 'off'); renderNotify(); return; }
    let perm;
    // An older browser answers through a callback, not the promise.
    try { perm = await Notification.requestPermission(); } catch (e) { /* read below */ }
    perm = perm || Notification.permission;
    // Wanted even when refused: they work once the site settings allow them.
    if (perm === 'granted' || perm === 'denied') store.set(NOTIFY_KEY, 'on');
    renderNotify();
  }

  function toggleSound() {
    store.set(SOUND_KEY, soundOn() ? 'off' : 'on');
    unlockAudio();
    renderNotify();
  }

  // A page may start its audio only after the user interacted with it: the
  // context is made (or resumed) on the agent's first click or key.
  function unlockAudio() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC || !soundOn()) return;
    if (!audio) try { audio = new AC(); } catch (e) { return; }
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  }

  // chime plays two short sine tones, at most once every 1.5 seconds.
  function chime() {
    if (!soundOn() || !audio || audio.state !== 'running' || Date.now() - chimedAt < 1500) return;
    chimedAt = Date.now();
    const t = audio.currentTime, o = audio.createOscillator(), g = audio.createGain();
    o.type = 'sine';
    o.frequency.setValueAtTime(880, t);
    o.frequency.setValueAtTime(1175, t + 0.12);
    g.gain.setValueAtTime(0.0001, t);
    g.gain.exponentialRampToValueAtTime(0.15, t + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, t + 0.32);
    o.connect(g).connect(audio.destination);
    o.start(t);
    o.stop(t + 0.35);
  }

  // remember keeps what c (a conversation as the server sends it, or {})
  // tells of conversation id; the most recently seen 500 are kept.
  function remember(id, c) {
    let k = known.get(id);
    if (k) known.delete(id); else k = {};
    known.set(id, k);
    if (known.size > 500) known.delete(known.keys().next().value);
    if (c.status) { // a whole summary: it omits assigneeId when unassigned
      k.status = c.status;
      if (c.assigneeId) k.assigneeId = c.assigneeId; else delete k.assigneeId;
    }
    if (c.visitorName) k.visitorName = c.visitorName;
    return k;
  }

  // whoseConv answers a conversation's visitor's name and its assignment:
  // from the list or the conversation events when they tell, else from the
  // server, asked at most once per conversation (an event carries no
  // visitor). It answers null when neither tells the assignment. Alerts of
  // one conversation wait on the same answer, so they are shown in the
  // order their events came.
  function whoseConv(id) {
    const view = () => {
      const c = convs.get(id), k = known.get(id);
      if (c) return Object.assign({}, c, { visitorName: c.visitorName || (k && k.visitorName) });
      return k && k.status ? Object.assign({}, k) : null;
    };
    const v = view();
    if (v && (v.visitorName || !isMine(v))) return Promise.resolve(v);
    const k = remember(id, {});
    if (!k.asked) k.asked = api('GET', 'conversations/' + enc(id)).then(r => { remember(id, r.conversation || {}); return true; }, () => false);
    return k.asked.then(() => view());
  }

  // isMine reports whether c is open and assigned to this agent or to no one.
  const isMine = c => c.status !== 'closed' && !(c.assigneeId && (!me || c.assigneeId !== me.id));

  // alertOf notifies of a visitor's message (text, seq) or, with no text,
  // of a new conversation.
  function alertOf(id, text, seq) {
    if (!notifyOn() && !soundOn()) return;
    if (cur && cur.id === id && visible()) return;
    const k = id + ':' + seq;
    if (alerted.has(k)) return;
    alerted.add(k);
    if (alerted.size > 1000) alerted.delete(alerted.values().next().value); // the oldest: an inbox open for days stays small
    whoseConv(id).then(c => {
      if (!c || !c.status || !isMine(c)) return;
      if (cur && cur.id === id && visible()) return;
      chime();
      if (!notifyOn()) return;
      const body = text ? (text.length > 100 ? text.slice(0, 100).trimEnd() + '…' : text) : 'New conversation';
      let n;
      try {
        n = new Notification(c.visitorName || 'Visitor', { body, tag: 'livechat-' + id, lang: doc.documentElement.lang || 'en' });
      } catch (e) { return; } // a browser that shows notifications only from a service worker
      n.onclick = () => {
        window.focus();
        n.close();
        openConv(id);
      };
    });
  }

  // ---- WebSocket with reconnect ----
  function wsSend(f) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(f)); }
  function subscribe() { if (ready && cur) wsSend({ type: 'subscribe', conversationId: cur.id, after: cur.mark }); }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (ws) return;
    let s;
    try { s = new WebSocket(WS_URL); } catch (e) { dropped(null); return; }
    ws = s;
    s.onopen = () => { lastFrame = Date.now(); };
    s.onmessage = ev => {
      lastFrame = Date.now();
      // One message may hold several frames, one per line (batch=1).
      for (const line of String(ev.data).split('\n')) {
        let f;
        try { f = JSON.parse(line); } catch (e) { continue; }
        if (f && typeof f === 'object') onFrame(f);
      }
    };
    s.onclose = () => { if (ws === s) dropped(s); };
  }

  function dropped(s) {
    ws = null;
    ready = false;
    if (s) { s.onclose = s.onmessage = null; try { s.close(); } catch (e) { /* already closed */ } }
    for (const p of refs.values()) if (p.st === 'sending') httpSend(p);
    refs.clear();
    if (cur) cur.sentRead = 0; // a read frame written to a dead socket is lost: send the mark again
    $('lc-conn').textContent = 'Reconnecting…';
    reconnectTimer = setTimeout(connect, backoff(attempt++));
  }

  setInterval(() => {
    if (!ready) return;
    if (Date.now() - lastFrame > 45000) dropped(ws);
    else wsSend({ type: 'ping' });
  }, 25000);

  // ---- presence ----
  function renderPresence() {
    const b = $('lc-presence');
    const on = me && me.presence === 'available';
    b.hidden = false;
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.textContent = on ? 'Available' : 'Away';
    b.title = on ? 'You receive new conversations. Click to go away.' : 'Click to become available.';
  }

  async function togglePresence() {
    const next = me.presence === 'available' ? 'away' : 'available';
    try {
      const r = await api('PUT', 'presence', { presence: next });
      me = Object.assign(me, r.agent || { presence: next });
      renderPresence();
    } catch (e) { showError(e); }
  }

  async function action(path, body) {
    if (!cur) return;
    try {
      const r = await api('POST', 'conversations/' + enc(cur.id) + '/' + path, body);
      mergeConv(r.conversation);
    } catch (e) { showError(e); }
  }

  function signedOut() {
    $('lc-app').hidden = true;
    $('lc-presence').hidden = true;
    $('lc-signin').hidden = false;
    clearTimeout(reconnectTimer);
    if (ws) { const s = ws; ws = null; s.onclose = null; s.close(); }
  }

  // ---- wiring ----
  function wire() {
    $('lc-composer').addEventListener('submit', e => { e.preventDefault(); submit(); });
    $('lc-reply').addEventListener('keydown', e => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
    });
    // Some synthetic key sequences deliver the Enter character separately.
    $('lc-reply').addEventListener('keypress', e => { if (e.key === 'Enter' && !e.shiftKey) e.preventDefault(); });
    $('lc-reply').addEventListener('input', onInput);
    $('lc-attach').addEventListener('click', () => $('lc-file').click());
    $('lc-file').addEventListener('change', uploadFile);
    for (const r of doc.querySelectorAll('[name=lc-mode]')) r.addEventListener('change', setMode);
    $('lc-presence').addEventListener('click', togglePresence);
    $('lc-notify').addEventListener('click', toggleNotify);
    $('lc-sound').addEventListener('click', toggleSound);
    doc.addEventListener('pointerdown', unlockAudio, true);
    doc.addEventListener('keydown', unlockAudio, true);
    $('lc-assign-me').addEventListener('click', () => action('assign', { agentId: me.id }));
    $('lc-assign').addEventListener('change', e => action('assign', { agentId: e.target.value }));
    $('lc-close').addEventListener('click', () => action('close', {}));
    $('lc-back').addEventListener('click', closeThread);
    $('lc-more').addEventListener('click', loadMore);
    doc.addEventListener('lc-open', e => openConv(e.detail));
    doc.addEventListener('lc-contact', e => {
      for (const c of convs.values()) {
        if (c.visitorId !== e.detail.visitorId) continue;
        c.visitorName = e.detail.visitorName;
        if (c.visitor) c.visitor.contact = e.detail.contact;
      }
      renderHead();
      scheduleRender();
    });

    const tabs = [...doc.querySelectorAll('.lc-tabs [role=tab]')];
    tabs.forEach((t, i) => {
      t.addEventListener('click', () => setFilter(t.dataset.filter));
      t.addEventListener('keydown', e => {
        const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
        if (j === undefined) return;
        e.preventDefault();
        setFilter(tabs[(j + tabs.length) % tabs.length].dataset.filter, true);
      });
    });

    // Arrow keys move between conversation rows.
    $('lc-list').addEventListener('keydown', e => {
      const rows = [...doc.querySelectorAll('.lc-conv')];
      const i = rows.indexOf(doc.activeElement);
      if (i < 0) return;
      const j = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: rows.length - 1 }[e.key];
      if (j === undefined || !rows[j]) return;
      e.preventDefault();
      rows[j].focus();
    });

    doc.addEventListener('keydown', e => {
      if (e.key === 'Escape' && cur && doc.body.classList.contains('lc-thread-open') && matchMedia('(max-width: 720px)').matches) closeThread();
    });
    doc.addEventListener('visibilitychange', () => {
      if (!visible()) return;
      markRead();
      if (reconnectTimer && !ws) connect();
    });
    window.addEventListener('online', () => { if (reconnectTimer && !ws) connect(); });
  }

  async function init() {
    wire();
    try {
      me = (await api('GET', 'me')).agent;
    } catch (e) {
      if (e.status === 401 || e.status === 403) signedOut();
      else showError(e);
      return;
    }
    if (!me) { signedOut(); return; }
    $('lc-me').textContent = me.name || me.id;
    $('lc-chatflows').hidden = !(me.permissions || []).includes('manage_chatflows');
    $('lc-team').hidden = !(me.permissions || []).includes('manage_team');
    renderPresence();
    renderNotify();
    try {
      navigator.permissions.query({ name: 'notifications' }).then(st => { st.onchange = renderNotify; }, () => {});
    } catch (e) { /* no Permissions API: the state is read again on each click */ }
    $('lc-app').hidden = false;
    try {
      for (const a of (await api('GET', 'agents')).agents || []) agents.set(a.id, a);
    } catch (e) { /* the dropdown then lists only you */ }
    loadList();
    connect();
  }

  Object.assign(ext, { api, h, agents, openConv, me: () => me, reload: () => setFilter(filter), action, showError });
  init();
})();
