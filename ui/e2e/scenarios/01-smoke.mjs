// The app loads under the server's CSP without errors, and the login page works up to the password step.
import { assert } from '../harness.mjs';

const SELF_401 = { method: 'GET', path: /^\/api\/users\/self$/, status: 401 };

export default {
  name: 'smoke',
  async run(t) {
    await t.check('home sends an anonymous visitor to the login page', async () => {
      const { page, watch } = await t.newPage({ allow: [SELF_401] });
      await page.goto(`${t.baseURL}/`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor({ timeout: 15_000 });
      assert(new URL(page.url()).pathname === '/auth/login', `expected /auth/login, got ${page.url()}`);
      await page.waitForLoadState('networkidle');
      await t.screenshot(page, 'home-anonymous');
      watch.assertClean('/');
      await page.close();
    });

    await t.check('login page renders and asks for the password after the identifier', async () => {
      const { page, watch } = await t.newPage({ allow: [SELF_401] });
      await page.goto(`${t.baseURL}/auth/login?next=%2Fprofile`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor({ timeout: 15_000 });
      const identifier = page.getByLabel('Username or email');
      await identifier.fill('nobody');
      assert((await page.getByLabel(/^Password/).count()) === 0, 'password field shown too early');
      await page.getByRole('button', { name: 'Next' }).click();
      const password = page.getByLabel(/^Password/);
      await password.waitFor();
      assert(await password.evaluate((el) => el === document.activeElement), 'password field is not focused');
      await page.waitForLoadState('networkidle');
      await t.screenshot(page, 'login-light');
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.reload();
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      const scheme = await page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
      assert(scheme === 'dark', `dark OS preference not followed (got ${scheme})`);
      await page.waitForLoadState('networkidle');
      await t.screenshot(page, 'login-dark');
      watch.assertClean('/auth/login');
      await page.close();
    });
  },
};
