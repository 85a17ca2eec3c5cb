// Screenshot tour for looking at the UI as a person would: signs in and saves
// every page in the light and the dark theme to e2e/artifacts/tour-*.png.
//   node e2e/tour.mjs [baseURL]   (default http://127.0.0.1:8090, e.g. the mock server)
//   TOUR_USER / TOUR_PASS         account to sign in with (default the mock's admin)
import { ARTIFACTS, launchBrowser, watchPage } from './harness.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.argv[2] ?? 'http://127.0.0.1:8090';
const user = process.env.TOUR_USER ?? 'admin';
const pass = process.env.TOUR_PASS ?? 'admin-pass-123';
const width = Number(process.env.TOUR_WIDTH ?? 1280);
mkdirSync(ARTIFACTS, { recursive: true });

const anonymous = ['/auth/register', '/auth/password/reset', '/auth/password/reset/confirm?uid=1&token=x', '/auth/email-confirmation', '/auth/incorrect-email-confirmation', '/auth/setup?token=x'];
const pages = ['/', '/profile', '/admin/users', '/admin/outbox', '/organizations', '/organization', '/invitations', '/nope'];

for (const scheme of ['light', 'dark']) {
  const b = await launchBrowser({ colorScheme: scheme });
  const page = await b.context.newPage();
  await page.setViewportSize({ width, height: 800 });
  const watch = watchPage(page, { allow: [{ path: /^\/api\/users\/self$/, status: 401 }] });
  const shot = async (name) => {
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, `tour-${name}-${scheme}${width < 700 ? '-narrow' : ''}.png`), fullPage: true });
  };
  for (const p of anonymous) {
    await page.goto(base + p);
    await page.locator('h1').first().waitFor();
    await shot(p.split('?')[0].replace(/\//g, '_').slice(1));
  }
  await page.goto(`${base}/auth/login`);
  await page.getByLabel('Username or email').fill(user);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel(/^Password/).fill(pass);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  for (const p of pages) {
    await page.goto(base + p);
    await page.locator('h1').first().waitFor();
    await shot(p === '/' ? 'home' : p.replace(/\//g, '_').slice(1));
  }
  await page.goto(`${base}/profile`);
  await page.getByRole('button', { name: user }).click();
  await page.getByRole('menuitem', { name: 'Organization' }).hover();
  await page.waitForTimeout(500);
  await shot('usermenu');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'New token' }).click();
  await page.getByLabel(/^Name/).fill('ci-script');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByText('Copy the token now').waitFor();
  await shot('token-created');
  if (watch.problems.length) console.log(`${scheme}: problems:\n  ${watch.problems.join('\n  ')}`);
  await b.close();
}
console.log('tour done');
