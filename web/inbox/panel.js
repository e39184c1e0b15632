/* golivechat inbox side panel: what is known about the open conversation's
 * visitor (pages, chatflow, contact, consent, rating, earlier
 * conversations), and the contact's edit form. It follows inbox.js through
 * document events: "lc-thread" (a thread opened: detail.id, or null when
 * closed) and "lc-frame" (every live frame); it asks inbox.js to open a
 * conversation with "lc-open" and tells it a contact changed with
 * "lc-contact". All text is inserted as text nodes, never as markup. */
(() => {
  'use strict';

  const doc = document;
  const src = (doc.currentScript && doc.currentScript.src) || location.href;
  const API = new URL('../', src).href + 'api/v1/agent/';
  const $ = id => doc.getElementById(id);
  const enc = encodeURIComponent;
  const KEY = 'livechat.inbox.panel';
  const WIDE = '(min-width: 1180px)';
  const RO_ALL = 4;

  let cur = null;        // the open conversation's id
  let data = null;       // the last answer for it
  let editing = false;
  let agents = null;     // id -> name, loaded once
  let refreshTimer = null;

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

  async function api(method, path, body, headers) {
    const o = { method, credentials: 'same-origin', headers: headers || {} };
    if (body !== undefined) {
      o.headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(body);
    }
    const r = await fetch(API + path, o);
    const j = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error((j.error && j.error.message) || 'HTTP ' + r.status);
      e.status = r.status;
      e.fields = (j.error && j.error.fields) || [];
      throw e;
    }
    return j;
  }

  const store = {
    get() { try { return localStorage.getItem(KEY); } catch (e) { return null; } },
    set(v) { try { localStorage.setItem(KEY, v); } catch (e) { /* kept for this page */ } },
  };
  const fmt = iso => { const d = new Date(iso); return isNaN(d) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }); };
  const agentName = id => (agents && agents.get(id)) || id;
  // link shows a URL as text, a link only for http(s).
  const link = u => /^https?:[/][/]/i.test(u)
    ? h('a', { href: u, target: '_blank', rel: 'noopener noreferrer nofollow', text: u })
    : h('span', { text: u });

  // ---- open and close ----
  function isOpen() {
    const s = store.get();
    return s ? s === 'open' : matchMedia(WIDE).matches;
  }
  function renderToggle() {
    const open = !!cur && isOpen();
    $('lc-panel').hidden = !open;
    const t = $('lc-panel-toggle');
    t.setAttribute('aria-expanded', open ? 'true' : 'false');
    t.textContent = open ? 'Hide details' : 'Details';
  }
  function toggle() {
    const open = !isOpen();
    store.set(open ? 'open' : 'closed');
    renderToggle();
    if (open) $('lc-panel-title').focus();
  }

  // ---- loading ----
  async function load(id) {
    try {
      if (!agents) {
        agents = new Map();
        try { for (const a of (await api('GET', 'agents')).agents || []) agents.set(a.id, a.name || a.id); } catch (e) { /* owners shown by id */ }
      }
      const d = await api('GET', 'conversations/' + enc(id) + '/visitor');
      if (cur !== id || JSON.stringify(d) === JSON.stringify(data)) return; // unchanged: nothing moves under the reader
      data = d;
      render();
    } catch (e) {
      if (cur === id) { data = null; $('lc-panel-body').replaceChildren(h('p', { class: 'lc-panel-error', role: 'alert', text: 'Could not load the details: ' + e.message })); }
    }
  }
  function refreshSoon() {
    clearTimeout(refreshTimer);
    const id = cur;
    refreshTimer = setTimeout(() => { if (cur === id && !editing) load(id); }, 1500);
  }

  // ---- rendering ----
  function section(title, ...kids) {
    return h('section', { class: 'lc-panel-sec' }, h('h3', { text: title }), ...kids);
  }
  function pairs(list) {
    const dl = h('dl', { class: 'lc-panel-dl' });
    for (const [k, v] of list) dl.append(h('dt', { text: k }), h('dd', {}, v == null || v === '' ? '—' : v));
    return dl;
  }

  function render() {
    if (!data) return;
    // A refresh keeps the keyboard where it was.
    const a = doc.activeElement, keep = a && $('lc-panel-body').contains(a) && (a.id || a.dataset.id);
    const d = data, v = d.visitor || {};
    const pages = h('ol', { class: 'lc-panel-pages' });
    for (const p of (d.pages || []).slice().reverse()) pages.append(h('li', {}, link(p.url), ' ', h('time', { datetime: p.at, text: fmt(p.at) })));
    const earlier = h('ul', { class: 'lc-panel-convs' });
    for (const c of d.conversations || []) {
      earlier.append(h('li', {}, h('button', {
        type: 'button', class: 'lc-panel-conv', 'data-id': c.id,
        onclick: () => doc.dispatchEvent(new CustomEvent('lc-open', { detail: c.id })),
      }, (c.status === 'closed' ? 'Closed' : 'Open') + ' · ' + fmt(c.createdAt) + ' · ' + c.lastSeq + (c.lastSeq === 1 ? ' message' : ' messages'))));
    }
    const consents = h('ul', { class: 'lc-panel-list' });
    for (const r of d.consents || []) consents.append(h('li', { text: consentName(r.kind) + ': ' + (r.granted ? 'given' : 'withdrawn') + ' · ' + fmt(r.at) }));
    const body = $('lc-panel-body');
    const contactSec = section('Contact', editing ? $('lc-contact-form') : contactView(d.contact));
    contactSec.id = 'lc-panel-contact';
    body.replaceChildren(
      section('Visitor', pairs([
        ['Current page', v.pageUrl ? link(v.pageUrl) : ''],
        ['Language', v.language],
        ['Last seen', v.lastSeenAt ? fmt(v.lastSeenAt) : ''],
      ])),
      section('Pages in this conversation', (d.pages || []).length ? pages : h('p', { class: 'lc-panel-none', text: 'None recorded.' })),
      section('Chatflow', h('p', { text: d.chatflow ? d.chatflow.name : 'None' })),
      contactSec,
      section('Consent', consents.children.length ? consents : h('p', { class: 'lc-panel-none', text: 'No records.' })),
      section('Rating', surveyView(d.survey)),
      section('Earlier conversations', earlier.children.length ? earlier : h('p', { class: 'lc-panel-none', text: 'None.' })));
    const back = keep && ($(keep) || body.querySelector('[data-id="' + CSS.escape(keep) + '"]'));
    if (back) back.focus();
  }

  function consentName(k) {
    if (k === 'cookies') return 'Cookies';
    if (k === 'processing') return 'Data processing';
    return k.startsWith('communication:') ? 'Messages: ' + k.slice(14) : k;
  }

  function surveyView(s) {
    const e = h('p', { id: 'lc-panel-survey' });
    if (!s) e.textContent = 'Not rated.';
    else e.append(h('span', { class: 'lc-panel-stars', 'aria-hidden': 'true', text: '★'.repeat(s.rating) + '☆'.repeat(5 - s.rating) }),
      ' ' + s.rating + ' of 5' + (s.comment ? ': “' + s.comment + '”' : ''));
    return e;
  }

  function contactView(c) {
    const wrap = h('div', {});
    if (!c) {
      wrap.append(h('p', { class: 'lc-panel-none', text: 'No contact yet.' }),
        h('button', { type: 'button', id: 'lc-contact-edit', onclick: () => startEdit(), text: 'Add contact' }));
      return wrap;
    }
    const props = Object.keys(c.properties || {}).sort().map(k => [k, c.properties[k]]);
    wrap.append(pairs([
      ['Name', c.name],
      ['Email', c.email],
      ['Verified', c.verified ? 'Yes, by the site' : 'No'],
      ['Owner', c.ownerId ? agentName(c.ownerId) : ''],
      ...props,
    ]));
    if ((c.readOnly || []).length >= RO_ALL) {
      wrap.append(h('p', { class: 'lc-panel-note', text: 'This visitor typed the address of a contact the site verified: it cannot be edited here.' }));
    } else {
      wrap.append(h('button', { type: 'button', id: 'lc-contact-edit', onclick: () => startEdit(), text: 'Edit contact' }));
    }
    return wrap;
  }

  // ---- editing the contact ----
  function field(name, label, input, hint) {
    input.id = 'lc-cf-' + name;
    input.name = name;
    const err = h('p', { id: 'lc-cf-' + name + '-err', class: 'lc-cf-err', hidden: true });
    input.setAttribute('aria-describedby', err.id + (hint ? ' lc-cf-' + name + '-hint' : ''));
    return h('div', { class: 'lc-cf-row' }, h('label', { for: input.id, text: label }), input,
      hint ? h('p', { id: 'lc-cf-' + name + '-hint', class: 'lc-cf-hint', text: hint }) : null, err);
  }

  function startEdit() {
    const c = (data && data.contact) || { name: '', email: '', ownerId: '', properties: {}, readOnly: [] };
    const ro = new Set(c.readOnly || []);
    const owner = h('select', {}, h('option', { value: '', text: 'No owner' }));
    for (const [id, name] of agents || []) owner.append(h('option', { value: id, text: name }));
    if (c.ownerId && !(agents && agents.has(c.ownerId))) owner.append(h('option', { value: c.ownerId, text: c.ownerId }));
    owner.value = c.ownerId || '';
    const props = h('textarea', { rows: 3, spellcheck: 'false' });
    props.value = Object.keys(c.properties || {}).sort().map(k => k + ' = ' + c.properties[k]).join('\n');
    const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 200, readonly: ro.has('name') });
    name.value = c.name || '';
    const email = h('input', { type: 'email', autocomplete: 'off', readonly: ro.has('email') });
    email.value = c.email || '';
    const form = h('form', { id: 'lc-contact-form', class: 'lc-contact-form', novalidate: true, 'aria-label': 'Edit contact' },
      h('p', { id: 'lc-cf-status', class: 'lc-cf-status', role: 'alert' }),
      field('name', 'Name', name, ro.has('name') ? 'Set by the site.' : null),
      field('email', 'Email', email, ro.has('email') ? 'Set by the site.' : null),
      field('ownerId', 'Owner', owner),
      field('properties', 'Properties', props, 'One per line: name = value'),
      h('div', { class: 'lc-cf-actions' },
        h('button', { type: 'submit', class: 'lc-cf-save', text: 'Save' }),
        h('button', { type: 'button', onclick: cancelEdit, text: 'Cancel' })));
    form.addEventListener('submit', e => { e.preventDefault(); save(form, c); });
    form.addEventListener('keydown', e => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancelEdit(); } });
    editing = true;
    $('lc-panel-contact').replaceChildren(h('h3', { text: 'Contact' }), form);
    (ro.has('name') ? owner : name).focus();
  }

  function cancelEdit() {
    editing = false;
    render();
    const b = $('lc-contact-edit');
    if (b) b.focus();
  }

  function showErrors(form, fields, msg) {
    for (const p of form.querySelectorAll('.lc-cf-err')) { p.hidden = true; p.textContent = ''; }
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    let first = null;
    for (const f of fields) {
      const key = f.path.split('.')[0];
      const input = form.elements[key], err = $('lc-cf-' + key + '-err');
      if (!input || !err) continue;
      input.setAttribute('aria-invalid', 'true');
      err.textContent += (err.textContent ? ' ' : '') + (f.path.includes('.') ? f.path.slice(key.length + 1) + ': ' : '') + f.message;
      err.hidden = false;
      first = first || input;
    }
    const st = $('lc-cf-status');
    st.replaceChildren(msg || '');
    return first;
  }

  async function save(form, c) {
    const props = {}, bad = [];
    form.elements.properties.value.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const at = line.indexOf('=');
      if (at < 1) { bad.push({ path: 'properties', message: 'line ' + (i + 1) + ' needs name = value' }); return; }
      props[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    });
    if (bad.length) { (showErrors(form, bad, 'Please correct the highlighted fields.') || form).focus(); return; }
    const body = { name: form.elements.name.value, email: form.elements.email.value, ownerId: form.elements.ownerId.value, properties: props };
    const id = cur, btn = form.querySelector('.lc-cf-save');
    btn.disabled = true;
    try {
      const r = await api('PUT', 'conversations/' + enc(id) + '/contact', body, c.version ? { 'If-Match': '"' + c.version + '"' } : {});
      if (cur !== id) return;
      data.contact = r.contact;
      editing = false;
      render();
      $('lc-panel-announce').textContent = 'Contact saved.';
      const b = $('lc-contact-edit');
      if (b) b.focus();
      doc.dispatchEvent(new CustomEvent('lc-contact', { detail: { visitorId: data.visitor && data.visitor.id, visitorName: r.visitorName, contact: r.contact } }));
    } catch (e) {
      btn.disabled = false;
      if (e.status === 409) {
        showErrors(form, [], '');
        $('lc-cf-status').append(e.message + ' ', h('button', { type: 'button', onclick: () => { editing = false; load(id); }, text: 'Reload contact' }));
        $('lc-cf-status').querySelector('button').focus();
      } else {
        const first = showErrors(form, e.fields, e.fields.length ? 'Please correct the highlighted fields.' : e.message);
        (first || form.elements.name).focus();
      }
    }
  }

  // ---- following the inbox ----
  doc.addEventListener('lc-thread', e => {
    const id = e.detail && e.detail.id;
    if (id === cur) return;
    cur = id || null;
    data = null;
    editing = false;
    $('lc-panel-body').replaceChildren();
    renderToggle();
    if (cur) load(cur);
  });
  doc.addEventListener('lc-frame', e => {
    const f = e.detail;
    if (!cur || !f || f.conversationId !== cur) return;
    if (f.type === 'survey' && data) {
      data.survey = f.survey;
      const s = $('lc-panel-survey');
      if (s) s.replaceWith(surveyView(f.survey));
      $('lc-panel-announce').textContent = 'The visitor rated the conversation ' + f.survey.rating + ' of 5.';
    } else if (f.type === 'message' || f.type === 'conversation') refreshSoon();
  });
  $('lc-panel-toggle').addEventListener('click', toggle);
  const hide = () => { store.set('closed'); renderToggle(); $('lc-panel-toggle').focus(); };
  $('lc-panel-close').addEventListener('click', hide);
  // Escape closes the panel where it lies over the thread.
  $('lc-panel').addEventListener('keydown', e => {
    if (e.key === 'Escape' && !matchMedia(WIDE).matches) { e.stopPropagation(); hide(); }
  });
  matchMedia(WIDE).addEventListener('change', renderToggle);
  // Page views bring no event: while the panel shows, it asks again now
  // and then, so that the visitor's current page stays current.
  setInterval(() => { if (cur && !editing && !$('lc-panel').hidden && doc.visibilityState === 'visible') load(cur); }, 20000);
})();
