import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { json, mockFetch, type RecordedCall } from '../test/fetchMock';
import { renderApp } from '../test/render';
import ManageSubscriptionPage from './ManageSubscriptionPage';
import { axeViolations, CATALOG, EMPTY_STORED, invoice, ME, METHODS, page, subscription } from './testFixtures';
import type { Subscription } from './types';

function setup(sub: Subscription, routes: Record<string, (c: RecordedCall) => Response> = {}) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, ME),
    'GET /api/organizations': () => json(200, page([])),
    'GET /api/billing/plans': () => json(200, CATALOG),
    'GET /api/billing/payment-methods': () => json(200, METHODS),
    'GET /api/billing/details': () => json(200, { ...EMPTY_STORED, organization_id: 3, phone: '+1 555 0100', address: '1 Main St', complete: true }),
    [`GET /api/billing/subscriptions/${sub.id}`]: () => json(200, sub),
    'GET /api/billing/invoices': () => json(200, page([invoice()])),
    ...routes,
  });
  renderApp(
    <Routes>
      <Route path="/billing/subscriptions/:id" element={<ManageSubscriptionPage />} />
      <Route path="/billing/invoices/:id/pay" element={<p data-testid="pay-page">pay page</p>} />
    </Routes>,
    `/billing/subscriptions/${sub.id}`,
  );
  return { ...mock, writes: () => mock.calls.filter((c) => c.method !== 'GET') };
}

