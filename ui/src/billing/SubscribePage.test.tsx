import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes, useLocation } from 'react-router';
import { json, mockFetch, type RecordedCall } from '../test/fetchMock';
import { renderApp } from '../test/render';
import SubscribePage from './SubscribePage';
import { axeViolations, CATALOG, EMPTY_STORED, invoice, ME, METHODS, org, page, subscription } from './testFixtures';

function Where() {
  return <p data-testid="where">{useLocation().pathname}</p>;
}

function setup(path: string, subscribe: (c: RecordedCall) => Response = () => json(201, { subscription: subscription({ status: 'incomplete' }), invoice: invoice({ status: 'open' }), payment: { provider: 'manual', method: 'bank_transfer', status: 'pending', instructions: 'Transfer $99.00 quoting INV-2026-000012.' } }), methods = METHODS) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, ME),
    'GET /api/organizations': () => json(200, page([org(3, 'acme', 'owner')])),
    'GET /api/billing/plans': () => json(200, CATALOG),
    'GET /api/billing/payment-methods': () => json(200, methods),
    'GET /api/billing/details': () => json(200, EMPTY_STORED),
    'PUT /api/billing/details': (c) => json(200, { ...EMPTY_STORED, ...(c.body as object), complete: true }),
    'POST /api/billing/subscriptions': subscribe,
  });
  renderApp(
    <Routes>
      <Route path="/billing/subscribe" element={<SubscribePage />} />
      <Route path="/billing/subscriptions/:id" element={<Where />} />
      <Route path="/billing/invoices/:id/pay" element={<Where />} />
    </Routes>,
    path,
  );
  return { ...mock, posts: () => mock.calls.filter((c) => c.method !== 'GET') };
}

