import { afterEach, describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { json, mockFetch, type RecordedCall } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { InvoiceTable } from './InvoiceTable';
import PayInvoicePage from './PayInvoicePage';
import type { StripeFactory } from './stripeJs';
import { axeViolations, invoice, ME, page } from './testFixtures';

const OPEN = invoice({ id: 12, status: 'open', total_cents: 3300, payment_method: 'card', bill_to: { name: 'alice', email: 'alice@example.com', workspace: 'acme' } });
const PAYMENT = { provider: 'stripe', method: 'card', status: 'requires_payment_method', client_secret: 'pi_9_secret_x', publishable_key: 'pk_test_9', js_url: 'https://js.example.test/v3/' };

const stripeDouble: StripeFactory = () => ({
  elements: () => ({
    create: () => ({
      mount(el: HTMLElement | string) {
        const input = document.createElement('input');
        input.setAttribute('aria-label', 'Card number');
        (el as HTMLElement).replaceChildren(input);
      },
      on: () => {},
    }),
  }),
  confirmCardPayment: async () => ({}),
});

function setup(inv = OPEN, pay: (c: RecordedCall) => Response = () => json(200, { invoice: inv, payment: PAYMENT })) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, ME),
    'GET /api/organizations': () => json(200, page([])),
    'GET /api/billing/invoices/12': () => json(200, inv),
    'POST /api/billing/invoices/12/pay': pay,
  });
  renderApp(
    <Routes>
      <Route path="/billing/invoices/:id/pay" element={<PayInvoicePage />} />
    </Routes>,
    '/billing/invoices/12/pay',
  );
  return { ...mock, posts: () => mock.calls.filter((c) => c.method === 'POST') };
}

afterEach(() => {
  delete window.Stripe;
});

describe('PayInvoicePage', () => {
  it('starts the card payment of an open invoice and shows the card form with the amount', async () => {
    window.Stripe = stripeDouble;
    const { posts } = setup();
    await screen.findByRole('heading', { level: 1, name: 'Pay invoice' });
    expect(await screen.findByRole('button', { name: 'Pay $33.00' })).toBeTruthy();
    expect(await within(screen.getByRole('group', { name: 'Card details' })).findByLabelText('Card number')).toBeTruthy();
    const [post] = posts();
    expect(post!.body).toEqual({ payment_method: 'card' });
    expect(post!.headers.get('X-Organization')).toBeNull();
    expect(screen.getByRole('region', { name: 'Invoice' }).textContent).toContain('INV-2026-000012');
    expect(await axeViolations()).toEqual([]);
  });

  it('does not start a payment for a paid invoice', async () => {
    const { posts } = setup(invoice({ id: 12, status: 'paid', paid_date: '2026-11-02T00:00:00Z' }));
    const done = await screen.findByText(/was paid on/);
    expect(within(done.closest('[role="status"]') as HTMLElement).getByRole('link', { name: 'Go to the subscription' }).getAttribute('href')).toBe('/billing/subscriptions/7');
    expect(posts()).toHaveLength(0);
  });

  it('shows the server’s refusal', async () => {
    setup(OPEN, () => json(400, { payment_method: ['Card payments are not configured on this server.'] }));
    expect((await screen.findByRole('alert')).textContent).toContain('Card payments are not configured');
  });
});

describe('InvoiceTable', () => {
  it('links open card invoices to the payment page, not bank transfer ones nor the admin table', () => {
    const rows = [OPEN, invoice({ id: 13, number: 'INV-2026-000013', status: 'open', payment_method: 'bank_transfer' }), invoice({ id: 14, number: 'INV-2026-000014', status: 'paid', payment_method: 'card' })];
    const view = renderApp(<InvoiceTable invoices={rows} caption="Invoices" />);
    const links = screen.getAllByRole('link', { name: /^Pay/ });
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([['Pay invoice INV-2026-000012', '/billing/invoices/12/pay']]);
    view.unmount();
    renderApp(<InvoiceTable invoices={rows} caption="All invoices" actions={() => null} />);
    expect(screen.queryByRole('link', { name: /^Pay/ })).toBeNull();
  });
});
