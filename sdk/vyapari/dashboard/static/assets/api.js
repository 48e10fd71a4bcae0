// The REST API: JSON calls with the bearer token; errors carry the API's message and status.
import { session } from './auth.js';

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

let base = '';
export function setBase(url) { base = (url || '').replace(/\/$/, ''); }
export function apiBase() { return base; }

export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  const s = session();
  if (s && s.token) headers.Authorization = `Bearer ${s.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const message = payload && payload.message ? payload.message : `${method} ${path}: HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return payload;
}

export const get = path => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);

// The tear sheet's URL for an iframe, which cannot send a header: a link valid about two minutes,
// asked for with the header (a presigned S3 GET in AWS, a signed path of the local server); the
// session token never rides in a URL.
export async function reportUrl(runId) {
  const link = await get(`/strategy-runs/${encodeURIComponent(runId)}/report-link`);
  return /^https?:\/\//.test(link.url) ? link.url : base + link.url;
}

export function newId(prefix) {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}