describe('SubscribePage', () => {
  it('Team: saves the billing details for the organization, then subscribes with seats, method and agreement', async () => {
    const user = userEvent.setup({ delay: null });
    const { posts } = setup('/billing/subscribe?plan=team&period=monthly&org=acme&seats=4&details=1');
    const form = await screen.findByRole('form', { name: 'Subscribe' });
    expect(within(form).getByText('4 × $33.00')).toBeTruthy();
    expect(within(form).getByText('$132.00 a month')).toBeTruthy();
    // Card is not configured: only bank transfer is offered, with the three-banking-days note.
    expect(within(form).getAllByRole('radio').map((r) => (r as HTMLInputElement).value)).toEqual(['bank_transfer']);
    expect(form.textContent).toContain('up to three banking days');
    await user.type(within(form).getByLabelText(/^Phone number/), '+1 555 0100');
    await user.type(within(form).getByLabelText(/^Billing address/), '1 Main St');
    await user.click(within(form).getByRole('checkbox', { name: 'I am purchasing as a business' }));
    await user.type(within(form).getByLabelText(/^Business name/), 'Acme LLC');
    await user.type(within(form).getByLabelText(/^VAT/), 'DE123');
    await user.click(within(form).getByRole('checkbox', { name: /I agree to the refund policy/ }));
    await user.click(within(form).getByRole('button', { name: 'Subscribe and pay' }));
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('/billing/subscriptions/7'));
    const [put, post] = posts();
    expect(put!.method).toBe('PUT');
    expect(put!.url).toBe('/api/billing/details?organization_id=3');
    expect(put!.body).toEqual({ phone: '+1 555 0100', address: '1 Main St', is_business: true, business_name: 'Acme LLC', vat_id: 'DE123' });
    expect(post!.body).toEqual({ plan: 'team', period: 'monthly', quantity: 4, organization_id: 3, payment_method: 'bank_transfer', agree_refund_policy: true });
    expect(post!.headers.get('X-Organization')).toBeNull();
    expect(await screen.findByText('Transfer $99.00 quoting INV-2026-000012.')).toBeTruthy();
  });

  it('refuses to send without the refund policy, phone and address, and focuses the first problem', async () => {
    const user = userEvent.setup({ delay: null });
    const { posts } = setup('/billing/subscribe?plan=solo&period=annual');
    const form = await screen.findByRole('form', { name: 'Subscribe' });
    // Business fields stay hidden until the invoice-data switch is on.
    expect(within(form).queryByRole('checkbox', { name: 'I am purchasing as a business' })).toBeNull();
    await user.click(within(form).getByRole('button', { name: 'Subscribe and pay' }));
    expect(await within(form).findByText('Read and accept the refund policy to subscribe.')).toBeTruthy();
    expect(within(form).getByText('Enter a phone number for the invoice.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(within(form).getByLabelText(/^Phone number/)));
    expect(posts()).toHaveLength(0);
    // The policy text opens from the link.
    await user.click(within(form).getByRole('button', { name: 'Read the refund policy' }));
    expect((await screen.findByRole('dialog', { name: 'Refund policy' })).textContent).toContain('credit note');
  });

  it('puts server field errors under their fields and the rest in the alert', async () => {
    const user = userEvent.setup({ delay: null });
    setup('/billing/subscribe?plan=solo&period=annual', () => json(409, { detail: 'This workspace already has a subscription (id 7).' }));
    const form = await screen.findByRole('form', { name: 'Subscribe' });
    // 396 ≤ 277.20? No: a PO number is not offered for Solo annual.
    expect(within(form).queryByLabelText(/Purchase order number/)).toBeNull();
    await user.type(within(form).getByLabelText(/^Phone number/), '+1 555 0100');
    await user.type(within(form).getByLabelText(/^Billing address/), '1 Main St');
    await user.click(within(form).getByRole('checkbox', { name: /I agree to the refund policy/ }));
    await user.click(within(form).getByRole('button', { name: 'Subscribe and pay' }));
    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('already has a subscription');
    await waitFor(() => expect(document.activeElement).toBe(alert));
  });

  it('offers card when the server has it and a PO number for annual totals of $396 or more', async () => {
    setup('/billing/subscribe?plan=team&period=annual&org=acme&seats=2', undefined, {
      default: 'bank_transfer',
      methods: [METHODS.methods[0]!, { id: 'card', name: 'Card', provider: 'stripe', available: true }],
    });
    const form = await screen.findByRole('form', { name: 'Subscribe' });
    expect(within(form).getAllByRole('radio').map((r) => (r as HTMLInputElement).value)).toEqual(['bank_transfer', 'card']);
    expect(within(form).getByLabelText(/Purchase order number/)).toBeTruthy();
    expect(await axeViolations()).toEqual([]);
  });

  it('card: goes to the payment page of the first invoice instead of finishing here', async () => {
    const user = userEvent.setup({ delay: null });
    const { posts } = setup(
      '/billing/subscribe?plan=solo&period=monthly',
      () =>
        json(201, {
          subscription: subscription({ id: 8, plan: 'solo', organization_id: null, status: 'incomplete', payment_method: 'card', provider: 'stripe' }),
          invoice: invoice({ id: 21, status: 'open', payment_method: 'card' }),
          payment: { provider: 'stripe', method: 'card', status: 'requires_payment_method', client_secret: 'pi_1_secret_2', publishable_key: 'pk_test', js_url: 'https://js.stripe.com/v3/' },
        }),
      { default: 'card', methods: [METHODS.methods[0]!, { id: 'card', name: 'Card', provider: 'stripe', available: true, publishable_key: 'pk_test' }] },
    );
    const form = await screen.findByRole('form', { name: 'Subscribe' });
    expect((within(form).getByRole('radio', { name: 'Card' }) as HTMLInputElement).checked).toBe(true);
    await user.type(within(form).getByLabelText(/^Phone number/), '+1 555 0100');
    await user.type(within(form).getByLabelText(/^Billing address/), '1 Main St');
    await user.click(within(form).getByRole('checkbox', { name: /I agree to the refund policy/ }));
    await user.click(within(form).getByRole('button', { name: 'Subscribe and pay' }));
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('/billing/invoices/21/pay'));
    expect(posts()[1]!.body).toMatchObject({ plan: 'solo', payment_method: 'card' });
  });

  it('asks to choose an organization when Team comes without one', async () => {
    setup('/billing/subscribe?plan=team&period=annual');
    expect((await screen.findByRole('alert')).textContent).toContain('Choose an organization first');
  });
});
