/* golivechat agent inbox: the conversation list's filters (team, chatflow,
 * colleague) and the search in message text. It plugs into inbox.js
 * through window.LCInbox: query() adds its parameters to the list's
 * requests, match() keeps live events of other conversations out of a
 * filtered list. All text is inserted as text nodes. */
(() => {
  'use strict';
  const x = window.LCInbox;
  if (!x) return;
  const doc = document;
  const f = { team: '', chatflow: '', agent: '', q: '' };
  const own = tab => tab === 'mine' || tab === 'unassigned'; // the tab names the assignee
  let teams = [];

  x.query = tab => {
    const p = new URLSearchParams();
    if (f.team && tab !== 'unassigned') p.set('team', f.team);
    if (f.chatflow) p.set('chatflow', f.chatflow);
    if (f.agent && !own(tab)) p.set('assignee', f.agent);
    if (f.q) p.set('q', f.q);
    const s = p.toString();
    return s ? '&' + s : '';
  };
  x.match = (c, tab) => {
    if (f.q) return !!c.match; // a search lists what the server found
    if (f.chatflow && c.chatflowId !== f.chatflow) return false;
    if (f.agent && !own(tab) && c.assigneeId !== f.agent) return false;
    if (f.team && tab !== 'unassigned') {
      const a = c.assigneeId && x.agents.get(c.assigneeId);
      if (!a || !(a.teamIds || []).includes(f.team)) return false;
    }
    return true;
  };

  const sel = (id, label, all) => x.h('label', { class: 'lc-filter', for: id }, label,
    x.h('select', { id }, x.h('option', { value: '', text: all })));
  const search = x.h('input', { type: 'search', id: 'lc-search', maxlength: 200, placeholder: 'Search messages', autocomplete: 'off' });
  const bar = x.h('form', { class: 'lc-filters', role: 'search', 'aria-label': 'Search and filter conversations' },
    x.h('label', { class: 'lc-sr', for: 'lc-search', text: 'Search messages' }), search,
    x.h('div', { class: 'lc-filter-row' },
      sel('lc-f-team', 'Team', 'All teams'), sel('lc-f-chatflow', 'Chatflow', 'All chatflows'), sel('lc-f-agent', 'Agent', 'Anyone')));
  const side = doc.querySelector('.lc-side');
  side.insertBefore(bar, side.firstChild);
  const $ = id => doc.getElementById(id);

  function fill(id, items) {
    const s = $(id), v = s.value;
    s.replaceChildren(s.options[0]);
    for (const it of items) s.append(x.h('option', { value: it.id, text: it.name || it.id }));
    s.value = [...s.options].some(o => o.value === v) ? v : '';
  }

  let typed = null;
  search.addEventListener('input', () => {
    clearTimeout(typed);
    typed = setTimeout(apply, 300);
  });
  bar.addEventListener('submit', e => { e.preventDefault(); clearTimeout(typed); apply(); });
  for (const id of ['lc-f-team', 'lc-f-chatflow', 'lc-f-agent']) $(id).addEventListener('change', apply);

  function apply() {
    const next = { team: $('lc-f-team').value, chatflow: $('lc-f-chatflow').value, agent: $('lc-f-agent').value, q: search.value.trim() };
    if (Object.keys(f).every(k => f[k] === next[k])) return;
    Object.assign(f, next);
    $('lc-list-empty').textContent = f.q ? 'No conversation has a message with “' + f.q + '”.' : 'No conversations here.';
    x.reload();
  }

  // A search result opens at the message it found.
  $('lc-list').addEventListener('click', e => {
    const row = e.target.closest('.lc-conv');
    const seq = row && f.q && row.dataset.match;
    if (!seq) return;
    let tries = 0;
    (function find() {
      const m = $('lc-thread').querySelector('[data-seq="' + CSS.escape(seq) + '"]');
      if (m) {
        for (const o of $('lc-thread').querySelectorAll('.lc-found')) o.classList.remove('lc-found');
        m.classList.add('lc-found');
        m.scrollIntoView({ block: 'center' });
      } else if (++tries < 40) setTimeout(find, 100);
    })();
  });
  async function load() {
    try {
      const [t, c] = await Promise.all([x.api('GET', 'teams'), x.api('GET', 'chatflows')]);
      teams = t.teams || [];
      fill('lc-f-team', teams);
      fill('lc-f-chatflow', c.chatflows || []);
    } catch (e) { /* the filters then offer all only */ }
    const me = x.me();
    fill('lc-f-agent', [...x.agents.values()].filter(a => !me || a.id !== me.id));
  }
  // The agents are known once the inbox has signed in.
  let waited = 0;
  (function wait() {
    if (x.me() && x.agents.size) return load();
    if (++waited < 50) setTimeout(wait, 100); else load();
  })();
})();
