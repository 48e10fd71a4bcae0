// Run: a run's status, badges with reasons, weekly bars coloured by badge, charges, round trips and
// the tear sheet (sandboxed iframe).
import { get, reportUrl } from './api.js';
import { el, badge, card, table, mount, inr, pct, plot, fmt } from './ui.js';
import { criteriaList } from './page-overview.js';

const COLOURS = { green: '#1a7f37', amber: '#b7791f', red: '#c62828', grey: '#8a94a3' };

// A week's badge against the mean-weekly-gross-return target: green at or above it, amber within the
// 20% tolerance band below it, red under; partial weeks grey (they are not judged).
export function weekBadge(week, target, tolerance = 0.2) {
  if (week.partial || week.gross_return_pct === null) return 'grey';
  if (week.gross_return_pct >= target) return 'green';
  return week.gross_return_pct >= target * (1 - tolerance) ? 'amber' : 'red';
}

function weeklyChart(evaluation) {
  const weekly = evaluation.weekly || [];
  const criterion = (evaluation.criteria || []).find(c => c.name === 'mean_weekly_gross_return');
  const target = criterion ? criterion.target : 1.0;
  const node = el('div', { class: 'chart', 'data-testid': 'weekly-chart' });
  const colours = weekly.map(w => COLOURS[weekBadge(w, target)]);
  plot(node, [{ type: 'bar', x: weekly.map(w => w.week), y: weekly.map(w => w.gross_return_pct),
    marker: { color: colours }, name: 'gross return %',
    text: weekly.map(w => `net ${pct(w.net_return_pct)}${w.partial ? ' (partial)' : ''}`), hoverinfo: 'x+y+text' }],
  { yaxis: { title: { text: 'weekly gross return %' } }, shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: target, y1: target, line: { dash: 'dot', color: '#1a7f37' } }] });
  return node;
}

function chargesCard(evaluation) {
  const charges = evaluation.charges_inr || {};
  const rows = Object.entries(charges).map(([component, amount]) => ({ component, amount }));
  const total = rows.reduce((sum, r) => sum + Number(r.amount || 0), 0);
  const summary = evaluation.summary || {};
  return card('Charges',
    table([{ label: 'component', key: 'component' }, { label: 'amount', num: true, value: r => inr(r.amount) }], rows, { empty: 'no itemised charges in this evaluation' }),
    rows.length ? el('p', { class: 'small' }, `total ${inr(total)}`, summary.gross_pnl_inr !== undefined ? ` · gross P&L ${inr(summary.gross_pnl_inr)} · net P&L ${inr(summary.pnl_inr)}` : '') : null);
}

async function roundTripsCard(runId) {
  const section = el('section', { class: 'card wide' }, el('h2', {}, 'Round trips'), el('p', { class: 'muted' }, 'loading…'));
  get(`/strategy-runs/${encodeURIComponent(runId)}/round-trips?limit=25`).then(trips => {
    section.replaceChildren(el('h2', {}, 'Round trips'),
      el('p', { class: 'small' }, `${fmt(trips.total)} round trips, net ${inr(trips.net_pnl_inr)} (first ${trips.items.length} shown)`),
      table([{ label: 'symbol', key: 'symbol' }, { label: 'side', key: 'direction' }, { label: 'qty', key: 'quantity', num: true },
        { label: 'entry', key: 'entry_ts' }, { label: 'exit', key: 'exit_ts' },
        { label: 'entry ₹', key: 'entry_price', num: true }, { label: 'exit ₹', key: 'exit_price', num: true },
        { label: 'net P&L', num: true, value: r => inr(r.net_pnl_inr) }, { label: 'held', key: 'holding' }], trips.items, { testid: 'round-trips', stack: true }));
  }).catch(exc => section.replaceChildren(el('h2', {}, 'Round trips'), el('p', { class: 'muted' }, exc.message)));
  return section;
}

export async function runPage(ctx, [runId]) {
  if (!runId) { window.location.hash = '#/launch'; return; }
  const run = await get(`/strategy-runs/${encodeURIComponent(runId)}`);
  let evaluation = null;
  try { evaluation = (await get(`/strategy-runs/${encodeURIComponent(runId)}/evaluate`)).evaluation; } catch (exc) { if (exc.status !== 404) throw exc; }
  const head = el('h1', {}, `Run ${run.run_id} `, evaluation ? badge(evaluation.badge) : badge('none', 'not evaluated'));
  const facts = el('p', { class: 'small muted' }, `${run.strategy_name} · ${run.exchange} · ${run.symbols.length} symbols · ${run.start} → ${run.end} · ${run.interval} · ${run.status}`);
  if (!evaluation) {
    mount(head, facts, card('Evaluation', el('p', { class: 'muted' }, 'no evaluation yet: it appears when the run has finished')));
    return;
  }
  let iframe;
  try {
    iframe = el('iframe', { class: 'report', title: `tear sheet of ${run.run_id}`, sandbox: 'allow-scripts allow-popups', src: await reportUrl(run.run_id), 'data-testid': 'tear-sheet' });
  } catch (exc) {
    if (exc.status !== 404 && exc.status !== 503) throw exc;
    iframe = el('p', { class: 'muted', 'data-testid': 'no-tear-sheet' }, exc.message);
  }
  mount(head, facts,
    el('div', { class: 'grid' },
      card('Weekly verdict', criteriaList(evaluation.criteria),
        el('p', { class: 'small muted' }, `${evaluation.weeks} full weeks · as of ${evaluation.as_of || '—'}`)),
      chargesCard(evaluation),
      el('section', { class: 'card wide' }, el('h2', {}, 'Weekly returns by badge'), weeklyChart(evaluation)),
      el('section', { class: 'card wide' }, el('h2', {}, 'Tear sheet'), iframe),
      await roundTripsCard(run.run_id)));
}
