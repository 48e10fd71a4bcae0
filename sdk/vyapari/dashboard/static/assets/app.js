// The dashboard: runtime config, sign-in, then a hash router over the pages.
import { setBase, get } from './api.js';
import { session, localLogin, cognitoLogin, cognitoCallback, signOut, claimsOf } from './auth.js';
import { el, mount, showError, clearError } from './ui.js';
import { configure as configureStream, on as onStream, streamState } from './ws.js';
import { overviewPage } from './page-overview.js';
import { runPage } from './page-run.js';
import { livePage } from './page-live.js';
import { launchPage } from './page-launch.js';
import { dataPage } from './page-data.js';

const PAGES = { overview: overviewPage, run: runPage, live: livePage, launch: launchPage, data: dataPage };
const ctx = { config: null, user: null, cleanup: [] };

async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return response.json();
}

function loginForm() {
  const error = el('p', { class: 'error-text', role: 'alert' });
  const form = el('form', { class: 'stack card login', 'data-testid': 'login' },
    el('h1', {}, 'Sign in'),
    el('label', {}, 'User name', el('input', { name: 'username', autocomplete: 'username', required: true })),
    el('label', {}, 'Password', el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    el('button', { type: 'submit' }, 'Sign in'), error);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      await localLogin(ctx.config.api_url || '', data.get('username'), data.get('password'));
      await start();
    } catch (exc) { error.textContent = exc.message; }
  });
  document.getElementById('nav').hidden = true;
  mount(form);
}

function renderWho() {
  const who = document.getElementById('who');
  const stream = el('span', { class: 'small', 'data-testid': 'stream-state' }, `stream: ${streamState()}`);
  onStream('status', value => { stream.textContent = `stream: ${value}`; });
  const parts = [stream, el('span', { 'data-testid': 'who' }, `${ctx.user.username} (${ctx.user.role})`)];
  if (!ctx.config.dev_role) parts.push(el('button', { type: 'button', onclick: () => signOut(ctx.config) }, 'Sign out'));
  who.replaceChildren(...parts);
}

async function route() {
  ctx.cleanup.splice(0).forEach(fn => fn());
  clearError();
  const [name, ...rest] = (window.location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  const page = PAGES[name] || overviewPage;
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('active', link.dataset.page === name);
  try {
    await page(ctx, rest.map(decodeURIComponent));
  } catch (exc) {
    if (exc.status === 401) { sessionStorage.clear(); return boot(); }
    showError(exc);
  }
}

async function start() {
  const me = await get('/me');
  ctx.user = me;
  document.getElementById('nav').hidden = false;
  if (ctx.config.dev_role) {
    const banner = document.getElementById('banner');
    banner.textContent = `Development mode: every request acts as ${ctx.config.dev_role} without signing in (--insecure-dev-role).`;
    banner.hidden = false;
  }
  renderWho();
  configureStream(ctx.config.ws_url);
  window.addEventListener('hashchange', route);
  await route();
}

async function boot() {
  try {
    ctx.config = await loadConfig();
    setBase(ctx.config.api_url || '');
    if (ctx.config.auth === 'cognito') {
      await cognitoCallback(ctx.config);
      if (!session()) return cognitoLogin(ctx.config);
      const s = session();
      if (!s.role) Object.assign(s, claimsOf(s.token));
    } else if (!session() && !ctx.config.dev_role) {
      return loginForm();
    }
    await start();
  } catch (exc) {
    if (exc.status === 401) { sessionStorage.clear(); return loginForm(); }
    showError(exc);
  }
}

boot();
