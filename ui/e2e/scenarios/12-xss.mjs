// Stored XSS: organizations named and described with markup are shown as
// text on the organizations list and the organization page; nothing runs
// (window.__xss stays undefined), and the server's CSP blocks inline script.
// Also: a hostile `next` on the login page never leaves the site.
import { assert, signIn } from '../harness.mjs';

const RUN = `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`;
const PAYLOADS = ['<img src=x onerror=window.__xss=1>', '<script>window.__xss=1</script>'];
// One owner per organization (the Free plan lets a user own one).
const CASES = PAYLOADS.map((p, i) => ({
  user: { username: `xss${i}${RUN}`, email: `xss${i}.${RUN}@example.org`, password: 'Harbor-Quartz-6620' },
  org: { slug: `x${i}${RUN}`.slice(0, 16), name: p, description: `${PAYLOADS[1 - i]} ${p}` },
}));

const ALLOW = [{ method: 'GET', path: /^\/api\/users\/self$/, status: 401 }];

async function api(t, key, method, path, body) {
  const res = await fetch(`${t.baseURL}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Token ${key}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text), headers: res.headers };
}

async function assertNoScriptRan(page, where) {
  const flag = await page.evaluate(() => window.__xss);
  assert(flag === undefined, `${where}: injected markup ran (window.__xss = ${flag})`);
  const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"], script:not([src])').length);
  assert(injected === 0, `${where}: ${injected} injected element(s) in the DOM`);
}

export default {
  name: 'xss',
  async run(t) {
    await t.check('organizations with markup in their fields are stored as text', async () => {
      for (const { user, org } of CASES) {
        const reg = await api(t, null, 'POST', '/api/auth/register', {
          username: user.username, email: user.email, password1: user.password, password2: user.password,
          confirmations: [{ name: 'terms_of_use', value: true }],
        });
        assert(reg.status === 201, `register: ${reg.status} ${reg.text}`);
        const key = reg.json().key;
        assert(key, `register gave no login key: ${reg.text}`);
        const res = await api(t, key, 'POST', '/api/organizations', org);
        assert(res.status === 201, `create ${org.slug}: ${res.status} ${res.text}`);
        const got = res.json();
        assert(got.name === org.name && got.description === org.description, `stored ${JSON.stringify(got.name)}`);
        assert(!res.text.includes('<'), `raw markup in the JSON answer: ${res.text}`);
      }
    });

    await t.check('the CSP forbids inline script', async () => {
      const res = await fetch(`${t.baseURL}/organizations`);
      const csp = res.headers.get('content-security-policy') ?? '';
      const script = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src')) ?? '';
      assert(script && !script.includes('unsafe-inline') && !script.includes('unsafe-eval'), `CSP: ${csp}`);
    });

    await t.check('the organizations list and page show the fields literally and run nothing', async () => {
      const { page, watch } = await t.newPage({ allow: ALLOW });
      for (const { user, org } of CASES) {
        await page.context().clearCookies();
        await page.goto(`${t.baseURL}/auth/login?next=%2Forganizations`);
        await signIn(page, t.baseURL, user.username, user.password);
        await page.waitForURL(/\/organizations$/);
        await page.getByText(org.name, { exact: true }).first().waitFor({ timeout: 15_000 });
        await page.waitForLoadState('networkidle');
        await assertNoScriptRan(page, '/organizations');
        await t.screenshot(page, `xss-organizations-${org.slug}`);
        watch.assertClean('/organizations');

        await page.getByRole('button', { name: `Open ${org.slug}` }).click();
        await page.waitForURL(/\/organization$/);
        await page.getByText(org.name, { exact: true }).first().waitFor({ timeout: 15_000 });
        // The owner sees the description in the edit form: as a field value.
        await page.waitForFunction((d) => [...document.querySelectorAll('input, textarea')].some((el) => el.value === d)
          || document.body.innerText.includes(d), org.description, { timeout: 15_000 });
        await page.waitForLoadState('networkidle');
        await assertNoScriptRan(page, `/organization (${org.slug})`);
        watch.assertClean(`/organization (${org.slug})`);
      }
      await t.screenshot(page, 'xss-organization-page');
      await page.close();
    });

    await t.check('a hostile next after sign-in stays on this site', async () => {
      const { page, watch } = await t.newPage({ allow: ALLOW });
      const { user } = CASES[0];
      for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:window.__xss=1', '/%09/evil.example']) {
        await page.context().clearCookies();
        await page.goto(`${t.baseURL}/auth/login?next=${encodeURIComponent(next)}`);
        await signIn(page, t.baseURL, user.username, user.password);
        await page.waitForURL((u) => !u.pathname.startsWith('/auth/'), { timeout: 15_000 });
        await page.waitForLoadState('networkidle');
        const at = new URL(page.url());
        assert(at.origin === t.baseURL, `next=${next} ended at ${page.url()}`);
        await assertNoScriptRan(page, `after next=${next}`);
        watch.assertClean(`after next=${next}`);
      }
      await page.close();
    });
  },
};
