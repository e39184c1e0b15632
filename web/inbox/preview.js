/* golivechat chatflow editor: the live preview. Plain JavaScript, no
 * dependencies, no build step.
 *
 * LCEditor.previewPane(el) frames the admin preview page of the chatflow
 * being edited (api/v1/admin/chatflows/{id}/preview?embed=<device>): the
 * real widget, whose device is the one chosen whatever this screen is.
 * update(draft) posts the chatflow as it stands in the form to that page
 * (postMessage, this origin only), a moment after the last change; the
 * widget there shows it without anything being saved (PROTOCOL.md,
 * "Previewing an unsaved chatflow"). A change the server refuses leaves
 * the last valid preview showing: Save says what is wrong. device(name)
 * switches between desktop, tablet and phone, each with its own screen
 * size; the frame is scaled down to fit the pane, anchored at the right
 * where the widget sits. The pane shows the open chat, or what visitors
 * see before they open it (the launcher, the welcome prompt, the
 * triggers, as the chatflow's behaviour on that device says). When the
 * chatflow shows no chat now (its availability hides the launcher), or
 * the form holds a value the server refuses (the preview then keeps the
 * last valid one), a note above the frame says so. */
(() => {
  'use strict';
  const E = window.LCEditor;
  if (!E) return;
  const src = (document.currentScript && document.currentScript.src) || location.href;
  // preview.js lives at <mount>inbox/preview.js, so the mount is one level up.
  const BASE = new URL('../', src).href;

  // The screens: width and height in CSS pixels, the device the widget
  // behaves as (embed), and how the frame is named.
  const DEVICES = {
    desktop: { w: 1280, h: 800, embed: 'desktop', name: 'a desktop' },
    tablet: { w: 768, h: 1024, embed: 'tablet', name: 'a tablet' },
    phone: { w: 375, h: 700, embed: 'mobile', name: 'a phone' },
  };
  // The smallest scale a frame is shown at, so that the chat stays
  // readable; a wider screen is cut at its left.
  const MIN_SCALE = 0.7;
  // How long the form must rest before the preview asks the server again.
  const SETTLE_MS = 250;

  let serial = 0; // tells the panes' radio groups apart

  function previewPane(el) {
    const { h } = E;
    let device = 'desktop', draft = null, id = '', loaded = false, timer = 0, closed = false;
    // What the preview shows: the open chat, or what a visitor sees on
    // arriving (the launcher, the welcome prompt, the triggers) as the
    // chatflow's behaviour on this device says.
    const name = 'lce-preview-show-' + (++serial);
    const show = h('fieldset', { class: 'lce-preview-show' }, h('legend', { text: 'Show' }),
      [['open', 'The open chat'], ['closed', 'What visitors see first']].map(([v, label]) => h('label', null,
        h('input', { type: 'radio', name, value: v, checked: v === 'open', onchange: () => { closed = v === 'closed'; post(); } }),
        ' ' + label)));
    const frame = h('iframe', { class: 'lce-frame' });
    const box = h('div', { class: 'lce-frame-box' }, frame);
    const note = h('p', { class: 'lce-hint lce-preview-note' });
    const empty = h('p', {
      class: 'lce-preview-empty', role: 'status', hidden: true,
      text: 'With these settings visitors see no chat right now: the availability hides the launcher while the chat is away, offline or at capacity.',
    });
    // The page says how each draft went (livechatPreview): 0 shown, 400
    // not a valid chatflow, anything else not answered.
    const stale = h('p', { class: 'lce-preview-empty lce-preview-stale', role: 'status', hidden: true });
    const heard = e => {
      if (!frame.isConnected) { window.removeEventListener('message', heard); return; }
      const s = e.data && e.data.livechatPreview;
      if (e.source !== frame.contentWindow || e.origin !== location.origin || typeof s !== 'number') return;
      stale.hidden = !s;
      stale.textContent = s === 400
        ? 'The preview shows your last valid change: the form holds a value the chatflow does not accept yet. Save says what to fix.'
        : 'The preview could not show your latest change: the server did not answer. It tries again with your next change.';
    };
    window.addEventListener('message', heard);
    el.append(show, empty, stale, box, note);

    // fit sizes the frame for the device and the pane's width.
    function fit() {
      const d = DEVICES[device], room = el.clientWidth || d.w;
      const s = Math.max(MIN_SCALE, Math.min(1, room / d.w));
      frame.style.width = d.w + 'px';
      frame.style.height = d.h + 'px';
      frame.style.transform = s < 1 ? 'scale(' + s + ')' : '';
      box.style.width = Math.min(room, Math.round(d.w * s)) + 'px';
      box.style.height = Math.round(d.h * s) + 'px';
      box.dataset.device = device;
      box.dataset.scale = s.toFixed(2);
    }

    // post sends the draft as it is now to the preview page.
    function post() {
      clearTimeout(timer);
      if (loaded && draft && frame.contentWindow) frame.contentWindow.postMessage({ livechatDraft: draft, livechatClosed: closed }, location.origin);
    }

    function load() {
      const d = DEVICES[device];
      loaded = false;
      empty.hidden = stale.hidden = true;
      frame.title = 'Preview on ' + d.name + ' (' + d.w + ' × ' + d.h + ')';
      note.textContent = 'As visitors on ' + d.name + ' see it, with your changes, saved or not. Targeting is ignored here.';
      frame.src = BASE + 'api/v1/admin/chatflows/' + encodeURIComponent(id) + '/preview?embed=' + d.embed;
      fit();
    }
    // The page's widget listens once its script has run, which is before
    // the frame's load event. Each time it has shown the chatflow again it
    // says so (LiveChat's ready event, on this origin): a chatflow that
    // shows no chat now, such as one that hides the launcher while
    // offline, is said to be so rather than left as an empty frame.
    frame.addEventListener('load', () => {
      loaded = true;
      const lc = frame.contentWindow && frame.contentWindow.LiveChat;
      if (lc && lc.on) lc.on('ready', r => { empty.hidden = !!(r && r.chatflowId); });
      post();
    });
    if (window.ResizeObserver) new ResizeObserver(fit).observe(el);
    fit();

    return {
      // update shows draft (a chatflow with its id) a moment after the
      // last call.
      update(d) {
        draft = d;
        if (!d || !d.id) {
          note.textContent = 'Save the chatflow once to preview it.';
          return;
        }
        if (d.id !== id) {
          id = d.id;
          load();
          return;
        }
        clearTimeout(timer);
        timer = setTimeout(post, SETTLE_MS);
      },
      // device switches to "desktop", "tablet" or "phone" ("mobile" too).
      device(name) {
        if (name === 'mobile') name = 'phone';
        if (!DEVICES[name] || name === device) return;
        device = name;
        if (id) load();
        else fit();
      },
    };
  }

  E.previewPane = previewPane;
})();
