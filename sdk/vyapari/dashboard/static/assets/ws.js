// The live channels (quotes, orders, pnl) over the WebSocket API: subscribe on open, reconnect with
// backoff, hand each message to the listeners of its channel. The token rides in ?token= (as in AWS).
import { session } from './auth.js';

const listeners = { quotes: new Set(), orders: new Set(), pnl: new Set(), status: new Set() };
let socket = null;
let url = null;
let retry = 500;
let state = 'off';

function setState(value) { state = value; listeners.status.forEach(fn => fn(value)); }
export function streamState() { return state; }

export function configure(wsUrl) { url = wsUrl || null; if (url) connect(); else setState('off'); }

function connect() {
  const s = session();
  const target = new URL(url, window.location.href);
  if (s && s.token) target.searchParams.set('token', s.token);
  setState('connecting');
  socket = new WebSocket(target.toString());
  socket.addEventListener('open', () => {
    retry = 500;
    setState('live');
    for (const channel of ['quotes', 'orders', 'pnl']) socket.send(JSON.stringify({ action: 'subscribe', channel, symbols: [] }));
  });
  socket.addEventListener('message', event => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    const group = listeners[message.channel];
    if (group) group.forEach(fn => fn(message));
  });
  socket.addEventListener('close', () => {
    setState('reconnecting');
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 15000);
  });
  socket.addEventListener('error', () => socket.close());
}

export function on(channel, fn) { listeners[channel].add(fn); return () => listeners[channel].delete(fn); }
