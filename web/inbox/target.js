/* golivechat chatflow editor: the Target tab, a rule builder over a
 * chatflow's targeting rules (filter groups of rules, and exclusion rules),
 * and LCEditor.targetSummary, the one-line summary of where a chatflow
 * shows. Plain JavaScript on the editor's LCEditor; text is inserted as
 * text only. Every control carries in data-path the JSON path the server
 * names in its errors ("target.groups[0].rules[1].value"). */
(() => {
  'use strict';

  const E = window.LCEditor;
  if (!E) return;

  // What a rule can look at, with the operators each takes (the order of
  // targeting.Compile's table) and the one a new rule of that kind starts
  // with.
  const FIELDS = [
    { id: 'url', label: 'Page URL', noun: 'URL', first: 'contains',
      ops: ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'ends_with', 'matches_wildcard', 'matches_regex'] },
    { id: 'path', label: 'Page path', noun: 'path', first: 'starts_with',
      ops: ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'ends_with', 'matches_wildcard', 'matches_regex'] },
    { id: 'query', label: 'Query parameter', noun: 'query parameter', first: 'is', named: true,
      ops: ['is', 'is_not', 'contains', 'is_present'] },
    { id: 'contact', label: 'Visitor', noun: 'visitor', first: 'is_known',
      ops: ['is_known', 'is_unknown'] },
    { id: 'property', label: 'Contact property', noun: 'contact property', first: 'is', named: true,
      ops: ['is', 'is_not', 'contains', 'is_known', 'is_unknown', 'greater_than', 'less_than'] },
    { id: 'device', label: 'Device', noun: 'device', first: 'is',
      ops: ['is', 'is_not'] },
  ];
  const FIELD = Object.fromEntries(FIELDS.map(f => [f.id, f]));
  const OPS = {
    is: 'is', is_not: 'is not', contains: 'contains', not_contains: 'does not contain',
    starts_with: 'starts with', ends_with: 'ends with',
    matches_wildcard: 'matches the wildcard pattern', matches_regex: 'matches the regular expression',
    is_present: 'is present', greater_than: 'is greater than', less_than: 'is less than',
  };
  const VALUELESS = new Set(['is_present', 'is_known', 'is_unknown']);
  const DEVICES = [['desktop', 'Desktop'], ['tablet', 'Tablet'], ['mobile', 'Mobile']];
  const LIMIT = 2048; // targeting.MaxValueLength, bytes of a name or value

  // opLabel names an operator as it reads after its field.
  function opLabel(field, op) {
    if (op === 'is_known') return field === 'contact' ? 'is a known contact' : 'has a value';
    if (op === 'is_unknown') return field === 'contact' ? 'is not a known contact' : 'has no value';
    return OPS[op] || op;
  }

  // hint is the help shown under a rule's value, or ''.
  function hint(rule) {
    switch (rule.op) {
      case 'matches_wildcard': return '* matches any run of characters.';
      case 'matches_regex': return 'RE2 syntax, matched anywhere in the ' + (rule.field === 'url' ? 'URL' : 'path') + ': anchor it with ^ and $.';
      case 'greater_than': case 'less_than': return 'A number, or a date such as 2026-01-31.';
    }
    if (rule.field === 'url' && (rule.op === 'is' || rule.op === 'is_not' || rule.op === 'starts_with')) return 'A whole address, starting with https://.';
    if (rule.field === 'query' || rule.field === 'property') return 'Compared exactly, upper and lower case as written.';
    return '';
  }

  function placeholder(rule) {
    const f = rule.field, op = rule.op, site = location.origin;
    if (f === 'url') {
      if (op === 'matches_wildcard') return site + '/blog/*';
      if (op === 'matches_regex') return '^https://[^/]+/(pricing|plans)';
      return op === 'is' || op === 'is_not' || op === 'starts_with' ? site + '/pricing' : '/pricing';
    }
    if (f === 'path') return op === 'matches_wildcard' ? '/blog/*' : op === 'matches_regex' ? '^/pricing/?$' : '/pricing';
    if (f === 'query') return 'newsletter';
    if (f === 'property') return op === 'greater_than' || op === 'less_than' ? '10' : 'pro';
    return '';
  }

  // ---- the summary ----

  function clip(s, n) {
    s = String(s == null ? '' : s);
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  // ruleText says what one rule checks: "URL contains /pricing".
  function ruleText(r) {
    if (!r) return '';
    const f = FIELD[r.field];
    let s = f ? f.noun : String(r.field || 'page');
    if (f && f.named) s += ' “' + clip(r.name, 30) + '”';
    s += ' ' + opLabel(r.field, r.op);
    if (!VALUELESS.has(r.op) && r.value) s += ' ' + clip(r.value, 60);
    return s;
  }

  function rulesText(rules) {
    return (rules || []).map(ruleText).join(' and ');
  }

  // targetSummary says in one line where a chatflow with these targeting
  // rules shows: "Pages whose URL contains /pricing", "Every page".
  E.targetSummary = function targetSummary(target) {
    const groups = ((target && target.groups) || []).filter(g => g && g.rules && g.rules.length);
    const exclude = (target && target.exclude) || [];
    let s;
    if (!groups.length) s = 'Every page';
    else {
      s = 'Pages whose ' + groups.slice(0, 2).map(g => rulesText(g.rules)).join(', or whose ');
      if (groups.length > 2) s += ', or ' + (groups.length - 2) + ' more filter group' + (groups.length > 3 ? 's' : '');
    }
    if (exclude.length) {
      s += ', except where ' + exclude.slice(0, 2).map(ruleText).join(' or ');
      if (exclude.length > 2) s += ' or ' + (exclude.length - 2) + ' more rule' + (exclude.length > 3 ? 's' : '');
    }
    return s;
  };

  // ---- the rule builder ----

  let serial = 0; // makes element ids unique across renders

  // node builds an element with LCEditor.h and wires its listeners.
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

  // labelled wraps a control in its visible label.
  function labelled(text, control, cls) {
    return E.h('label', { class: 'lce-field' + (cls ? ' ' + cls : '') }, E.h('span', { class: 'lce-label' }, text), control);
  }

  function button(text, label, key, onclick, cls) {
    return node('button', { type: 'button', class: cls || 'lce-button', 'aria-label': label, 'data-key': key }, { click: onclick }, text);
  }

  // render draws the tab into el. Structural changes (a rule added,
  // removed, or changing kind) draw it again and put the focus back where
  // it was, or on the control named by focusKey.
  function render(el, draft, changed) {
    const ensure = () => {
      const t = draft.target && typeof draft.target === 'object' ? draft.target : (draft.target = {});
      if (!Array.isArray(t.groups)) t.groups = [];
      if (!Array.isArray(t.exclude)) t.exclude = [];
      return t;
    };
    const target = () => draft.target || {};
    const newRule = () => ({ field: 'url', op: 'contains', value: '' });

    let summary = null;
    const edited = () => {
      if (summary) summary.textContent = E.targetSummary(target());
      changed();
    };
    const redraw = focusKey => {
      const active = document.activeElement;
      const key = focusKey || (active && el.contains(active) && (active.getAttribute('data-path') || active.getAttribute('data-key')));
      draw();
      changed();
      if (summary) summary.textContent = E.targetSummary(target());
      if (!key) return;
      const next = [...el.querySelectorAll('[data-path],[data-key]')].find(n => n.getAttribute('data-path') === key || n.getAttribute('data-key') === key);
      if (next) next.focus();
    };

    // ruleRow is one rule: what it looks at, its name, how it compares
    // and its value, and a remove button.
    function ruleRow(rule, path, name, remove) {
      const f = FIELD[rule.field];
      const row = E.h('div', { class: 'lce-rule', role: 'group', 'aria-label': name });

      const field = node('select', { 'data-path': path + '.field' }, {
        change: () => {
          const from = rule.field, to = field.value, nf = FIELD[to];
          rule.field = to;
          if (nf.named) rule.name = rule.name || '';
          else delete rule.name;
          if (!nf.ops.includes(rule.op)) rule.op = nf.first;
          if (VALUELESS.has(rule.op)) delete rule.value;
          else if (to === 'device') rule.value = 'desktop';
          else if (from === 'device' || rule.value == null) rule.value = '';
          redraw();
        },
      });
      for (const x of FIELDS) field.append(option(x.id, x.label, rule.field));
      if (!f) field.append(option(String(rule.field), String(rule.field || 'Choose…'), rule.field));
      row.append(labelled('Look at', field, 'lce-rule-field'));

      if (f && f.named) {
        const nm = node('input', {
          type: 'text', 'data-path': path + '.name', maxlength: String(LIMIT), autocomplete: 'off',
          spellcheck: 'false', placeholder: rule.field === 'query' ? 'utm_source' : 'plan',
        }, { input: () => { rule.name = nm.value; edited(); } });
        nm.value = rule.name || '';
        row.append(labelled(rule.field === 'query' ? 'Parameter name' : 'Property name', nm, 'lce-rule-name'));
      }

      const ops = f ? f.ops : [];
      const op = node('select', { 'data-path': path + '.op' }, {
        change: () => {
          const was = VALUELESS.has(rule.op);
          rule.op = op.value;
          if (VALUELESS.has(rule.op)) delete rule.value;
          else if (was || rule.value == null) rule.value = rule.field === 'device' ? 'desktop' : '';
          redraw();
        },
      });
      for (const o of ops) op.append(option(o, opLabel(rule.field, o), rule.op));
      if (!ops.includes(rule.op)) op.append(option(String(rule.op), String(rule.op || 'Choose…'), rule.op));
      row.append(labelled('Condition', op, 'lce-rule-op'));

      if (!VALUELESS.has(rule.op) && rule.field === 'device') {
        const dev = String(rule.value || '').toLowerCase();
        const value = node('select', { 'data-path': path + '.value' }, { change: () => { rule.value = value.value; edited(); } });
        for (const [v, l] of DEVICES) value.append(option(v, l, dev));
        if (!DEVICES.some(d => d[0] === dev)) value.append(option(String(rule.value || ''), String(rule.value || 'Choose…'), String(rule.value || '')));
        row.append(labelled('Value', value, 'lce-rule-value'));
      } else if (!VALUELESS.has(rule.op)) {
        const help = hint(rule), id = 'lce-target-hint-' + (++serial);
        const attrs = {
          type: 'text', 'data-path': path + '.value', maxlength: String(rule.op === 'matches_regex' ? 512 : LIMIT),
          autocomplete: 'off', spellcheck: 'false', placeholder: placeholder(rule),
        };
        if (help) attrs['aria-describedby'] = id;
        const value = node('input', attrs, { input: () => { rule.value = value.value; edited(); } });
        value.value = rule.value || '';
        row.append(help
          ? E.h('div', { class: 'lce-rule-value' }, labelled('Value', value), E.h('span', { class: 'lce-hint', id }, help))
          : labelled('Value', value, 'lce-rule-value'));
      }

      row.append(button('Remove', 'Remove ' + name.charAt(0).toLowerCase() + name.slice(1), 'remove:' + path, remove, 'lce-button lce-remove'));
      return row;
    }

    function draw() {
      const t = target();
      const groups = Array.isArray(t.groups) ? t.groups : [];
      const exclude = Array.isArray(t.exclude) ? t.exclude : [];
      const parts = [];

      parts.push(E.h('p', { class: 'lce-intro' },
        'The chat shows on a page when every rule of a filter group matches (AND inside a group); ' +
        'with several filter groups, one matching group is enough (OR between groups). ' +
        'Exclusion rules hide the chat wherever any of them matches.'));
      summary = E.h('span', {}, E.targetSummary(t));
      parts.push(E.h('p', { class: 'lce-target-summary' }, E.h('strong', {}, 'Shows on: '), summary));

      const list = E.h('div', { class: 'lce-groups' });
      if (!groups.length) {
        list.append(E.h('p', { class: 'lce-empty' }, 'No filter group: the chat shows on every page.'),
          button('Add rule', 'Add rule', 'add-first-rule', () => {
            ensure().groups.push({ rules: [newRule()] });
            redraw('target.groups[0].rules[0].field');
          }));
      }
      groups.forEach((g, gi) => {
        const rules = (g && Array.isArray(g.rules)) ? g.rules : [];
        const gname = 'filter group ' + (gi + 1);
        if (gi > 0) list.append(E.h('p', { class: 'lce-or', 'aria-hidden': 'true' }, 'OR'));
        const set = E.h('fieldset', { class: 'lce-group' },
          E.h('legend', {}, 'Filter group ' + (gi + 1) + (rules.length > 1 ? ': all rules must match' : '')));
        rules.forEach((r, ri) => {
          if (ri > 0) set.append(E.h('p', { class: 'lce-and', 'aria-hidden': 'true' }, 'AND'));
          const path = 'target.groups[' + gi + '].rules[' + ri + ']';
          set.append(ruleRow(r, path, 'Rule ' + (ri + 1) + ' of ' + gname, () => {
            rules.splice(ri, 1);
            if (rules.length) {
              redraw(ri < rules.length ? 'remove:' + path : 'add-rule:' + gi);
              return;
            }
            // A group needs a rule: its last rule takes the group along.
            ensure().groups.splice(gi, 1);
            redraw(draft.target.groups.length ? 'add-group' : 'add-first-rule');
          }));
        });
        const actions = E.h('div', { class: 'lce-actions' },
          button('Add rule', 'Add rule to ' + gname, 'add-rule:' + gi, () => {
            if (!Array.isArray(g.rules)) g.rules = [];
            g.rules.push(newRule());
            redraw('target.groups[' + gi + '].rules[' + (g.rules.length - 1) + '].field');
          }),
          button('Remove filter group', 'Remove ' + gname, 'remove-group:' + gi, () => {
            ensure().groups.splice(gi, 1);
            const n = draft.target.groups.length;
            redraw(n ? (gi < n ? 'remove-group:' + gi : 'add-group') : 'add-first-rule');
          }, 'lce-button lce-remove'));
        set.append(actions);
        list.append(set);
      });
      if (groups.length) {
        list.append(button('Add filter group', 'Add filter group', 'add-group', () => {
          const t = ensure();
          t.groups.push({ rules: [newRule()] });
          redraw('target.groups[' + (t.groups.length - 1) + '].rules[0].field');
        }));
      }
      parts.push(list);

      const ex = E.h('fieldset', { class: 'lce-group lce-exclude' }, E.h('legend', {}, 'Exclusion rules'),
        E.h('p', { class: 'lce-hint' }, exclude.length
          ? 'The chat never shows where any of these rules matches.'
          : 'None: add one to keep the chat off pages that would otherwise match.'));
      exclude.forEach((r, ri) => {
        if (ri > 0) ex.append(E.h('p', { class: 'lce-and', 'aria-hidden': 'true' }, 'OR'));
        const path = 'target.exclude[' + ri + ']';
        ex.append(ruleRow(r, path, 'Exclusion rule ' + (ri + 1), () => {
          exclude.splice(ri, 1);
          redraw(ri < exclude.length ? 'remove:' + path : 'add-exclude');
        }));
      });
      ex.append(E.h('div', { class: 'lce-actions' }, button('Add exclusion rule', 'Add exclusion rule', 'add-exclude', () => {
        const t = ensure();
        t.exclude.push(newRule());
        redraw('target.exclude[' + (t.exclude.length - 1) + '].field');
      })));
      parts.push(ex);

      el.replaceChildren(E.h('div', { class: 'lce-target' }, ...parts));
    }

    draw();
  }

  E.tab('target', { label: 'Target', order: 30, render });
})();
