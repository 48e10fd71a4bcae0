// Live: positions, open orders, fills and P&L updating from the WebSocket channels; readiness; the
// kill switch (engage: trader and admin, release: admin only, each with a reason and a confirmation);
// manual orders.
import { get, post, newId } from './api.js';
import { el, card, table, mount, inr, fmt, dialog, canTrade, isAdmin, plot, preloadPlotly, showError } from './ui.js';
import { on } from './ws.js';
import { readinessCard, killSwitchText } from './page-overview.js';

const DONE = new Set(['FILLED', 'CANCELLED', 'REJECTED', 'EXPIRED', 'COMPLETE']);
const POLL_MS = 5000;

function killSwitchCard(ctx, state, refresh) {
  const section = card('Kill switch', el('p', {}, killSwitchText(state)));
  if (!state || !canTrade(ctx.user.role)) return section;
  const engage = el('button', { type: 'button', class: 'danger', 'data-testid': 'kill-engage', disabled: state.engaged }, 'Engage kill switch');
  // releasing resumes trading: the admin's decision (the API refuses it to a trader anyway)
  const release = isAdmin(ctx.user.role) ? el('button', { type: 'button', class: 'secondary', 'data-testid': 'kill-release', disabled: !state.engaged }, 'Release') : null;
  engage.addEventListener('click', async () => {
    const answer = await dialog('Engage the kill switch?', [
      el('p', { class: 'small' }, 'Open orders are cancelled, positions squared off, and new orders refused until released.'),
      { name: 'reason', label: 'Reason', required: true }], 'Engage', { danger: true });
    if (!answer) return;
    try { await post('/live/kill-switch', { engaged: true, reason: answer.reason }); await refresh(); } catch (exc) { showError(exc); }
  });
  if (release) release.addEventListener('click', async () => {
    const answer = await dialog('Release the kill switch?', [
      el('p', { class: 'small' }, 'Trading resumes at the next minute slice.'),
      { name: 'reason', label: 'Reason (kept in the log)', required: true }], 'Release');
    if (!answer) return;
    try { await post('/live/kill-switch', { engaged: false, reason: answer.reason }); await refresh(); } catch (exc) { showError(exc); }
  });
  section.append(el('div', { class: 'kill' }, engage, release));
  return section;
}

// Intents placed from this page (the API records them PENDING; the live service's risk gate decides,
// and the order then appears among the open orders).
const sent = [];

function orderForm(mode, refresh) {
  const status = el('p', { class: 'small', role: 'status', 'data-testid': 'order-status' });
  const sentBox = el('div');
  const showSent = () => sentBox.replaceChildren(table([{ label: 'sent', key: 'client_order_id' },
    { label: 'instrument', key: 'instrument_id' }, { label: 'side', key: 'side' }, { label: 'qty', key: 'quantity', num: true },
    { label: 'status', key: 'status' }, { label: 'at', key: 'requested_at' }], sent.filter(o => o.mode === mode),
  { empty: 'no manual order sent from this page', testid: 'sent-orders' }));
  showSent();
  const form = el('form', { class: 'inline', 'data-testid': 'order-form' },
    el('label', {}, 'Instrument', el('input', { name: 'instrument_id', value: 'NSE:RELIANCE', required: true, pattern: '(NSE|BSE):[A-Z0-9&_\\-]{1,20}', size: 16 })),
    el('label', {}, 'Side', el('select', { name: 'side' }, el('option', {}, 'BUY'), el('option', {}, 'SELL'))),
    el('label', {}, 'Quantity', el('input', { name: 'quantity', type: 'number', min: 1, value: 1, required: true, size: 6 })),
    el('label', {}, 'Type', el('select', { name: 'order_type' }, ['MARKET', 'LIMIT'].map(t => el('option', {}, t)))),
    el('label', {}, 'Product', el('select', { name: 'product' }, ['MIS', 'CNC'].map(t => el('option', {}, t)))),
    el('label', {}, 'Limit price ₹', el('input', { name: 'price', type: 'number', step: '0.05', min: 0, size: 8 })),
    el('button', { type: 'submit' }, 'Place order'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    const order = { client_order_id: newId('ui-'), mode, instrument_id: data.instrument_id, side: data.side,
      quantity: Number(data.quantity), order_type: data.order_type, product: data.product };
    if (data.order_type === 'LIMIT') order.price = Number(data.price);
    const answer = await dialog(`${order.side} ${order.quantity} ${order.instrument_id} (${mode})?`, [], 'Place order');
    if (!answer) return;
    try {
      const intent = await post('/orders', order);
      status.textContent = `order ${intent.client_order_id}: ${intent.status}`;
      sent.unshift(intent);
      showSent();
      await refresh();
    } catch (exc) { status.textContent = exc.message; }
  });
  return el('section', { class: 'card wide' }, el('h2', {}, `Manual order (${mode})`), form, status, sentBox);
}

