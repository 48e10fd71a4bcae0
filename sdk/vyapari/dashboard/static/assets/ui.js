// Small DOM helpers: element building without innerHTML (no markup injection from API data).

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function badge(value, title) {
  const name = (value || 'none').toLowerCase();
  return el('span', { class: `badge ${name}`, title: title || name, 'data-badge': name }, name);
}

export function card(title, ...children) {
  return el('section', { class: 'card' }, title ? el('h2', {}, title) : null, ...children);
}

export function table(columns, rows, { empty = 'nothing yet', testid, stack = false } = {}) {
  if (!rows || rows.length === 0) return el('p', { class: 'muted', 'data-testid': testid }, empty);
  const head = el('tr', {}, columns.map(c => el('th', { class: c.num ? 'num' : '' }, c.label)));
  const body = rows.map(row => el('tr', {}, columns.map(c => {
    const value = c.value ? c.value(row) : row[c.key];
    return el('td', { class: c.num ? 'num' : '', 'data-label': c.label }, value instanceof Node ? value : fmt(value, c));
  })));
  return el('div', { class: 'scroll' }, el('table', { 'data-testid': testid, class: stack ? 'stack' : '' }, el('thead', {}, head), el('tbody', {}, body)));
}

export function fmt(value, { digits = 2 } = {}) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'number') return value.toLocaleString('en-IN', { maximumFractionDigits: digits });
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function inr(value) {
  if (value === null || value === undefined || value === '') return '—';
  const number = Number(value);
  return Number.isFinite(number) ? '₹' + number.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(value);
}

export function pct(value) {
  return value === null || value === undefined ? '—' : `${Number(value).toFixed(2)}%`;
}

export function mount(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  return main;
}

export function showError(error) {
  const banner = document.getElementById('banner');
  banner.className = 'banner error';
  banner.textContent = error && error.message ? error.message : String(error);
  banner.hidden = false;
}

export function clearError() {
  const banner = document.getElementById('banner');
  if (banner.classList.contains('error')) banner.hidden = true;
}

// A modal dialog; resolves with the form's values on confirm, null on cancel.
export function dialog(title, fields, confirmLabel, { danger = false } = {}) {
  return new Promise(resolve => {
    const modal = document.getElementById('modal');
    const form = el('form', { class: 'stack', 'data-testid': 'dialog' }, el('h2', {}, title),
      fields.map(f => f instanceof Node ? f : el('label', {}, f.label,
        el('input', { name: f.name, required: f.required, maxlength: f.maxlength || 200, value: f.value || '' }))),
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: danger ? 'danger' : '', 'data-testid': 'dialog-confirm' }, confirmLabel),
        el('button', { type: 'button', class: 'secondary', onclick: () => done(null) }, 'Cancel')));
    function done(value) { modal.hidden = true; modal.replaceChildren(); resolve(value); }
    form.addEventListener('submit', event => {
      event.preventDefault();
      done(Object.fromEntries(new FormData(form).entries()));
    });
    modal.replaceChildren(el('div', { class: 'card' }, form));
    modal.hidden = false;
    const first = form.querySelector('input');
    if (first) first.focus();
  });
}

// plotly.js (4.8 MB) is loaded on the first chart only, so pages without charts render at once.
let plotly = null;
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotly) {
    plotly = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = 'assets/plotly.min.js';
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { plotly = null; reject(new Error('plotly.js did not load')); };
      document.head.append(script);
    });
  }
  return plotly;
}

// Load plotly.js ahead of the first chart when the browser is idle: the Live page's first P&L push
// would otherwise wait for the 4.8 MB script to be fetched and parsed, holding back the pushes behind it.
export function preloadPlotly() {
  const start = () => { loadPlotly().catch(() => {}); };
  if (window.requestIdleCallback) window.requestIdleCallback(start, { timeout: 2000 }); else setTimeout(start, 0);
}

export function plot(node, data, layout) {
  return loadPlotly().then(Plotly => Plotly.react(node, data, {
    margin: { l: 50, r: 10, t: 10, b: 40 }, autosize: true, ...layout,
  }, { responsive: true, displaylogo: false })).catch(showError);
}

export const canTrade = role => role === 'trader' || role === 'admin';
export const isAdmin = role => role === 'admin';
