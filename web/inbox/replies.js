/* golivechat inbox saved replies: typing "/" in the composer lists the
 * team's saved replies, filtered by what follows it (arrows move, Enter or
 * Tab picks, Escape closes); the picked reply's text takes the place of
 * "/shortcut", to edit before sending. Agents allowed to manage them
 * (canManage) get a "Saved replies" dialog to create, edit and delete
 * them. All text is inserted as text nodes, never as markup. */
(() => {
  'use strict';

  const doc = document;
  const src = (doc.currentScript && doc.currentScript.src) || location.href;
  const API = new URL('../', src).href + 'api/v1/agent/';
  const $ = id => doc.getElementById(id);
  const enc = encodeURIComponent;
  const MAX_SHOWN = 8;

  let replies = [];   // as the server listed them, by shortcut
  let fetched = null; // the list's pending or last fetch
  let shown = [];     // the replies the picker shows
  let active = -1;    // the highlighted one
  let token = null;   // {start, end} of "/query" in the composer

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
    for (const c of kids) if (c != null && c !== false) e.append(c);
    return e;
  }

  async function api(method, path, body) {
    const o = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      o.headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(body);
    }
    const r = await fetch(API + path, o);
    const j = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error((j.error && j.error.message) || 'HTTP ' + r.status);
      e.status = r.status;
      throw e;
    }
    return j;
  }

  // load reads the list again: each time the picker opens, so that what
  // a colleague changed shows.
  function load() {
    return fetched = api('GET', 'replies').then(r => {
      replies = r.replies || [];
      $('lc-replies-manage').hidden = !r.canManage;
      return replies;
    }, () => replies);
  }

  // ---- the picker ----
  const ta = () => $('lc-reply');
  const isOpen = () => !$('lc-replies').hidden;

  // query finds "/word" ending at the caret, at the start or after a space.
  function query() {
    const t = ta(), end = t.selectionEnd;
    if (t.selectionStart !== end) return null;
    const m = /(^|\s)\/([A-Za-z0-9_-]*)$/.exec(t.value.slice(0, end));
    return m ? { start: end - m[2].length - 1, end, q: m[2].toLowerCase() } : null;
  }

  function onInput() {
    const q = query();
    if (!q) { close(); return; }
    const first = !token;
    token = q;
    render();
    if (first) load().then(() => { if (token) render(); });
  }

  function render() {
    // Shortcuts that start with the query, then those that hold it, then,
    // from three letters on, texts that hold it.
    const q = token.q, rank = r => r.shortcut.startsWith(q) ? 0 : r.shortcut.includes(q) ? 1 : q.length > 2 && r.text.toLowerCase().includes(q) ? 2 : 3;
    shown = replies.map(r => [rank(r), r]).filter(x => x[0] < 3).sort((a, b) => a[0] - b[0]).map(x => x[1]).slice(0, MAX_SHOWN);
    const ul = $('lc-replies');
    ul.textContent = '';
    shown.forEach((r, i) => {
      ul.append(h('li', {
        id: 'lc-reply-opt-' + i, role: 'option', class: 'lc-reply-opt', 'aria-selected': 'false',
        onmousedown: e => e.preventDefault(), // the composer keeps the focus
        onclick: () => pick(i),
      }, h('span', { class: 'lc-reply-short', text: '/' + r.shortcut }), h('span', { class: 'lc-reply-text', text: r.text })));
    });
    if (!shown.length) ul.append(h('li', { class: 'lc-reply-none', role: 'option', 'aria-disabled': 'true', text: replies.length ? 'No saved reply matches' : 'No saved replies yet' }));
    ul.hidden = false;
    ta().setAttribute('aria-controls', 'lc-replies');
    setActive(shown.length ? 0 : -1);
    $('lc-replies-announce').textContent = shown.length ? shown.length + ' saved ' + (shown.length === 1 ? 'reply' : 'replies') + ', arrows to choose, Enter to insert' : '';
  }

  function setActive(i) {
    active = i;
    const opts = $('lc-replies').querySelectorAll('.lc-reply-opt');
    opts.forEach((o, j) => o.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    if (i >= 0 && opts[i]) {
      ta().setAttribute('aria-activedescendant', opts[i].id);
      opts[i].scrollIntoView({ block: 'nearest' });
    } else ta().removeAttribute('aria-activedescendant');
  }

  function close() {
    token = null;
    shown = [];
    $('lc-replies').hidden = true;
    $('lc-replies').textContent = '';
    ta().removeAttribute('aria-activedescendant');
    ta().removeAttribute('aria-controls');
  }

  function pick(i) {
    const r = shown[i], tk = token;
    if (!r || !tk) return;
    const t = ta();
    t.setRangeText(r.text, tk.start, tk.end, 'end');
    close();
    t.focus();
    t.dispatchEvent(new Event('input', { bubbles: true }));
    $('lc-replies-announce').textContent = 'Inserted /' + r.shortcut + '. Edit it, then send.';
  }

  // keys run before the composer's own (capture on its form): while the
  // list shows, Enter picks instead of sending and Escape only closes it.
  function onKey(e) {
    if (e.target !== ta() || !isOpen()) return;
    const n = shown.length;
    let stop = true;
    if (e.key === 'ArrowDown' && n) setActive((active + 1) % n);
    else if (e.key === 'ArrowUp' && n) setActive((active - 1 + n) % n);
    else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && active >= 0) pick(active);
    else if (e.key === 'Escape') close();
    else stop = false;
    if (stop) { e.preventDefault(); e.stopPropagation(); }
  }

  // ---- managing them ----
  let editing = null; // the reply being edited, or null for a new one

  function renderManage() {
    const ul = $('lc-replies-list');
    ul.textContent = '';
    for (const r of replies) {
      ul.append(h('li', { class: 'lc-replies-item' },
        h('span', { class: 'lc-reply-short', text: '/' + r.shortcut }),
        h('span', { class: 'lc-reply-text', text: r.text }),
        h('span', { class: 'lc-replies-buttons' },
          h('button', { type: 'button', text: 'Edit', 'aria-label': 'Edit /' + r.shortcut, onclick: () => edit(r) }),
          h('button', { type: 'button', class: 'lc-danger', text: 'Delete', 'aria-label': 'Delete /' + r.shortcut, onclick: () => remove(r) }))));
    }
    $('lc-replies-empty').hidden = replies.length > 0;
  }

  function edit(r) {
    editing = r;
    $('lc-replies-form-title').textContent = r ? 'Edit /' + r.shortcut : 'New saved reply';
    $('lc-replies-shortcut').value = r ? r.shortcut : '';
    $('lc-replies-text').value = r ? r.text : '';
    $('lc-replies-error').textContent = '';
    $('lc-replies-shortcut').focus();
  }

  async function save(e) {
    e.preventDefault();
    const body = { shortcut: $('lc-replies-shortcut').value.trim().toLowerCase(), text: $('lc-replies-text').value.replace(/\r\n?/g, '\n') };
    try {
      if (editing) await api('PUT', 'replies/' + enc(editing.id), body);
      else await api('POST', 'replies', body);
      $('lc-replies-status').textContent = 'Saved /' + body.shortcut + '.';
      await load();
      renderManage();
      edit(null);
    } catch (err) {
      $('lc-replies-error').textContent = err.message;
    }
  }

  async function remove(r) {
    if (!confirm('Delete the saved reply /' + r.shortcut + '?')) return;
    try {
      await api('DELETE', 'replies/' + enc(r.id));
      $('lc-replies-status').textContent = 'Deleted /' + r.shortcut + '.';
      if (editing && editing.id === r.id) edit(null);
    } catch (err) {
      $('lc-replies-error').textContent = err.message;
    }
    await load();
    renderManage();
  }

  async function openManage() {
    await load();
    renderManage();
    $('lc-replies-dialog').showModal();
    edit(null);
  }

  function wire() {
    const t = ta();
    if (!t) return;
    t.addEventListener('input', onInput);
    t.addEventListener('click', onInput);
    t.addEventListener('blur', () => setTimeout(() => { if (doc.activeElement !== ta()) close(); }, 0));
    $('lc-composer').addEventListener('keydown', onKey, true);
    $('lc-composer').addEventListener('submit', close);
    $('lc-replies-manage').addEventListener('click', openManage);
    $('lc-replies-form').addEventListener('submit', save);
    $('lc-replies-new').addEventListener('click', () => edit(null));
    $('lc-replies-done').addEventListener('click', () => $('lc-replies-dialog').close());
    load();
  }

  wire();
})();
