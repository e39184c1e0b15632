/* golivechat chatflow editor: the shell. Plain JavaScript, no dependencies,
 * no build step. Speaks the admin endpoints of PROTOCOL.md with the host's
 * own cookies; all text is inserted as text, never as markup.
 *
 * window.LCEditor is the contract with the tab scripts loaded after this
 * one (all deferred, so the shell starts once every tab has registered):
 *   h(tag, attrs, ...children)  DOM builder; attrs "text" sets textContent,
 *                               "on<event>" adds a listener, "value" and
 *                               "checked" set the property
 *   tab(id, {label, order, render(el, draft, changed)})
 *                               registers a tab; render runs on an empty
 *                               container whenever the tab is shown or the
 *                               draft replaced; controls carry data-path
 *   showErrors(fields)          server field errors next to their controls
 *   directory()                 promise of {agents, teams} for pickers
 *   colorField(el, draft, changed)  the accent colour with its contrast rule
 *   field(label, control, hint) a labelled row for a control
 *   texts(language)             promise of GET admin/texts: the default
 *                               texts of a language, for "reset to default"
 *   api(method, path, body, version)  a call to <mount>api/v1/<path> with
 *                               If-Match when version is given; an error
 *                               answer rejects with its status, code and
 *                               fields
 *   form                        (build.js) text, number, check, choice,
 *                               radios, list and people: bound controls
 * and, when other scripts set them, previewPane(el) -> {update, device}
 * (the shell draws the Desktop / Tablet / Phone switch above the pane and
 * calls device), needsSetup(list) and setup(el, list, done). */