export async function livePage(ctx, [modeArg]) {
  const mode = modeArg === 'live' ? 'live' : 'paper';
  const pnlNode = el('div', { class: 'chart', 'data-testid': 'pnl-chart' });
  const pnlText = el('p', { 'data-testid': 'pnl' }, el('span', { class: 'muted' }, 'no P&L update yet'));
  const positionsBox = el('div'), ordersBox = el('div'), fillsBox = el('div'), killBox = el('div'), readyBox = el('div');

  async function refreshTables() {
    const [positions, orders, trades] = await Promise.all([
      get(`/positions?mode=${mode}&limit=200`), get(`/orders?mode=${mode}&limit=200`), get(`/trades?mode=${mode}&limit=200`)]);
    positionsBox.replaceChildren(table([{ label: 'instrument', key: 'instrument_id' }, { label: 'strategy', key: 'strategy' },
      { label: 'quantity', key: 'quantity', num: true }, { label: 'avg price', num: true, value: r => inr(r.average_price ?? r.avg_price) },
      { label: 'P&L', num: true, value: r => inr(r.pnl_inr ?? r.realised_pnl_inr) }], positions.items.filter(p => Number(p.quantity) !== 0 || p.pnl_inr),
    { empty: 'no position', testid: 'positions' }));
    const open = orders.items.filter(o => !DONE.has(String(o.state || o.status || '').toUpperCase()));
    ordersBox.replaceChildren(table([{ label: 'order', key: 'client_order_id' }, { label: 'instrument', key: 'instrument_id' },
      { label: 'side', key: 'side' }, { label: 'qty', key: 'quantity', num: true }, { label: 'state', value: o => o.state || o.status },
      { label: 'at', value: o => o.decided_at || o.requested_at }], open, { empty: 'no open order', testid: 'open-orders' }));
    fillsBox.replaceChildren(table([{ label: 'trade', key: 'trade_id' }, { label: 'instrument', value: t => t.instrument_id || t.symbol },
      { label: 'side', key: 'side' }, { label: 'qty', key: 'quantity', num: true }, { label: 'price', num: true, value: t => inr(t.price) },
      { label: 'charges', num: true, value: t => inr(t.charges_inr ?? t.charges) }, { label: 'at', value: t => t.ts || t.filled_at || t.at }],
    trades.items.slice(-50).reverse(), { empty: 'no fill yet', testid: 'fills', stack: true }));
  }

  async function refreshState() {
    const overview = await get('/overview');
    killBox.replaceChildren(killSwitchCard(ctx, overview.kill_switch, refreshState));
    readyBox.replaceChildren(readinessCard(overview.readiness));
  }

  // P&L per strategy (the message's strategy or run id; one line each), redrawn at most every 250 ms.
  const byStrategy = new Map();
  const pnlTable = el('div');
  let drawTimer = null;
  function onPnl(message) {
    const name = message.strategy || message.run_id || 'all';
    const series = byStrategy.get(name) || [];
    series.push(message);
    if (series.length > 2000) series.shift();
    byStrategy.set(name, series);
    pnlText.replaceChildren(`${name === 'all' ? '' : `${name}: `}day P&L ${inr(message.day_pnl_inr)} · equity ${inr(message.equity_inr)} · cash ${inr(message.cash_inr)}`,
      el('span', { class: 'muted small' }, ` at ${fmt(message.at)}`));
    pnlTable.replaceChildren(table([{ label: 'strategy', key: 'name' }, { label: 'day P&L', num: true, value: r => inr(r.last.day_pnl_inr) },
      { label: 'equity', num: true, value: r => inr(r.last.equity_inr) }, { label: 'at', value: r => r.last.at }],
    Array.from(byStrategy, ([n, list]) => ({ name: n, last: list[list.length - 1] })), { testid: 'pnl-by-strategy' }));
    if (!drawTimer) drawTimer = setTimeout(draw, 250);
  }
  function draw() {
    drawTimer = null;
    plot(pnlNode, Array.from(byStrategy, ([n, list]) => ({ type: 'scatter', mode: 'lines', name: n,
      x: list.map(m => m.at), y: list.map(m => Number(m.day_pnl_inr)) })), { yaxis: { title: { text: 'day P&L ₹' } } });
  }

  let pending = null;
  const refreshSoon = () => { if (!pending) pending = setTimeout(() => { pending = null; refreshTables().catch(showError); }, 200); };
  ctx.cleanup.push(on('pnl', onPnl), on('orders', message => { if (message.type === 'readiness') refreshState().catch(showError); refreshSoon(); }));
  const poll = setInterval(() => refreshTables().catch(() => {}), POLL_MS);
  ctx.cleanup.push(() => clearInterval(poll), () => pending && clearTimeout(pending), () => drawTimer && clearTimeout(drawTimer));

  await Promise.all([refreshTables(), refreshState()]);
  preloadPlotly();
  mount(
    el('h1', {}, `Live (${mode}) `, el('a', { class: 'small', href: mode === 'paper' ? '#/live/live' : '#/live/paper' }, mode === 'paper' ? 'show live' : 'show paper')),
    el('div', { class: 'grid' },
      el('section', { class: 'card wide' }, el('h2', {}, 'P&L'), pnlText, pnlTable, pnlNode),
      killBox, readyBox,
      el('section', { class: 'card wide' }, el('h2', {}, 'Positions'), positionsBox),
      el('section', { class: 'card wide' }, el('h2', {}, 'Open orders'), ordersBox),
      el('section', { class: 'card wide' }, el('h2', {}, 'Fills'), fillsBox),
      canTrade(ctx.user.role) ? orderForm(mode, refreshTables) : null));
}
