// Billing in a real browser (seed §4): a new user signs up, creates an
// organization, is refused a second one by the Free plan (with an Upgrade
// link), upgrades the organization to Team with billing details and bank
// transfer; an administrator records the transfer; the owner adds a seat and
// finds the prorated invoice in the Invoice History (and its printable view);
// then cancels with the feedback form.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assert, ensureAdmin, launchBrowser, signIn, watchPage } from '../harness.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core WCAG 2.1 A/AA violations (colour contrast included) of the page as it is. */
async function audit(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
  );
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n      ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n      ')}`);
}

const RUN = `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`;
const OWNER = { first: 'Bianca', last: 'Billing', email: `bianca.${RUN}@example.org`, password: 'Ledger-Orchard-4410' };
const ORG = { slug: `bill-${RUN}`.slice(0, 16), name: 'Billing Co' };
const DETAILS = { phone: '+1 555 0142', address: '12 Ledger Lane\nSpringfield', business: 'Billing Co LLC', vat: 'DE123456789' };

const ALLOW = [
  { method: 'GET', path: /^\/api\/users\/self$/, status: 401 },
  // The Free plan refuses a second owned organization on purpose.
  { method: 'POST', path: /^\/api\/organizations$/, status: 403 },
];

async function openUserMenu(page, username) {
  await page.getByRole('button', { name: new RegExp(`^${username}`) }).click();
}

