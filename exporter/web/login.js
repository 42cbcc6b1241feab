// The login page: exchanges the token for a session cookie (POST /api/session, JSON, so that no
// other site can log a browser in: a cross-site JSON POST needs a CORS preflight the exporter
// never grants) and opens the page. The token is sent once and kept nowhere.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);

  function show(text) {
    const e = $('login-error');
    e.textContent = `\u2715 ${text}`;
    e.hidden = false;
  }

  async function submit(event) {
    event.preventDefault();
    const token = $('token').value;
    $('login-submit').disabled = true;
    try {
      const res = await fetch('/api/session', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ token }),
        signal: AbortSignal.timeout(10000),
      });
      if (res.ok) { window.location.assign('/'); return; }
      if (res.status === 429) show(`Too many attempts: try again in ${res.headers.get('Retry-After') || 'a few'} s.`);
      else if (res.status === 401 || res.status === 403) show('That token was refused. Check it and try again.');
      else show(`The exporter answered ${res.status}.`);
    } catch (e) {
      show(`No answer from the exporter (${e.message}).`);
    } finally {
      $('login-submit').disabled = false;
      $('token').value = '';
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    if (new URLSearchParams(window.location.search).has('expired')) $('login-expired').hidden = false;
    $('login-form').addEventListener('submit', submit);
  });
})();
