import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { CARD_LOAD_FAILED, CardPayment } from './CardPayment';
import type { ConfirmCardPaymentResult, StripeCardElement, StripeFactory } from './stripeJs';
import { axeViolations, invoice, ME } from './testFixtures';

const JS_URL = 'https://js.example.test/v3/';
const PAYMENT = { client_secret: 'pi_1_secret_abc', publishable_key: 'pk_test_1', js_url: JS_URL };
const INVOICE = invoice({ id: 12, status: 'open', total_cents: 3300, subscription_id: 7 });

/** A unit-test double of Stripe.js: the card field is a plain input. */
function fakeStripe(confirm: (secret: string, data: unknown) => Promise<ConfirmCardPaymentResult>) {
  const made: { key: string; card?: StripeCardElement & { destroyed: boolean } }[] = [];
  const confirmCardPayment = vi.fn(confirm);
  const factory: StripeFactory = (key) => {
    const entry: (typeof made)[number] = { key };
    made.push(entry);
    return {
      elements: () => ({
        create: () => {
          const card = {
            destroyed: false,
            mount(el: HTMLElement | string) {
              const input = document.createElement('input');
              input.setAttribute('aria-label', 'Card number');
              (el as HTMLElement).replaceChildren(input);
            },
            on: () => {},
            focus: () => {},
            destroy() {
              card.destroyed = true;
            },
          };
          entry.card = card;
          return card;
        },
      }),
      confirmCardPayment,
    };
  };
  return { factory, made, confirmCardPayment };
}

function routes(status: string[] | (() => string)) {
  let n = 0;
  const next = typeof status === 'function' ? status : () => status[Math.min(n++, status.length - 1)]!;
  return mockFetch({
    'GET /api/users/self': () => json(200, ME),
    'GET /api/organizations': () => json(200, { count: 0, next: null, previous: null, results: [] }),
    'GET /api/billing/invoices/12': () => json(200, { ...INVOICE, status: next() }),
  });
}

const invoiceGets = (calls: { method: string; url: string }[]) => calls.filter((c) => c.url === '/api/billing/invoices/12').length;

afterEach(() => {
  delete window.Stripe;
  document.querySelectorAll('script[data-stripe-js]').forEach((s) => s.remove());
});

/** The Pay button once the card field is mounted (it is disabled while Stripe.js loads). */
async function enabledPayButton(): Promise<HTMLButtonElement> {
  const button = (await screen.findByRole('button', { name: 'Pay $33.00' })) as HTMLButtonElement;
  await waitFor(() => expect(button.disabled).toBe(false));
  return button;
}

