// Data: lake coverage by exchange, session and symbol — which days are in, missing or quarantined (why).
import { get } from './api.js';
import { el, card, table, mount } from './ui.js';

function exchangeCard(ex) {
  const quarantinedDays = new Set(ex.quarantined.map(q => q.session_date).filter(Boolean));
  const chips = el('div', { class: 'chips', 'data-testid': `sessions-${ex.exchange}` },
    ex.session_dates.map(d => el('span', { class: 'chip', title: 'ingested' }, d)),
    ex.missing.map(d => el('span', { class: `chip ${quarantinedDays.has(d) ? 'quarantined' : 'missing'}`, title: quarantinedDays.has(d) ? 'quarantined' : 'missing' }, d)));
  return el('section', { class: 'card wide' }, el('h2', {}, ex.exchange),
    el('p', { 'data-testid': `coverage-${ex.exchange}` }, ex.sessions ? `${ex.sessions} sessions from ${ex.first} to ${ex.last}; ${ex.missing.length} missing` : 'no daily bars'),
    ex.sessions ? chips : null,
    ex.quarantined.length ? table([{ label: 'quarantined file', key: 'name' }, { label: 'session', key: 'session_date' }, { label: 'received', key: 'received' }, { label: 'why', key: 'reason' }], ex.quarantined) : null,
    ex.minute_symbols.length ? el('details', {}, el('summary', {}, `minute bars: ${ex.minute_symbols.length} symbols`),
      table([{ label: 'symbol', key: 'symbol' }, { label: 'months', value: s => s.months.join(', ') }], ex.minute_symbols)) : el('p', { class: 'muted small' }, 'no minute bars'));
}

export async function dataPage() {
  const coverage = await get('/lake/coverage');
  mount(el('h1', {}, 'Lake coverage'),
    el('div', { class: 'grid' }, coverage.exchanges.map(exchangeCard),
      card('Quarantined files', table([{ label: 'file', key: 'name' }, { label: 'source', key: 'source' }, { label: 'session', key: 'session_date' }, { label: 'why', key: 'reason' }], coverage.quarantined, { empty: 'no file quarantined' }))));
}
