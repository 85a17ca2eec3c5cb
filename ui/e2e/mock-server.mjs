#!/usr/bin/env node
// A stand-in for `gatehouse serve` for UI development and screenshots when the
// Go server is not at hand: serves ui/dist with the real server's CSP and a
// small in-memory version of the SPEC §1 API. Not a test oracle: the real
// binary is what `npm run e2e` tests.
//
//   node e2e/mock-server.mjs serve --http 127.0.0.1:8090 [--data-dir ignored]
//   GATEHOUSE_BIN=e2e/mock-server.mjs npm run e2e
// Seeded accounts: admin / admin-pass-123 (admin), alice / alice-pass-123 (user).
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const httpArg = args[args.indexOf('--http') + 1] ?? '127.0.0.1:8090';
const [host, port] = httpArg.split(':');
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

const now = () => new Date().toISOString();
let nextId = 1;
const users = [];
function addUser(username, email, password, groups, extra = {}) {
  const u = {
    id: nextId++, username, email, password, groups, first_name: extra.first_name ?? '', last_name: extra.last_name ?? '',
    is_staff: groups.includes('admin'), is_superuser: groups.includes('admin'), is_active: true,
    last_login: null, date_joined: '2025-03-14T09:26:53Z', has_analytics_access: false,
  };
  users.push(u);
  return u;
}
addUser('admin', 'admin@example.com', 'admin-pass-123', ['admin'], { first_name: 'Ada', last_name: 'Admin' });
addUser('alice', 'alice@example.com', 'alice-pass-123', ['user'], { first_name: 'Alice', last_name: 'Liddell' });
for (const [n, g] of [['bob.builder', 'worker'], ['carol', 'user'], ['dave.ops', 'user'], ['eve.sec', 'user']]) {
  addUser(n, `${n}@example.org`, 'password-123', [g], { first_name: n[0].toUpperCase() + n.slice(1, 4), last_name: 'Example' });
}
const sessions = new Map(); // sid -> { id, userId, user_agent, ip, created_date, last_seen_date }
const tokens = [];
const outbox = [
  { id: 2, to: ['alice@example.com'], subject: 'Confirm your email', status: 'sent', created_date: '2025-03-14T09:27:00Z', body_text: 'Hello alice,\n\nConfirm your address: http://127.0.0.1:8090/api/auth/account-confirm-email/abc123/\n\nThe link is valid for 3 days.' },
  { id: 1, to: ['admin@example.com'], subject: 'Your password was changed', status: 'queued', created_date: '2025-03-13T18:02:00Z', body_text: 'Your Gatehouse password was changed. If this was not you, reset it now.' },
];
const failures = new Map();

function userView(u) {
  const { password, ...rest } = u;
  return { ...rest, url: `/api/users/${u.id}` };
}
function parseCookies(req) {
  return Object.fromEntries((req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).filter((p) => p[0]));
}
function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
function page(list, url) {
  const p = Math.max(1, Number(url.searchParams.get('page')) || 1);
  const size = Math.max(1, Number(url.searchParams.get('page_size')) || 10);
  const results = list.slice((p - 1) * size, p * size);
  return { count: list.length, next: p * size < list.length ? `?page=${p + 1}` : null, previous: p > 1 ? `?page=${p - 1}` : null, results };
}
function startSession(req, res, user) {
  const sid = randomBytes(16).toString('hex');
  sessions.set(sid, { id: sid.slice(0, 8), userId: user.id, user_agent: req.headers['user-agent'] ?? '', ip: '127.0.0.1', created_date: now(), last_seen_date: now() });
  user.last_login = now();
  return [`sessionid=${sid}; Path=/; HttpOnly; SameSite=Lax`, `csrftoken=${randomBytes(16).toString('hex')}; Path=/; SameSite=Lax`];
}

