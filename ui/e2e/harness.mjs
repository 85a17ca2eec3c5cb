// Browser-test harness: starts the real Gatehouse binary on a free loopback
// port with a fresh data dir, drives Debian's chromium through playwright-core,
// records console errors and failed requests, and counts checks.
//
// A scenario is a module in e2e/scenarios/ whose default export is
//   { name: string, run: async (t) => void, server?: { mailpit?, args?, env? } }
// (`server` gives the scenario a fresh server of its own, with SMTP to a
// Mailpit when `mailpit` is true; it may be an async function returning those
// options plus a stop(); see runScenarios)
// where t.check(name, fn) runs one named check (counted in the final line),
// and t gives baseURL, newPage(), screenshot(page, name) and the server logs.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const UI_DIR = resolve(here, '..');
export const ARTIFACTS = join(here, 'artifacts');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `$bin serve --http 127.0.0.1:PORT --data-dir <temp>` and waits for
 * GET /healthz to answer 200. Returns { baseURL, logs(), stop() }.
 */
export async function startServer({ bin, env = {}, args = [], timeoutMs = 30_000 } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const baseURL = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(bin, ['serve', '--http', `127.0.0.1:${port}`, '--data-dir', dataDir, ...args], {
    // Email verification off unless a scenario asks otherwise, so sign-up
    // journeys do not depend on whether the machine has SMTP settings.
    // The per-IP budget on /api/auth/* (default 120/min) is raised: every
    // browser here shares 127.0.0.1.
    env: {
      ...process.env,
      GATEHOUSE_BASE_URL: baseURL,
      GATEHOUSE_EMAIL_VERIFICATION: 'none',
      GATEHOUSE_AUTH_RATE_LIMIT: '2000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (err) => (exited = { code: -1, signal: String(err) }));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`server exited before it was ready (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const res = await fetch(`${baseURL}/healthz`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server not healthy after ${timeoutMs} ms:\n${output}`);
    }
    await sleep(150);
  }
  return { baseURL, dataDir, logs: () => output, stop };
}

/** The mailpit binary: $MAILPIT_BIN, then PATH, $GOBIN, $GOPATH/bin, ~/go/bin. */
function findMailpit() {
  const candidates = [process.env.MAILPIT_BIN];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'mailpit'));
  if (process.env.GOBIN) candidates.push(join(process.env.GOBIN, 'mailpit'));
  if (process.env.GOPATH) candidates.push(join(process.env.GOPATH.split(delimiter)[0], 'bin', 'mailpit'));
  candidates.push(join(homedir(), 'go', 'bin', 'mailpit'));
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

/**
 * A Mailpit to send the server's mail to. Uses the one named by
 * GATEHOUSE_TEST_MAILPIT_SMTP and GATEHOUSE_TEST_MAILPIT_API (as CI does),
 * else starts its own on free loopback ports. A shared Mailpit sees every
 * test's mail: scenarios use addresses of their own and search by recipient.
 * Returns { smtp, api, latest(to, subject?), waitFor(to, subject, timeoutMs), stop() }.
 */
export async function startMailpit({ timeoutMs = 20_000 } = {}) {
  let smtp = process.env.GATEHOUSE_TEST_MAILPIT_SMTP;
  let api = process.env.GATEHOUSE_TEST_MAILPIT_API?.replace(/\/+$/, '');
  let stop = async () => {};
  if (!smtp || !api) {
    const bin = findMailpit();
    if (!bin) throw new Error('mailpit not found: `go install github.com/axllent/mailpit@v1.33.1`, or set GATEHOUSE_TEST_MAILPIT_SMTP and GATEHOUSE_TEST_MAILPIT_API');
    const [smtpPort, httpPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mailpit-'));
    smtp = `127.0.0.1:${smtpPort}`;
    api = `http://127.0.0.1:${httpPort}`;
    let output = '';
    let exited = null;
    const child = spawn(bin, [
      '--smtp', smtp, '--listen', `127.0.0.1:${httpPort}`,
      '--smtp-auth-accept-any', '--smtp-auth-allow-insecure', '--smtp-disable-rdns',
      '--disable-version-check', '--database', join(dir, 'mailpit.db'),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code, signal) => (exited = { code, signal }));
    child.on('error', (err) => (exited = { code: -1, signal: String(err) }));
    stop = async () => {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 50 && !exited; i++) await sleep(100);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) {
        await stop();
        throw new Error(`mailpit exited (${JSON.stringify(exited)}):\n${output}`);
      }
      try {
        if ((await fetch(`${api}/api/v1/messages?limit=1`)).ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`mailpit not ready after ${timeoutMs} ms:\n${output}`);
      }
      await sleep(100);
    }
  }
  const getJSON = async (path) => {
    const res = await fetch(api + path);
    if (!res.ok) throw new Error(`mailpit ${path} answered ${res.status}`);
    return res.json();
  };
  /** The newest message to `to` (optionally whose subject matches), or null. */
  const latest = async (to, subject = /./) => {
    const found = await getJSON(`/api/v1/search?query=${encodeURIComponent(`to:"${to}"`)}&limit=50`);
    for (const m of found.messages ?? []) {
      if (subject.test(m.Subject)) return getJSON(`/api/v1/message/${encodeURIComponent(m.ID)}`);
    }
    return null;
  };
  /**
   * Waits for a message to `to` whose subject matches and that is not one of
   * `seen` (IDs of messages already read), so a second mail of the same kind
   * is told apart from the first.
   */
  const waitFor = async (to, subject = /./, { timeoutMs: wait = 15_000, seen = [] } = {}) => {
    const deadline = Date.now() + wait;
    for (;;) {
      const found = await getJSON(`/api/v1/search?query=${encodeURIComponent(`to:"${to}"`)}&limit=50`);
      const hit = (found.messages ?? []).find((m) => subject.test(m.Subject) && !seen.includes(m.ID));
      if (hit) return getJSON(`/api/v1/message/${encodeURIComponent(hit.ID)}`);
      if (Date.now() > deadline) {
        const subjects = (found.messages ?? []).map((m) => m.Subject).join(' | ') || 'none';
        throw new Error(`no mail to ${to} matching ${subject} within ${wait} ms (got: ${subjects})`);
      }
      await sleep(200);
    }
  };
  return { smtp, api, latest, waitFor, stop };
}

