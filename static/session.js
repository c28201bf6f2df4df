// Sessions that do not lose work, on signed-in pages. Served as /static/session.js (the
// pages' CSP runs scripts from 'self' only, never inline); its own data- attributes give the
// idle timeout and how long before it to warn. It reads nothing else of the page but the
// message forms marked data-draft, stores nothing in the browser (health information must not
// stay behind on a shared computer), and without it everything works as before: sessions end
// after the idle timeout and "Save draft" keeps a draft on the server.
//
// - A warning before the idle timeout ("Stay signed in" asks GET /session, which counts as
//   use), and at the timeout the page is left for the sign-in page, which comes back here.
// - A message form's draft is saved to the server (sealed like messages) every 20 seconds
//   while it changes; saving counts as use too.
'use strict';
(() => {
  const me = document.currentScript;
  if (!me) return;
  const idle = parseInt(me.dataset.idle, 10);
  const warn = parseInt(me.dataset.warn, 10);
  if (!(idle > 0 && warn > 0 && warn < idle)) return;
  // The server writes a session's last use at most every idle/30 seconds: the end comes
  // between idle - step and idle seconds after the last request.
  const step = Math.max(1, Math.floor(idle / 30));
  const DRAFT_EVERY_MS = 20000;
  let warnTimer = 0;
  let endTimer = 0;
  let banner = null;
  let before = null;

  const words = (s) => (s >= 90 ? `about ${Math.round(s / 60)} minutes`
    : s >= 60 ? 'about a minute' : `about ${s} seconds`);

  function hideWarning() {
    if (!banner) return;
    banner.remove();
    banner = null;
    if (before && document.contains(before)) before.focus();
    before = null;
  }

  function leave() {
    // The session has ended: go to the sign-in page, which brings the person back here.
    const here = location.pathname + location.search;
    location.assign(`/login?next=${encodeURIComponent(here)}`);
  }

  function used() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(showWarning, Math.max(0, idle - step - warn) * 1000);
    endTimer = setTimeout(leave, (idle + 2) * 1000);
  }

  async function stay() {
    try {
      const r = await fetch('/session', { credentials: 'same-origin', cache: 'no-store' });
      if (r.ok) {
        hideWarning();
        used();
        return;
      }
    } catch (e) { /* offline: the end timer still leaves the page */ }
    leave();
  }

  function showWarning() {
    if (banner) return;
    before = document.activeElement;
    banner = document.createElement('div');
    banner.className = 'idle-warning';
    banner.setAttribute('role', 'alertdialog');
    banner.setAttribute('aria-labelledby', 'idle-warning-title');
    banner.setAttribute('aria-describedby', 'idle-warning-text');
    const title = document.createElement('p');
    title.id = 'idle-warning-title';
    const strong = document.createElement('strong');
    strong.textContent = 'Are you still there?';
    title.append(strong);
    const text = document.createElement('p');
    text.id = 'idle-warning-text';
    text.textContent = `You will be signed out in ${words(warn)} to keep your record safe.`;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Stay signed in';
    button.addEventListener('click', stay);
    banner.append(title, text, button);
    document.body.append(banner);
    button.focus();
  }

  // --- drafts ---
  function keepDrafts(form) {
    const status = form.querySelector('[data-draft-status]');
    const csrf = form.querySelector('input[name="csrf"]');
    let changed = false;
    let saving = false;
    form.addEventListener('input', () => { changed = true; });
    form.addEventListener('submit', () => { changed = false; });
    setInterval(async () => {
      if (!changed || saving) return;
      saving = true;
      changed = false;
      const data = new FormData(form);
      data.delete('file'); // an attachment is not part of a draft
      data.set('auto', '1');
      try {
        const r = await fetch(form.dataset.draft, {
          method: 'POST', body: data, credentials: 'same-origin', redirect: 'manual',
          headers: csrf ? { 'X-CSRF-Token': csrf.value } : {},
        });
        if (r.status === 204) {
          used();
          if (status) status.textContent = 'Draft saved.';
        } else {
          changed = true;
          if (status) status.textContent = 'Draft not saved. Use "Save draft", or copy your text.';
        }
      } catch (e) {
        changed = true;
      } finally {
        saving = false;
      }
    }, DRAFT_EVERY_MS);
  }

  document.querySelectorAll('form[data-draft]').forEach(keepDrafts);
  used();
})();
