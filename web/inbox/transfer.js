/* golivechat inbox transfers: the open conversation's "Transfer" button
 * hands it to a colleague or a team with an optional note (stored as a
 * private note), and an agent is told when a conversation is transferred
 * to them. It follows inbox.js through document events: "lc-thread" (a
 * thread opened: detail.id, or null) and "lc-frame" (every live frame).
 * All text is inserted as text nodes, never as markup. */
(() => {
  'use strict';

  const doc = document;
  const src = (doc.currentScript && doc.currentScript.src) || location.href;
  const API = new URL('../', src).href + 'api/v1/agent/';
  const $ = id => doc.getElementById(id);
  const enc = encodeURIComponent;

  let cur = null;               // the open conversation's id
  let me = null;
  const assignees = new Map();  // conversation id -> last known assignee

  async function api(method, path, body) {
    const o = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      o.headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(body);
    }
    const r = await fetch(API + path, o);
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((j.error && j.error.message) || 'HTTP ' + r.status);
    return j;
  }

  function option(value, text) {
    const o = doc.createElement('option');
    o.value = value;
    o.textContent = text;
    return o;
  }

  async function open() {
    if (!cur) return;
    const sel = $('lc-transfer-to');
    sel.textContent = '';
    $('lc-transfer-error').textContent = '';
    $('lc-transfer-note').value = '';
    try {
      const [a, t] = await Promise.all([api('GET', 'agents'), api('GET', 'teams')]);
      const people = doc.createElement('optgroup');
      people.label = 'Colleagues';
      for (const x of a.agents || []) {
        if (me && x.id === me.id) continue;
        people.append(option('agent:' + x.id, (x.name || x.id) + (x.presence === 'away' ? ' (away)' : '')));
      }
      const teams = doc.createElement('optgroup');
      teams.label = 'Teams';
      for (const x of t.teams || []) teams.append(option('team:' + x.id, x.name || x.id));
      if (people.children.length) sel.append(people);
      if (teams.children.length) sel.append(teams);
    } catch (e) {
      $('lc-transfer-error').textContent = e.message;
    }
    $('lc-transfer-dialog').showModal();
    sel.focus();
  }

  async function submit(e) {
    e.preventDefault();
    const v = $('lc-transfer-to').value, id = cur;
    if (!v || !id) return;
    const i = v.indexOf(':'), body = {};
    body[v.slice(0, i) === 'team' ? 'teamId' : 'agentId'] = v.slice(i + 1);
    const note = $('lc-transfer-note').value.replace(/\r\n?/g, '\n').replace(/[\0-\x08\x0B-\x1F\x7F-\x9F]/g, '');
    if (note.trim()) body.note = note;
    try {
      await api('POST', 'conversations/' + enc(id) + '/transfer', body);
      $('lc-transfer-dialog').close();
      $('lc-transfer-status').textContent = 'Transferred to ' + $('lc-transfer-to').selectedOptions[0].textContent + '.';
    } catch (err) {
      $('lc-transfer-error').textContent = err.message;
    }
  }

  // A conversation assigned to me by someone else: say so.
  function onFrame(f) {
    if (f.type !== 'conversation' || !f.conversation || !me) return;
    const c = f.conversation, before = assignees.get(c.id);
    assignees.set(c.id, c.assigneeId || '');
    if (c.assigneeId !== me.id || before === undefined || before === me.id || c.status === 'closed') return;
    $('lc-transfer-status').textContent = 'A conversation was transferred to you.';
    if (doc.visibilityState === 'hidden' && window.Notification && Notification.permission === 'granted') {
      try { new Notification('Conversation transferred to you', { tag: 'livechat-' + c.id }); } catch (e) { /* service-worker-only browsers */ }
    }
  }

  function wire() {
    if (!$('lc-transfer')) return;
    $('lc-transfer').addEventListener('click', open);
    $('lc-transfer-form').addEventListener('submit', submit);
    $('lc-transfer-cancel').addEventListener('click', () => $('lc-transfer-dialog').close());
    doc.addEventListener('lc-thread', e => { cur = e.detail && e.detail.id; });
    doc.addEventListener('lc-frame', e => onFrame(e.detail || {}));
    api('GET', 'me').then(r => { me = r.agent; }, () => {});
  }

  wire();
})();