describe('ManageSubscriptionPage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-16T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('shows plan, period, seats, status, next invoice and the invoice history with a printable view', async () => {
    setup(subscription());
    await screen.findByRole('heading', { level: 1, name: 'Team for acme' });
    const summary = screen.getByRole('region', { name: 'Summary' });
    for (const text of ['Team', 'Monthly', 'Seats3', 'Active', 'Next invoice', '$99.00 a month', 'Invoice / bank transfer']) {
      expect(summary.textContent).toContain(text);
    }
    const history = await screen.findByRole('table', { name: 'Invoices of this subscription' });
    const show = within(history).getByRole('link', { name: /Show invoice INV-2026-000012/ });
    expect(show.getAttribute('href')).toBe('/api/billing/invoices/12/print');
    expect(show.getAttribute('target')).toBe('_blank');
    expect(screen.getByRole('region', { name: 'Billing information' }).textContent).toContain('future invoices only');
    expect(await axeViolations()).toEqual([]);
  });

  it('adds a seat: shows the prorated estimate, sends the quantity, reports the invoice', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    const { writes } = setup(subscription(), {
      'PATCH /api/billing/subscriptions/7': () =>
        json(200, { subscription: subscription({ quantity: 4, amount_cents: 13200 }), invoice: invoice({ id: 13, number: 'INV-2026-000013', total_cents: 1650, status: 'open' }), payment: null }),
    });
    const seats = await screen.findByRole('form', { name: 'Change seats' });
    const input = within(seats).getByLabelText('Number of seats');
    await user.clear(input);
    await user.type(input, '4');
    await user.click(within(seats).getByRole('button', { name: 'Update quantity' }));
    // 15 of 30 days left: half of $33.00.
    expect(within(seats).getByText(/About \$16\.50 is charged now/)).toBeTruthy();
    expect(within(seats).getByText(/4 × \$33\.00 = \$132\.00 a month/)).toBeTruthy();
    await user.click(within(seats).getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByText(/Invoice INV-2026-000013 for \$16\.50 was issued/)).toBeTruthy();
    expect(writes().map((c) => [c.method, c.url, c.body])).toEqual([['PATCH', '/api/billing/subscriptions/7', { quantity: 4 }]]);
  });

  it('a refused quantity shows under the field', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    setup(subscription(), { 'PATCH /api/billing/subscriptions/7': () => json(400, { quantity: ['At least 3 seats: 2 members and 1 pending invitation.'] }) });
    const seats = await screen.findByRole('form', { name: 'Change seats' });
    const input = within(seats).getByLabelText('Number of seats');
    await user.clear(input);
    await user.type(input, '2');
    await user.click(within(seats).getByRole('button', { name: 'Update quantity' }));
    expect(within(seats).getByText(/About \$16\.50 of unused time is credited/)).toBeTruthy();
    await user.click(within(seats).getByRole('button', { name: 'Confirm' }));
    expect(await within(seats).findByText('At least 3 seats: 2 members and 1 pending invitation.')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('switches monthly to annual after explaining the credit and the new period', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    const { writes } = setup(subscription(), {
      'PATCH /api/billing/subscriptions/7': () => json(200, { subscription: subscription({ period: 'annual' }), invoice: invoice({ id: 14, number: 'INV-2026-000014', total_cents: 78210 }), payment: null }),
    });
    await user.click(await screen.findByRole('button', { name: 'Switch to annual' }));
    const d = await screen.findByRole('dialog', { name: 'Switch to annual billing' });
    // 3 seats × $277.20 = $831.60; half a month of $99.00 credited = $49.50 → $782.10.
    expect(d.textContent).toContain('$831.60');
    expect(d.textContent).toContain('About $49.50');
    expect(d.textContent).toContain('$782.10');
    expect(d.textContent).toContain('new period starts today');
    await user.click(within(d).getByRole('button', { name: 'Switch to annual' }));
    expect(await screen.findByText(/Invoice INV-2026-000014 for \$782\.10/)).toBeTruthy();
    expect(writes()[0]!.body).toEqual({ period: 'annual' });
  });

  it('cancels after a feedback form and a confirmation that explains the data; then renews', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    const { writes } = setup(subscription(), {
      'POST /api/billing/subscriptions/7/cancel': () => json(200, subscription({ cancel_at_period_end: true, cancel_reason: 'too_expensive' })),
      'POST /api/billing/subscriptions/7/renew': () => json(200, { subscription: subscription(), invoice: null, payment: null }),
    });
    await user.click(await screen.findByRole('button', { name: 'Cancel subscription' }));
    let d = await screen.findByRole('dialog', { name: 'Why are you cancelling?' });
    await user.click(within(d).getByRole('button', { name: 'Continue' }));
    expect(within(d).getByText('Choose a reason.')).toBeTruthy();
    await user.selectOptions(within(d).getByLabelText(/^Main reason/), 'too_expensive');
    await user.type(within(d).getByLabelText(/Anything else/), 'Budget cut');
    await user.click(within(d).getByRole('button', { name: 'Continue' }));
    d = await screen.findByRole('dialog', { name: 'Cancel the subscription?' });
    expect(d.textContent).toContain('one month');
    expect(d.textContent).toContain('read-only');
    expect(d.textContent).toContain('deleted automatically');
    await user.click(within(d).getByRole('button', { name: 'Cancel subscription' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByRole('region', { name: 'Summary' }).textContent).toContain('Ends at period end');
    await user.click(screen.getByRole('button', { name: 'Renew' }));
    expect(await screen.findByText('Your plan keeps going.')).toBeTruthy();
    expect(writes().map((c) => [c.url, c.body])).toEqual([
      ['/api/billing/subscriptions/7/cancel', { reason: 'too_expensive', comment: 'Budget cut' }],
      ['/api/billing/subscriptions/7/renew', {}],
    ]);
  });

  it('updates the billing information of the workspace', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    const { writes } = setup(subscription(), {
      'PUT /api/billing/details': (c) => json(200, { ...EMPTY_STORED, ...(c.body as object), organization_id: 3, complete: true }),
    });
    const form = await screen.findByRole('form', { name: 'Billing information' });
    const phone = within(form).getByLabelText(/^Phone number/) as HTMLInputElement;
    await waitFor(() => expect(phone.value).toBe('+1 555 0100'));
    await user.clear(phone);
    await user.type(phone, '+1 555 0199');
    await user.click(within(form).getByRole('button', { name: 'Update information' }));
    expect(await screen.findByText('Billing information saved')).toBeTruthy();
    expect(writes()[0]!.url).toBe('/api/billing/details?organization_id=3');
    expect((writes()[0]!.body as { phone: string }).phone).toBe('+1 555 0199');
  });

  it('changes the payment method for the next invoices (keyboard)', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    const { writes } = setup(subscription(), {
      'GET /api/billing/payment-methods': () =>
        json(200, { ...METHODS, methods: [METHODS.methods[0]!, { id: 'card', name: 'Card', provider: 'stripe', available: true }] }),
      'PATCH /api/billing/subscriptions/7': () => json(200, { subscription: subscription({ payment_method: 'card' }), invoice: null, payment: null }),
    });
    const form = await screen.findByRole('form', { name: 'Payment method' });
    const card = await within(form).findByRole('radio', { name: 'Card' });
    const save = within(form).getByRole('button', { name: 'Save payment method' });
    expect(save.hasAttribute('disabled')).toBe(true);
    card.focus();
    await user.keyboard(' ');
    expect((card as HTMLInputElement).checked).toBe(true);
    await user.click(save);
    expect(await screen.findByText('Payment method saved')).toBeTruthy();
    expect(writes()[0]!.body).toEqual({ payment_method: 'card' });
  });

  it('card: says renewals go to the saved card, and links an unpaid card invoice to the payment page', async () => {
    setup(subscription({ payment_method: 'card', provider: 'stripe', card_on_file: true }), {
      'GET /api/billing/invoices': () => json(200, page([invoice({ id: 30, number: 'INV-2026-000030', status: 'open', payment_method: 'card' }), invoice()])),
    });
    const summary = await screen.findByRole('region', { name: 'Summary' });
    expect(summary.textContent).toContain('Renewals are charged to the card you paid with.');
    const pay = await within(summary).findByRole('link', { name: 'Pay it now' });
    expect(pay.getAttribute('href')).toBe('/billing/invoices/30/pay');
    const history = screen.getByRole('table', { name: 'Invoices of this subscription' });
    expect(within(history).getByRole('link', { name: 'Pay invoice INV-2026-000030' }).getAttribute('href')).toBe('/billing/invoices/30/pay');
  });

  it('without a saved card says nothing about automatic renewals', async () => {
    setup(subscription({ payment_method: 'card', provider: 'stripe', card_on_file: false }));
    const summary = await screen.findByRole('region', { name: 'Summary' });
    await screen.findByRole('table', { name: 'Invoices of this subscription' });
    expect(summary.textContent).not.toContain('Renewals are charged');
  });

  it('a renewal to pay by card goes to the payment page', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    setup(subscription({ status: 'cancelled', ended_at: '2026-11-10T00:00:00Z', payment_method: 'card', provider: 'stripe' }), {
      'POST /api/billing/subscriptions/7/renew': () =>
        json(200, {
          subscription: subscription({ status: 'incomplete', payment_method: 'card' }),
          invoice: invoice({ id: 31, number: 'INV-2026-000031', status: 'open', payment_method: 'card' }),
          payment: { provider: 'stripe', method: 'card', status: 'requires_payment_method', client_secret: 'pi_3_secret_4', publishable_key: 'pk_test' },
        }),
    });
    await user.click(await screen.findByRole('button', { name: 'Renew' }));
    const d = await screen.findByRole('dialog', { name: 'Renew the subscription' });
    await user.click(within(d).getByRole('checkbox', { name: 'I agree to the refund policy' }));
    await user.click(within(d).getByRole('button', { name: 'Renew' }));
    expect(await screen.findByTestId('pay-page')).toBeTruthy();
  });

  it('an ended subscription asks for the refund policy again to renew', async () => {
    const user = userEvent.setup({ delay: null, advanceTimers: () => {} });
    const { writes } = setup(subscription({ status: 'cancelled', ended_at: '2026-11-10T00:00:00Z', deletion_due_at: '2026-12-24T00:00:00Z' }), {
      'POST /api/billing/subscriptions/7/renew': () => json(200, { subscription: subscription({ status: 'incomplete' }), invoice: invoice({ number: 'INV-2026-000020', status: 'open' }), payment: null }),
    });
    expect((await screen.findByRole('region', { name: 'Summary' })).textContent).toContain('deleted on');
    expect(screen.queryByRole('form', { name: 'Change seats' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Renew' }));
    const d = await screen.findByRole('dialog', { name: 'Renew the subscription' });
    await user.click(within(d).getByRole('button', { name: 'Renew' }));
    expect(within(d).getByText('Accept the refund policy to renew.')).toBeTruthy();
    await user.click(within(d).getByRole('checkbox', { name: 'I agree to the refund policy' }));
    await user.click(within(d).getByRole('button', { name: 'Renew' }));
    expect(await screen.findByText(/Invoice INV-2026-000020 was issued/)).toBeTruthy();
    expect(writes()[0]!.body).toEqual({ agree_refund_policy: true });
  });
});
