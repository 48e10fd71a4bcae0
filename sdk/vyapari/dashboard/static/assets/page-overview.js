// Overview: every strategy with its newest run and weekly badges (overall and per criterion, with
// reasons), this week so far, readiness, the kill switch and the last ingestion.
import { get } from './api.js';
import { el, badge, card, table, mount, pct, fmt } from './ui.js';

export function criteriaList(criteria) {
  return el('ul', { class: 'criteria' }, (criteria || []).map(c => el('li', { 'data-criterion': c.name },
    badge(c.badge), ' ', el('span', {}, c.reason || c.name))));
}

export function readinessCard(readiness) {
  if (!readiness) return card('Readiness', el('p', { class: 'muted' }, 'not available here'));
  return card('Readiness',
    el('p', { 'data-testid': 'readiness' }, badge(readiness.ready ? 'pass' : 'fail'), ' ',
      readiness.ready ? 'ready' : `not ready: ${(readiness.errors || []).join(', ')}`,
      el('span', { class: 'muted small' }, ` (${readiness.broker}, ${readiness.exchange}, ${readiness.checked_at})`)),
    table([{ label: 'check', key: 'name' }, { label: 'status', value: r => badge(r.status) },
      { label: 'reason', value: r => r.error ? `${r.reason} [${r.error}]` : r.reason }], readiness.checks));
}

export function killSwitchText(state) {
  if (!state) return el('span', { class: 'muted', 'data-testid': 'kill-state' }, 'not configured here');
  return state.engaged
    ? el('span', { class: 'state engaged', 'data-testid': 'kill-state' }, `ENGAGED: ${state.reason || ''} (${state.engaged_at || ''})`)
    : el('span', { class: 'state released', 'data-testid': 'kill-state' }, 'released: trading allowed');
}

function ingestionCard(ingestion) {
  if (!ingestion) return card('Last ingestion', el('p', { class: 'muted' }, 'nothing ingested yet'));
  return card('Last ingestion',
    el('p', { 'data-testid': 'ingestion' }, `${ingestion.day}: ${ingestion.files} files `,
      el('span', { class: 'muted' }, Object.entries(ingestion.by_status).map(([k, v]) => `${k} ${v}`).join(', '))),
    el('p', { class: 'small' }, 'sessions: ', ingestion.sessions.length ? ingestion.sessions.join(', ') : '—'),
    ingestion.quarantined.length
      ? table([{ label: 'quarantined file', key: 'name' }, { label: 'session', key: 'session_date' }, { label: 'why', key: 'reason' }], ingestion.quarantined)
      : el('p', { class: 'small muted' }, 'no file quarantined'));
}

function strategyRows(items) {
  return table([
    { label: 'strategy', value: i => el('div', {}, el('strong', {}, i.strategy.name), el('div', { class: 'muted small' }, i.strategy.strategy || '')) },
    { label: 'latest run', value: i => i.latest_run
      ? el('div', {}, el('a', { href: `#/run/${encodeURIComponent(i.latest_run.run_id)}`, 'data-testid': 'run-link' }, i.latest_run.run_id),
        el('div', { class: 'muted small' }, `${i.latest_run.status} · ${i.latest_run.start} → ${i.latest_run.end}`))
      : el('span', { class: 'muted' }, 'no run') },
    { label: 'badge', value: i => i.evaluation ? badge(i.evaluation.badge) : badge('none', 'not evaluated yet') },
    { label: 'criteria', value: i => i.evaluation ? criteriaList(i.evaluation.criteria) : el('span', { class: 'muted' }, '—') },
    { label: 'this week so far', value: i => {
      const w = i.evaluation && i.evaluation.this_week;
      return w ? el('div', { class: 'small' }, `${w.week}${w.partial ? ' (partial)' : ''}`,
        el('div', {}, `gross ${pct(w.gross_return_pct)} · net ${pct(w.net_return_pct)}`),
        el('div', { class: 'muted' }, `drawdown ${pct(w.drawdown_pct)} · ${fmt(w.sessions)} sessions`)) : '—';
    } },
  ], items, { empty: 'no strategy registered yet', testid: 'strategies', stack: true });
}

export async function overviewPage() {
  const overview = await get('/overview');
  const problems = overview.problems.length ? el('p', { class: 'error-text' }, overview.problems.join('; ')) : null;
  mount(
    el('h1', {}, 'Overview ', el('span', { class: 'muted small' }, `as of ${overview.as_of.slice(0, 19).replace('T', ' ')} IST`)),
    problems,
    el('div', { class: 'grid' },
      el('section', { class: 'card wide' }, el('h2', {}, 'Strategies'), strategyRows(overview.strategies)),
      card('Kill switch', el('p', {}, killSwitchText(overview.kill_switch)), el('a', { href: '#/live' }, 'Live page →')),
      readinessCard(overview.readiness),
      ingestionCard(overview.last_ingestion)));
}