/** The first link in a mail's text body whose URL matches `pattern`. */
export function linkIn(message, pattern) {
  const links = (message.Text ?? '').match(/https?:\/\/[^\s<>"]+/g) ?? [];
  const link = links.find((l) => pattern.test(l));
  if (!link) throw new Error(`no link matching ${pattern} in "${message.Subject}":\n${message.Text}`);
  return link;
}

/** Launches chromium with a fresh temporary profile. Returns { context, close() }. */
export async function launchBrowser({ colorScheme = 'light' } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
    colorScheme,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Records what would show a broken page: console errors (CSP violations
 * included), uncaught exceptions, requests that failed, and HTTP answers
 * >= 400. `allow` lists expected answers as { method, path: RegExp, status }.
 */
export function watchPage(page, { allow = [] } = {}) {
  const problems = [];
  const allowed = (method, url, status) => {
    const path = new URL(url).pathname;
    return allow.some((a) => (!a.method || a.method === method) && a.path.test(path) && (!a.status || a.status === status));
  };
  const allowedUrls = new Set();
  page.on('response', (res) => {
    const req = res.request();
    if (res.status() >= 400) {
      if (allowed(req.method(), res.url(), res.status())) allowedUrls.add(res.url());
      else problems.push(`HTTP ${res.status()} ${req.method()} ${res.url()}`);
    }
  });
  // A request the browser cancels because the page navigated away after it
  // started is not a fault of the page; any other failure is. "Navigated
  // away" is any of: a main-frame navigation started after the request, a
  // document was committed in the main frame after it (the old document
  // can still start requests between the next navigation's own request and
  // that commit), or a navigation is under way when it is cancelled.
  let navigations = 0;
  let commits = 0;
  let navigating = false;
  const startedAt = new WeakMap();
  const isMainNavigation = (req) => req.isNavigationRequest() && req.frame() === page.mainFrame();
  page.on('request', (req) => {
    if (isMainNavigation(req)) {
      navigations += 1;
      navigating = true;
    }
    startedAt.set(req, { navigations, commits });
  });
  page.on('framenavigated', (frame) => {
    if (frame !== page.mainFrame()) return;
    commits += 1;
    navigating = false;
  });
  page.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText ?? 'failed';
    if (isMainNavigation(req)) navigating = false;
    const at = startedAt.get(req) ?? { navigations, commits };
    const cancelledByNavigation = failure === 'net::ERR_ABORTED' && !req.isNavigationRequest() &&
      (at.navigations < navigations || at.commits < commits || navigating);
    if (cancelledByNavigation) return;
    problems.push(`request failed: ${req.method()} ${req.url()} (${failure})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // Chromium logs every >= 400 answer as a console error; expected ones are fine.
    const url = msg.location()?.url ?? '';
    if (/^Failed to load resource/.test(text) && allowedUrls.has(url)) return;
    if (/^Failed to load resource/.test(text) && allow.some((a) => url && a.path.test(new URL(url).pathname))) return;
    problems.push(`console error: ${text}${url ? ` (${url})` : ''}`);
  });
  return {
    problems,
    /** Throws when anything was recorded since the last call. */
    assertClean(label = 'page') {
      if (problems.length) {
        const list = problems.splice(0);
        throw new Error(`${label}: ${list.length} problem(s):\n  ${list.join('\n  ')}`);
      }
    },
  };
}

/** Fails with `message` unless `cond` holds. */
export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/**
 * Credentials of an administrator: the one a previous scenario created
 * (t.shared.admin), else one made now through the printed setup link.
 */
export async function ensureAdmin(t) {
  if (t.shared.admin) return t.shared.admin;
  const token = t.server.logs().match(/\/auth\/setup\?token=([A-Za-z0-9_-]+)/)?.[1];
  assert(token, 'no admin yet and the server printed no setup link');
  const admin = { username: 'e2eadmin', email: 'e2eadmin@example.com', password: 'Quiet-Meadow-5173' };
  const res = await fetch(`${t.baseURL}/api/auth/setup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, username: admin.username, email: admin.email, password1: admin.password, password2: admin.password }),
  });
  assert(res.status === 201, `setup answered ${res.status}: ${await res.text()}`);
  t.shared.admin = admin;
  return admin;
}

