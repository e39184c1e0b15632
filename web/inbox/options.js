/* golivechat chatflow editor: the Options tab (language, conversation
 * properties, consent, marketing contacts, attachments, satisfaction
 * survey). */
(() => {
  'use strict';
  const L = window.LCEditor;
  const { h, field } = L;
  const { text, check, radios, list } = L.form;

  // ownText edits a text that is the default of the chat's language while
  // obj[key] is empty: the field shows the default, and "Reset to default"
  // empties obj[key] again. def() is a promise of the default.
  function ownText(label, obj, key, path, changed, def, o) {
    o = o || {};
    const el = h(o.line ? 'input' : 'textarea', { type: o.line ? 'text' : null, 'data-path': path, rows: o.line ? null : 3, maxlength: o.max, value: obj[key] || '' });
    const state = h('span', { class: 'lce-hint', 'aria-live': 'polite' });
    let dflt = null;
    const show = () => { state.textContent = obj[key] ? 'Your own text, shown in every language.' : 'The default text in the chat\'s language.'; };
    el.addEventListener('input', () => { obj[key] = dflt !== null && el.value === dflt ? '' : el.value; changed(); show(); });
    const reset = h('button', {
      type: 'button', class: 'lce-reset', text: 'Reset to default', 'data-reset': path,
      onclick: () => {
        obj[key] = '';
        el.value = dflt || '';
        changed();
        show();
        el.focus();
      },
    });
    def().then(t => { dflt = t || ''; if (!obj[key]) el.value = dflt; }, () => { state.textContent = 'The default text could not be loaded.'; });
    show();
    const row = field(label, el, o.hint);
    row.append(h('div', { class: 'lce-row' }, reset, state));
    return row;
  }

  // props edits an object of strings as rows of name and value.
  function props(obj, key, path, changed) {
    const rows = Object.entries(obj[key] || {}).map(([name, value]) => ({ name, value }));
    const store = () => {
      const o = {};
      for (const r of rows) if (r.name !== '' || r.value !== '') o[r.name] = r.value;
      obj[key] = o;
      changed();
    };
    const sub = p => /^\w+$/.test(p) ? path + '.' + p : path + '[' + JSON.stringify(p) + ']';
    return list('Default conversation properties', path, rows, (r, i, remove) => {
      // The server reports a bad name and a bad value alike at the property's path.
      const name = h('input', { type: 'text', value: r.name, 'data-path': sub(r.name), maxlength: 64 });
      const value = h('input', { type: 'text', value: r.value, 'data-path': sub(r.name), maxlength: 1000 });
      name.addEventListener('input', () => {
        r.name = name.value;
        name.dataset.path = sub(r.name);
        value.dataset.path = sub(r.name);
        store();
      });
      value.addEventListener('input', () => { r.value = value.value; store(); });
      return h('div', { class: 'lce-row lce-item', role: 'group', 'aria-label': 'Property ' + (i + 1) },
        field('Name', name), field('Value', value),
        h('button', { type: 'button', class: 'lce-danger', text: 'Remove', 'aria-label': 'Remove property ' + (i + 1), onclick: () => { remove(); store(); } }));
    }, () => ({ name: '', value: '' }), 'Add property', () => {}, 'Set on every conversation this chat starts, for your reports and routing.');
  }

  function renderOptions(el, d, changed) {
    const o = d.options, c = o.consent;
    const texts = () => L.texts(o.language);
    const redraw = []; // the fields whose default depends on the language or the kind

    const holder = draw => {
      const box = h('div');
      box.redraw = () => box.replaceChildren(draw());
      box.redraw();
      redraw.push(box.redraw);
      return box;
    };

    const lang = L.languageSelect(o.language, 'options.language');
    lang.addEventListener('change', () => { o.language = lang.value; changed(); redraw.forEach(f => f()); });
    el.append(h('fieldset', null, h('legend', { text: 'Language' }),
      field('Language of the chat', lang, 'Default texts are in this language; visitors whose browser asks for another of the five languages get that one.')));

    el.append(h('fieldset', null, h('legend', { text: 'Priority' }),
      field('Priority', L.form.number(d, 'priority', 'priority', changed, -1000000, 1000000),
        'When several published chatflows match a page, the one with the highest priority shows.')));

    el.append(props(o, 'conversationProperties', 'options.conversationProperties', changed));

    const ck = c.cookies;
    el.append(h('fieldset', { 'data-path': 'options.consent.cookies' }, h('legend', { text: 'Cookie consent' }),
      check(ck, 'enabled', 'options.consent.cookies.enabled', 'Ask before the chat stores anything in the visitor\'s browser', changed),
      radios('When the banner shows', ck, 'when', 'options.consent.cookies.when', [
        ['before_chat', 'Before the chat', '(when the visitor opens it)'], ['on_exit', 'On exit', '(when the visitor starts to leave the page)']], changed),
      holder(() => ownText('Banner text', ck, 'text', 'options.consent.cookies.text', changed,
        () => texts().then(t => t.texts.cookieText), { max: 2000, hint: 'Links are written [label](https://…).' }))));

    const pr = c.processing;
    const prText = holder(() => ownText('Consent text', pr, 'text', 'options.consent.processing.text', changed,
      () => texts().then(t => t.texts[pr.kind === 'legitimate_interest' ? 'processingLegitimateText' : 'processingExplicitText']),
      { max: 2000, hint: 'Links are written [label](https://…); {privacyPolicyUrl} is the address below.' }));
    el.append(h('fieldset', { 'data-path': 'options.consent.processing' }, h('legend', { text: 'Consent to process data' }),
      check(pr, 'enabled', 'options.consent.processing.enabled', 'Show the data processing text', changed),
      radios('How visitors consent', pr, 'kind', 'options.consent.processing.kind', [
        ['explicit', 'Explicit', '(visitors click "I agree" before they can write)'],
        ['legitimate_interest', 'Legitimate interest', '(the text is shown; chatting implies consent)']], changed, () => prText.redraw()),
      prText,
      field('Privacy policy address', text(pr, 'privacyPolicyUrl', 'options.consent.processing.privacyPolicyUrl', changed, { type: 'url', max: 2048, placeholder: 'https://… or /privacy' }))));

    const cm = c.communication;
    cm.subscriptions = cm.subscriptions || [];
    el.append(h('fieldset', { 'data-path': 'options.consent.communication' }, h('legend', { text: 'Consent to communicate' }),
      check(cm, 'enabled', 'options.consent.communication.enabled', 'Offer a checkbox per subscription type (none is required)', changed),
      list('Subscription types', 'options.consent.communication.subscriptions', cm.subscriptions, (s, i, remove) => {
        const p = 'options.consent.communication.subscriptions[' + i + ']';
        return h('div', { class: 'lce-row lce-item', role: 'group', 'aria-label': 'Subscription type ' + (i + 1) },
          field('Id', text(s, 'id', p + '.id', changed, { max: 64 })),
          field('Checkbox label (empty: the label below)', text(s, 'label', p + '.label', changed, { max: 500 })),
          h('button', { type: 'button', class: 'lce-danger', text: 'Remove', 'aria-label': 'Remove subscription type ' + (i + 1), onclick: remove }));
      }, () => ({ id: '', label: '' }), 'Add subscription type', changed, 'Your subscription types, such as "newsletter"; each is recorded when granted.'),
      holder(() => ownText('Checkbox label', cm, 'label', 'options.consent.communication.label', changed,
        () => texts().then(t => t.communicationLabel), { line: true, max: 500 }))));

    el.append(h('fieldset', null, h('legend', { text: 'Contacts' }),
      check(c, 'marketingContacts', 'options.consent.marketingContacts', 'Mark the contacts this chat creates as marketing contacts', changed)));

    // Attachments: on or off, the largest file (in MB here, bytes in the
    // chatflow) and the types allowed.
    const fo = o.files = o.files || { enabled: false, maxSize: 10485760, types: [] };
    const mb = h('input', { type: 'number', min: 1, max: 50, step: 'any', 'data-path': 'options.files.maxSize', value: fo.maxSize / 1048576 });
    mb.addEventListener('input', () => { fo.maxSize = Math.round(mb.value * 1048576); changed(); });
    el.append(h('fieldset', { 'data-path': 'options.files' }, h('legend', { text: 'Attachments' }),
      check(fo, 'enabled', 'options.files.enabled', 'Let visitors and agents attach files (when the site keeps files: Config.Files)', changed),
      field('Largest file, in MB (at most 50)', mb),
      h('fieldset', { 'data-path': 'options.files.types' }, h('legend', { text: 'Types allowed (checked from each file\'s content)' }),
        ...[['image/png', 'PNG images'], ['image/jpeg', 'JPEG images'], ['image/gif', 'GIF images'], ['image/webp', 'WebP images'],
          ['application/pdf', 'PDF documents'], ['text/plain', 'Plain text'], ['application/zip', 'ZIP archives']].map(([t, label]) =>
          h('div', { class: 'lce-check' }, h('label', null, h('input', {
            type: 'checkbox', value: t, checked: fo.types.includes(t),
            onchange: e => { fo.types = e.target.checked ? [...fo.types, t] : fo.types.filter(x => x !== t); changed(); },
          }), ' ' + label))))));

    const survey = h('div', { hidden: !o.surveyId });
    const sid = text(o, 'surveyId', 'options.surveyId', changed, { max: 128 });
    survey.append(field('Survey id', sid, 'Names the survey in the answers you export.'));
    const on = h('input', { type: 'checkbox', checked: !!o.surveyId, 'data-path': 'options.surveyId' });
    on.addEventListener('change', () => {
      o.surveyId = on.checked ? (sid.value.trim() || 'csat') : '';
      sid.value = o.surveyId;
      survey.hidden = !on.checked;
      changed();
    });
    el.append(h('fieldset', null, h('legend', { text: 'Satisfaction survey' }),
      h('div', { class: 'lce-check' }, h('label', null, on, ' Ask visitors to rate the conversation (1 to 5, with a comment) when it ends')),
      survey));
  }

  L.tab('options', { label: 'Options', order: 50, render: renderOptions });
})();
