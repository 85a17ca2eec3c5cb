// Account journeys against the real server: first-admin setup, sign-in errors,
// admin pages, access tokens, registration, password change, `next` redirects.
import { assert, signIn } from '../harness.mjs';

const ADMIN = { username: 'firstadmin', email: 'firstadmin@example.com', password: 'Sturdy-Lantern-4821' };
const NEWBIE = { first: 'Grace', last: 'Hopper', email: 'Grace.Hopper@example.org', password: 'Compiler-Pioneer-1906' };
const NEW_ADMIN_PASSWORD = 'Harbour-Compass-7390';

const ALLOW = [
  { method: 'GET', path: /^\/api\/users\/self$/, status: 401 },
  { method: 'POST', path: /^\/api\/auth\/login$/, status: 400 },
];

async function signOut(page, username) {
  await page.getByRole('button', { name: username }).click();
  await page.getByRole('menuitem', { name: 'Logout' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

export default {
  name: 'accounts',
  async run(t) {
    const base = t.baseURL;
    const { page, watch } = await t.newPage({ allow: ALLOW });

    await t.check('the setup link creates the first administrator', async () => {
      const token = t.server.logs().match(/\/auth\/setup\?token=([A-Za-z0-9_-]+)/)?.[1];
      assert(token, 'server printed no setup link');
      await page.goto(`${base}/auth/setup?token=${token}`);
      await page.getByRole('heading', { name: 'Set up Gatehouse' }).waitFor();
      await page.getByLabel(/^Username/).fill(ADMIN.username);
      await page.getByLabel(/^Email/).fill(ADMIN.email);
      await page.getByLabel(/^Password/).fill(ADMIN.password);
      await page.getByLabel(/^Confirm password/).fill(ADMIN.password);
      await page.getByRole('button', { name: 'Create administrator' }).click();
      await page.getByText('The administrator account is ready').waitFor();
      assert(new URL(page.url()).pathname === '/auth/login', `not on the login page: ${page.url()}`);
      assert((await page.getByLabel('Username or email').inputValue()) === ADMIN.username, 'username not pre-filled');
      watch.assertClean('setup');
    });

    await t.check('a wrong password shows the server message and keeps what was typed', async () => {
      await signIn(page, base, ADMIN.username, 'not-the-password');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      assert(/could not sign in/i.test(text), `unexpected alert: ${text}`);
      assert((await page.getByLabel('Username or email').inputValue()) === ADMIN.username, 'identifier lost');
      assert((await page.getByLabel(/^Password/).inputValue()) === 'not-the-password', 'password lost');
      watch.assertClean('wrong password');
    });

    await t.check('the administrator signs in and manages users', async () => {
      await page.getByLabel(/^Password/).fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: `Welcome, ${ADMIN.username}` }).waitFor();
      await page.getByRole('button', { name: ADMIN.username }).click();
      await page.getByRole('menuitem', { name: 'Users' }).click();
      await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
      await page.getByRole('cell', { name: ADMIN.email }).waitFor();
      await page.waitForLoadState('networkidle');
      await t.screenshot(page, 'admin-users');
      await page.goto(`${base}/admin/outbox`);
      await page.getByRole('heading', { name: 'Outbox', level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      watch.assertClean('admin pages');
    });

    await t.check('a personal access token is shown once and can be revoked', async () => {
      await page.goto(`${base}/profile`);
      await page.getByRole('button', { name: 'New token' }).click();
      await page.getByLabel(/^Name/).fill('e2e-script');
      await page.getByLabel('Read-only').check();
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.getByText('Copy the token now').waitFor();
      const secret = await page.getByLabel('Token “e2e-script”').inputValue();
      assert(secret.length >= 20, `token secret looks wrong: ${secret}`);
      // The secret works as a Bearer token and is read-only.
      const res = await fetch(`${base}/api/users/self`, { headers: { Authorization: `Bearer ${secret}` } });
      assert(res.status === 200, `Bearer token rejected: ${res.status}`);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('cell', { name: 'e2e-script', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Revoke token e2e-script' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('You have no access tokens.').waitFor();
      watch.assertClean('tokens');
    });

    await t.check('changing the password keeps this session and the new one works', async () => {
      await page.goto(`${base}/profile#password`);
      await page.getByLabel(/^Current password/).fill(ADMIN.password);
      await page.getByLabel(/^New password/).fill(NEW_ADMIN_PASSWORD);
      await page.getByLabel(/^Confirm new password/).fill(NEW_ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Your password was changed').waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
      await signOut(page, ADMIN.username);
      await signIn(page, base, ADMIN.email, NEW_ADMIN_PASSWORD);
      await page.getByRole('heading', { name: `Welcome, ${ADMIN.username}` }).waitFor();
      t.shared.admin = { ...ADMIN, password: NEW_ADMIN_PASSWORD };
      await signOut(page, ADMIN.username);
      watch.assertClean('password change');
    });

    await t.check('a visitor registers with a username made from the email', async () => {
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByRole('heading', { name: 'Create an account' }).waitFor();
      await page.getByLabel(/^First name/).fill(NEWBIE.first);
      await page.getByLabel(/^Last name/).fill(NEWBIE.last);
      await page.getByLabel(/^Email/).fill(NEWBIE.email);
      const username = await page.getByLabel(/^Username/).inputValue();
      assert(username === 'grace.hopper', `username not derived from the email: ${username}`);
      await page.getByLabel(/^Password/).fill(NEWBIE.password);
      await page.getByLabel(/^Confirm password/).fill(NEWBIE.password);
      // Submitting without the terms: the checkbox gets the error and the focus.
      await page.getByRole('button', { name: 'Create an account' }).click();
      const terms = page.getByLabel('I accept the terms of use');
      await page.getByText('You need to accept the terms of use').waitFor();
      assert(await terms.evaluate((el) => el === document.activeElement), 'focus did not move to the terms checkbox');
      await terms.check();
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByRole('heading', { name: /^Welcome, Grace|^Check your email/ }).waitFor();
      await page.waitForLoadState('networkidle');
      await t.screenshot(page, 'after-register');
      if (await page.getByRole('heading', { name: `Welcome, ${NEWBIE.first}` }).count()) await signOut(page, 'grace.hopper');
      watch.assertClean('register');
    });

    await t.check('keyboard only: sign in, open the user menu, sign out', async () => {
      await page.goto(`${base}/auth/login`);
      const identifier = page.getByLabel('Username or email');
      await identifier.waitFor();
      assert(await identifier.evaluate((el) => el === document.activeElement), 'identifier not focused on load');
      await page.keyboard.type(NEWBIE.email);
      await page.keyboard.press('Enter');
      await page.getByLabel(/^Password/).waitFor();
      await page.keyboard.type(NEWBIE.password);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: `Welcome, ${NEWBIE.first}` }).waitFor();
      // Tab from the top of the page: skip link first, then the header controls.
      await page.keyboard.press('Tab');
      assert((await page.evaluate(() => document.activeElement?.textContent)) === 'Skip to content', 'skip link is not first');
      const menuButton = page.getByRole('button', { name: 'grace.hopper' });
      for (let i = 0; i < 12 && !(await menuButton.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
      assert(await menuButton.evaluate((el) => el === document.activeElement), 'user menu not reachable with Tab');
      await page.keyboard.press('Enter');
      const logout = page.getByRole('menuitem', { name: 'Logout' });
      await logout.waitFor();
      for (let i = 0; i < 10 && !(await logout.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      assert(new URL(page.url()).search === '', `logout should not keep a next: ${page.url()}`);
      watch.assertClean('keyboard');
    });

    await t.check('a private page sends to login and back after signing in', async () => {
      await page.goto(`${base}/admin/users?search=grace`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      const url = new URL(page.url());
      assert(url.searchParams.get('next') === '/admin/users?search=grace', `next not kept: ${page.url()}`);
      await signIn(page, base, ADMIN.username, NEW_ADMIN_PASSWORD);
      await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
      assert(new URL(page.url()).pathname === '/admin/users', `not back on the users page: ${page.url()}`);
      watch.assertClean('next redirect');
    });

    await page.close();
  },
};
