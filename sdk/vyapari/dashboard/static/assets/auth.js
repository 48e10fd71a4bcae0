// Sign-in: local (POST /auth/login, a bearer token) or Cognito's hosted UI (authorization code + PKCE).
// Tokens stay in this tab's sessionStorage; nothing is kept after the tab closes.

const KEY = 'vyapari.session';
const PKCE = 'vyapari.pkce';

export function session() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (value && value.expires_at && value.expires_at < Date.now()) { sessionStorage.removeItem(KEY); return null; }
    return value;
  } catch { return null; }
}

function save(token, expiresIn, extra = {}) {
  const value = { token, expires_at: Date.now() + (Number(expiresIn) || 3600) * 1000 - 30000, ...extra };
  sessionStorage.setItem(KEY, JSON.stringify(value));
  return value;
}

export function signOut(config) {
  sessionStorage.removeItem(KEY);
  if (config && config.auth === 'cognito' && config.cognito) {
    const c = config.cognito;
    const url = new URL(`https://${c.domain}/logout`);
    url.search = new URLSearchParams({ client_id: c.client_id, logout_uri: c.logout_uri || c.redirect_uri }).toString();
    window.location.assign(url.toString());
    return;
  }
  window.location.hash = '#/overview';
  window.location.reload();
}

export async function localLogin(apiUrl, username, password) {
  const response = await fetch(`${apiUrl}/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || `sign-in failed (${response.status})`);
  return save(body.access_token, body.expires_in, { username: body.username, role: body.role });
}

function base64url(bytes) {
  let text = '';
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(size = 48) {
  const bytes = new Uint8Array(size);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

export async function pkceChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(digest);
}

// Send the browser to the hosted UI with a fresh verifier and state.
export async function cognitoLogin(config) {
  const c = config.cognito;
  const verifier = randomString(64);
  const state = randomString(24);
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, hash: window.location.hash }));
  const url = new URL(`https://${c.domain}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: c.client_id, redirect_uri: c.redirect_uri,
    scope: c.scope || 'openid email profile', state,
    code_challenge_method: 'S256', code_challenge: await pkceChallenge(verifier),
  }).toString();
  window.location.assign(url.toString());
}

// Back from the hosted UI with ?code=&state=: exchange the code (with the verifier) for tokens.
export async function cognitoCallback(config) {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  if (!code) return null;
  const stored = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
  sessionStorage.removeItem(PKCE);
  window.history.replaceState(null, '', window.location.pathname + (stored && stored.hash ? stored.hash : ''));
  if (!stored || stored.state !== params.get('state')) throw new Error('sign-in state mismatch: sign in again');
  const c = config.cognito;
  const response = await fetch(`https://${c.domain}/oauth2/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: c.client_id, code,
      redirect_uri: c.redirect_uri, code_verifier: stored.verifier,
    }).toString(),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`sign-in failed: ${body.error || response.status}`);
  // The REST API's Cognito authorizer takes the ID token (it carries cognito:groups).
  return save(body.id_token, body.expires_in, claimsOf(body.id_token));
}

export function claimsOf(jwt) {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const groups = payload['cognito:groups'] || [];
    const role = ['admin', 'trader', 'viewer'].find(r => groups.includes(r)) || 'viewer';
    return { username: payload['cognito:username'] || payload.email || payload.sub, role };
  } catch { return {}; }
}
