// The mail journey in a real browser, against a server that sends its mail
// over SMTP to Mailpit and requires email verification: sign up, confirm the
// address from the mailed link, sign in with the email and with the username,
// reset a forgotten password from the mailed link, change it from the user
// menu, and get the "password changed" notice by mail.
import { assert, linkIn, signIn } from '../harness.mjs';

// A shared Mailpit (CI) keeps mail from earlier runs: addresses of this run only.
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PERSON = {
  first: 'Katherine',
  last: 'Johnson',
  email: `katherine.j.${RUN}@example.net`,
  username: `katherine.j.${RUN}`,
  passwords: ['Orbital-Mechanics-1962', 'Trajectory-Window-1969', 'Splashdown-Pacific-1970'],
};

const ALLOW = [
  { method: 'GET', path: /^\/api\/users\/self$/, status: 401 },
  // The retired password is tried once on purpose.
  { method: 'POST', path: /^\/api\/auth\/login$/, status: 400 },
];

async function openUserMenu(page) {
  await page.getByRole('button', { name: PERSON.username }).click();
}

async function signOut(page) {
  await openUserMenu(page);
  await page.getByRole('menuitem', { name: 'Logout' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

async function expectWelcome(page) {
  await page.getByRole('heading', { name: `Welcome, ${PERSON.first}`, level: 1 }).waitFor();
  const text = await page.locator('main').innerText();
  assert(text.includes(`Signed in as ${PERSON.username}`), `home does not say who is signed in:\n${text}`);
}

export default {
  name: 'mail journey',
  server: { mailpit: true, env: { GATEHOUSE_EMAIL_VERIFICATION: 'mandatory' } },
  async run(t) {
    const base = t.baseURL;
    const mail = t.mail;
    const { page, watch } = await t.newPage({ allow: ALLOW });
    // Mails already read, so a second mail of the same kind is told apart.
    const seen = [];
    const read = async (subject) => {
      const msg = await mail.waitFor(PERSON.email, subject, { seen });
      seen.push(msg.ID);
      return msg;
    };

    await t.check('a visitor creates an account and is asked to check their email', async () => {
      await page.goto(`${base}/auth/login`);
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByRole('heading', { name: 'Create an account', level: 1 }).waitFor();
      await page.getByLabel(/^First name/).fill(PERSON.first);
      await page.getByLabel(/^Last name/).fill(PERSON.last);
      await page.getByLabel(/^Email/).fill(PERSON.email);
      const username = await page.getByLabel(/^Username/).inputValue();
      assert(username === PERSON.username, `username not made from the email: ${username}`);
      await page.getByLabel(/^Password/).fill(PERSON.passwords[0]);
      await page.getByLabel(/^Confirm password/).fill(PERSON.passwords[0]);
      const terms = page.getByLabel(/I accept the terms of use/);
      if (await terms.count()) await terms.check();
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByRole('heading', { name: 'Check your email', level: 1 }).waitFor();
      const text = await page.locator('body').innerText();
      assert(text.includes(PERSON.email), `"Check your email" does not name the address:\n${text}`);
      await t.screenshot(page, 'mail-check-your-email');
      watch.assertClean('register');
    });

    await t.check('the mailed confirmation link confirms the address', async () => {
      const msg = await read(/^Confirm your email address/);
      assert(msg.Text.includes(PERSON.username), 'the confirmation mail does not greet the user');
      const link = linkIn(msg, /\/api\/auth\/account-confirm-email\//);
      assert(link.startsWith(base), `the link does not point to this server: ${link}`);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Your email is confirmed', level: 1 }).waitFor();
      assert(new URL(page.url()).pathname === '/auth/email-confirmation', `not on the confirmation page: ${page.url()}`);
      await page.getByText('Your account is ready to use.').waitFor();
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      watch.assertClean('confirm');
    });

    await t.check('signs in with the email: identifier first, then the password', async () => {
      await page.getByLabel('Username or email').fill(PERSON.email);
      assert((await page.getByLabel(/^Password/).count()) === 0, 'password field shown before the identifier step');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel(/^Password/).fill(PERSON.passwords[0]);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectWelcome(page);
      await signOut(page);
      watch.assertClean('email sign-in');
    });

    await t.check('signs in with the username', async () => {
      await signIn(page, base, PERSON.username, PERSON.passwords[0]);
      await expectWelcome(page);
      await signOut(page);
      watch.assertClean('username sign-in');
    });

    await t.check('"Forgot password?" mails a reset link', async () => {
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByRole('heading', { name: 'Reset your password', level: 1 }).waitFor();
      await page.getByLabel(/^Email/).fill(PERSON.email);
      await page.getByRole('button', { name: 'Send' }).click();
      const status = page.getByRole('status');
      await status.getByText('Check your email').waitFor();
      assert((await status.innerText()).includes(PERSON.email), 'the notice does not name the address');
      watch.assertClean('reset request');
    });

    await t.check('the mailed reset link sets a new password that works', async () => {
      const msg = await read(/^Reset your .* password/);
      const link = linkIn(msg, /\/auth\/password\/reset\/confirm\?/);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Choose a new password', level: 1 }).waitFor();
      await page.getByLabel(/^New password/).fill(PERSON.passwords[1]);
      await page.getByLabel(/^Confirm new password/).fill(PERSON.passwords[1]);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Password changed', level: 1 }).waitFor();
      await page.getByText('Sign in with the new password.').waitFor();
      // The reset also mails a notice; read it so the next one is told apart.
      await read(/password was changed/);
      await page.getByRole('link', { name: 'Go to sign in' }).click();
      await signIn(page, base, PERSON.username, PERSON.passwords[0]);
      await page.getByRole('alert').getByText(/could not sign in/i).waitFor();
      await page.getByLabel(/^Password/).fill(PERSON.passwords[1]);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectWelcome(page);
      watch.assertClean('reset');
    });

    await t.check('changes the password from the user menu and gets a notice by mail', async () => {
      await openUserMenu(page);
      await page.getByRole('menuitem', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Change password', level: 2 }).waitFor();
      await page.getByLabel(/^Current password/).fill(PERSON.passwords[1]);
      await page.getByLabel(/^New password/).fill(PERSON.passwords[2]);
      await page.getByLabel(/^Confirm new password/).fill(PERSON.passwords[2]);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Your password was changed').waitFor();
      const notice = await read(/password was changed/);
      assert(notice.Text.includes(PERSON.username), 'the notice does not name the account');
      assert(/signed out everywhere else/.test(notice.Text), `unexpected notice text:\n${notice.Text}`);
      await signOut(page);
      await signIn(page, base, PERSON.email, PERSON.passwords[2]);
      await expectWelcome(page);
      await t.screenshot(page, 'mail-journey-done');
      watch.assertClean('password change');
    });

    await page.close();
  },
};
