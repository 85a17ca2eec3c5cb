// Browser-test harness: starts the real Gatehouse binary on a free loopback
// port with a fresh data dir, drives Debian's chromium through playwright-core,
// records console errors and failed requests, and counts checks.
//
// A scenario is a module in e2e/scenarios/ whose default export is
//   { name: string, run: async (t) => void }
// where t.check(name, fn) runs one named check (counted in the final line),
// and t gives baseURL, newPage(), screenshot(page, name) and the server logs.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
export async function startServer({ bin, env = {}, timeoutMs = 30_000 } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const baseURL = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(bin, ['serve', '--http', `127.0.0.1:${port}`, '--data-dir', dataDir], {
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
  page.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText ?? 'failed';
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

/** Runs scenarios against one server; prints one line per check and the summary. */
export async function runScenarios(scenarios, { bin }) {
  mkdirSync(ARTIFACTS, { recursive: true });
  let passed = 0;
  let failed = 0;
  let server;
  try {
    server = await startServer({ bin });
    console.log(`e2e: server ready at ${server.baseURL}`);
  } catch (err) {
    console.error(String(err?.message ?? err));
    console.log('e2e: 0 passed, 1 failed');
    return 1;
  }
  // Scenarios run in file-name order against one server; `shared` carries
  // what one leaves for the next (e.g. the first admin's credentials).
  const shared = {};
  try {
    for (const scenario of scenarios) {
      const browser = await launchBrowser();
      const t = {
        baseURL: server.baseURL,
        server,
        shared,
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
      console.log(`scenario: ${scenario.name}`);
      try {
        await scenario.run(t);
      } catch (err) {
        failed++;
        console.log(`  FAIL ${scenario.name} (outside a check)\n       ${String(err?.stack ?? err)}`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.stop();
  }
  if (failed) console.log(`server log (last 4000 chars):\n${server.logs().slice(-4000)}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
