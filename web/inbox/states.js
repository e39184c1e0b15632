/* golivechat agent inbox: the thread header's status actions. An open
 * conversation can be set pending (waiting for the visitor) or snoozed
 * (until 1 hour from now, tomorrow 09:00 or next Monday 09:00 in the
 * agent's own time, or a date and time they choose); a pending, snoozed or
 * closed one can be reopened. It plugs into inbox.js through
 * window.LCInbox.head, called whenever the header is drawn. */
(() => {
  'use strict';
  const x = window.LCInbox;
  if (!x) return;
  const doc = document;
  const $ = id => doc.getElementById(id);
  const box = $('lc-states');
  if (!box) return;
  const pad = n => String(n).padStart(2, '0');
  // The value of a datetime-local input for d, in the agent's time.
  const local = d => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  const at9 = (days, d = new Date()) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + days, 9, 0, 0);
  const PRESETS = [
    ['1h', 'For 1 hour', () => new Date(Date.now() + 3600e3)],
    ['tomorrow', 'Until tomorrow 09:00', () => at9(1)],
    ['week', 'Until next week (Monday 09:00)', () => { const d = new Date(); return at9(((8 - d.getDay()) % 7) || 7, d); }],
  ];

  const pending = x.h('button', { type: 'button', id: 'lc-pending', text: 'Mark pending', title: 'Waiting for the visitor: their next message makes it open again' });
  const reopen = x.h('button', { type: 'button', id: 'lc-reopen', text: 'Reopen' });
  const snooze = x.h('button', { type: 'button', id: 'lc-snooze', 'aria-expanded': 'false', 'aria-controls': 'lc-snooze-menu', text: 'Snooze…' });
  const custom = x.h('input', { type: 'datetime-local', id: 'lc-snooze-at', step: 1, required: true });
  const menu = x.h('div', { id: 'lc-snooze-menu', class: 'lc-snooze-menu', role: 'group', 'aria-label': 'Snooze until', hidden: true },
    ...PRESETS.map(([k, label, when]) => x.h('button', { type: 'button', 'data-snooze': k, text: label, onclick: () => set('snoozed', when()) })),
    x.h('form', { class: 'lc-snooze-custom', onsubmit: e => {
      e.preventDefault();
      const d = new Date(custom.value); // a datetime-local value is read as local time
      if (isNaN(d)) return custom.focus();
      set('snoozed', d);
    } },
    x.h('label', { for: 'lc-snooze-at', text: 'Until' }), custom, x.h('button', { type: 'submit', id: 'lc-snooze-go', text: 'Snooze' })));
  box.append(pending, snooze, reopen, menu);

  function toggle(open) {
    menu.hidden = !open;
    snooze.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      custom.min = local(new Date());
      if (!custom.value) custom.value = local(at9(1));
      menu.querySelector('button').focus();
    }
  }
  snooze.addEventListener('click', () => toggle(menu.hidden));
  menu.addEventListener('keydown', e => { if (e.key === 'Escape') { e.stopPropagation(); toggle(false); snooze.focus(); } });
  pending.addEventListener('click', () => set('pending'));
  reopen.addEventListener('click', () => set('open'));

  async function set(status, until) {
    toggle(false);
    const body = { status };
    if (until) body.snoozedUntil = until.toISOString();
    await x.action('state', body);
  }

  x.head = c => {
    const st = c.status || 'open';
    pending.hidden = st !== 'open' && st !== 'snoozed';
    snooze.hidden = st === 'closed';
    reopen.hidden = st === 'open';
    reopen.textContent = st === 'snoozed' ? 'Unsnooze' : 'Reopen';
    if (snooze.hidden) toggle(false);
  };
})();
