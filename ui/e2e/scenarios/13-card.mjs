// Card payment in a real browser (issue #7): a new user subscribes to Solo
// with billing details and "Card", lands on our own payment page, where
// Stripe.js's card field (served by e2e/stripe-peer.mjs, a stand-in for
// Stripe since the tests have no internet) refuses a declined card and then
// takes a good one; Stripe's signed webhook reaches the server, the invoice
// becomes paid, the plan is active and renewals go to the saved card. The
// page watcher fails the check on any console error, CSP refusals included.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assert } from '../harness.mjs';
import { DECLINED_CARD, startStripePeer } from '../stripe-peer.mjs';

const RUN = `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`;
const USER = { first: 'Carla', last: 'Card', email: `carla.${RUN}@example.org`, password: 'Vivid-Harbor-8821' };
const DETAILS = { phone: '+1 555 0177', address: '7 Card Street\nSpringfield' };
const KEYS = { secretKey: 'sk_test_e2e', publishableKey: 'pk_test_e2e', webhookSecret: 'whsec_e2e' };

const ALLOW = [{ method: 'GET', path: /^\/api\/users\/self$/, status: 401 }];

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core WCAG 2.1 A/AA violations (colour contrast included) of the page as it is. */
async function audit(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
  );
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

let peer = null;

/** The invoice as the signed-in browser sees it. */
async function invoiceStatus(page, base, id) {
  const res = await page.request.get(`${base}/api/billing/invoices/${id}`);
  assert(res.ok(), `GET invoice ${id} answered ${res.status()}`);
  return (await res.json()).status;
}

