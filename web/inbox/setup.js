/* golivechat chatflow editor: setting up the chat the first time. Plain
 * JavaScript, no dependencies, no build step; all text is inserted as
 * text, never as markup.
 *
 * LCEditor.needsSetup(list) says whether the editor starts with the setup
 * instead of the list: while no chatflow has been edited yet, that is
 * while every chatflow the list answer holds is still as the server
 * stored it from its configuration ("unedited", PROTOCOL.md), or there is
 * none at all, unless the setup was skipped in this browser tab.
 *
 * LCEditor.setup(el, list, done) walks through three steps (Display,
 * Chatflow, Availability), then the preview on a desktop, a tablet and a
 * phone, and Publish, which saves the chatflow and publishes it through
 * the admin endpoints. It sets up the chatflow visitors see where no other
 * shows: the default chatflow, else the published one with the lowest
 * priority, else the first; with none at all it creates one. done() goes
 * on to the list. */
(() => {
  'use strict';
  const E = window.LCEditor;
  if (!E) return;
  const enc = encodeURIComponent;
  const SKIPPED = 'lce-setup-skipped';

  function needsSetup(list) {
    try {
      if (sessionStorage.getItem(SKIPPED) === '1') return false;
    } catch (e) { /* storage disabled: no memory of a skip */ }
    return (list || []).every(sf => sf.unedited === true);
  }

  // subject is the chatflow the setup edits (see the file's comment).
  function subject(list) {
    const flows = (list || []).slice().sort((a, b) => a.chatflow.id < b.chatflow.id ? -1 : a.chatflow.id > b.chatflow.id ? 1 : 0);
    return flows.find(sf => sf.chatflow.id === 'default') ||
      flows.filter(sf => sf.chatflow.enabled).sort((a, b) => (a.chatflow.priority || 0) - (b.chatflow.priority || 0))[0] ||
      flows[0] || null;
  }

  // api is the editor's: the admin endpoints, errors with their fields.
  const api = E.api;

  // up is the path of the field that holds path: "a.b[2]" -> "a.b" -> "a".
  const up = p => { const m = /(\.\w+|\[\d+\])$/.exec(p); return m ? p.slice(0, -m[0].length) : ''; };

  async function setup(el, list, done) {
    const { h } = E;
    el.replaceChildren(h('p', { role: 'status', text: 'Loading…' }));
    let sf = subject(list);
    try {
      if (!sf) sf = await api('POST', 'admin/chatflows', { name: 'Website chat', enabled: false });
      else sf = await api('GET', 'admin/chatflows/' + enc(sf.chatflow.id));
    } catch (e) {
      el.replaceChildren(h('p', { class: 'lce-error', role: 'alert', text: 'The chat cannot be set up now: ' + e.message }),
        h('button', { type: 'button', text: 'Try again', onclick: () => setup(el, list, done) }));
      return;
    }
    wizard(el, sf, done);
  }

  // wizard shows the steps for the stored chatflow sf.
  function wizard(el, sf, done) {
    const { h, field } = E;
    const draft = sf.chatflow;
    let version = sf.version, dirty = false, pane = null, at = 0;
    const d = draft.display, b = draft.build;
    d.heading = d.heading || {};
    b.assignment = b.assignment || {};

    const unload = e => { if (dirty) { e.preventDefault(); e.returnValue = ''; } };
    window.addEventListener('beforeunload', unload);
    const changed = () => {
      dirty = true;
      if (pane) pane.update(draft);
    };

    // ---- the steps ----
    const steps = [
      { id: 'display', label: 'Display', render: display },
      { id: 'chatflow', label: 'Chatflow', render: chatflow },
    ];
    if (typeof E.availabilityForm === 'function') steps.push({ id: 'availability', label: 'Availability', render: s => E.availabilityForm(s, draft, changed) });
    steps.push({ id: 'preview', label: 'Preview and publish', render: preview });
    const count = steps.length - 1; // the preview is not one of the steps

    function display(s) {
      s.append(h('p', { text: 'The colour of the launcher and of the chat\'s header. The text on it must stay readable: a colour is refused when the contrast with its text would be below 4.5:1.' }));
      E.colorField(s, draft, changed);
    }

    function chatflow(s) {
      const hd = d.heading;
      const text = (obj, key, path, o) => {
        const c = h(o.area ? 'textarea' : 'input', {
          type: o.area ? null : (o.type || 'text'), 'data-path': path, maxlength: o.max, rows: o.area ? 3 : null,
          value: obj[key] == null ? '' : String(obj[key]), placeholder: o.placeholder,
        });
        c.addEventListener('input', () => { obj[key] = c.value; changed(); });
        return c;
      };
      const alias = h('input', { type: 'checkbox', 'data-path': 'display.heading.brandAlias', checked: !!hd.brandAlias, onchange: () => { hd.brandAlias = alias.checked; changed(); } });
      const people = h('div', { class: 'lce-setup-people' }, h('p', { class: 'lce-hint', text: 'Loading the agents and teams…' }));
      const brand = h('div', { class: 'lce-setup-brand' },
        field('Brand name', text(hd, 'brandName', 'display.heading.brandName', { max: 100, placeholder: 'Acme' })),
        field('Brand image', text(hd, 'brandAvatarUrl', 'display.heading.brandAvatarUrl', { type: 'url', max: 2048, placeholder: 'https://…/logo.png' }),
          'An address starting with https:// or /: a square image shows best.'),
        h('div', { class: 'lce-check' }, h('label', null, alias,
          ' Use the brand as an alias for agents in the whole conversation')),
        h('p', { class: 'lce-hint', id: 'lce-setup-alias-hint', text: 'Visitors then see the brand\'s name and image on every reply, never an agent\'s.' }));
      alias.setAttribute('aria-describedby', 'lce-setup-alias-hint');
      const kinds = [
        ['agents', 'Specific agents or teams', 'Their names and pictures. None chosen: the available agents chats are assigned to.'],
        ['owner', 'The contact\'s owner', 'For a visitor who is a known contact with an owner; the agents or teams chosen below otherwise.'],
        ['brand', 'Your brand', 'A name and an image instead of people.'],
      ];
      const kindName = 'lce-setup-kind';
      const showKind = () => {
        people.hidden = hd.kind === 'brand';
        brand.hidden = hd.kind !== 'brand';
      };
      const kind = h('fieldset', { class: 'lce-setup-kinds', 'data-path': 'display.heading.kind' }, h('legend', { text: 'Who the heading shows' }),
        kinds.map(([v, label, hint]) => {
          const hid = 'lce-setup-kind-' + v + '-hint';
          return h('div', { class: 'lce-check' },
            h('input', {
              type: 'radio', name: kindName, id: 'lce-setup-kind-' + v, value: v, checked: (hd.kind || 'agents') === v, 'aria-describedby': hid,
              onchange: () => {
                hd.kind = v;
                // The alias is the brand's: without it, it goes.
                if (v !== 'brand') alias.checked = hd.brandAlias = false;
                showKind();
                changed();
              },
            }),
            h('div', null, h('label', { for: 'lce-setup-kind-' + v, text: label }), h('p', { class: 'lce-hint', id: hid, text: hint })));
        }));
      const assign = h('fieldset', { 'data-path': 'build.assignment' }, h('legend', { text: 'Who incoming chats are assigned to' }),
        h('p', { class: 'lce-hint', text: 'Chats go to these agents, and to the members of these teams, in turn. None chosen: every agent.' }),
        h('p', { class: 'lce-hint', text: 'Loading the agents and teams…' }));
      s.append(
        h('fieldset', { 'data-path': 'display.heading' }, h('legend', { text: 'Chat heading' }),
          field('Title', text(hd, 'title', 'display.heading.title', { max: 100 }), 'The first line of the chat\'s header.'),
          field('Subtitle', text(hd, 'subtitle', 'display.heading.subtitle', { max: 200 }), 'Such as how soon you reply. Optional.'),
          kind, people, brand),
        field('Welcome message', text(b, 'welcome', 'build.welcome', { area: true, max: 1000 }),
          'The first message visitors see, and the prompt above the launcher.'),
        assign);
      showKind();
      E.directory().then(dir => {
        people.replaceChildren(pickers(dir, hd, 'display.heading', 'In the heading'));
        assign.lastChild.replaceWith(pickers(dir, b.assignment, 'build.assignment', 'Assigned'));
      }, e => {
        const msg = 'The agents and teams cannot be listed now: ' + e.message;
        people.replaceChildren(h('p', { class: 'lce-error', text: msg }));
        assign.lastChild.replaceWith(h('p', { class: 'lce-error', text: msg }));
      });
    }

    // pickers are the checkboxes of every agent and team, with their
    // pictures, bound to obj.userIds and obj.teamIds (path + ".userIds", …).
    function pickers(dir, obj, path, what) {
      const group = (legend, items, key) => {
        obj[key] = obj[key] || [];
        if (!items.length) return null;
        return h('fieldset', { class: 'lce-pick-group', 'data-path': path + '.' + key }, h('legend', { text: legend }),
          h('div', { class: 'lce-pick' }, items.map(it => h('label', null,
            h('input', {
              type: 'checkbox', value: it.id, checked: obj[key].includes(it.id), 'aria-label': what + ': ' + (it.name || it.id),
              onchange: e => {
                const on = new Set(obj[key]);
                if (e.target.checked) on.add(it.id); else on.delete(it.id);
                obj[key] = items.map(x => x.id).filter(x => on.has(x)).concat(obj[key].filter(x => on.has(x) && !items.some(i => i.id === x)));
                changed();
              },
            }),
            avatar(it), h('span', { text: it.name || it.id })))));
      };
      const agents = group('Agents', dir.agents || [], 'userIds'), teams = group('Teams', dir.teams || [], 'teamIds');
      if (!agents && !teams) return h('p', { class: 'lce-hint', text: 'No agents yet: they are listed once they have opened the inbox.' });
      return h('div', null, agents, teams);
    }

    function avatar(it) {
      const ini = h('span', { class: 'lce-avatar', 'aria-hidden': 'true', text: (it.name || it.id || '?').split(/\s+/).map(w => w[0]).join('').slice(0, 2).toUpperCase() });
      if (!it.avatarUrl) return ini;
      const img = h('img', { class: 'lce-avatar', src: it.avatarUrl, alt: '' });
      img.addEventListener('error', () => img.replaceWith(ini));
      return img;
    }

    function preview(s) {
      s.append(h('p', { text: 'This is the chat as visitors will see it, with what you chose. Nothing is saved yet: Publish saves it and shows it on your site at once.' }));
      const frame = h('div', { class: 'lce-setup-frame' });
      const devices = h('fieldset', { class: 'lce-setup-devices' }, h('legend', { text: 'Preview on' }),
        [['desktop', 'Desktop'], ['tablet', 'Tablet'], ['phone', 'Phone']].map(([v, label]) => h('label', null,
          h('input', { type: 'radio', name: 'lce-setup-device', value: v, checked: v === 'desktop', onchange: () => pane && pane.device(v) }),
          ' ' + label)));
      s.append(devices, frame);
      if (typeof E.previewPane === 'function') {
        pane = E.previewPane(frame);
        pane.update(draft);
      }
    }

    // ---- the page ----
    const errors = h('div', { class: 'lce-summary', role: 'alert', tabindex: '-1', hidden: true });
    const state = h('p', { class: 'lce-status', role: 'status', 'aria-live': 'polite' });
    const progress = h('ol', { class: 'lce-steps' }, steps.map((st, i) => h('li', { 'data-step': st.id, text: i < count ? st.label : 'Preview' })));
    const panels = steps.map((st, i) => {
      const title = h('h3', { tabindex: '-1', text: i < count ? 'Step ' + (i + 1) + ' of ' + count + ': ' + st.label : st.label });
      // The step's form goes in a box of its own: a form may replace
      // everything in the element it is given.
      return h('section', { class: 'lce-step', id: 'lce-step-' + st.id, 'data-step': st.id, 'aria-label': st.label, hidden: i !== 0 },
        title, h('div', { class: 'lce-step-body' }));
    });
    const body = i => panels[i].lastChild;
    const back = h('button', { type: 'button', id: 'lce-setup-back', text: 'Back', onclick: () => show(at - 1, true) });
    const next = h('button', { type: 'button', id: 'lce-setup-next', class: 'lce-primary', onclick: () => at < steps.length - 1 ? show(at + 1, true) : publish() });
    const skip = h('button', {
      type: 'button', id: 'lce-setup-skip', text: 'Skip the setup',
      onclick: () => {
        if (!dirty) return skipNow();
        // What was chosen would be lost: ask first, in the page.
        ask.hidden = false;
        ask.querySelector('button').focus();
      },
    });
    const skipNow = () => {
      try { sessionStorage.setItem(SKIPPED, '1'); } catch (e) { /* storage disabled */ }
      finish();
      done();
    };
    const ask = h('div', { class: 'lce-conflict', id: 'lce-setup-ask', role: 'alert', hidden: true },
      h('p', { text: 'Skip the setup? What you chose here is not saved.' }),
      h('div', { class: 'lce-actions' },
        h('button', { type: 'button', class: 'lce-primary', text: 'Keep setting up', onclick: () => { ask.hidden = true; skip.focus(); } }),
        h('button', { type: 'button', id: 'lce-setup-skip-now', class: 'lce-danger', text: 'Skip without saving', onclick: skipNow })));
    el.replaceChildren(h('section', { class: 'lce-setup', 'aria-labelledby': 'lce-setup-title' },
      h('div', { class: 'lce-bar' }, h('h2', { id: 'lce-setup-title', text: 'Set up chat on your site' }), h('span', { class: 'lce-spacer' }), skip),
      h('p', { text: 'Three steps, then a preview. Visitors see none of it until you publish.' }),
      h('p', { class: 'lce-hint', text: 'You are setting up "' + draft.name + '", the chat visitors see wherever no other chatflow shows.' }),
      ask, progress, errors, state, panels,
      h('div', { class: 'lce-actions lce-setup-nav' }, back, next)));
    const rendered = new Set();
    // A control changed after a problem was shown loses its message.
    const fixed = e => {
      const c = e.target.closest('[data-path]');
      const msgs = c ? [...el.querySelectorAll('.lce-step .lce-msg')].filter(m => m.dataset.for === c.dataset.path) : [];
      if (!msgs.length) return;
      msgs.forEach(m => m.remove());
      c.removeAttribute('aria-invalid');
      const ids = (c.getAttribute('aria-describedby') || '').split(' ').filter(x => x && !msgs.some(m => m.id === x));
      if (ids.length) c.setAttribute('aria-describedby', ids.join(' ')); else c.removeAttribute('aria-describedby');
    };
    el.addEventListener('input', fixed);
    el.addEventListener('change', fixed);

    // show goes to step i, rendering it the first time.
    function show(i, focus) {
      at = Math.max(0, Math.min(steps.length - 1, i));
      panels.forEach((p, j) => { p.hidden = j !== at; });
      [...progress.children].forEach((li, j) => {
        if (j === at) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
        li.classList.toggle('lce-done', j < at);
      });
      if (!rendered.has(at)) {
        rendered.add(at);
        steps[at].render(body(at));
      }
      back.hidden = at === 0;
      next.textContent = at === steps.length - 1 ? 'Publish' : at === count - 1 ? 'Preview' : 'Next';
      if (focus) panels[at].querySelector('h3').focus();
    }

    // ---- publishing ----
    async function publish() {
      next.disabled = true;
      state.textContent = 'Publishing…';
      clearErrors();
      try {
        const saved = await api('PUT', 'admin/chatflows/' + enc(draft.id), draft, version);
        version = saved.version;
        const live = await api('POST', 'admin/chatflows/' + enc(draft.id) + '/publish', undefined, version);
        version = live.version;
        finish();
        el.replaceChildren(h('section', { class: 'lce-setup lce-setup-done', 'aria-labelledby': 'lce-setup-done' },
          h('h2', { id: 'lce-setup-done', tabindex: '-1', text: 'Your chat is live' }),
          h('p', { text: '"' + live.chatflow.name + '" is published: visitors see it on your site now. Change it any time from the list of chatflows.' }),
          h('div', { class: 'lce-actions' }, h('button', { type: 'button', id: 'lce-setup-list', class: 'lce-primary', text: 'Go to the chatflows', onclick: done }))));
        el.querySelector('h2').focus();
      } catch (e) {
        state.textContent = '';
        if (e.status === 409) {
          showErrors([{ path: '', message: 'Someone else changed this chatflow meanwhile, so it was not published. Skip the setup to see their version in the list.' }]);
        } else if (e.fields && e.fields.length) {
          showErrors(e.fields);
        } else {
          showErrors([{ path: '', message: 'Not published: ' + e.message }]);
        }
      } finally {
        next.disabled = false;
      }
    }

    function finish() {
      dirty = false;
      window.removeEventListener('beforeunload', unload);
    }

    // control is the wizard's control for path, or the nearest one of a
    // path above it, rendering every step so that each has its controls.
    function control(path) {
      steps.forEach((st, i) => { if (!rendered.has(i)) { rendered.add(i); st.render(body(i)); } });
      for (let p = path; p; p = up(p)) {
        const c = el.querySelector('.lce-step [data-path="' + CSS.escape(p) + '"]');
        if (c) return c;
      }
      return null;
    }

    function clearErrors() {
      for (const m of el.querySelectorAll('.lce-step .lce-msg')) m.remove();
      for (const c of el.querySelectorAll('.lce-step [aria-invalid="true"][data-path]')) {
        c.removeAttribute('aria-invalid');
        const ids = (c.getAttribute('aria-describedby') || '').split(' ').filter(x => x && !x.startsWith('lce-setup-err-'));
        if (ids.length) c.setAttribute('aria-describedby', ids.join(' ')); else c.removeAttribute('aria-describedby');
      }
      errors.hidden = true;
      errors.replaceChildren();
    }

    // showErrors puts each problem next to its control and goes to the
    // step of the first; the others are listed above the steps.
    function showErrors(fields) {
      clearErrors();
      const loose = [];
      let first = null;
      fields.forEach((f, i) => {
        const c = f.path ? control(f.path) : null;
        if (!c) { loose.push(f); return; }
        const id = 'lce-setup-err-' + i;
        const exact = c.getAttribute('data-path') === f.path;
        const msg = h('p', { class: 'lce-msg', id, 'data-for': f.path, text: (exact ? '' : f.path + ': ') + f.message });
        c.setAttribute('aria-invalid', 'true');
        c.setAttribute('aria-describedby', ((c.getAttribute('aria-describedby') || '') + ' ' + id).trim());
        if (c.tagName === 'FIELDSET' && c.querySelector('legend')) c.querySelector('legend').after(msg);
        else (c.closest('label') || c).after(msg);
        first = first || c;
      });
      errors.append(h('p', { text: 'Not published: ' + (fields.length === 1 ? '1 problem' : fields.length + ' problems') + (first ? ', marked below.' : '.') }));
      if (loose.length) errors.append(h('ul', null, loose.map(f => h('li', { text: (f.path ? f.path + ': ' : '') + f.message }))));
      errors.hidden = false;
      if (!first) { errors.focus(); return; }
      show(steps.findIndex((st, i) => panels[i].contains(first)));
      (first.matches('fieldset') ? first.querySelector('input, select, textarea') || first : first).focus();
    }

    show(0, false);
  }

  E.needsSetup = needsSetup;
  E.setup = setup;
})();
