/* golivechat team settings: teams and their members, each agent's
 * capacity and skills. Plain JavaScript, no dependencies, no build step.
 * Speaks the team settings endpoints of PROTOCOL.md with the host's own
 * cookies; every change sends the version it was made on (If-Match). All
 * text is inserted as text nodes, never as markup. */
(() => {
  'use strict';

  const doc = document;
  const src = (doc.currentScript && doc.currentScript.src) || location.href;
  // team.js lives at <mount>inbox/team.js, so the mount is one level up.
  const API = new URL('../', src).href + 'api/v1/';
  const HOST_NOTE = "set by your site's sign-in";
  const $ = id => doc.getElementById(id);

  let me = null;
  let teams = [];             // as GET admin/teams answers, by id
  let agents = [];            // as GET admin/agents answers, by name
  let limits = { defaultCapacity: 5, maxCapacity: 100, maxSkills: 20, canDeleteTeams: true };
  const drafts = new Map();   // control id -> value typed and not saved yet
  const errors = new Map();   // control id -> message from the last refused save
  const modes = new Map();    // team id -> 'rename' or 'delete' while that form shows
  let busy = false;

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
    for (const c of kids) if (c != null && c !== false) e.append(c); // strings become text nodes
    return e;
  }

  async function api(method, path, body, version) {
    const o = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      o.headers['Content-Type'] = 'application/json';
      o.body = JSON.stringify(body);
    }
    if (version) o.headers['If-Match'] = '"' + version + '"';
    const r = await fetch(API + path, o);
    const j = r.status === 204 ? {} : await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error((j.error && j.error.message) || 'HTTP ' + r.status);
      e.status = r.status;
      e.code = j.error && j.error.code;
      e.fields = (j.error && j.error.fields) || [];
      throw e;
    }
    return j;
  }

  function say(text) { $('lct-status').textContent = text; }
  function alertText(text) {
    const a = $('lct-alert');
    a.textContent = text || '';
    a.hidden = !text;
  }

  const nameOfAgent = id => { const a = agents.find(x => x.id === id); return a ? a.name || a.id : id; };
  const nameOfTeam = id => { const t = teams.find(x => x.id === id); return t ? t.name : id; };
  const hostSets = (a, field) => (a.hostFields || []).includes(field);

  async function load() {
    const [t, a] = await Promise.all([api('GET', 'admin/teams'), api('GET', 'admin/agents')]);
    teams = t.teams || [];
    agents = (a.agents || []).slice().sort((x, y) => (x.name || x.id).localeCompare(y.name || y.id));
    limits = a;
  }

  // ---- rendering ----

  // draftOr is what a control shows: what was typed, else the stored value.
  const draftOr = (id, stored) => (drafts.has(id) ? drafts.get(id) : stored);
  const keep = id => ev => { drafts.set(id, ev.target.type === 'checkbox' ? ev.target.checked : ev.target.value); };

  // invalid gives a control its error, if any: aria-invalid, and the
  // message below it, which describes it.
  function invalid(id, describedBy, group) {
    const msg = errors.get(id);
    const ids = [describedBy, msg ? id + '-err' : null].filter(Boolean).join(' ');
    return {
      attrs: { 'aria-invalid': msg && !group ? 'true' : null, 'aria-describedby': ids || null },
      note: msg ? h('p', { class: 'lct-error', id: id + '-err', text: msg }) : null,
    };
  }

  function field(id, label, input, hint) {
    const hintId = hint ? id + '-hint' : null;
    const inv = invalid(id, hintId);
    const el = h('input', Object.assign({ id, name: id }, input, inv.attrs));
    return h('div', { class: 'lct-field' },
      h('label', { for: id, text: label }), el,
      hint ? h('span', { class: 'lct-hint', id: hintId, text: hint }) : null, inv.note);
  }

  function renderTeams() {
    const nameId = 'lct-new-name';
    const create = h('form', { class: 'lct-card lct-row', id: 'lct-new', novalidate: true, 'aria-label': 'New team', onsubmit: createTeam },
      field(nameId, 'New team name', { type: 'text', maxlength: 64, autocomplete: 'off', value: draftOr(nameId, ''), oninput: keep(nameId) }),
      h('button', { type: 'submit', class: 'lct-primary', text: 'Create team' }));
    const list = h('ul', { class: 'lct-cards', 'aria-label': 'Teams' }, ...teams.map(renderTeam));
    return h('section', { 'aria-labelledby': 'lct-teams-h' },
      h('h2', { id: 'lct-teams-h', text: 'Teams' }),
      h('p', { class: 'lct-intro', text: 'A chatflow can give its conversations to teams; routing then chooses among the team’s members.' }),
      create,
      teams.length ? list : h('p', { class: 'lct-empty', text: 'No teams yet.' }));
  }

  function renderTeam(t) {
    const mode = modes.get(t.id);
    const headId = 'lct-team-' + t.id;
    const head = h('div', { class: 'lct-card-head' },
      h('h3', { id: headId, text: t.name }),
      h('span', { class: 'lct-hint', text: 'id ' + t.id }),
      h('span', { class: 'lct-spacer' }),
      h('button', { type: 'button', id: 'lct-rename-' + t.id, 'aria-expanded': mode === 'rename' ? 'true' : 'false',
        'aria-label': 'Rename ' + t.name, text: 'Rename', onclick: () => toggle(t.id, 'rename', 'lct-name-' + t.id) }),
      h('button', { type: 'button', id: 'lct-delete-' + t.id, class: 'lct-danger', 'aria-expanded': mode === 'delete' ? 'true' : 'false',
        'aria-label': 'Delete ' + t.name, text: 'Delete', onclick: () => toggle(t.id, 'delete', 'lct-confirm-' + t.id) }));

    let extra = null;
    if (mode === 'rename') {
      const id = 'lct-name-' + t.id;
      extra = h('form', { class: 'lct-row', novalidate: true, onsubmit: ev => renameTeam(ev, t) },
        field(id, 'New name of ' + t.name, { type: 'text', maxlength: 64, autocomplete: 'off', value: draftOr(id, t.name), oninput: keep(id) }),
        h('button', { type: 'submit', class: 'lct-primary', text: 'Save name' }),
        h('button', { type: 'button', text: 'Cancel', onclick: () => toggle(t.id, null, 'lct-rename-' + t.id) }));
    } else if (mode === 'delete') {
      const blocked = !limits.canDeleteTeams;
      extra = h('div', { class: 'lct-confirm', role: 'group', 'aria-label': 'Delete ' + t.name },
        h('span', { text: blocked ? 'This site’s storage cannot delete teams.' : 'Delete the team ' + t.name + '? Its members leave it.' }),
        blocked ? null : h('button', { type: 'button', id: 'lct-confirm-' + t.id, class: 'lct-danger', text: 'Delete team', onclick: () => deleteTeam(t) }),
        h('button', { type: 'button', id: blocked ? 'lct-confirm-' + t.id : null, text: blocked ? 'Close' : 'Cancel', onclick: () => toggle(t.id, null, 'lct-delete-' + t.id) }));
    }

    const groupId = 'lct-members-' + t.id;
    const inv = invalid(groupId, null, true);
    const checks = agents.map(a => {
      const id = 'lct-m-' + t.id + '-' + a.id;
      const member = t.agentIds.includes(a.id);
      const host = hostSets(a, 'teamIds');
      const ci = invalid(id, host ? id + '-host' : null);
      return h('span', null,
        h('label', { for: id },
          h('input', Object.assign({ type: 'checkbox', id, checked: draftOr(id, member), disabled: host, onchange: keep(id) }, ci.attrs)),
          a.name || a.id,
          host ? h('span', { class: 'lct-host', id: id + '-host', text: ' (' + HOST_NOTE + ')' }) : null),
        ci.note);
    });
    const members = h('form', { onsubmit: ev => saveMembers(ev, t) },
      h('fieldset', Object.assign({ class: 'lct-members', id: groupId }, inv.attrs),
        h('legend', { text: 'Members of ' + t.name }),
        agents.length ? h('div', { class: 'lct-checks' }, ...checks) : h('p', { class: 'lct-empty', text: 'No agents yet: they appear once they sign in or your site registers them.' }),
        inv.note),
      h('button', { type: 'submit', text: 'Save members', 'aria-label': 'Save members of ' + t.name, disabled: !agents.length }));
    return h('li', { class: 'lct-card', 'aria-labelledby': headId }, head, extra, members);
  }

  function renderAgents() {
    const list = h('ul', { class: 'lct-cards', 'aria-label': 'Agents' }, ...agents.map(renderAgent));
    return h('section', { 'aria-labelledby': 'lct-agents-h' },
      h('h2', { id: 'lct-agents-h', text: 'Agents' }),
      h('p', { class: 'lct-intro', text: 'Capacity is the most conversations an agent has open at once; 0 uses the default, ' +
        limits.defaultCapacity + '. Skills are what chatflows’ skill rules route by, separated by commas. Agents appear here once they sign in or your site registers them.' }),
      agents.length ? list : h('p', { class: 'lct-empty', text: 'No agents yet: they appear once they sign in or your site registers them.' }));
  }

  function renderAgent(a) {
    const headId = 'lct-agent-' + a.id;
    const capId = 'lct-cap-' + a.id, skillsId = 'lct-skills-' + a.id;
    const hostCap = hostSets(a, 'capacity'), hostSkills = hostSets(a, 'skills');
    const capShown = a.capacity ? String(a.capacity) : '0 (the default, ' + limits.defaultCapacity + ')';
    const cap = hostCap
      ? h('div', { class: 'lct-field' }, h('span', { class: 'lct-label', text: 'Capacity' }), h('span', { text: capShown + ' — ' + HOST_NOTE }))
      : field(capId, 'Capacity', { type: 'number', min: 0, max: limits.maxCapacity, step: 1, inputmode: 'numeric',
        value: draftOr(capId, String(a.capacity || 0)), oninput: keep(capId) }, '0 to ' + limits.maxCapacity + ' (0: the default, ' + limits.defaultCapacity + ')');
    const skillsShown = (a.skills || []).join(', ');
    const skills = hostSkills
      ? h('div', { class: 'lct-field lct-grow' }, h('span', { class: 'lct-label', text: 'Skills' }), h('span', { text: (skillsShown || 'none') + ' — ' + HOST_NOTE }))
      : field(skillsId, 'Skills', { type: 'text', autocomplete: 'off', value: draftOr(skillsId, skillsShown), oninput: keep(skillsId) },
        'For example: german, billing (at most ' + limits.maxSkills + ')');
    skills.classList.add('lct-grow');
    const teamNames = (a.teamIds || []).map(nameOfTeam);
    const formErr = invalid(headId + '-form');
    const canSave = !(hostCap && hostSkills);
    return h('li', { class: 'lct-card', 'aria-labelledby': headId },
      h('div', { class: 'lct-card-head' }, h('h3', { id: headId, text: a.name || a.id }), a.email ? h('span', { class: 'lct-hint', text: a.email }) : null),
      h('p', { class: 'lct-teams-of', text: (teamNames.length ? 'Teams: ' + teamNames.join(', ') : 'In no team') +
        (hostSets(a, 'teamIds') ? ' (' + HOST_NOTE + ')' : '') }),
      h('form', { class: 'lct-row', novalidate: true, 'aria-label': 'Capacity and skills of ' + (a.name || a.id), onsubmit: ev => saveAgent(ev, a, hostCap, hostSkills) },
        cap, skills,
        canSave ? h('button', { type: 'submit', class: 'lct-primary', text: 'Save', 'aria-label': 'Save capacity and skills of ' + (a.name || a.id) }) : null),
      formErr.note);
  }

  // render draws the page again, keeping the focus on the control that had
  // it (or moving it to focusId).
  function render(focusId) {
    const had = doc.activeElement && doc.activeElement.id;
    $('lct-main').replaceChildren(renderTeams(), renderAgents());
    const target = $(focusId || had);
    if (target) target.focus();
  }

  function toggle(teamId, mode, focusId) {
    if (mode && modes.get(teamId) !== mode) modes.set(teamId, mode);
    else modes.delete(teamId);
    render(focusId);
  }

  // ---- changes ----

  // run makes one change: on success it reloads and says what was done; on
  // refusal it shows each problem next to its control (fieldFor maps a
  // server path to a control id) and focuses the first.
  async function run(change, done, formIds, fieldFor, fallbackId) {
    if (busy) return;
    busy = true;
    alertText('');
    for (const id of formIds) errors.delete(id);
    try {
      await change();
      for (const id of formIds) drafts.delete(id);
      await load();
      render(done.focus);
      say(done.text);
    } catch (err) {
      if (err.fields && err.fields.length) {
        let first = null;
        for (const f of err.fields) {
          const id = fieldFor(f.path) || fallbackId;
          errors.set(id, (errors.has(id) ? errors.get(id) + ' ' : '') + f.message);
          first = first || id;
        }
        render(first);
        say('Not saved: ' + err.fields.length + (err.fields.length === 1 ? ' problem.' : ' problems.'));
      } else {
        alertText(err.message);
        if (err.code === 'conflict' || err.status === 404) {
          try { await load(); } catch (e) { /* shown below on the next change */ }
          render();
        }
      }
    } finally {
      busy = false;
    }
  }

  function createTeam(ev) {
    ev.preventDefault();
    const id = 'lct-new-name';
    const name = $(id).value;
    run(() => api('POST', 'admin/teams', { name }), { text: 'Created the team ' + name.trim() + '.', focus: id },
      [id], () => id, id);
  }

  function renameTeam(ev, t) {
    ev.preventDefault();
    const id = 'lct-name-' + t.id;
    const name = $(id).value;
    run(async () => { await api('PATCH', 'admin/teams/' + encodeURIComponent(t.id), { name }, t.version); modes.delete(t.id); },
      { text: 'Renamed the team to ' + name.trim() + '.', focus: 'lct-rename-' + t.id }, [id], () => id, id);
  }

  function deleteTeam(t) {
    run(async () => { await api('DELETE', 'admin/teams/' + encodeURIComponent(t.id), undefined, t.version); modes.delete(t.id); },
      { text: 'Deleted the team ' + t.name + '.', focus: 'lct-new-name' }, [], () => null, 'lct-new-name');
  }

  function saveMembers(ev, t) {
    ev.preventDefault();
    const ids = agents.filter(a => $('lct-m-' + t.id + '-' + a.id).checked).map(a => a.id);
    const controls = agents.map(a => 'lct-m-' + t.id + '-' + a.id).concat('lct-members-' + t.id);
    const groupId = 'lct-members-' + t.id;
    run(() => api('PUT', 'admin/teams/' + encodeURIComponent(t.id) + '/members', { agentIds: ids }, t.version),
      { text: 'Saved the members of ' + t.name + ': ' + (ids.length ? ids.map(nameOfAgent).join(', ') : 'none') + '.' },
      controls, path => {
        const m = /^agentIds\[(\d+)\]$/.exec(path);
        return m && ids[+m[1]] ? 'lct-m-' + t.id + '-' + ids[+m[1]] : groupId;
      }, groupId);
  }

  function saveAgent(ev, a, hostCap, hostSkills) {
    ev.preventDefault();
    const capId = 'lct-cap-' + a.id, skillsId = 'lct-skills-' + a.id, formId = 'lct-agent-' + a.id + '-form';
    const change = {};
    if (!hostCap) {
      const raw = $(capId).value.trim();
      if (!/^\d+$/.test(raw)) {
        errors.set(capId, 'Enter a whole number from 0 to ' + limits.maxCapacity + '.');
        render(capId);
        say('Not saved: 1 problem.');
        return;
      }
      change.capacity = Number(raw);
    }
    if (!hostSkills) {
      change.skills = $(skillsId).value.split(',').map(s => s.trim()).filter(s => s !== '');
    }
    const name = a.name || a.id;
    run(() => api('PATCH', 'admin/agents/' + encodeURIComponent(a.id), change, a.version),
      { text: 'Saved ' + name + ': capacity ' + (change.capacity === 0 ? 'the default' : change.capacity ?? a.capacity) +
        (change.skills ? ', skills ' + (change.skills.join(', ') || 'none') : '') + '.' },
      [capId, skillsId, formId], path => {
        if (path === 'capacity') return capId;
        const m = /^skills(?:\[(\d+)\])?$/.exec(path);
        if (m) {
          if (m[1] !== undefined) errors.set(skillsId, (errors.get(skillsId) ? errors.get(skillsId) + ' ' : '') + 'Skill ' + (+m[1] + 1) + ':');
          return skillsId;
        }
        return formId;
      }, formId);
  }

  // ---- start ----
  async function start() {
    try {
      me = (await api('GET', 'agent/me')).agent;
    } catch (err) {
      $('lct-main').replaceChildren(h('p', { text: err.status === 401 ? 'You are not signed in as an agent.' : err.message }));
      return;
    }
    $('lct-me').textContent = me.name || me.id;
    if (!(me.permissions || []).includes('manage_team')) {
      $('lct-main').replaceChildren(h('p', { text: 'Changing the team settings needs the "manage_team" permission, which your site’s sign-in gives.' }));
      return;
    }
    try {
      await load();
      render();
    } catch (err) {
      $('lct-main').replaceChildren(h('p', { class: 'lct-error', text: err.message }));
    }
  }
  start();
})();