async function api(req, res, url) {
  const cookies = parseCookies(req);
  const sess = sessions.get(cookies.sessionid);
  const me = sess ? users.find((u) => u.id === sess.userId) : null;
  let body = {};
  if (req.method !== 'GET') {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {}; } catch { return send(res, 400, { non_field_errors: ['Invalid JSON.'] }); }
    if (sess && cookies.csrftoken !== req.headers['x-csrftoken']) return send(res, 403, { detail: 'CSRF Failed: CSRF token incorrect.' });
  }
  const p = url.pathname;
  const m = (method, re) => req.method === method && re.test(p);
  const needUser = () => { if (!me) { send(res, 401, { detail: 'Authentication credentials were not provided.' }); return false; } return true; };
  const isAdmin = me?.groups.includes('admin');

  if (m('GET', /^\/api\/server\/about$/)) return send(res, 200, { name: 'Gatehouse', description: 'Accounts and organizations', version: '0.1.0-mock', logo_url: '', subtitle: 'Accounts and organizations, self-hosted' });
  if (m('GET', /^\/api\/server\/auth-methods$/)) return send(res, 200, { password: true, social: [], sso: { enabled: false } });
  if (m('GET', /^\/api\/users\/self$/)) return needUser() && send(res, 200, userView(me));
  if (m('POST', /^\/api\/auth\/login$/)) {
    const key = body.username ?? body.email ?? '';
    const f = failures.get(key) ?? 0;
    if (f >= 5) return send(res, 429, { detail: 'Request was throttled.' }, { 'Retry-After': '840' });
    const u = users.find((x) => (body.username ? x.username.toLowerCase() === body.username.toLowerCase() : x.email.toLowerCase() === String(body.email).toLowerCase()));
    if (!u || u.password !== body.password || !u.is_active) {
      failures.set(key, f + 1);
      return send(res, 400, { non_field_errors: ['Unable to log in with provided credentials.'] });
    }
    return send(res, 200, { key: randomBytes(20).toString('hex') }, { 'Set-Cookie': startSession(req, res, u) });
  }
  if (m('POST', /^\/api\/auth\/logout$/)) {
    sessions.delete(cookies.sessionid);
    return send(res, 200, { detail: 'Successfully logged out.' }, { 'Set-Cookie': 'sessionid=; Path=/; Max-Age=0' });
  }
  if (m('POST', /^\/api\/auth\/register$/)) {
    const errs = {};
    if (!body.username || body.username.length < 5) errs.username = ['Ensure this field has at least 5 characters.'];
    else if (users.some((u) => u.username.toLowerCase() === body.username.toLowerCase())) errs.username = ['A user with that username already exists.'];
    if (users.some((u) => u.email.toLowerCase() === String(body.email).toLowerCase())) errs.email = ['A user is already registered with this e-mail address.'];
    if (!body.password1 || body.password1.length < 8) errs.password1 = ['This password is too short. It must contain at least 8 characters.'];
    if (body.password1 !== body.password2) errs.password2 = ["The two password fields didn't match."];
    if (Object.keys(errs).length) return send(res, 400, errs);
    addUser(body.username, body.email, body.password1, ['user'], body);
    return send(res, 201, { username: body.username, email: body.email, first_name: body.first_name, last_name: body.last_name, email_verification_required: true, key: null });
  }
  if (m('POST', /^\/api\/auth\/password\/reset$/)) return send(res, 200, { detail: 'Password reset e-mail has been sent.' });
  if (m('POST', /^\/api\/auth\/password\/reset\/confirm$/)) return send(res, 400, { token: ['Invalid value'] });
  if (m('POST', /^\/api\/auth\/password\/change$/)) {
    if (!needUser()) return;
    if (body.old_password !== me.password) return send(res, 400, { old_password: ['Your old password was entered incorrectly. Please enter it again.'] });
    if (body.new_password1 !== body.new_password2) return send(res, 400, { new_password2: ["The two password fields didn't match."] });
    me.password = body.new_password1;
    return send(res, 200, { detail: 'New password has been saved.' });
  }
  if (m('POST', /^\/api\/auth\/account-confirm-email\/resend$/)) return send(res, 200, { detail: 'ok' });
  if (m('POST', /^\/api\/auth\/setup$/)) return send(res, 400, { non_field_errors: ['The setup link has expired.'] });
  if (m('GET', /^\/api\/auth\/sessions$/)) {
    if (!needUser()) return;
    const mine = [...sessions.entries()].filter(([, s]) => s.userId === me.id).map(([sid, s]) => ({ ...s, current: sid === cookies.sessionid }));
    const extra = [{ id: 'old1', user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15', ip: '203.0.113.7', created_date: '2025-03-01T08:00:00Z', last_seen_date: '2025-03-12T17:45:00Z', current: false }];
    return send(res, 200, page([...mine, ...extra], url));
  }
  if (m('DELETE', /^\/api\/auth\/sessions(\/.*)?$/)) return needUser() && send(res, 204);
  if (m('GET', /^\/api\/auth\/access_tokens$/)) return needUser() && send(res, 200, page(tokens.filter((t) => t.userId === me.id).map(({ userId, ...t }) => t), url));
  if (m('POST', /^\/api\/auth\/access_tokens$/)) {
    if (!needUser()) return;
    if (!body.name) return send(res, 400, { name: ['This field may not be blank.'] });
    const t = { id: nextId++, userId: me.id, name: body.name, read_only: !!body.read_only, created_date: now(), expiry_date: body.expiry_date ?? null, last_used_date: null };
    tokens.push(t);
    const { userId, ...view } = t;
    return send(res, 201, { ...view, value: `gh_pat_${randomBytes(24).toString('base64url')}` });
  }
  if (m('DELETE', /^\/api\/auth\/access_tokens\/\d+$/)) {
    if (!needUser()) return;
    const id = Number(p.split('/').pop());
    const i = tokens.findIndex((t) => t.id === id && t.userId === me.id);
    if (i < 0) return send(res, 404, { detail: 'Not found.' });
    tokens.splice(i, 1);
    return send(res, 204);
  }
  if (m('GET', /^\/api\/users$/)) {
    if (!needUser()) return;
    const q = (url.searchParams.get('search') ?? '').toLowerCase();
    return send(res, 200, page(users.filter((u) => !q || [u.username, u.first_name, u.last_name].some((f) => f.toLowerCase().includes(q))).map(userView), url));
  }
  if (m('PATCH', /^\/api\/users\/\d+$/)) {
    if (!needUser()) return;
    const u = users.find((x) => x.id === Number(p.split('/').pop()));
    if (!u) return send(res, 404, { detail: 'Not found.' });
    if (u.id !== me.id && !isAdmin) return send(res, 403, { detail: 'You do not have permission to perform this action.' });
    for (const k of ['first_name', 'last_name', 'groups', 'is_active']) if (k in body) u[k] = body[k];
    return send(res, 200, userView(u));
  }
  if (m('GET', /^\/api\/server\/outbox$/)) {
    if (!needUser()) return;
    if (!isAdmin) return send(res, 403, { detail: 'You do not have permission to perform this action.' });
    return send(res, 200, page(outbox, url));
  }
  return send(res, 404, { detail: 'Not found.' });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
  if (url.pathname.startsWith('/api/')) return api(req, res, url).catch((err) => send(res, 500, { detail: String(err) }));
  const file = normalize(join(DIST, url.pathname));
  const inDist = file.startsWith(DIST) && existsSync(file) && extname(file);
  const path = inDist ? file : join(DIST, 'index.html');
  if (!inDist && extname(url.pathname)) return send(res, 404, { detail: 'Not found.' });
  res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
  res.end(readFileSync(path));
});
server.listen(Number(port), host, () => console.log(`mock gatehouse on http://${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