describe('CardPayment', () => {
  it('loads Stripe.js from js_url once, shows a loader meanwhile, then mounts the card field in a labelled group', async () => {
    routes(['open']);
    const stripe = fakeStripe(async () => ({}));
    renderApp(<CardPayment invoice={INVOICE} payment={PAYMENT} />);
    expect(screen.getByText('Loading the card form…')).toBeTruthy();
    const scripts = document.querySelectorAll<HTMLScriptElement>('script[data-stripe-js]');
    expect(scripts).toHaveLength(1);
    expect(scripts[0]!.src).toBe(JS_URL);
    window.Stripe = stripe.factory;
    fireEvent.load(scripts[0]!);
    const group = await screen.findByRole('group', { name: 'Card details' });
    expect(await within(group).findByLabelText('Card number')).toBeTruthy();
    expect(stripe.made.map((m) => m.key)).toContain('pk_test_1');
    await enabledPayButton();
    expect(screen.queryByText('Loading the card form…')).toBeNull();
    expect(await axeViolations()).toEqual([]);
  });

  it('says what to do when the script cannot load, and tries again on request', async () => {
    routes(['open']);
    renderApp(<CardPayment invoice={INVOICE} payment={PAYMENT} />);
    fireEvent.error(document.querySelector('script[data-stripe-js]')!);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(CARD_LOAD_FAILED);
    expect(alert.textContent).toContain('bank transfer');
    expect(document.querySelector('script[data-stripe-js]')).toBeNull();
    expect(screen.queryByRole('button', { name: /^Pay / })).toBeNull();
    await userEvent.setup({ delay: null }).click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(document.querySelectorAll('script[data-stripe-js]')).toHaveLength(1));
  });

  it('shows a declined card next to the field and pays nothing', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = routes(['open']);
    const stripe = fakeStripe(async () => ({ error: { message: 'Your card was declined.', type: 'card_error' } }));
    window.Stripe = stripe.factory;
    renderApp(<CardPayment invoice={INVOICE} payment={PAYMENT} email="alice@example.com" />);
    await user.click(await enabledPayButton());
    const error = await screen.findByText('Your card was declined.');
    expect(error.getAttribute('aria-live')).toBe('assertive');
    expect(screen.getByRole('group', { name: 'Card details' }).getAttribute('aria-describedby')).toBe(error.id);
    expect(stripe.confirmCardPayment).toHaveBeenCalledTimes(1);
    expect(stripe.confirmCardPayment.mock.calls[0]![0]).toBe('pi_1_secret_abc');
    expect(stripe.confirmCardPayment.mock.calls[0]![1]).toMatchObject({ payment_method: { billing_details: { email: 'alice@example.com' } } });
    expect(invoiceGets(calls)).toBe(0);
    expect((screen.getByRole('button', { name: 'Pay $33.00' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('after a successful confirmation waits for the invoice to be paid, then says the plan is active', async () => {
    const user = userEvent.setup({ delay: null });
    let webhookArrived = false;
    const { calls } = routes(() => (webhookArrived ? 'paid' : 'open'));
    const stripe = fakeStripe(async () => ({ paymentIntent: { id: 'pi_1', status: 'succeeded' } }));
    window.Stripe = stripe.factory;
    const onPaid = vi.fn();
    renderApp(<CardPayment invoice={INVOICE} payment={PAYMENT} onPaid={onPaid} pollEveryMs={20} />);
    await user.click(await enabledPayButton());
    expect(await screen.findByText('Payment received — confirming…')).toBeTruthy();
    await waitFor(() => expect(invoiceGets(calls)).toBeGreaterThanOrEqual(2));
    expect(onPaid).not.toHaveBeenCalled();
    webhookArrived = true;
    const done = await screen.findByText(/INV-2026-000012 is paid and your plan is active/);
    expect(within(done).getByRole('link', { name: 'Go to your subscription' }).getAttribute('href')).toBe('/billing/subscriptions/7');
    const asked = invoiceGets(calls);
    await new Promise((r) => setTimeout(r, 80));
    expect(invoiceGets(calls)).toBe(asked);
    expect(onPaid).toHaveBeenCalledWith(expect.objectContaining({ id: 12, status: 'paid' }));
    expect(screen.queryByRole('form', { name: 'Card payment' })).toBeNull();
  });

  it('gives up waiting after the limit and says the confirmation is pending', async () => {
    const user = userEvent.setup({ delay: null });
    routes(['open']);
    window.Stripe = fakeStripe(async () => ({ paymentIntent: { id: 'pi_1', status: 'succeeded' } })).factory;
    renderApp(<CardPayment invoice={INVOICE} payment={PAYMENT} pollEveryMs={10} pollLimitMs={60} />);
    await user.click(await enabledPayButton());
    expect(await screen.findByText('Payment received, confirmation pending')).toBeTruthy();
  });

  it('stops asking for the invoice once the page is left, and removes the card field', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = routes(['open']);
    const stripe = fakeStripe(async () => ({ paymentIntent: { id: 'pi_1', status: 'succeeded' } }));
    window.Stripe = stripe.factory;
    const view = renderApp(<CardPayment invoice={INVOICE} payment={PAYMENT} pollEveryMs={20} />);
    await user.click(await enabledPayButton());
    await waitFor(() => expect(invoiceGets(calls)).toBeGreaterThan(0));
    view.unmount();
    const seen = invoiceGets(calls);
    await new Promise((r) => setTimeout(r, 120));
    expect(invoiceGets(calls)).toBe(seen);
    expect(stripe.made.at(-1)!.card!.destroyed).toBe(true);
  });
});
