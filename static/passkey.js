// Passkeys (WebAuthn) on medkeep's two-step sign-in and security pages. Served as
// /static/passkey.js: the pages' CSP runs scripts from 'self' only, never inline. Everything
// a ceremony needs is in the data- attributes of the form it drives; the script fills that
// form's hidden fields with the browser's answer and submits it as an ordinary form post.
// Without JavaScript the passkey forms stay hidden and everything else works as before.
'use strict';
(() => {
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  const fromB64url = (s) => {
    let b = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b.length % 4) b += '=';
    return Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
  };
  const toB64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const descriptors = (list) => (list ? list.split(',') : [])
    .map((id) => ({ type: 'public-key', id: fromB64url(id) }));

  function show(form, message) {
    const p = form.querySelector('.error');
    p.textContent = message;
    p.hidden = false;
  }

  async function register(form) {
    const d = form.dataset;
    const cred = await navigator.credentials.create({
      publicKey: {
        challenge: fromB64url(d.challenge),
        rp: { id: d.rpId, name: 'medkeep' },
        user: { id: fromB64url(d.userId), name: d.userName, displayName: d.userName },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -8 }],
        excludeCredentials: descriptors(d.exclude),
        authenticatorSelection: { residentKey: 'discouraged', userVerification: d.userVerification },
        attestation: 'none',
        timeout: 120000,
      },
    });
    form.elements.namedItem('clientDataJSON').value = toB64url(cred.response.clientDataJSON);
    form.elements.namedItem('attestationObject').value = toB64url(cred.response.attestationObject);
  }

  async function signIn(form) {
    const d = form.dataset;
    const cred = await navigator.credentials.get({
      publicKey: {
        challenge: fromB64url(d.challenge),
        rpId: d.rpId,
        allowCredentials: descriptors(d.credentials),
        userVerification: d.userVerification,
        timeout: 120000,
      },
    });
    const f = form.elements;
    f.namedItem('credential').value = toB64url(cred.rawId);
    f.namedItem('clientDataJSON').value = toB64url(cred.response.clientDataJSON);
    f.namedItem('authenticatorData').value = toB64url(cred.response.authenticatorData);
    f.namedItem('signature').value = toB64url(cred.response.signature);
  }

  function drive(form, ceremony) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        await ceremony(form);
        form.submit();
      } catch (e) {
        button.disabled = false;
        show(form, e && e.name === 'NotAllowedError'
          ? 'The passkey request was cancelled or timed out. You can try again.'
          : e && e.name === 'InvalidStateError'
            ? 'This passkey is registered already.'
            : 'Your browser could not use a passkey here. You can use a code instead.');
      }
    });
  }

  for (const el of document.querySelectorAll('[data-passkey]')) el.hidden = false;
  const reg = document.getElementById('passkey-register');
  if (reg) drive(reg, register);
  const login = document.getElementById('passkey-login');
  if (login) drive(login, signIn);
})();
