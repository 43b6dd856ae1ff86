// The console's shell: the login view, hash routing (#/market, #/workloads/wk-…), and polling of the visible page.
import { api, session } from './api.js';
import { h, showError, clearError } from './ui.js';
import * as market from './market.js';
import * as workloads from './workloads.js';
import * as wallets from './wallets.js';
import * as groups from './groups.js';
import * as providers from './providers.js';

const pages = { market, workloads, wallets, groups, providers };
const main = document.getElementById('main');
const nav = document.getElementById('nav');
let current = null; // { controller, timers }

/** What a page gets: its route parameters, an abort signal for its requests, and poll(fn, ms) to refresh it. */
function context(params, controller) {
  const timers = [];
  return {
    params,
    signal: controller.signal,
    timers,
    navigate: (hash) => { location.hash = hash; },
    poll(fn, ms = 2000) {
      // One refresh at a time, only while the tab is visible; stops when the page is left. The first refresh that
      // succeeds marks the page ready (data-ready, and a performance mark the console bench reads).
      let first = true;
      const tick = async () => {
        if (controller.signal.aborted) return;
        if (document.visibilityState === 'visible') {
          try {
            await fn();
            if (first && !controller.signal.aborted) { first = false; main.dataset.ready = 'true'; performance.mark('console-page-ready'); }
          } catch (e) { if (!controller.signal.aborted) showError(e); }
        }
        if (!controller.signal.aborted) timers.push(setTimeout(tick, ms));
      };
      return tick();
    },
  };
}

function leave() {
  if (!current) return;
  current.controller.abort();
  current.timers.forEach(clearTimeout);
  current = null;
}

function route() {
  leave();
  clearError();
  if (!session.token) { nav.hidden = true; renderLogin(); return; }
  nav.hidden = false;
  const [name = 'market', ...params] = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const page = pages[name] ?? market;
  for (const a of nav.querySelectorAll('a[href^="#/"]')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const controller = new AbortController();
  const ctx = context(params, controller);
  current = { controller, timers: ctx.timers };
  main.replaceChildren();
  main.dataset.ready = 'false';
  try {
    page.mount(main, ctx);
  } catch (e) {
    showError(e);
  }
  main.dataset.page = name;
}

function renderLogin() {
  main.dataset.page = 'login';
  const token = h('input', { id: 'login-token', type: 'password', autocomplete: 'off', required: true, testid: 'login-token' });
  const project = h('input', { id: 'login-project', value: 'default', testid: 'login-project' });
  const button = h('button', { type: 'submit', testid: 'login-submit' }, 'Sign in');
  const form = h('form', { 'aria-label': 'Sign in', novalidate: true },
    h('label', { for: 'login-token' }, 'API token', token),
    h('label', { for: 'login-project' }, 'Project (wallet and spot account; a tenant\'s default wallet is named after the tenant id)', project),
    button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    const value = token.value.trim();
    if (!value) { showError({ code: 'TOKEN_REQUIRED', message: 'Enter an API token (Bearer token of the API).' }); return; }
    button.disabled = true;
    try {
      // Checks the token with a cheap read before keeping it.
      await api('/v1/workloads?limit=1', { token: value });
      session.signIn(value, project.value.trim());
      location.hash = '#/workloads';
      route();
    } catch (e) {
      showError(e);
    } finally {
      button.disabled = false;
    }
  });
  main.replaceChildren(h('section', { class: 'login', testid: 'login' },
    h('h2', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'The token stays in this browser tab (session storage) and is sent with each API call.'),
    form));
  token.focus();
  main.dataset.ready = 'true';
  performance.mark('console-login-ready');
}

document.getElementById('logout').addEventListener('click', () => { session.signOut(); location.hash = ''; route(); });
window.addEventListener('hashchange', route);
route();