(() => {
  'use strict';

  const doc = document;
  const src = (doc.currentScript && doc.currentScript.src) || location.href;
  // editor.js lives at <mount>inbox/editor.js, so the mount is one level up.
  const BASE = new URL('../', src).href;
  const $ = id => doc.getElementById(id);
  const enc = encodeURIComponent;
  const PROPS = ['value', 'checked', 'selected', 'indeterminate'];

  // ---- DOM ----
  function h(tag, attrs, ...kids) {
    const e = doc.createElement(tag);
    const props = [];
    for (const k in attrs) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (PROPS.includes(k)) props.push(k);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids.flat()) if (c != null && c !== false) e.append(c); // strings become text nodes
    for (const k of props) e[k] = attrs[k]; // after the children: a select needs its options first
    return e;
  }

  let uid = 0;
  const newId = p => (p || 'lce') + '-' + (++uid);

  // field is a labelled row: the label names control (given an id when it
  // has none), hint describes it.
  function field(label, control, hint) {
    if (!control.id) control.id = newId('lce-f');
    const row = h('div', { class: 'lce-field' }, h('label', { for: control.id, text: label }), control);
    if (hint) {
      const hid = newId('lce-hint');
      row.append(h('p', { class: 'lce-hint', id: hid, text: hint }));
      control.setAttribute('aria-describedby', hid);
    }
    return row;
  }

  // ---- server ----
  async function api(method, path, body, version) {
    const o = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      o.headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(body);
    }
    if (version) o.headers['If-Match'] = '"' + version + '"';
    let r;
    try {
      r = await fetch(BASE + 'api/v1/' + path, o);
    } catch (err) {
      throw Object.assign(new Error('The server cannot be reached. Check your connection and try again.'), { status: 0, fields: [] });
    }
    const j = r.status === 204 ? {} : await r.json().catch(() => ({}));
    if (!r.ok) {
      const er = j.error || {};
      throw Object.assign(new Error(er.message || 'HTTP ' + r.status), { status: r.status, code: er.code, fields: er.fields || [] });
    }
    return j;
  }
  const conflict = e => e.status === 409 || e.status === 412;

  let dirPromise = null;
  function directory() {
    if (!dirPromise) {
      const teams = api('GET', 'agent/teams').then(j => j.teams || [], e => { if (e.status === 404) return []; throw e; });
      dirPromise = Promise.all([api('GET', 'agent/agents').then(j => j.agents || []), teams])
        .then(([agents, teams]) => ({ agents, teams }), e => { dirPromise = null; throw e; });
    }
    return dirPromise;
  }

  // texts is a promise of the visitor-facing texts of a language as a
  // chatflow whose own text is empty shows them (GET admin/texts).
  const textCache = new Map();
  function texts(lang) {
    const k = lang || 'en';
    if (!textCache.has(k)) textCache.set(k, api('GET', 'admin/texts?language=' + enc(k)).catch(e => { textCache.delete(k); throw e; }));
    return textCache.get(k);
  }

  // ---- status line and dialogs ----
  // status says what just happened in the live region at the top, which
  // stays in the page (empty, it takes no room) so that readers hear it.
  function status(text) {
    $('lce-status').textContent = text || '';
  }

  // dialog shows a modal with a title, content and buttons; resolves with
  // the value of the button chosen (or undefined on Escape). form makes it
  // a form whose submit resolves with the form's own result function.
  function dialog(title, content, buttons, onSubmit) {
    const d = $('lce-dialog');
    return new Promise(resolve => {
      const done = v => { d.onclose = null; if (d.open) d.close(); resolve(v); };
      const form = h('form', { method: 'dialog', class: 'lce-dialog-form' },
        h('h2', { id: 'lce-dialog-title', text: title }), content,
        h('div', { class: 'lce-actions' }, buttons.map(b => h('button', {
          type: b.submit ? 'submit' : 'button', class: b.class, 'data-choice': b.value,
          text: b.label, onclick: b.submit ? null : () => done(b.value),
        }))));
      form.addEventListener('submit', e => {
        e.preventDefault();
        const v = onSubmit ? onSubmit(form) : true;
        if (v !== undefined) done(v);
      });
      d.replaceChildren(form);
      // The close event of the dialog before may still be on its way:
      // only a close of this one (Escape) counts.
      d.onclose = () => { if (!d.open) done(undefined); };
      d.showModal();
      const first = form.querySelector('input, select, textarea') || form.querySelector('[data-autofocus]') || form.querySelector('button');
      if (first) first.focus();
    });
  }

  function confirmLeave() {
    return dialog('Leave without saving?',
      h('p', { text: 'This chatflow has changes that are not saved. If you leave now, they are lost.' }),
      [{ label: 'Stay', value: false }, { label: 'Leave without saving', value: true, class: 'lce-danger' }]);
  }

  // ---- state ----
  const tabs = new Map();   // id -> {id, label, order, render}
  let me = null;
  let list = [];            // [{version, chatflow}]
  let cur = null;           // the chatflow being edited: {id, version}
  let draft = null;         // its unsaved form
  let dirty = false;
  let active = 'build';
  let errors = [];          // the server's last field errors
  let pane = null;          // the preview, when preview.js is loaded
  let shown = location.hash; // the hash the page shows

  function setDirty(on) {
    dirty = on;
    const s = $('lce-dirty'), t = on ? 'Unsaved changes' : 'All changes saved';
    if (s && s.textContent !== t) s.textContent = t; // announced once, not per keystroke
    doc.body.classList.toggle('lce-unsaved', on);
  }

  let previewQueued = false, edits = 0;
  function changed() {
    edits++;
    setDirty(true);
    if (pane && !previewQueued) {
      previewQueued = true;
      requestAnimationFrame(() => { previewQueued = false; if (pane && draft) pane.update(draft); });
    }
  }

  // ---- navigation ----
  // go shows another view of the page and moves the focus to it; what
  // the status line said about the view before goes, unless keep.
  async function go(hash, keep) {
    if (!keep) status('');
    if (location.hash !== hash) history.pushState(null, '', hash || location.pathname + location.search);
    await route();
    $('lce-main').focus();
  }

  function route() {
    shown = location.hash;
    const m = /^#edit\/(.+)$/.exec(location.hash);
    return m ? openFlow(decodeURIComponent(m[1])) : showList();
  }

  // leave asks first when there are unsaved changes; then runs next.
  async function leave(next) {
    if (dirty && !(await confirmLeave())) return;
    setDirty(false);
    next();
  }

  window.addEventListener('hashchange', () => {
    if (location.hash === shown) return;
    if (!dirty) { go(location.hash); return; }
    const to = location.hash;
    history.replaceState(null, '', shown || location.pathname + location.search);
    leave(() => go(to));
  });
  // Ctrl+S (Cmd+S) saves the chatflow being edited.
  doc.addEventListener('keydown', e => {
    if (e.key === 's' && (e.ctrlKey || e.metaKey) && !e.altKey && cur && !$('lce-dialog').open) { e.preventDefault(); save(); }
  });
  window.addEventListener('beforeunload', e => {
    if (!dirty) return;
    e.preventDefault();
    e.returnValue = '';
  });

  // ---- the list ----
  // where summarises targeting in one line (target.js writes it).
  function where(t) {
    const L = window.LCEditor;
    if (typeof L.targetSummary === 'function') return L.targetSummary(t);
    return (t && ((t.groups || []).length || (t.exclude || []).length)) ? 'Some pages' : 'Every page';
  }
  const when = iso => { const d = new Date(iso); return isNaN(d) || d.getFullYear() < 2 ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }); };

  async function showList() {
    cur = null; draft = null; pane = null; errors = [];
    active = 'build';
    setDirty(false);
    doc.title = 'Chatflows';
    const main = $('lce-main');
    try {
      list = (await api('GET', 'admin/chatflows')).chatflows || [];
    } catch (e) { return failed(e); }
    const L = window.LCEditor;
    if (typeof L.needsSetup === 'function' && typeof L.setup === 'function' && L.needsSetup(list)) {
      main.replaceChildren();
      L.setup(main, list, () => showList());
      return;
    }
    renderList();
  }

  function renderList() {
    const main = $('lce-main');
    const rows = list.slice().sort((a, b) => a.chatflow.name.localeCompare(b.chatflow.name)).map(row);
    main.replaceChildren(
      h('div', { class: 'lce-bar' },
        h('h2', { text: 'Your chatflows' }),
        h('span', { class: 'lce-spacer' }),
        h('button', { type: 'button', id: 'lce-new', class: 'lce-primary', text: 'New chatflow', onclick: create })),
      list.length ? h('table', { class: 'lce-list', id: 'lce-list' },
        h('caption', { class: 'lce-sr', text: 'Chatflows' }),
        h('thead', null, h('tr', null, ['Name', 'Where it shows', 'Published', 'Last edited', 'Actions'].map(t => h('th', { scope: 'col', text: t })))),
        h('tbody', null, rows))
        : h('p', { text: 'No chatflows yet. Create one to show the chat on your site.' }));
  }

  function row(sf) {
    const f = sf.chatflow;
    const sw = h('button', {
      type: 'button', role: 'switch', class: 'lce-switch', 'aria-checked': f.enabled ? 'true' : 'false',
      'aria-label': 'Published: ' + f.name, onclick: () => publish(sf, !f.enabled),
    }, h('span', { text: f.enabled ? 'Published' : 'Draft' }));
    return h('tr', { 'data-id': f.id },
      h('th', { scope: 'row' }, h('a', { href: '#edit/' + enc(f.id), class: 'lce-name', text: f.name })),
      h('td', { class: 'lce-where', text: where(f.target) }),
      h('td', null, sw),
      h('td', null, h('time', { datetime: f.updatedAt, text: when(f.updatedAt) })),
      h('td', { class: 'lce-row-actions' },
        h('button', { type: 'button', text: 'Duplicate', 'aria-label': 'Duplicate ' + f.name, onclick: () => duplicate(sf) }),
        h('button', { type: 'button', class: 'lce-danger', text: 'Delete', 'aria-label': 'Delete ' + f.name, onclick: () => remove(sf) })));
  }

  async function publish(sf, on) {
    try {
      const r = await api('POST', 'admin/chatflows/' + enc(sf.chatflow.id) + (on ? '/publish' : '/unpublish'), undefined, sf.version);
      Object.assign(sf, r);
      status(r.chatflow.name + (on ? ' is published: visitors see it now.' : ' is unpublished: visitors no longer see it.'));
      renderList();
      const b = doc.querySelector('tr[data-id="' + CSS.escape(sf.chatflow.id) + '"] [role=switch]');
      if (b) b.focus();
    } catch (e) {
      status(conflict(e) ? 'This chatflow was changed by someone else: the list is reloaded; try again.' : e.message);
      if (conflict(e)) showList();
    }
  }

  const LANGS = [['en', 'English'], ['sv', 'Swedish'], ['de', 'German'], ['fr', 'French'], ['es', 'Spanish']];
  function languageSelect(value, path) {
    const known = LANGS.some(([c]) => c === value);
    return h('select', { 'data-path': path, value: value || 'en' },
      LANGS.map(([c, n]) => h('option', { value: c, text: n + ' (' + c + ')' })),
      known || !value ? null : h('option', { value, text: value }));
  }

  async function create() {
    const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
    const lang = languageSelect('en', 'options.language');
    const kb = h('input', { type: 'checkbox', name: 'knowledge' });
    const v = await dialog('New chatflow', h('div', null,
      field('Name', name, 'What your team calls this chat, such as "Sales".'),
      field('Language', lang, 'The language of the chat\'s default texts.'),
      h('div', { class: 'lce-check' }, h('label', null, kb, ' Knowledge base: show a Help tab that searches your articles'))),
    [{ label: 'Cancel', value: null }, { label: 'Create', submit: true, class: 'lce-primary' }],
    () => name.value.trim() ? { name: name.value.trim(), language: lang.value, kb: kb.checked } : (name.focus(), undefined));
    if (!v) return;
    // The welcome, title and email question start in the chat's language.
    let t = {};
    try { t = (await texts(v.language)).texts || {}; } catch (e) { /* the server's defaults then */ }
    try {
      const r = await api('POST', 'admin/chatflows', {
        name: v.name, enabled: false, options: { language: v.language },
        build: { knowledgeBase: { enabled: v.kb }, welcome: t.welcome, emailCapture: t.emailPrompt ? { prompt: t.emailPrompt } : undefined },
        display: t.title ? { heading: { title: t.title } } : undefined,
      });
      go('#edit/' + enc(r.chatflow.id));
    } catch (e) { status(e.message); }
  }

  async function duplicate(sf) {
    try {
      const f = (await api('GET', 'admin/chatflows/' + enc(sf.chatflow.id))).chatflow;
      const copy = Object.assign({}, f, { name: ('Copy of ' + f.name).slice(0, 100), enabled: false });
      delete copy.id; delete copy.createdAt; delete copy.updatedAt;
      const r = await api('POST', 'admin/chatflows', copy);
      status(r.chatflow.name + ' created, not published.');
      await showList();
    } catch (e) { status(e.message); }
  }

  async function remove(sf) {
    const f = sf.chatflow;
    const ok = await dialog('Delete ' + f.name + '?',
      h('p', { text: 'Visitors will no longer see this chat. Its conversations are kept. This cannot be undone.' }),
      [{ label: 'Cancel', value: false }, { label: 'Delete chatflow', value: true, class: 'lce-danger' }]);
    if (!ok) return;
    try {
      await api('DELETE', 'admin/chatflows/' + enc(f.id), undefined, sf.version);
      status(f.name + ' deleted.');
    } catch (e) {
      status(conflict(e) ? f.name + ' was changed by someone else meanwhile: it is not deleted. Look at it again first.' : e.message);
    }
    await showList();
  }

  // ---- editing ----
  async function openFlow(id) {
    let sf;
    try {
      sf = await api('GET', 'admin/chatflows/' + enc(id));
    } catch (e) {
      if (e.status === 404) { status('That chatflow no longer exists.'); go('', true); return; }
      return failed(e);
    }
    load(sf);
  }

  // load shows a stored chatflow in the form, replacing any draft.
  function load(sf) {
    if (!cur || cur.id !== sf.chatflow.id) active = 'build'; // another chatflow starts on its first tab
    cur = { id: sf.chatflow.id, version: sf.version };
    draft = sf.chatflow;
    errors = [];
    setDirty(false);
    renderEditor();
  }

  function renderEditor() {
    const main = $('lce-main');
    doc.title = draft.name + ' · Chatflows';
    const name = h('input', {
      type: 'text', id: 'lce-name', 'data-path': 'name', value: draft.name, maxlength: 100, required: true,
      oninput: e => { draft.name = e.target.value; changed(); },
    });
    const list = [...tabs.values()].sort((a, b) => a.order - b.order);
    if (!tabs.has(active)) active = list.length ? list[0].id : '';
    const tablist = h('div', { role: 'tablist', class: 'lce-tabs', 'aria-label': 'Chatflow settings' });
    const panels = h('div', { class: 'lce-panels' });
    list.forEach((t, i) => {
      const b = h('button', {
        type: 'button', role: 'tab', id: 'lce-tab-' + t.id, 'data-tab': t.id, 'aria-controls': 'lce-panel-' + t.id,
        'aria-selected': t.id === active ? 'true' : 'false', tabindex: t.id === active ? '0' : '-1', text: t.label,
        onclick: () => showTab(t.id, true),
        onkeydown: e => {
          const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: list.length - 1 }[e.key];
          if (j === undefined) return;
          e.preventDefault();
          showTab(list[(j + list.length) % list.length].id, true);
        },
      });
      tablist.append(b);
      panels.append(h('div', {
        role: 'tabpanel', id: 'lce-panel-' + t.id, class: 'lce-panel', 'aria-labelledby': 'lce-tab-' + t.id,
        tabindex: '0', hidden: t.id !== active,
      }));
    });
    const preview = h('aside', { class: 'lce-preview', 'aria-label': 'Preview' });
    const L = window.LCEditor;
    pane = null;
    main.replaceChildren(
      h('div', { class: 'lce-bar lce-editbar' },
        h('button', { type: 'button', id: 'lce-back', text: '← All chatflows', onclick: () => leave(() => go('')) }),
        h('div', { class: 'lce-name-field' }, h('label', { for: 'lce-name', text: 'Name' }), name),
        h('span', { class: 'lce-spacer' }),
        h('span', { id: 'lce-dirty', class: 'lce-dirty', 'aria-live': 'polite' }),
        h('button', {
          type: 'button', role: 'switch', id: 'lce-publish', class: 'lce-switch', 'aria-checked': draft.enabled ? 'true' : 'false',
          'aria-label': 'Published', title: 'Publish or unpublish (unsaved changes are saved first)', onclick: publishCurrent,
        }, h('span', { text: draft.enabled ? 'Published' : 'Not published' })),
        h('button', { type: 'button', id: 'lce-save', class: 'lce-primary', text: 'Save', onclick: save })),
      h('div', { id: 'lce-conflict', class: 'lce-conflict', role: 'alert', hidden: true }),
      h('div', { id: 'lce-summary', class: 'lce-summary', role: 'alert', tabindex: '-1', hidden: true }),
      h('div', { class: typeof L.previewPane === 'function' ? 'lce-edit lce-with-preview' : 'lce-edit' },
        h('form', { class: 'lce-form', novalidate: true, onsubmit: e => { e.preventDefault(); save(); } }, tablist, panels),
        preview));
    setDirty(dirty);
    panels.addEventListener('input', clearFieldError);
    panels.addEventListener('change', clearFieldError);
    for (const t of list) renderTab(t.id);
    if (typeof L.previewPane === 'function') {
      const el = h('div', { class: 'lce-preview-pane' });
      const devices = h('div', { class: 'lce-devices', role: 'group', 'aria-label': 'Preview device' },
        [['desktop', 'Desktop'], ['tablet', 'Tablet'], ['phone', 'Phone']].map(([d, label]) => h('button', {
          type: 'button', 'data-device': d, 'aria-pressed': d === 'desktop' ? 'true' : 'false', text: label,
          onclick: e => {
            for (const b of devices.children) b.setAttribute('aria-pressed', b === e.currentTarget ? 'true' : 'false');
            if (pane) pane.device(d);
          },
        })));
      preview.append(h('h2', { class: 'lce-sr', text: 'Preview' }), devices, el);
      pane = L.previewPane(el);
      if (pane) pane.update(draft);
    }
  }

  function renderTab(id) {
    const t = tabs.get(id), el = $('lce-panel-' + id);
    if (!t || !el || !draft) return;
    el.replaceChildren();
    try {
      t.render(el, draft, changed);
    } catch (e) {
      el.replaceChildren(h('p', { class: 'lce-error', text: 'This tab could not be shown: ' + e.message }));
    }
    markErrors();
  }

  function showTab(id, focus) {
    if (!tabs.has(id)) return;
    active = id;
    for (const b of doc.querySelectorAll('.lce-tabs [role=tab]')) {
      const on = b.dataset.tab === id;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    for (const p of doc.querySelectorAll('.lce-panel')) p.hidden = p.id !== 'lce-panel-' + id;
    renderTab(id);
  }

  // save stores the draft with the version it was read at; it resolves
  // true once stored. The form stays as it is (focus, scroll, open rows):
  // only the version and the times change.
  let saving = null;
  function save() {
    if (!cur) return Promise.resolve(false);
    if (!saving) saving = saveNow().finally(() => { saving = null; });
    return saving;
  }
  async function saveNow() {
    const btn = $('lce-save'), id = cur.id, n = edits;
    if (btn) btn.disabled = true;
    status('Saving…');
    try {
      const r = await api('PUT', 'admin/chatflows/' + enc(id), draft, cur.version);
      if (!cur || cur.id !== id) return true;
      stored(r);
      errors = [];
      markErrors();
      $('lce-conflict').hidden = true;
      setDirty(edits !== n); // typed meanwhile: still unsaved
      status('Saved.');
      return true;
    } catch (e) {
      if (conflict(e)) { status(''); showConflict(); }
      else if (e.fields && e.fields.length) { status('Not saved: fix the fields marked below.'); showErrors(e.fields); }
      else status('Not saved: ' + e.message);
      return false;
    } finally {
      const b = $('lce-save');
      if (b) b.disabled = false;
    }
  }

  // stored takes what the server answered for the draft: its version,
  // times and whether it is published.
  function stored(r) {
    cur.version = r.version;
    for (const k of ['createdAt', 'updatedAt', 'enabled']) draft[k] = r.chatflow[k];
    const sw = $('lce-publish');
    if (sw) {
      sw.setAttribute('aria-checked', draft.enabled ? 'true' : 'false');
      sw.firstChild.textContent = draft.enabled ? 'Published' : 'Not published';
    }
  }

  // publishCurrent publishes (or unpublishes) the chatflow being edited,
  // saving it first when it has unsaved changes.
  async function publishCurrent() {
    const on = !draft.enabled, id = cur.id;
    if (dirty && !(await save())) return;
    try {
      stored(await api('POST', 'admin/chatflows/' + enc(id) + (on ? '/publish' : '/unpublish'), undefined, cur.version));
      status(on ? 'Published: visitors see it now.' : 'Unpublished: visitors no longer see it.');
    } catch (e) {
      if (conflict(e)) { status(''); showConflict(); } else status(e.message);
    }
  }

  // showConflict says that someone else saved meanwhile; nothing is
  // overwritten: the choice is to reload their version or keep editing.
  function showConflict() {
    const c = $('lce-conflict');
    c.replaceChildren(
      h('p', null, h('strong', { text: 'Changed by someone else. ' }),
        'This chatflow was saved by someone else since you opened it, so your changes were not saved. Reload it to see theirs (your changes here are lost), or keep editing and copy what you need first.'),
      h('div', { class: 'lce-actions' },
        h('button', { type: 'button', id: 'lce-reload', class: 'lce-primary', text: 'Reload their version', onclick: () => { setDirty(false); openFlow(cur.id); status('Reloaded.'); } }),
        h('button', { type: 'button', text: 'Keep editing', onclick: () => { c.hidden = true; } })));
    c.hidden = false;
    $('lce-reload').focus();
  }

  // ---- field errors ----
  // up is the path of the field that holds path: "a.b[2]" -> "a.b" -> "a".
  const up = p => { const m = /(\.\w+|\[(\d+|"(?:[^"\\]|\\.)*")\])$/.exec(p); return m ? p.slice(0, -m[0].length) : ''; };
  function controlFor(path) {
    for (let p = path; p; p = up(p)) {
      const el = doc.querySelector('.lce-edit [data-path="' + CSS.escape(p) + '"], #lce-name[data-path="' + CSS.escape(p) + '"]');
      if (el) return el;
    }
    return null;
  }

  function showErrors(fields) {
    errors = (fields || []).map(f => ({ path: f.path || '', message: f.message || 'invalid' }));
    markErrors();
    const first = errors.map(e => controlFor(e.path)).find(Boolean);
    if (!first) { const s = $('lce-summary'); if (s && !s.hidden) s.focus(); return; }
    const panel = first.closest('.lce-panel');
    if (panel) showTab(panel.id.slice('lce-panel-'.length));
    const el = controlFor(errors.find(e => controlFor(e.path)).path);
    if (el) (el.matches('fieldset, div') ? el.querySelector('input, select, textarea, button') || el : el).focus();
  }

  // markErrors puts every error next to its control, or in the summary.
  function markErrors() {
    for (const m of doc.querySelectorAll('.lce-msg')) m.remove();
    for (const el of doc.querySelectorAll('[data-lce-err]')) {
      el.removeAttribute('data-lce-err');
      el.removeAttribute('aria-invalid');
      const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(i => i && !i.startsWith('lce-err-'));
      if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
    }
    const loose = [];
    errors.forEach((e, i) => {
      const el = controlFor(e.path);
      if (!el) { loose.push(e); return; }
      const id = 'lce-err-' + i;
      const exact = el.getAttribute('data-path') === e.path;
      const msg = h('p', { class: 'lce-msg', id, 'data-for': e.path, text: (exact ? '' : e.path + ': ') + e.message });
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('data-lce-err', '');
      el.setAttribute('aria-describedby', ((el.getAttribute('aria-describedby') || '') + ' ' + id).trim());
      const lab = el.closest('label');
      if (el.tagName === 'FIELDSET' && el.querySelector('legend')) el.querySelector('legend').after(msg);
      else (lab || el).after(msg);
    });
    const s = $('lce-summary');
    if (!s) return;
    s.hidden = errors.length === 0;
    s.replaceChildren();
    if (!errors.length) return;
    s.append(h('p', { text: errors.length === 1 ? 'The chatflow was not saved: 1 problem.' : 'The chatflow was not saved: ' + errors.length + ' problems.' }));
    if (loose.length) s.append(h('ul', null, loose.map(e => h('li', { text: (e.path ? e.path + ': ' : '') + e.message }))));
  }

  function clearFieldError(e) {
    const el = e.target.closest('[data-lce-err]');
    if (!el || !el.dataset.path) return;
    const p = el.dataset.path;
    errors = errors.filter(x => x.path !== p && controlFor(x.path) !== el);
    markErrors();
  }

  // ---- accent colour ----
  // The widget writes #111 on accents whose luminance is over 0.3 and
  // white on the others (accentText of the config answer); a colour is
  // refused when that text would be under 4.5:1.
  function luminance(hex) {
    const m = /^#([0-9a-f]{6})$/i.exec(hex);
    if (!m) return -1;
    return [0, 2, 4].reduce((sum, i, k) => {
      let v = parseInt(m[1].slice(i, i + 2), 16) / 255;
      v = v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      return sum + [0.2126, 0.7152, 0.0722][k] * v;
    }, 0);
  }
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  function accentCheck(hex) {
    const l = luminance(hex);
    if (l < 0) return { ok: false, message: 'Write the colour as #rrggbb, such as #2f6fed.' };
    const text = l > 0.3 ? '#111111' : '#ffffff';
    const c = ratio(l, luminance(text));
    return {
      ok: c >= 4.5, text, contrast: c,
      message: c >= 4.5 ? 'Text on it: ' + (text === '#ffffff' ? 'white' : 'near-black') + ', contrast ' + c.toFixed(1) + ':1.'
        : 'Text on this colour would have a contrast of only ' + c.toFixed(1) + ':1 (at least 4.5:1 is needed), so it is not used. Choose a darker or a much lighter colour.',
    };
  }

  function colorField(el, d, onChange) {
    const cur = (d.display && d.display.accentColor) || '#2f6fed';
    const noteId = newId('lce-contrast');
    const picker = h('input', { type: 'color', value: cur.toLowerCase(), 'aria-describedby': noteId });
    const text = h('input', { type: 'text', 'data-path': 'display.accentColor', value: cur, maxlength: 7, size: 8, spellcheck: 'false', 'aria-describedby': noteId });
    const sample = h('span', { class: 'lce-swatch', 'aria-hidden': 'true', text: 'Aa' });
    const note = h('p', { class: 'lce-hint', id: noteId, 'aria-live': 'polite' });
    picker.id = newId('lce-f');
    text.id = newId('lce-f');
    const show = (hex, from) => {
      const r = accentCheck(hex);
      note.textContent = r.message;
      note.classList.toggle('lce-bad', !r.ok);
      text.setAttribute('aria-invalid', r.ok ? 'false' : 'true');
      if (from !== text) text.value = hex;
      if (from !== picker && r.contrast) picker.value = hex.toLowerCase();
      // A refused colour shows without the text it would make unreadable.
      if (r.contrast) { sample.style.background = hex; sample.style.color = r.text; sample.textContent = r.ok ? 'Aa' : ''; }
      if (r.ok && from) {
        d.display.accentColor = hex.toLowerCase();
        onChange();
      }
    };
    picker.addEventListener('input', () => show(picker.value, picker));
    text.addEventListener('input', () => show(text.value.trim(), text));
    el.append(h('fieldset', { class: 'lce-color' }, h('legend', { text: 'Accent colour' }),
      h('div', { class: 'lce-color-row' },
        h('label', { for: picker.id, text: 'Pick' }), picker,
        h('label', { for: text.id, text: 'or write it' }), text, sample),
      note));
    show(cur);
  }

  // ---- tabs ----
  function tab(id, spec) {
    tabs.set(id, { id, label: spec.label || id, order: spec.order == null ? 100 : spec.order, render: spec.render });
    if (draft && $('lce-main').querySelector('.lce-tabs')) renderEditor();
  }

  // ---- start ----
  function failed(e) {
    const main = $('lce-main');
    if (e.status === 401) main.replaceChildren(h('p', { class: 'lce-error', text: 'You are not signed in as an agent.' }));
    else if (e.status === 403) main.replaceChildren(h('p', { class: 'lce-error', text: 'Editing chatflows needs the "manage_chatflows" permission. Ask whoever runs your site to grant it.' }));
    else main.replaceChildren(h('p', { class: 'lce-error', text: e.message }), h('button', { type: 'button', text: 'Try again', onclick: route }));
  }

  async function start() {
    try {
      me = (await api('GET', 'agent/me')).agent;
    } catch (e) { return failed(e); }
    if (!me) return failed({ status: 401 });
    $('lce-me').textContent = me.name || me.id;
    if (!(me.permissions || []).includes('manage_chatflows')) return failed({ status: 403 });
    route();
  }

  window.LCEditor = { h, tab, showErrors, directory, colorField, field, texts, accentCheck, languageSelect, api };
  // Deferred scripts all run before DOMContentLoaded, but the document is
  // already "interactive" while they run: the shell waits for the event,
  // so that every script after it (tabs, setup, preview) has run before it
  // starts, however late one arrives.
  if (doc.readyState === 'complete') start();
  else doc.addEventListener('DOMContentLoaded', start);
})();