export default {
  name: 'card',
  server: async () => {
    peer = await startStripePeer(KEYS);
    return {
      env: {
        GATEHOUSE_STRIPE_SECRET_KEY: KEYS.secretKey,
        GATEHOUSE_STRIPE_PUBLISHABLE_KEY: KEYS.publishableKey,
        GATEHOUSE_STRIPE_WEBHOOK_SECRET: KEYS.webhookSecret,
        GATEHOUSE_STRIPE_API_BASE: peer.url,
        GATEHOUSE_STRIPE_JS_URL: peer.jsURL,
      },
      stop: () => peer.stop(),
    };
  },
  async run(t) {
    const base = t.baseURL;
    peer.setWebhookURL(`${base}/api/billing/webhooks/stripe`);
    const { page, watch } = await t.newPage({ allow: ALLOW });
    let invoiceId = 0;
    let amount = '';

    await t.check('a visitor signs up', async () => {
      await page.goto(`${base}/auth/register`);
      await page.getByRole('heading', { name: 'Create an account' }).waitFor();
      await page.getByLabel(/^First name/).fill(USER.first);
      await page.getByLabel(/^Last name/).fill(USER.last);
      await page.getByLabel(/^Email/).fill(USER.email);
      await page.getByLabel(/^Password/).fill(USER.password);
      await page.getByLabel(/^Confirm password/).fill(USER.password);
      const terms = page.getByLabel('I accept the terms of use');
      if (await terms.count()) await terms.check();
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByRole('heading', { name: `Welcome, ${USER.first}` }).waitFor();
      watch.assertClean('sign up');
    });

    await t.check('subscribing to Solo by card leads to our own payment page with the card field', async () => {
      await page.goto(`${base}/billing/plans`);
      await page.getByRole('heading', { name: 'Plans', level: 1 }).waitFor();
      await page.getByText('Monthly', { exact: true }).click();
      await page.getByRole('button', { name: 'Get started with Solo' }).click();
      await page.getByRole('heading', { name: 'Subscribe', level: 1 }).waitFor();
      const form = page.getByRole('form', { name: 'Subscribe' });
      amount = (await form.locator('[data-total]').innerText()).replace(/ a month$/, '');
      await form.getByLabel(/^Phone number/).fill(DETAILS.phone);
      await form.getByLabel(/^Billing address/).fill(DETAILS.address);
      await form.getByRole('radio', { name: 'Card' }).check();
      await form.getByRole('checkbox', { name: /I agree to the refund policy/ }).check();
      await form.getByRole('button', { name: 'Subscribe and pay' }).click();
      await page.getByRole('heading', { name: 'Pay invoice', level: 1 }).waitFor();
      invoiceId = Number(new URL(page.url()).pathname.match(/^\/billing\/invoices\/(\d+)\/pay$/)?.[1]);
      assert(invoiceId > 0, `not on a payment page: ${page.url()}`);
      await page.getByRole('group', { name: 'Card details' }).getByLabel('Card number').waitFor();
      await page.getByRole('button', { name: `Pay ${amount}` }).waitFor();
      assert((await page.locator('[data-amount]').innerText()) === amount, 'amount due differs from the order total');
      // The intent the server made: the invoice's amount and id, a customer, the card kept for renewals.
      const intents = [...peer.intents.values()];
      assert(intents.length >= 1 && new Set(intents.map((i) => i.id)).size === intents.length, 'no payment intent at the Stripe peer');
      const pi = intents.at(-1);
      assert(pi.metadata.invoice_id === String(invoiceId), `intent metadata ${JSON.stringify(pi.metadata)} lacks invoice ${invoiceId}`);
      assert(pi.amount === Math.round(Number(amount.replace(/[$,]/g, '')) * 100), `intent amount ${pi.amount} for ${amount}`);
      assert(pi.customer?.startsWith('cus_') && pi.setup_future_usage === 'off_session', `intent customer/setup_future_usage: ${pi.customer} ${pi.setup_future_usage}`);
      await t.screenshot(page, 'card-pay-page');
      const violations = await audit(page);
      assert(violations.length === 0, `payment page: ${violations.length} WCAG violation(s):\n  ${violations.join('\n  ')}`);
      watch.assertClean('payment page');
    });

    await t.check('a declined card shows the error next to the field and pays nothing', async () => {
      const field = page.getByRole('group', { name: 'Card details' }).getByLabel('Card number');
      await field.fill(DECLINED_CARD);
      await page.getByRole('button', { name: `Pay ${amount}` }).click();
      const error = page.locator('[data-card-error]');
      await error.getByText('Your card was declined.').waitFor();
      assert((await error.getAttribute('aria-live')) === 'assertive', 'the card error is not announced');
      await page.waitForTimeout(500);
      assert((await invoiceStatus(page, base, invoiceId)) === 'open', 'a declined card paid the invoice');
      assert(!peer.events.some((e) => e.type === 'payment_intent.succeeded'), 'a success was reported for a declined card');
      watch.assertClean('declined card');
    });

    await t.check('a good card (keyboard) is confirmed, the webhook pays the invoice and the plan is active', async () => {
      const field = page.getByRole('group', { name: 'Card details' }).getByLabel('Card number');
      await field.fill('4242424242424242');
      await page.keyboard.press('Tab');
      const pay = page.getByRole('button', { name: `Pay ${amount}` });
      assert(await pay.evaluate((el) => el === document.activeElement), 'Tab from the card field does not reach the Pay button');
      await page.keyboard.press('Enter');
      await page.getByText('Payment received — confirming…').waitFor();
      await page.getByText(/is paid and your plan is active/).waitFor({ timeout: 15_000 });
      const succeeded = peer.events.filter((e) => e.type === 'payment_intent.succeeded');
      assert(succeeded.length === 1 && succeeded[0].status === 200, `webhook deliveries: ${JSON.stringify(peer.events)}`);
      assert((await invoiceStatus(page, base, invoiceId)) === 'paid', 'the invoice is not paid');
      await t.screenshot(page, 'card-paid');
      await page.getByRole('link', { name: 'Go to your subscription' }).click();
      await page.getByRole('heading', { name: 'Solo, personal workspace', level: 1 }).waitFor();
      const summary = page.getByRole('region', { name: 'Summary' });
      await summary.getByText('Active', { exact: true }).waitFor();
      await summary.getByText('Renewals are charged to the card you paid with.').waitFor();
      const history = page.getByRole('table', { name: 'Invoices of this subscription' });
      await history.getByText('Paid', { exact: true }).first().waitFor();
      assert((await history.getByRole('link', { name: /^Pay/ }).count()) === 0, 'a paid invoice still has a Pay link');
      assert(peer.unknown.length === 0, `the server called Stripe endpoints the peer lacks: ${peer.unknown.join('; ')}`);
      watch.assertClean('paid');
    });
  },
};
