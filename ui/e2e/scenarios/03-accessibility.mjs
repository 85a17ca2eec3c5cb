// axe-core (WCAG 2.1 A/AA rules, colour contrast included) on the main pages,
// in the light and the dark theme. axe is injected through the DevTools
// protocol, so the page's CSP stays on and is still checked.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assert, ensureAdmin, launchBrowser, signIn, watchPage } from '../harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const PUBLIC = [
  ['/auth/login', 'Sign in'],
  ['/auth/register', 'Create an account'],
  ['/auth/password/reset', 'Reset your password'],
  ['/auth/incorrect-email-confirmation', 'This confirmation link does not work'],
];
const PRIVATE = [
  ['/', /^Welcome/],
  ['/profile', 'Profile'],
  ['/admin/users', 'Users'],
  ['/admin/outbox', 'Outbox'],
  ['/organizations', 'Organizations'],
  ['/invitations', 'Invitations'],
  ['/projects', 'Projects'],
  ['/tasks', 'Tasks'],
  ['/jobs', 'Jobs'],
  ['/organization', 'Organization'],
  ['/no-such-page', 'Page not found'],
];
const AUDIT_ORG = { slug: 'audit-org', name: 'Audit Organization', description: 'For the accessibility audit' };

async function audit(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
  );
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n      ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n      ')}`,
  );
}

export default {
  name: 'accessibility',
  async run(t) {
    const admin = await ensureAdmin(t);
    // A read-only token, so the profile page shows a filled token table.
    const basic = Buffer.from(`${admin.username}:${admin.password}`).toString('base64');
    const res = await fetch(`${t.baseURL}/api/auth/access_tokens`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'audit', read_only: true, expiry_date: null }),
    });
    assert(res.status === 201, `token create answered ${res.status}`);
    // An organization, so its page shows details, members and invitations.
    const org = await fetch(`${t.baseURL}/api/organizations`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...AUDIT_ORG, contact: { email: 'audit@example.com' } }),
    });
    assert(org.status === 201, `organization create answered ${org.status}`);
    for (const scheme of ['light', 'dark']) {
      await t.check(`no WCAG A/AA violations on the main pages (${scheme} theme)`, async () => {
        const browser = await launchBrowser({ colorScheme: scheme });
        try {
          const page = await browser.context.newPage();
          const watch = watchPage(page, { allow: [{ method: 'GET', path: /^\/api\/users\/self$/, status: 401 }] });
          const problems = [];
          const visit = async (path, heading) => {
            await page.goto(t.baseURL + path);
            await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
            await page.waitForLoadState('networkidle');
            for (const v of await audit(page)) problems.push(`${path}: ${v}`);
          };
          for (const [path, heading] of PUBLIC) await visit(path, heading);
          await page.goto(`${t.baseURL}/auth/login`);
          await signIn(page, t.baseURL, admin.username, admin.password);
          await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
          for (const [path, heading] of PRIVATE) await visit(path, heading);
          await page.evaluate((slug) => localStorage.setItem('gatehouse.org', slug), AUDIT_ORG.slug);
          await visit('/organization', AUDIT_ORG.name);
          watch.assertClean(scheme);
          assert(problems.length === 0, `${problems.length} violation(s):\n  ${problems.join('\n  ')}`);
        } finally {
          await browser.close();
        }
      });
    }
  },
};
