// Launch: pick a registered strategy definition (built-in or the user's own code, registered by an
// admin), symbols and dates → create and start the run, follow its progress, open it when done.
import { get, post, newId } from './api.js';
import { el, card, table, mount, canTrade, isAdmin, badge, showError } from './ui.js';

const POLL_MS = 1000;
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']);

function iso(date) { return date.toISOString().slice(0, 10); }

function runsTable(runs) {
  return table([{ label: 'run', value: r => el('a', { href: `#/run/${encodeURIComponent(r.run_id)}` }, r.run_id) },
    { label: 'strategy', key: 'strategy_name' }, { label: 'dates', value: r => `${r.start} → ${r.end}` },
    { label: 'status', value: r => badge(r.status === 'SUCCEEDED' ? 'green' : r.status === 'FAILED' ? 'red' : 'grey', r.status) },
    { label: 'by', key: 'created_by' }], runs.slice().reverse(), { empty: 'no run yet', testid: 'runs' });
}

function definitionForm(refresh) {
  const status = el('p', { class: 'small', role: 'status' });
  const form = el('form', { class: 'stack', 'data-testid': 'definition-form' },
    el('label', {}, 'Name', el('input', { name: 'name', required: true, pattern: '[a-z0-9][a-z0-9_\\-]{0,63}' })),
    el('label', {}, 'Strategy (a built-in name, an entry point or package.module:ClassName)', el('input', { name: 'strategy', required: true, value: 'vwap_reversion' })),
    el('label', {}, 'Parameters (JSON)', el('textarea', { name: 'params', rows: 3 }, '{}')),
    el('label', {}, 'Description', el('input', { name: 'description', maxlength: 500 })),
    el('button', { type: 'submit' }, 'Register'), status);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    try {
      const params = JSON.parse(data.params || '{}');
      await post('/strategies', { name: data.name, strategy: data.strategy, params, description: data.description });
      status.textContent = `registered ${data.name}`;
      await refresh();
    } catch (exc) { status.textContent = exc.message; }
  });
  return card('Register a strategy definition (admin)', form);
}

async function follow(runId, bar, text) {
  for (;;) {
    const run = await get(`/strategy-runs/${encodeURIComponent(runId)}`);
    const progress = run.status === 'SUCCEEDED' ? 1 : Number(run.progress || 0);
    bar.style.width = `${Math.round(progress * 100)}%`;
    text.textContent = `${run.run_id}: ${run.status}${run.progress !== null && run.progress !== undefined ? ` (${Math.round(progress * 100)}%)` : ''}${run.error ? ` — ${run.error}` : ''}`;
    if (FINAL.has(run.status)) return run;
    await new Promise(resolve => setTimeout(resolve, POLL_MS));
  }
}

export async function launchPage(ctx) {
  const [strategies, runs] = await Promise.all([get('/strategies?limit=200'), get('/strategy-runs?limit=200')]);
  const runsBox = el('div', {}, runsTable(runs.items));
  const refresh = () => launchPage(ctx);
  if (!canTrade(ctx.user.role)) {
    mount(el('h1', {}, 'Runs'), card('Runs', runsBox));
    return;
  }
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 86400000);
  const bar = el('div');
  const text = el('p', { class: 'small', role: 'status', 'data-testid': 'launch-status' });
  const form = el('form', { class: 'stack', 'data-testid': 'launch-form' },
    el('label', {}, 'Strategy definition', el('select', { name: 'strategy_name', required: true },
      strategies.items.map(s => el('option', { value: s.name }, `${s.name} — ${s.strategy} ${JSON.stringify(s.params)}`)))),
    el('label', {}, 'Symbols (comma-separated)', el('input', { name: 'symbols', required: true, value: 'RELIANCE' })),
    el('div', { class: 'row' },
      el('label', {}, 'From', el('input', { name: 'start', type: 'date', required: true, value: iso(monthAgo) })),
      el('label', {}, 'To', el('input', { name: 'end', type: 'date', required: true, value: iso(today) })),
      el('label', {}, 'Exchange', el('select', { name: 'exchange' }, el('option', {}, 'NSE'), el('option', {}, 'BSE'))),
      el('label', {}, 'Interval', el('select', { name: 'interval' }, ['1d', '15m', '5m', '1m'].map(i => el('option', {}, i))))),
    el('div', { class: 'row' },
      el('label', {}, 'Charges', el('select', { name: 'fees' }, ['zerodha', 'upstox', 'none'].map(f => el('option', {}, f)))),
      el('label', {}, 'Capital ₹', el('input', { name: 'capital_inr', type: 'number', min: 1, step: 1, value: 1000000, size: 10 }))),
    el('label', {}, 'Parameters (JSON, over the definition\'s; optional)', el('input', { name: 'params', placeholder: '{"fast": 20}' })),
    el('label', {}, 'Sweep grid (JSON, parameter → values; optional: runs every combination, ranked)',
      el('input', { name: 'grid', placeholder: '{"fast": [10, 20], "slow": [50, 100]}' })),
    el('button', { type: 'submit', 'data-testid': 'launch' }, 'Start run'),
    el('div', { class: 'progress', 'data-testid': 'launch-progress' }, bar), text);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const body = { strategy_name: data.strategy_name, exchange: data.exchange,
        symbols: data.symbols.split(',').map(s => s.trim().toUpperCase()).filter(Boolean), start: data.start, end: data.end,
        interval: data.interval, fees: data.fees, capital_inr: Number(data.capital_inr) };
      for (const key of ['params', 'grid']) {
        if (!data[key].trim()) continue;
        try { body[key] = JSON.parse(data[key]); } catch { throw new Error(`${key}: not valid JSON`); }
      }
      const run = await post('/strategy-runs', body);
      await post(`/strategy-runs/${encodeURIComponent(run.run_id)}/start`, { client_token: newId('ui-') });
      const final = await follow(run.run_id, bar, text);
      if (final.status === 'SUCCEEDED') window.location.hash = `#/run/${encodeURIComponent(final.run_id)}`;
    } catch (exc) { text.textContent = exc.message; showError(exc); } finally { button.disabled = false; }
  });
  mount(el('h1', {}, 'Launch a backtest'),
    el('div', { class: 'grid' }, card('New run', strategies.items.length ? form : el('p', { class: 'muted' }, 'no strategy definition registered yet')),
      isAdmin(ctx.user.role) ? definitionForm(refresh) : null,
      el('section', { class: 'card wide' }, el('h2', {}, 'Runs'), runsBox)));
}
