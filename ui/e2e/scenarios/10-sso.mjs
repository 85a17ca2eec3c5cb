// Single sign-on against a real OpenID Connect provider on loopback
// (cmd/testidp, mockoidc): the login page sends an email of the SSO domain to
// the provider and back, the profile lists the linked provider, a tampered
// state ends on the error page, and the admin audit log shows the sign-in.
//
// The provider is built with `go build ./cmd/testidp` (or taken from
// $TESTIDP_BIN) and started before this scenario's own server, which reads
// an auth_config.yml written here (AUTH_CONFIG_PATH).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assert, ensureAdmin, launchBrowser, signIn, UI_DIR, watchPage } from '../harness.mjs';

const IDP_ID = 'e2e-oidc';
const IDP_NAME = 'E2E Identity Provider';
const DOMAIN = 'sso-e2e.example';
const ORG_SLUG = 'sso-team';
// Unique per run: the server's data dir is fresh, but keep the address recognisable in logs.
const EMAIL = `ann.${Date.now().toString(36)}@${DOMAIN}`;

const SELF_401 = { method: 'GET', path: /^\/api\/users\/self$/, status: 401 };
const SELECT_404 = { method: 'POST', path: /^\/api\/auth\/sso\/select$/, status: 404 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core WCAG 2.1 A/AA (colour contrast included) on the page as it is, then
 * in the dark theme after a reload (waiting for `ready` again). Throws on any violation.
 */
async function assertAccessible(page, label, ready) {
  const problems = [];
  for (const scheme of ['light', 'dark']) {
    if (scheme === 'dark') {
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.reload();
      await ready();
    }
    await page.evaluate(AXE);
    const result = await page.evaluate(() =>
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
    );
    for (const v of result.violations) problems.push(`${scheme}: ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  assert(problems.length === 0, `${label}: axe found\n  ${problems.join('\n  ')}`);
}

/** Builds (unless $TESTIDP_BIN names one) and starts the test OIDC provider; resolves to {issuer, client_id, client_secret, stop}. */
async function startTestIdp(dir) {
  let bin = process.env.TESTIDP_BIN;
  if (!bin) {
    bin = join(dir, 'testidp');
    const build = spawnSync('go', ['build', '-o', bin, './cmd/testidp'], { cwd: resolve(UI_DIR, '..'), encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`go build ./cmd/testidp failed:\n${build.stderr || build.error}`);
  }
  const child = spawn(bin, ['-addr', '127.0.0.1:0', '-email', EMAIL, '-verified=true'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = null;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (e) => (exited = { code: -1, signal: String(e) }));
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 30_000;
  while (!out.includes('\n')) {
    if (exited) throw new Error(`testidp exited (${JSON.stringify(exited)}):\n${err}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`testidp printed nothing within 30 s:\n${err}`);
    }
    await sleep(50);
  }
  const info = JSON.parse(out.slice(0, out.indexOf('\n')));
  for (const k of ['issuer', 'client_id', 'client_secret']) assert(info[k], `testidp printed no ${k}: ${out}`);
  return { ...info, stop };
}

