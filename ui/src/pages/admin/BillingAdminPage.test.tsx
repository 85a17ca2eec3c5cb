import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { RequireAdmin } from '../../auth/guards';
import { json, mockFetch, type RecordedCall } from '../../test/fetchMock';
import { renderApp } from '../../test/render';
import { ADMIN, axeViolations, invoice, ME, page, subscription } from '../../billing/testFixtures';
import BillingAdminPage from './BillingAdminPage';

function setup(routes: Record<string, (c: RecordedCall) => Response> = {}, me = ADMIN) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, me),
    'GET /api/organizations': () => json(200, page([])),
    'GET /api/billing/subscriptions': () => json(200, page([subscription()])),
    'GET /api/billing/invoices': (c) =>
      json(200, page(c.url.includes('status=open') ? [invoice({ id: 13, number: 'INV-2026-000013', status: 'open' })] : [invoice({ id: 13, number: 'INV-2026-000013', status: 'open' }), invoice()])),
    ...routes,
  });
  renderApp(
    <Routes>
      <Route path="/admin/billing" element={<RequireAdmin><BillingAdminPage /></RequireAdmin>} />
    </Routes>,
    '/admin/billing',
  );
  return { ...mock, writes: () => mock.calls.filter((c) => c.method !== 'GET') };
}

describe('BillingAdminPage', () => {
  it('lists every subscription and invoice; records a bank transfer', async () => {
    const user = userEvent.setup({ delay: null });
    const { writes } = setup({ 'POST /api/billing/admin/invoices/13/record-payment': () => json(200, invoice({ id: 13, number: 'INV-2026-000013', status: 'paid' })) });
    const subs = await screen.findByRole('table', { name: 'All subscriptions' });
    expect(subs.textContent).toContain('acme');
    expect(subs.textContent).toContain('alice');
    const invoices = await screen.findByRole('table', { name: 'All invoices' });
    expect(within(invoices).getAllByRole('row')).toHaveLength(3);
    expect(await axeViolations()).toEqual([]);
    await user.click(within(invoices).getByRole('button', { name: 'Record payment of INV-2026-000013' }));
    const d = await screen.findByRole('dialog', { name: 'Record payment of INV-2026-000013' });
    await user.type(within(d).getByLabelText(/^Note/), 'bank ref 123');
    await user.click(within(d).getByRole('button', { name: 'Record payment' }));
    expect(await screen.findByText('INV-2026-000013 is marked paid.')).toBeTruthy();
    expect(writes()[0]!.body).toEqual({ note: 'bank ref 123' });
  });

  it('refunds part of a paid invoice with a credit note, checking the amount first', async () => {
    const user = userEvent.setup({ delay: null });
    const { writes } = setup({
      'POST /api/billing/admin/invoices/12/refund': () => json(201, invoice({ id: 40, kind: 'credit_note', number: 'CN-2026-000001', status: 'issued', total_cents: 1650 })),
    });
    const invoices = await screen.findByRole('table', { name: 'All invoices' });
    await user.click(within(invoices).getByRole('button', { name: 'Refund INV-2026-000012' }));
    const d = await screen.findByRole('dialog', { name: 'Refund INV-2026-000012' });
    const amount = within(d).getByLabelText(/^Amount/) as HTMLInputElement;
    expect(amount.value).toBe('99.00');
    await user.clear(amount);
    await user.type(amount, '120');
    await user.click(within(d).getByRole('button', { name: 'Issue credit note' }));
    expect(within(d).getByText('At most $99.00 can be refunded.')).toBeTruthy();
    expect(within(d).getByText('Say why, for the credit note.')).toBeTruthy();
    await user.clear(amount);
    await user.type(amount, '16.50');
    await user.type(within(d).getByLabelText(/^Reason/), 'Goodwill');
    await user.click(within(d).getByRole('button', { name: 'Issue credit note' }));
    expect(await screen.findByText('Credit note CN-2026-000001 for $16.50 was issued.')).toBeTruthy();
    expect(writes()[0]!.body).toEqual({ amount_cents: 1650, reason: 'Goodwill' });
  });

  it('grants a discount in percent for some months; a server field error lands under its field', async () => {
    const user = userEvent.setup({ delay: null });
    let n = 0;
    const { writes } = setup({
      'POST /api/billing/admin/subscriptions/7/discount': () =>
        ++n === 1 ? json(400, { months: ['At most 36 months.'] }) : json(200, subscription({ discount: { percent: 50, until: '2027-11-16T00:00:00Z' } })),
    });
    const subs = await screen.findByRole('table', { name: 'All subscriptions' });
    await user.click(within(subs).getByRole('button', { name: 'Grant a discount to acme' }));
    const d = await screen.findByRole('dialog', { name: 'Grant a discount' });
    await user.click(within(d).getByRole('button', { name: 'Grant discount' }));
    expect(await within(d).findByText('At most 36 months.')).toBeTruthy();
    await user.click(within(d).getByRole('button', { name: 'Grant discount' }));
    expect(await screen.findByText(/acme gets 50% off until/)).toBeTruthy();
    expect(writes().map((c) => c.body)).toEqual([{ percent: 50, months: 12 }, { percent: 50, months: 12 }]);
  });

  it('is for administrators only', async () => {
    setup({}, ME);
    expect((await screen.findByRole('alert')).textContent).toContain('admin role');
    await waitFor(() => expect(screen.queryByRole('table')).toBeNull());
  });
});
