/* golivechat chatflow editor: the Availability tab, and
 * LCEditor.availabilityForm, the same form for the setup: when the chat is
 * answered (agents' availability, office hours in a time zone, or 24/7) and
 * what visitors see when it is available, away, offline or at capacity.
 * Plain JavaScript on the editor's LCEditor; text is inserted as text only.
 * Every control carries in data-path the JSON path the server names in its
 * errors ("availability.officeHours.days.monday[1].end"). */
(() => {
  'use strict';

  const E = window.LCEditor;
  if (!E) return;

  const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  const DAY_NAMES = { monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday', sunday: 'Sunday' };
  const MODES = [
    ['agents', 'By agents’ availability', 'Available while at least one agent who answers this chat is set as available.'],
    ['office_hours', 'By office hours', 'Available during the office hours below while an agent is available; offline outside them.'],
    ['always', 'Always (24/7)', 'Available at all times; while nobody is available, visitors’ messages wait for the team.'],
  ];
  const REPLY_TIMES = [['minutes', 'In a few minutes'], ['hour', 'In an hour'], ['hours', 'In a few hours'], ['day', 'In a day']];
  const OFFLINE = [
    ['return_time', 'Show when the chat opens again', 'In the visitor’s own time zone; visitors can still leave a message.'],
    ['away_message', 'Show an away message', 'Visitors can still leave a message.'],
    ['hide_launcher', 'Hide the launcher', 'No chat outside office hours, except for a visitor with an open conversation.'],
    ['nothing', 'Nothing', 'The chat as usual.'],
  ];
  const AT_CAPACITY = [
    ['wait_message', 'Show a wait message', 'With the visitor’s place in the queue.'],
    ['hide_launcher', 'Hide the launcher', 'No chat while every agent is at capacity, except for a visitor with an open conversation.'],
    ['nothing', 'Nothing', 'The chat as usual; new conversations wait in the queue.'],
  ];
  const MAX_MESSAGE = 1000;   // availability.MaxMessageLen
  const MAX_RANGES = 48;      // availability.MaxRangesPerDay
  const DEFAULT_TEXT = 'Leave empty for the default text in the chat’s language.';

  let serial = 0; // makes ids and radio names unique across forms

  function node(tag, attrs, on, ...kids) {
    const e = E.h(tag, attrs, ...kids);
    for (const k in on || {}) e.addEventListener(k, on[k]);
    return e;
  }

  function option(value, label, selected) {
    const o = E.h('option', { value }, label);
    o.selected = value === selected;
    return o;
  }

  function labelled(text, control, cls) {
    return E.h('label', { class: 'lce-field' + (cls ? ' ' + cls : '') }, E.h('span', { class: 'lce-label' }, text), control);
  }

  function checkbox(text, checked, path, onchange) {
    const box = node('input', { type: 'checkbox', 'data-path': path }, { change: () => onchange(box.checked) });
    box.checked = !!checked;
    return E.h('label', { class: 'lce-check' }, box, ' ', text);
  }

  // radios is a fieldset of choices; each radio carries path.
  function radios(legend, name, choices, current, path, onchange) {
    const set = E.h('fieldset', { class: 'lce-choices' }, E.h('legend', {}, legend));
    for (const [value, label, help] of choices) {
      const id = name + '-' + value;
      const attrs = { type: 'radio', name, value, id, 'data-path': path };
      if (help) attrs['aria-describedby'] = id + '-help';
      const r = node('input', attrs, { change: () => { if (r.checked) onchange(value); } });
      r.checked = value === current;
      const row = E.h('div', { class: 'lce-choice' }, r, E.h('label', { for: id }, label));
      if (help) row.append(E.h('span', { class: 'lce-hint', id: id + '-help' }, help));
      set.append(row);
    }
    return set;
  }

  function message(text, value, path, onchange) {
    const id = 'lce-hours-msg-' + (++serial);
    const area = node('textarea', { rows: '2', maxlength: String(MAX_MESSAGE), 'data-path': path, 'aria-describedby': id }, { input: () => onchange(area.value) });
    area.value = value || '';
    return E.h('div', { class: 'lce-message' }, labelled(text, area), E.h('span', { class: 'lce-hint', id }, DEFAULT_TEXT));
  }

  // zones lists the browser's IANA time zones, UTC and the current one
  // included; null when the browser cannot list them.
  function zones(current) {
    let list = null;
    try { list = Intl.supportedValuesOf('timeZone'); } catch (e) { return null; }
    if (!list || !list.length) return null;
    list = [...list];
    for (const z of ['UTC', current]) if (z && !list.includes(z)) list.unshift(z);
    return list;
  }

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { return ''; }
  }

  const minutes = s => /^\d\d:\d\d$/.test(s || '') ? Number(s.slice(0, 2)) * 60 + Number(s.slice(3)) : null;
  const clock = m => String(Math.floor(m / 60) % 24).padStart(2, '0') + ':' + String(m % 60).padStart(2, '0');

  // nextRange suggests the hours a "+ add hours" adds after a day's last
  // range: from an hour after it ends, for four hours.
  function nextRange(ranges) {
    const last = ranges[ranges.length - 1];
    const end = last ? minutes(last.end) : null;
    if (end == null || end + 60 >= 24 * 60 || end <= minutes(last.start)) return { start: '09:00', end: '17:00' };
    const start = end + 60;
    return { start: clock(start), end: clock(Math.min(start + 4 * 60, 24 * 60)) };
  }

  // subheadLevel is the level of a heading inside el: one below the
  // heading just before el or one of its ancestors (the setup's step
  // title), else 2, as in the editor's tab panels.
  function subheadLevel(el) {
    for (let n = el; n && n !== document.body; n = n.parentElement) {
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (/^H[1-5]$/.test(s.tagName)) return Number(s.tagName[1]) + 1;
      }
    }
    return 2;
  }

  // availabilityForm draws the availability settings of draft into el and
  // calls changed after each edit. The Availability tab and the setup both
  // use it.
  E.availabilityForm = function availabilityForm(el, draft, changed) {
    const n = ++serial;
    const a = draft.availability && typeof draft.availability === 'object' ? draft.availability : (draft.availability = {});
    const part = (k, v) => (a[k] && typeof a[k] === 'object') ? a[k] : (a[k] = v);
    const hours = part('officeHours', { timeZone: 'UTC', days: {} });
    const available = part('available', { showReplyTime: false, replyTime: 'minutes' });
    const away = part('away', { message: '', showChat: true });
    const offline = part('offline', { behavior: 'return_time', message: '' });
    const atCapacity = part('atCapacity', { behavior: 'wait_message', message: '' });
    if (!hours.days || typeof hours.days !== 'object') hours.days = {};

    // ---- when the chat is available ----
    const officeSection = E.h('div', { class: 'lce-office-hours' });
    const offlineSection = E.h('div', { class: 'lce-offline' });
    const showMode = () => {
      officeSection.hidden = a.mode !== 'office_hours';
      offlineSection.hidden = a.mode !== 'office_hours';
      awaySet.hidden = a.mode === 'always';
    };
    const mode = radios('When the chat is available', 'lce-av' + n + '-mode', MODES, a.mode, 'availability.mode', v => {
      a.mode = v;
      showMode();
      changed();
    });

    // ---- office hours ----
    const zoneList = zones(hours.timeZone);
    const mine = browserZone();
    let zone, useMine = null;
    const setZone = z => {
      hours.timeZone = z;
      if (useMine) useMine.hidden = z === mine;
      changed();
    };
    if (zoneList) {
      zone = node('select', { 'data-path': 'availability.officeHours.timeZone' }, { change: () => setZone(zone.value) });
      for (const z of zoneList) zone.append(option(z, z.replace(/_/g, ' '), hours.timeZone || 'UTC'));
    } else {
      zone = node('input', { type: 'text', 'data-path': 'availability.officeHours.timeZone', autocomplete: 'off', spellcheck: 'false', placeholder: 'Europe/Stockholm' },
        { input: () => setZone(zone.value.trim()) });
      zone.value = hours.timeZone || '';
    }
    const zoneRow = E.h('div', { class: 'lce-zone' }, labelled('Time zone', zone));
    if (mine && (!zoneList || zoneList.includes(mine))) {
      useMine = node('button', { type: 'button', class: 'lce-button' }, {
        click: () => { zone.value = mine; setZone(mine); zone.focus(); },
      }, 'Use my time zone (' + mine.replace(/_/g, ' ') + ')');
      useMine.hidden = hours.timeZone === mine;
      zoneRow.append(useMine);
    }

    const days = E.h('fieldset', { class: 'lce-days', 'data-path': 'availability.officeHours.days' },
      E.h('legend', {}, 'Office hours'),
      E.h('p', { class: 'lce-hint' }, 'Several ranges a day are fine. A range that ends at or before it starts ends the next day: 22:00 to 02:00 crosses midnight, and an end of 00:00 means midnight.'));
    days.querySelector('legend').after(zoneRow);
    for (const day of DAYS) days.append(dayRow(day));
    officeSection.append(days);

    // dayRow is one weekday's ranges with "+ add hours". It draws itself
    // again when a range is added or removed.
    function dayRow(day) {
      const name = DAY_NAMES[day];
      const row = E.h('div', { class: 'lce-day', role: 'group', 'aria-label': name, 'data-path': 'availability.officeHours.days.' + day });
      const ranges = () => Array.isArray(hours.days[day]) ? hours.days[day] : [];
      const draw = focus => {
        const list = ranges();
        const kids = [E.h('span', { class: 'lce-day-name', 'aria-hidden': 'true' }, name)];
        const box = E.h('div', { class: 'lce-ranges' });
        if (!list.length) box.append(E.h('span', { class: 'lce-closed' }, 'Closed'));
        list.forEach((r, i) => {
          const path = 'availability.officeHours.days.' + day + '[' + i + ']';
          const label = name + ', hours ' + (i + 1);
          const time = (which, text) => {
            const input = node('input', { type: 'time', 'data-path': path + '.' + which }, {
              input: () => { r[which] = input.value; changed(); },
            });
            // The server's 24:00 (an end at midnight) is 00:00 on a clock.
            input.value = r[which] === '24:00' ? '00:00' : (r[which] || '');
            return labelled(text, input);
          };
          box.append(E.h('div', { class: 'lce-range', role: 'group', 'aria-label': label },
            time('start', 'From'), time('end', 'To'),
            node('button', { type: 'button', class: 'lce-button lce-remove', 'aria-label': 'Remove ' + name + ' hours ' + (i + 1), 'data-key': 'remove:' + path }, {
              click: () => {
                list.splice(i, 1);
                changed();
                draw(i < list.length ? 'remove:availability.officeHours.days.' + day + '[' + i + ']' : 'add:' + day);
              },
            }, 'Remove')));
        });
        const add = node('button', { type: 'button', class: 'lce-button lce-add-hours', 'aria-label': 'Add hours on ' + name, 'data-key': 'add:' + day }, {
          click: () => {
            const cur = ranges();
            if (cur.length >= MAX_RANGES) return;
            hours.days[day] = [...cur, nextRange(cur)];
            changed();
            draw('availability.officeHours.days.' + day + '[' + cur.length + '].start');
          },
        }, E.h('span', { 'aria-hidden': 'true' }, '+ '), 'add hours');
        add.disabled = list.length >= MAX_RANGES;
        box.append(add);
        kids.push(box);
        row.replaceChildren(...kids);
        if (focus) {
          const next = [...row.querySelectorAll('[data-path],[data-key]')].find(x => x.getAttribute('data-path') === focus || x.getAttribute('data-key') === focus);
          if (next) next.focus();
        }
      };
      draw();
      return row;
    }

    // ---- what visitors see ----
    const replyTime = node('select', { 'data-path': 'availability.available.replyTime' }, {
      change: () => { available.replyTime = replyTime.value; changed(); },
    });
    for (const [v, l] of REPLY_TIMES) replyTime.append(option(v, l, available.replyTime || 'minutes'));
    if (available.replyTime && !REPLY_TIMES.some(r => r[0] === available.replyTime)) replyTime.append(option(available.replyTime, available.replyTime, available.replyTime));
    replyTime.disabled = !available.showReplyTime;
    const availableSet = E.h('fieldset', { class: 'lce-av-status' }, E.h('legend', {}, 'When available'),
      checkbox('Show the typical reply time', available.showReplyTime, 'availability.available.showReplyTime', on => {
        available.showReplyTime = on;
        if (on && !available.replyTime) available.replyTime = replyTime.value;
        replyTime.disabled = !on;
        changed();
      }),
      labelled('Typical reply time', replyTime));

    const awaySet = E.h('fieldset', { class: 'lce-av-status' }, E.h('legend', {}, 'When away (nobody available)'),
      message('Away message', away.message, 'availability.away.message', v => { away.message = v; changed(); }),
      checkbox('Keep the launcher, so visitors can leave a message', away.showChat, 'availability.away.showChat', on => {
        away.showChat = on;
        changed();
      }));

    const offlineMessage = message('Away message outside office hours', offline.message, 'availability.offline.message', v => { offline.message = v; changed(); });
    const offlineSet = radios('Outside office hours (offline)', 'lce-av' + n + '-offline', OFFLINE, offline.behavior, 'availability.offline.behavior', v => {
      offline.behavior = v;
      offlineMessage.hidden = v !== 'away_message';
      changed();
    });
    offlineMessage.hidden = offline.behavior !== 'away_message';
    offlineSet.append(offlineMessage);
    offlineSection.append(offlineSet);

    const waitMessage = message('Wait message', atCapacity.message, 'availability.atCapacity.message', v => { atCapacity.message = v; changed(); });
    const capacitySet = radios('When every agent is at capacity', 'lce-av' + n + '-capacity', AT_CAPACITY, atCapacity.behavior, 'availability.atCapacity.behavior', v => {
      atCapacity.behavior = v;
      waitMessage.hidden = v !== 'wait_message';
      changed();
    });
    waitMessage.hidden = atCapacity.behavior !== 'wait_message';
    capacitySet.append(waitMessage);

    showMode();
    el.replaceChildren(E.h('div', { class: 'lce-availability' },
      mode, officeSection,
      E.h('h' + subheadLevel(el), { class: 'lce-subhead' }, 'What visitors see'),
      availableSet, awaySet, offlineSection, capacitySet));
  };

  E.tab('availability', { label: 'Availability', order: 40, render: (el, draft, changed) => E.availabilityForm(el, draft, changed) });
})();
