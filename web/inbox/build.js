/* golivechat chatflow editor: the Build and Knowledge base tabs. */
(() => {
  'use strict';
  const { h, field, colorField } = window.LCEditor;

  // text is a text input or textarea bound to obj[key] at path.
  function text(obj, key, path, changed, o) {
    o = o || {};
    const el = h(o.area ? 'textarea' : 'input', {
      type: o.area ? null : (o.type || 'text'), 'data-path': path, maxlength: o.max, rows: o.area ? 3 : null,
      value: obj[key] == null ? '' : String(obj[key]), placeholder: o.placeholder,
    });
    el.addEventListener('input', () => { obj[key] = el.value; changed(); });
    return el;
  }

  function renderBuild(el, d, changed) {
    el.append(
      h('fieldset', null, h('legend', { text: 'Welcome message' }),
        field('Welcome message', text(d.build, 'welcome', 'build.welcome', changed, { area: true, max: 1000 }),
          'The first message visitors see, and the prompt above the launcher.')),
      h('fieldset', { 'data-path': 'display.heading' }, h('legend', { text: 'Heading' }),
        field('Title', text(d.display.heading, 'title', 'display.heading.title', changed, { max: 100 })),
        field('Subtitle', text(d.display.heading, 'subtitle', 'display.heading.subtitle', changed, { max: 200 }))));
    colorField(el, d, changed);
  }

  window.LCEditor.tab('build', { label: 'Build', order: 10, render: renderBuild });
})();