export default {
  name: 'sso',
  server: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-sso-'));
    try {
      const idp = await startTestIdp(dir);
      const config = join(dir, 'auth_config.yml');
      writeFileSync(
        config,
        [
          'sso:',
          '  enabled: true',
          '  selection_mode: email_address',
          '  identity_providers:',
          `    - id: ${IDP_ID}`,
          '      protocol: OIDC',
          `      name: ${IDP_NAME}`,
          `      server_url: ${idp.issuer}`,
          `      client_id: ${idp.client_id}`,
          `      client_secret: ${idp.client_secret}`,
          `      email_domain: ${DOMAIN}`,
          // mockoidc advertises client_secret_basic but reads the client from the form body.
          '      token_auth_method: client_secret_post',
          '',
        ].join('\n'),
      );
      return {
        env: { AUTH_CONFIG_PATH: config },
        stop: async () => {
          await idp.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  },

  async run(t) {
    const base = t.baseURL;

    await t.check('auth-methods offer single sign-on with the configured provider', async () => {
      const methods = await (await fetch(`${base}/api/server/auth-methods`)).json();
      assert(methods.sso?.enabled === true, `sso not enabled: ${JSON.stringify(methods)}`);
      const names = (methods.sso.identity_providers ?? []).map((p) => p.name);
      assert(names.includes(IDP_NAME), `provider missing: ${JSON.stringify(methods.sso)}`);
    });

    await t.check('an email of another domain still asks for the password', async () => {
      const { page, watch } = await t.newPage({ allow: [SELF_401, SELECT_404] });
      await page.goto(`${base}/auth/login`);
      const ready = () => page.getByRole('button', { name: 'Continue with SSO' }).waitFor({ timeout: 15_000 });
      await ready();
      await assertAccessible(page, 'login with SSO', ready);
      await page.getByLabel('Username or email').fill('someone@elsewhere.example');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel(/^Password/).waitFor();
      assert(new URL(page.url()).pathname === '/auth/login', `left the login page: ${page.url()}`);
      watch.assertClean('other domain');
      await page.close();
    });

    await t.check('a tampered state ends on the error page', async () => {
      const { page, watch } = await t.newPage({ allow: [SELF_401] });
      await page.goto(`${base}/api/auth/oidc/${IDP_ID}/login/callback/?code=forged&state=tampered-state`);
      const heading = page.getByRole('heading', { name: 'This sign-in link has expired', level: 1 });
      await heading.waitFor({ timeout: 15_000 });
      const url = new URL(page.url());
      assert(url.pathname === '/auth/error', `not on the error page: ${page.url()}`);
      assert(url.searchParams.get('reason') === 'bad_state', `reason is ${url.searchParams.get('reason')}`);
      assert(await heading.evaluate((el) => el === document.activeElement), 'the heading is not focused');
      const alert = await page.getByRole('alert').innerText();
      assert(/took too long|changed on the way/.test(alert), `unexpected alert: ${alert}`);
      assert((await page.getByRole('link', { name: 'Back to sign in' }).getAttribute('href')) === '/auth/login', 'no way back to sign in');
      await t.screenshot(page, 'sso-error-bad-state');
      await assertAccessible(page, 'error page', () => heading.waitFor());
      watch.assertClean('bad state');
      await page.close();
    });

    // An organization invites the SSO person before their first sign-in; the
    // invitation link (sign-up page) → "Sign in" → SSO carries the invitation.
    let invitationLink = null;
    await t.check('an administrator invites the SSO person into an organization', async () => {
      const admin = await ensureAdmin(t);
      const headers = { Authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`, 'Content-Type': 'application/json' };
      const org = await fetch(`${base}/api/organizations`, { method: 'POST', headers, body: JSON.stringify({ slug: ORG_SLUG, name: 'SSO Team' }) });
      assert(org.status === 201, `organization create answered ${org.status}: ${await org.text()}`);
      const inv = await fetch(`${base}/api/invitations`, {
        method: 'POST',
        headers: { ...headers, 'X-Organization': ORG_SLUG },
        body: JSON.stringify({ email: EMAIL, role: 'worker' }),
      });
      assert(inv.status === 201, `invitation answered ${inv.status}: ${await inv.text()}`);
      // No SMTP here: the mail waits in the outbox.
      for (let i = 0; i < 50 && !invitationLink; i++) {
        const outbox = await (await fetch(`${base}/api/server/outbox?page_size=50`, { headers })).json();
        const mail = (outbox.results ?? []).find((m) => [m.to].flat().join(',').includes(EMAIL));
        invitationLink = mail?.body_text.match(/https?:\/\/\S+\/auth\/register\?\S+/)?.[0] ?? null;
        if (!invitationLink) await sleep(200);
      }
      assert(invitationLink, 'no invitation mail with a sign-up link in the outbox');
    });

    // The SSO sign-in leaves this page signed in for the next checks.
    const { page, watch } = await t.newPage({ allow: [SELF_401, { method: 'DELETE', path: /^\/api\/auth\/identities\/\d+$/, status: 400 }] });

    await t.check('an email of the SSO domain signs in through the provider and lands on the home page', async () => {
      if (invitationLink) {
        // From the invitation's sign-up page to the login page, keeping the invitation.
        await page.goto(invitationLink);
        await page.getByRole('heading', { name: 'Create an account', level: 1 }).waitFor({ timeout: 15_000 });
        await page.getByRole('link', { name: 'Sign in', exact: true }).click();
        await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
        assert(new URL(page.url()).searchParams.get('invitation'), `the invitation was dropped: ${page.url()}`);
      } else {
        await page.goto(`${base}/auth/login`);
      }
      await page.getByRole('button', { name: 'Continue with SSO' }).waitFor({ timeout: 15_000 });
      await page.getByLabel('Username or email').fill(EMAIL);
      await page.getByRole('button', { name: 'Next' }).click();
      try {
        await page.getByRole('heading', { name: /^Welcome/, level: 1 }).waitFor({ timeout: 20_000 });
      } catch (err) {
        await t.screenshot(page, 'sso-sign-in-failed');
        const text = (await page.locator('body').innerText().catch(() => '')).slice(0, 500);
        throw new Error(`no home page after SSO; at ${page.url()}:\n${text}\n${err.message}`);
      }
      assert(new URL(page.url()).pathname === '/', `not on the home page: ${page.url()}`);
      const me = await page.evaluate(async () => (await fetch('/api/users/self')).json());
      assert(me.email?.toLowerCase() === EMAIL.toLowerCase(), `signed in as ${JSON.stringify(me)}`);
      assert(me.has_usable_password === false, `an SSO-created account has a usable password: ${JSON.stringify(me)}`);
      await t.screenshot(page, 'sso-signed-in');
      watch.assertClean('sso sign-in');
    });

    await t.check('the invitation carried through SSO was accepted', async () => {
      assert(invitationLink, 'no invitation was sent');
      const orgs = await page.evaluate(async () => (await fetch('/api/organizations?page_size=all')).json());
      const slugs = (orgs.results ?? []).map((o) => o.slug);
      assert(slugs.includes(ORG_SLUG), `not a member of ${ORG_SLUG}: ${JSON.stringify(slugs)}`);
    });

    await t.check('the profile lists the provider and refuses to unlink the only way to sign in', async () => {
      await page.goto(`${base}/profile`);
      const section = page.getByRole('region', { name: 'Linked sign-in methods' });
      await section.getByRole('cell', { name: new RegExp(`^${IDP_NAME}`) }).waitFor({ timeout: 15_000 });
      // No password yet: the Password section says how to choose one instead of asking for the current one.
      await page.getByRole('region', { name: 'Password' }).getByText('Password sign-in is not set').waitFor();
      assert((await page.getByLabel(/current password/i).count()) === 0, 'asks an SSO-only account for its current password');
      await section.getByRole('button', { name: `Unlink ${IDP_NAME}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Unlink this sign-in method?' });
      await dialog.getByRole('button', { name: 'Unlink' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const alert = section.getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      assert(/last way to sign in|password/i.test(text), `unexpected refusal: ${text}`);
      assert(await alert.evaluate((el) => el === document.activeElement), 'the refusal is not focused');
      await t.screenshot(page, 'sso-unlink-refused');
      await assertAccessible(page, 'profile with the refusal', async () => {
        // The refusal is gone after the reload; the list is what is checked in the dark theme.
        await section.getByRole('button', { name: `Unlink ${IDP_NAME}` }).waitFor({ timeout: 15_000 });
      });
      await section.getByRole('button', { name: `Unlink ${IDP_NAME}` }).waitFor();
      watch.assertClean('profile identities');
    });
    await page.close();

    await t.check('the admin audit log shows the SSO sign-in and offers it as CSV', async () => {
      const admin = await ensureAdmin(t);
      const browser = await launchBrowser();
      try {
        const adminPage = await browser.context.newPage();
        const adminWatch = watchPage(adminPage, { allow: [SELF_401] });
        await signIn(adminPage, base, admin.username, admin.password);
        await adminPage.getByRole('heading', { name: /^Welcome/, level: 1 }).waitFor({ timeout: 15_000 });
        await adminPage.goto(`${base}/admin/audit`);
        await adminPage.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
        await adminPage.getByRole('combobox', { name: 'Event' }).fill('auth.');
        await adminPage.keyboard.press('Escape');
        await adminPage.getByRole('button', { name: 'Apply filters' }).click();
        await adminPage.getByRole('cell', { name: 'auth.sso_login' }).first().waitFor({ timeout: 15_000 });
        const href = await adminPage.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
        assert(href === '/api/audit.csv?event=auth.', `CSV link: ${href}`);
        const csv = await adminPage.evaluate(async (h) => {
          const res = await fetch(h);
          return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
        }, href);
        assert(csv.status === 200 && /text\/csv/.test(csv.type ?? ''), `CSV answered ${csv.status} ${csv.type}`);
        assert(csv.text.includes('auth.sso_login'), 'CSV lacks the SSO sign-in');
        const events = csv.text.trim().split('\n').slice(1).map((line) => line.split(',')[2]);
        assert(events.length > 0 && events.every((e) => e?.startsWith('auth.')), `CSV ignores the event filter: ${events.join(' ')}`);
        await t.screenshot(adminPage, 'audit-log');
        await assertAccessible(adminPage, 'audit log', () => adminPage.getByRole('cell', { name: 'auth.sso_login' }).first().waitFor({ timeout: 15_000 }));
        adminWatch.assertClean('audit log');
      } finally {
        await browser.close();
      }
    });
  },
};