/** Signs in through the login page and waits for the app shell. */
export async function signIn(page, baseURL, identifier, password) {
  if (!new URL(page.url()).pathname.startsWith('/auth/login')) await page.goto(`${baseURL}/auth/login`);
  await page.getByLabel('Username or email').fill(identifier);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Starts what a scenario with its own `server` options needs: a Mailpit when
 * `mailpit: true` (the server then sends mail to it over SMTP), and a server
 * with the extra `args` and `env`. Returns { server, mail, stop() }.
 */
async function startOwnServer({ bin, options: given }) {
  // `server` may also be a function (sync or async) that first starts what the
  // server needs (e.g. an identity provider) and returns the options, with a
  // stop() of its own that runs after the server stopped.
  const options = typeof given === 'function' ? await given() : given;
  const stopExtra = async () => { await options.stop?.(); };
  let mail = null;
  const args = [...(options.args ?? [])];
  try {
    if (options.mailpit) {
      mail = await startMailpit();
      args.push('--smtp-url', `smtp://${mail.smtp}?tls=none`);
    }
    const server = await startServer({ bin, args, env: options.env ?? {} });
    return { server, mail, stop: async () => { await server.stop(); await mail?.stop(); await stopExtra(); } };
  } catch (err) {
    await mail?.stop();
    await stopExtra();
    throw err;
  }
}

/**
 * Runs scenarios; prints one line per check and the summary. Scenarios
 * without `server` options share one server; a scenario that exports
 * `server: { mailpit?, args?, env? }` gets a fresh server of its own (and a
 * Mailpit as `t.mail`), stopped when it ends.
 */
export async function runScenarios(scenarios, { bin }) {
  mkdirSync(ARTIFACTS, { recursive: true });
  let passed = 0;
  let failed = 0;
  let shared;
  const logs = [];
  const startShared = async () => {
    if (shared) return shared;
    shared = await startServer({ bin });
    console.log(`e2e: server ready at ${shared.baseURL}`);
    return shared;
  };
  // Scenarios run in file-name order; those on the shared server pass state
  // to the next through `state` (e.g. the first admin's credentials).
  const sharedState = {};
  try {
    for (const scenario of scenarios) {
      console.log(`scenario: ${scenario.name}`);
      let server;
      let own = null;
      try {
        if (scenario.server) {
          own = await startOwnServer({ bin, options: scenario.server });
          server = own.server;
          console.log(`  own server at ${server.baseURL}${own.mail ? `, mail to ${own.mail.smtp} (API ${own.mail.api})` : ''}`);
        } else {
          server = await startShared();
        }
      } catch (err) {
        failed++;
        console.log(`  FAIL ${scenario.name} (server did not start)\n       ${String(err?.message ?? err).split('\n').join('\n       ')}`);
        continue;
      }
      const failedBefore = failed;
      const browser = await launchBrowser();
      const t = {
        baseURL: server.baseURL,
        server,
        shared: own ? {} : sharedState,
        mail: own?.mail ?? null,
        artifacts: ARTIFACTS,
        context: browser.context,
        /** A new tab with a watcher attached. */
        newPage: async (opts) => {
          const page = await browser.context.newPage();
          return { page, watch: watchPage(page, opts) };
        },
        screenshot: async (page, name) => {
          const file = join(ARTIFACTS, `${name}.png`);
          await page.screenshot({ path: file, fullPage: true });
          return file;
        },
        check: async (name, fn) => {
          const label = `${scenario.name} › ${name}`;
          const started = Date.now();
          try {
            await fn();
            passed++;
            console.log(`  ok   ${label} (${Date.now() - started} ms)`);
          } catch (err) {
            failed++;
            console.log(`  FAIL ${label}\n       ${String(err?.stack ?? err).split('\n').join('\n       ')}`);
          }
        },
      };
      try {
        await scenario.run(t);
      } catch (err) {
        failed++;
        console.log(`  FAIL ${scenario.name} (outside a check)\n       ${String(err?.stack ?? err)}`);
      } finally {
        await browser.close();
        if (own) {
          if (failed > failedBefore) logs.push([scenario.name, server.logs()]);
          await own.stop();
        }
      }
    }
  } finally {
    if (shared) {
      if (failed) logs.push(['shared server', shared.logs()]);
      await shared.stop();
    }
  }
  for (const [name, text] of logs) console.log(`server log of ${name} (last 4000 chars):\n${text.slice(-4000)}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