export default {
  name: 'billing',
  async run(t) {
    const base = t.baseURL;
    const admin = await ensureAdmin(t);
    const owner = await t.newPage({ allow: ALLOW });
    const other = await launchBrowser();
    const adminPage = await other.context.newPage();
    const adminWatch = watchPage(adminPage, { allow: ALLOW });
    let username = '';
    let firstInvoice = '';
    let subscriptionPath = '';

    try {
      await t.check('a visitor signs up and creates an organization', async () => {
        const { page, watch } = owner;
        await page.goto(`${base}/auth/register`);
        await page.getByRole('heading', { name: 'Create an account' }).waitFor();
        await page.getByLabel(/^First name/).fill(OWNER.first);
        await page.getByLabel(/^Last name/).fill(OWNER.last);
        await page.getByLabel(/^Email/).fill(OWNER.email);
        username = await page.getByLabel(/^Username/).inputValue();
        await page.getByLabel(/^Password/).fill(OWNER.password);
        await page.getByLabel(/^Confirm password/).fill(OWNER.password);
        const terms = page.getByLabel('I accept the terms of use');
        if (await terms.count()) await terms.check();
        await page.getByRole('button', { name: 'Create an account' }).click();
        await page.getByRole('heading', { name: `Welcome, ${OWNER.first}` }).waitFor();
        await openUserMenu(page, username);
        await page.getByRole('menuitem', { name: 'Organization' }).hover();
        await page.getByRole('menuitem', { name: 'Create' }).click();
        const dialog = page.getByRole('dialog', { name: 'Create organization' });
        await dialog.getByLabel(/^Short name/).fill(ORG.slug);
        await dialog.getByLabel(/^Full name/).fill(ORG.name);
        await dialog.getByRole('button', { name: 'Submit' }).click();
        await page.getByRole('heading', { name: ORG.name, level: 1 }).waitFor();
        watch.assertClean('sign up and organization');
      });

      await t.check('the Free plan refuses a second organization where the user acted, with an Upgrade link', async () => {
        const { page, watch } = owner;
        await openUserMenu(page, username);
        await page.getByRole('menuitem', { name: 'Organization' }).hover();
        await page.getByRole('menuitem', { name: 'Create' }).click();
        const dialog = page.getByRole('dialog', { name: 'Create organization' });
        await dialog.getByLabel(/^Short name/).fill(`${ORG.slug.slice(0, 12)}-two`);
        await dialog.getByRole('button', { name: 'Submit' }).click();
        const notice = dialog.locator('[data-limit-notice]');
        await notice.waitFor({ timeout: 10_000 });
        assert(/limit/i.test(await notice.innerText()), `limit notice says: ${await notice.innerText()}`);
        await notice.getByRole('link', { name: /Upgrade/ }).click();
        await page.getByRole('heading', { name: 'Plans', level: 1 }).waitFor();
        watch.assertClean('limit notice');
      });

      await t.check('the owner upgrades the organization to Team with billing details and bank transfer', async () => {
        const { page, watch } = owner;
        if (new URL(page.url()).pathname !== '/billing/plans') {
          await openUserMenu(page, username);
          await page.getByRole('menuitem', { name: 'Upgrade plan' }).click();
          await page.getByRole('heading', { name: 'Plans', level: 1 }).waitFor();
        }
        await page.getByRole('region', { name: 'Team' }).getByText(/You save/).waitFor();
        // The active workspace (the new organization) is on Free, and its card says so.
        await page.getByRole('region', { name: 'Free' }).getByText(`Current plan of ${ORG.slug}`).waitFor();
        await t.screenshot(page, 'billing-plans');
        await page.getByText('Monthly', { exact: true }).click();
        await page.getByRole('switch', { name: /address, phone number and VAT/ }).check();
        await page.getByRole('button', { name: 'Get started with Team' }).click();
        const dialog = page.getByRole('dialog', { name: 'Team plan' });
        await dialog.getByLabel(/^Organization/).selectOption(ORG.slug);
        await dialog.getByText(/At least 1/).waitFor();
        await dialog.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Subscribe', level: 1 }).waitFor();
        const form = page.getByRole('form', { name: 'Subscribe' });
        assert((await form.locator('[data-total]').innerText()).includes('$33.00 a month'), 'order total is not 1 seat monthly');
        await form.getByLabel(/^Phone number/).fill(DETAILS.phone);
        await form.getByLabel(/^Billing address/).fill(DETAILS.address);
        await form.getByRole('checkbox', { name: 'I am purchasing as a business' }).check();
        await form.getByLabel(/^Business name/).fill(DETAILS.business);
        await form.getByLabel(/^VAT/).fill(DETAILS.vat);
        await form.getByRole('radio', { name: /bank transfer/i }).check();
        await t.screenshot(page, 'billing-subscribe');
        await form.getByText(/up to three banking days/).first().waitFor();
        // Without the refund policy nothing is sent.
        await form.getByRole('button', { name: 'Subscribe and pay' }).click();
        await form.getByText('Read and accept the refund policy to subscribe.').waitFor();
        await form.getByRole('button', { name: 'Read the refund policy' }).click();
        await page.getByRole('dialog', { name: 'Refund policy' }).getByText(/credit note/).waitFor();
        await page.keyboard.press('Escape');
        await form.getByRole('checkbox', { name: /I agree to the refund policy/ }).check();
        await form.getByRole('button', { name: 'Subscribe and pay' }).click();
        await page.getByRole('heading', { name: `Team for ${ORG.slug}`, level: 1 }).waitFor();
        subscriptionPath = new URL(page.url()).pathname;
        const summary = page.getByRole('region', { name: 'Summary' });
        await summary.getByText('Awaiting payment').waitFor();
        const history = page.getByRole('table', { name: 'Invoices of this subscription' });
        await history.getByText(/^INV-/).first().waitFor();
        firstInvoice = (await history.getByText(/^INV-/).first().innerText()).trim();
        await t.screenshot(page, 'billing-subscribed');
        watch.assertClean('subscribe');
      });

      await t.check('an administrator records the bank transfer', async () => {
        await signIn(adminPage, base, admin.username, admin.password);
        await adminPage.getByRole('heading', { name: /^Welcome/ }).waitFor();
        await adminPage.goto(`${base}/admin/billing`);
        const invoices = adminPage.getByRole('table', { name: 'All invoices' });
        await invoices.waitFor();
        await invoices.getByRole('button', { name: `Record payment of ${firstInvoice}` }).click();
        const dialog = adminPage.getByRole('dialog', { name: `Record payment of ${firstInvoice}` });
        await dialog.getByLabel(/^Note/).fill(`bank ref ${RUN}`);
        await dialog.getByRole('button', { name: 'Record payment' }).click();
        await adminPage.getByText(`${firstInvoice} is marked paid.`).waitFor();
        adminWatch.assertClean('record payment');
      });

      await t.check('the owner adds a seat and finds the prorated invoice in the Invoice History', async () => {
        const { page, watch } = owner;
        await page.reload();
        const summary = page.getByRole('region', { name: 'Summary' });
        await summary.getByText('Active', { exact: true }).waitFor();
        const seats = page.getByRole('form', { name: 'Change seats' });
        await seats.getByLabel('Number of seats').fill('2');
        await seats.getByRole('button', { name: 'Update quantity' }).click();
        const estimate = await seats.locator('[data-estimate]').innerText();
        assert(/charged now/.test(estimate), `no prorated estimate: ${estimate}`);
        await seats.getByRole('button', { name: 'Confirm' }).click();
        const note = page.getByText(/^Invoice INV-\S+ for \$[\d.,]+ was issued/);
        await note.waitFor();
        const [, number, amount] = (await note.innerText()).match(/^Invoice (INV-\S+) for (\$[\d.,]+)/);
        assert(number !== firstInvoice, 'no new invoice');
        await summary.getByText('2', { exact: true }).waitFor();
        // The Invoice History on the billing page lists it with its total and status.
        await openUserMenu(page, username);
        await page.getByRole('menuitem', { name: 'Manage plans and invoices' }).click();
        const history = page.getByRole('table', { name: 'Invoice history' });
        const row = history.locator(`tr[data-invoice="${number}"]`);
        await row.waitFor();
        const text = await row.innerText();
        assert(text.includes(amount) && /Awaiting payment/i.test(text), `history row: ${text}`);
        // Prorated by the day for the rest of the period (the whole month on its first day): never more
        // than a full seat, and what the page estimated before confirming.
        assert(Number(amount.replace(/[$,]/g, '')) <= 33, `the added seat cost more than a month: ${amount}`);
        assert(estimate.includes(amount), `estimate "${estimate}" differs from the invoice ${amount}`);
        const [print] = await Promise.all([page.context().waitForEvent('page'), row.getByRole('link', { name: /^Show/ }).click()]);
        await print.waitForLoadState();
        const printed = await print.locator('body').innerText();
        assert(printed.includes(number) && printed.includes(DETAILS.vat), `printable invoice lacks number or VAT id: ${printed.slice(0, 300)}`);
        await print.close();
        await t.screenshot(page, 'billing-history');
        watch.assertClean('add seat');
      });

      await t.check('the owner cancels with the feedback form; the plan runs to the period end', async () => {
        const { page, watch } = owner;
        await page.getByRole('link', { name: `Manage Team for ${ORG.slug}` }).click();
        await page.getByRole('button', { name: 'Cancel subscription' }).click();
        let dialog = page.getByRole('dialog', { name: 'Why are you cancelling?' });
        await dialog.getByLabel(/^Main reason/).selectOption('not_needed');
        await dialog.getByLabel(/Anything else/).fill('End of the project');
        await dialog.getByRole('button', { name: 'Continue' }).click();
        dialog = page.getByRole('dialog', { name: 'Cancel the subscription?' });
        await dialog.getByText(/one month/).waitFor();
        await dialog.getByRole('button', { name: 'Cancel subscription' }).click();
        await page.getByRole('region', { name: 'Summary' }).getByText('Ends at period end').waitFor();
        await page.getByRole('button', { name: 'Renew' }).waitFor();
        watch.assertClean('cancel');
      });
      for (const scheme of ['light', 'dark']) {
        await t.check(`billing pages have no WCAG A/AA violations (${scheme} theme)`, async () => {
          const browser = await launchBrowser({ colorScheme: scheme });
          try {
            const page = await browser.context.newPage();
            const watch = watchPage(page, { allow: ALLOW });
            const problems = [];
            const visit = async (path, heading) => {
              await page.goto(base + path);
              await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
              await page.waitForLoadState('networkidle');
              for (const v of await audit(page)) problems.push(`${path}: ${v}`);
            };
            await signIn(page, base, username, OWNER.password);
            await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
            await visit('/billing/plans', 'Plans');
            await visit('/billing/subscribe?plan=solo&period=annual&details=1', 'Subscribe');
            await visit('/billing', 'Billing');
            await visit(subscriptionPath || '/billing', subscriptionPath ? `Team for ${ORG.slug}` : 'Billing');
            await browser.context.clearCookies();
            await signIn(page, base, admin.username, admin.password);
            await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
            await visit('/admin/billing', 'Billing administration');
            watch.assertClean(scheme);
            assert(problems.length === 0, `${problems.length} violation(s):\n  ${problems.join('\n  ')}`);
          } finally {
            await browser.close();
          }
        });
      }
    } finally {
      await other.close();
    }
  },
};
