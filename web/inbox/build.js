/* golivechat chatflow editor: the Build and Knowledge base tabs, and the
 * small form helpers the Options tab shares (LCEditor.form). */
(() => {
  'use strict';
  const L = window.LCEditor;
  const { h, field, colorField } = L;
  let n = 0;
  const uid = p => 'lce-' + p + '-' + (++n);

  // text is a text input (or a textarea with o.area) bound to obj[key].
  function text(obj, key, path, changed, o) {
    o = o || {};
    const el = h(o.area ? 'textarea' : 'input', {
      type: o.area ? null : (o.type || 'text'), 'data-path': path, maxlength: o.max, rows: o.area ? 3 : null,
      value: obj[key] == null ? '' : String(obj[key]), placeholder: o.placeholder, spellcheck: o.type === 'url' ? 'false' : null,
    });
    el.addEventListener('input', () => { obj[key] = el.value; changed(); });
    return el;
  }

  // number is a whole-number input bound to obj[key]; empty is 0.
  function number(obj, key, path, changed, min, max) {
    const el = h('input', { type: 'number', 'data-path': path, min, max, step: 1, inputmode: 'numeric', value: String(obj[key] || 0) });
    el.addEventListener('input', () => {
      const v = el.value.trim() === '' ? 0 : Number(el.value);
      if (Number.isInteger(v)) { obj[key] = v; changed(); }
    });
    return el;
  }

  // check is a checkbox with its label bound to obj[key].
  function check(obj, key, path, label, changed, after) {
    const el = h('input', { type: 'checkbox', 'data-path': path, checked: !!obj[key] });
    el.addEventListener('change', () => { obj[key] = el.checked; changed(); if (after) after(el.checked); });
    return h('div', { class: 'lce-check' }, h('label', null, el, ' ' + label));
  }

  // choice is a select bound to obj[key]; options are [value, label].
  function choice(obj, key, path, options, changed, after) {
    const el = h('select', { 'data-path': path, value: obj[key] },
      options.map(([v, t]) => h('option', { value: v, text: t })),
      options.some(([v]) => v === obj[key]) ? null : h('option', { value: obj[key], text: obj[key] }));
    el.addEventListener('change', () => { obj[key] = el.value; changed(); if (after) after(el.value); });
    return el;
  }

  // radios is a fieldset of radio buttons bound to obj[key].
  function radios(legend, obj, key, path, options, changed, after) {
    const name = uid('r');
    return h('fieldset', { 'data-path': path, class: 'lce-radios' }, h('legend', { text: legend }),
      options.map(([v, t, hint]) => {
        const el = h('input', { type: 'radio', name, value: v, checked: obj[key] === v });
        el.addEventListener('change', () => { if (!el.checked) return; obj[key] = v; changed(); if (after) after(v); });
        return h('div', { class: 'lce-check' }, h('label', null, el, ' ' + t, hint ? h('span', { class: 'lce-hint', text: ' ' + hint }) : null));
      }));
  }

  // list edits an array of rows: row(item, index, remove) draws one;
  // make() is a new item.
  function list(legend, path, arr, row, make, addLabel, changed, hint) {
    const box = h('div', { class: 'lce-rows' });
    const add = h('button', { type: 'button', class: 'lce-add', text: '+ ' + addLabel, onclick: () => {
      arr.push(make()); changed(); draw();
      const last = box.lastElementChild && box.lastElementChild.querySelector('input, select');
      if (last) last.focus();
    } });
    // A removed row takes the focus with it: it goes to the add button.
    const draw = () => {
      box.replaceChildren(...arr.map((it, i) => row(it, i, () => { arr.splice(i, 1); changed(); draw(); add.focus(); })));
    };
    draw();
    return h('fieldset', { 'data-path': path }, h('legend', { text: legend }),
      hint ? h('p', { class: 'lce-hint', text: hint }) : null, box, add);
  }

  const initials = name => (name || '?').split(/\s+/).map(w => w[0]).join('').slice(0, 2).toUpperCase();
  function avatar(p) {
    return p.avatarUrl ? h('img', { class: 'lce-avatar', src: p.avatarUrl, alt: '' }) : h('span', { class: 'lce-avatar', 'aria-hidden': 'true', text: initials(p.name) });
  }

  // people is a fieldset of checkboxes choosing ids of agents or teams
  // (what = 'agents' or 'teams') into arr; ids not in the directory stay.
  function people(legend, what, arr, path, changed, hint) {
    const box = h('div', { class: 'lce-pick' }, h('span', { class: 'lce-hint', text: 'Loading…' }));
    const fs = h('fieldset', { 'data-path': path }, h('legend', { text: legend }), hint ? h('p', { class: 'lce-hint', text: hint }) : null, box);
    L.directory().then(dir => {
      const known = dir[what] || [];
      const all = known.concat(arr.filter(id => !known.some(p => p.id === id)).map(id => ({ id, name: id })));
      if (!all.length) { box.replaceChildren(h('span', { class: 'lce-hint', text: what === 'teams' ? 'No teams yet.' : 'No agents yet.' })); return; }
      box.replaceChildren(...all.map(p => {
        const el = h('input', { type: 'checkbox', value: p.id, checked: arr.includes(p.id) });
        el.addEventListener('change', () => {
          const i = arr.indexOf(p.id);
          if (el.checked && i < 0) arr.push(p.id);
          if (!el.checked && i >= 0) arr.splice(i, 1);
          changed();
        });
        return h('label', null, el, avatar(p), ' ' + (p.name || p.id));
      }));
    }, e => box.replaceChildren(h('span', { class: 'lce-hint lce-bad', text: 'The directory could not be loaded: ' + e.message })));
    return fs;
  }

  // ---- Build ----
  const STRATEGIES = [['round_robin', 'Round robin: each in turn'], ['least_busy', 'Least busy: fewest open conversations'],
    ['contact_owner', 'Contact owner, else round robin'], ['skills', 'Skills: only agents with every skill needed']];
  const SKILL_FIELDS = [['language', 'Language'], ['page_url', 'Page URL'], ['chatflow', 'Chatflow id'], ['property', 'Contact property']];
  const SKILL_OPS = [['is', 'is'], ['contains', 'contains'], ['starts_with', 'starts with']];

  function skillRule(changed) {
    return (r, i, remove) => {
      const p = 'build.assignment.skillRules[' + i + ']';
      r.when = r.when || { field: 'language', op: 'is', value: '' };
      r.skills = r.skills || [];
      const nameIn = text(r.when, 'name', p + '.when.name', changed);
      const name = field('Property', nameIn);
      name.hidden = r.when.field !== 'property';
      const skills = h('input', { type: 'text', 'data-path': p + '.skills', value: r.skills.join(', ') });
      skills.addEventListener('input', () => { r.skills = skills.value.split(',').map(s => s.trim()).filter(Boolean); changed(); });
      return h('div', { class: 'lce-row lce-item', role: 'group', 'aria-label': 'Skill rule ' + (i + 1) },
        field('When', choice(r.when, 'field', p + '.when.field', SKILL_FIELDS, changed, v => {
          name.hidden = v !== 'property';
          if (v !== 'property') { delete r.when.name; nameIn.value = ''; }
        })),
        name,
        field('Test', choice(r.when, 'op', p + '.when.op', SKILL_OPS, changed)),
        field('Value', text(r.when, 'value', p + '.when.value', changed)),
        field('Skills needed (comma-separated)', skills),
        h('button', { type: 'button', class: 'lce-danger', text: 'Remove', 'aria-label': 'Remove skill rule ' + (i + 1), onclick: remove }));
    };
  }

  function renderBuild(el, d, changed) {
    const b = d.build, a = b.assignment, dp = d.display, hd = dp.heading;
    a.userIds = a.userIds || []; a.teamIds = a.teamIds || []; a.skillRules = a.skillRules || [];
    hd.userIds = hd.userIds || []; hd.teamIds = hd.teamIds || [];

    el.append(h('fieldset', { 'data-path': 'build.assignment' }, h('legend', { text: 'Assignment: who answers' }),
      people('Agents', 'agents', a.userIds, 'build.assignment.userIds', changed, 'None chosen: every agent (and team members below).'),
      people('Teams', 'teams', a.teamIds, 'build.assignment.teamIds', changed),
      field('Strategy', choice(a, 'strategy', 'build.assignment.strategy', STRATEGIES, changed)),
      list('Skill rules', 'build.assignment.skillRules', a.skillRules, skillRule(changed),
        () => ({ when: { field: 'language', op: 'is', value: '' }, skills: [] }), 'Add skill rule', changed,
        'A conversation that matches a rule needs its skills: only agents with every skill needed get it, whatever the strategy.')));

    el.append(h('fieldset', null, h('legend', { text: 'Welcome message' }),
      field('Welcome message', text(b, 'welcome', 'build.welcome', changed, { area: true, max: 1000 }),
        'The first message visitors see, and the prompt above the launcher.')));

    el.append(h('fieldset', { 'data-path': 'build.emailCapture' }, h('legend', { text: 'Email capture' }),
      field('Ask for the visitor\'s email', choice(b.emailCapture, 'mode', 'build.emailCapture.mode', [
        ['never', 'Never'], ['before_first_message', 'Before the first message'],
        ['after_first_message', 'After the first message'], ['when_away', 'Only while nobody is available']], changed)),
      field('Question', text(b.emailCapture, 'prompt', 'build.emailCapture.prompt', changed, { area: true, max: 500 }),
        'Empty: the default question in the chat\'s language.')));

    const who = h('div');
    const drawWho = () => {
      who.replaceChildren();
      if (hd.kind === 'brand') {
        const img = h('img', { class: 'lce-avatar', alt: '', hidden: !hd.brandAvatarUrl, src: hd.brandAvatarUrl || null });
        const url = text(hd, 'brandAvatarUrl', 'display.heading.brandAvatarUrl', changed, { type: 'url', max: 2048, placeholder: 'https://… or /logo.png' });
        url.addEventListener('input', () => { img.hidden = !url.value; if (url.value) img.src = url.value; });
        who.append(
          field('Brand name', text(hd, 'brandName', 'display.heading.brandName', changed, { max: 100 })),
          h('div', { class: 'lce-row' }, field('Brand image (URL)', url), img),
          check(hd, 'brandAlias', 'display.heading.brandAlias', 'Use the brand as an alias for agents in the whole conversation (visitors never see agents\' own names or pictures)', changed));
      } else {
        who.append(people('Agents shown', 'agents', hd.userIds, 'display.heading.userIds', changed,
          hd.kind === 'owner' ? 'Shown when the visitor is not a contact with an owner.' : 'None chosen: the available agents the assignment routes to. The first 3 found are shown.'),
        people('Teams shown', 'teams', hd.teamIds, 'display.heading.teamIds', changed));
      }
    };
    drawWho();
    el.append(h('fieldset', { 'data-path': 'display.heading' }, h('legend', { text: 'Heading' }),
      radios('Who the heading shows', hd, 'kind', 'display.heading.kind', [
        ['agents', 'Specific agents or teams', '(names and pictures)'], ['owner', 'The contact\'s owner'], ['brand', 'A brand name and image']],
      changed, v => { if (v !== 'brand') hd.brandAlias = false; drawWho(); }),
      field('Title', text(hd, 'title', 'display.heading.title', changed, { max: 100 })),
      field('Subtitle', text(hd, 'subtitle', 'display.heading.subtitle', changed, { max: 200 })),
      who));

    colorField(el, d, changed);

    const tr = dp.desktop.triggers;
    const triggers = h('fieldset', { 'data-path': 'display.desktop.triggers', hidden: dp.desktop.behavior !== 'open_on_trigger' },
      h('legend', { text: 'Open the chat when' }),
      h('p', { class: 'lce-hint', text: 'Any one is enough; 0 turns a trigger off.' }),
      check(tr, 'exitIntent', 'display.desktop.triggers.exitIntent', 'The pointer leaves through the top of the window (exit intent)', changed),
      field('Seconds on the page', number(tr, 'secondsOnPage', 'display.desktop.triggers.secondsOnPage', changed, 0, 3600)),
      field('Percent of the page scrolled', number(tr, 'scrollPercent', 'display.desktop.triggers.scrollPercent', changed, 0, 100)));
    el.append(h('fieldset', null, h('legend', { text: 'Behaviour on desktop' }),
      radios('What visitors see first', dp.desktop, 'behavior', 'display.desktop.behavior', [
        ['prompt', 'The welcome message above the launcher'], ['launcher', 'The launcher only'],
        ['open_on_trigger', 'The welcome message, then the chat opens on a trigger']], changed, v => { triggers.hidden = v !== 'open_on_trigger'; }),
      triggers));
    el.append(h('fieldset', null, h('legend', { text: 'Behaviour on phones' }),
      radios('What visitors see first', dp.mobile, 'behavior', 'display.mobile.behavior', [
        ['prompt', 'The welcome message above the launcher'], ['launcher', 'The launcher only']], changed)));
  }

  // ---- Knowledge base ----
  function renderKnowledge(el, d, changed) {
    const kb = d.build.knowledgeBase;
    el.append(h('fieldset', { 'data-path': 'build.knowledgeBase' }, h('legend', { text: 'Help tab' }),
      check(kb, 'enabled', 'build.knowledgeBase.enabled', 'Show a Help tab where visitors search your articles before they write', changed),
      field('Knowledge base id', text(kb, 'baseId', 'build.knowledgeBase.baseId', changed, { max: 128 }),
        'Kept with the chatflow for your own use; the chat searches the knowledge base your site configures.')));
  }

  L.form = { text, number, check, choice, radios, list, people };
  L.tab('build', { label: 'Build', order: 10, render: renderBuild });
  L.tab('knowledge', { label: 'Knowledge base', order: 20, render: renderKnowledge });
})();
