// The login page's one job beyond its form: say why the visitor is here again.
'use strict';
(() => {
  const params = new URLSearchParams(window.location.search);
  if (params.has('failed')) document.getElementById('login-error').hidden = false;
  if (params.has('expired')) document.getElementById('login-expired').hidden = false;
})();
