import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import BillingPage from '../pages/BillingPage';
import { axeViolations, CATALOG, invoice, ME, org, page, subscription } from './testFixtures';

function setup(subs = [subscription(), subscription({ id: 8, plan: 'solo', plan_name: 'Solo', organization_id: null, user_id: 1, workspace_name: 'alice', quantity: 1, status: 'incomplete' })]) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, ME),
    'GET /api/organizations': () => json(200, page([org(3, 'acme', 'owner')])),
    'GET /api/billing/plans': () => json(200, CATALOG),
    'GET /api/billing/subscriptions': () => json(200, page(subs)),
    'GET /api/billing/invoices': () =>
      json(200, page([invoice({ id: 13, number: 'INV-2026-000013', total_cents: 1650, status: 'open', issued_date: '2026-11-16T00:00:00Z' }), invoice()])),
    'POST /api/billing/quotes': (c) =>
      json(201, invoice({ id: 30, kind: 'quote', number: 'Q-2026-000001', status: 'issued', total_cents: 277200, due_date: '2026-12-28T00:00:00Z', print_url: '/api/billing/invoices/30/print', po_number: (c.body as { po_number?: string }).po_number })),
  });
  renderApp(<BillingPage />, '/billing');
  return mock;
}

describe('BillingPage', () => {
  it('lists my subscriptions with a Manage link each, and the invoice history with number, date, total and status', async () => {
    setup();
    const subs = await screen.findByRole('table', { name: 'Subscriptions' });
    const rows = within(subs).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('acme'),
      expect.stringContaining('Personal workspace'),
    ]);
    expect(rows[0]!.textContent).toContain('Active');
    expect(rows[1]!.textContent).toContain('Awaiting payment');
    expect(within(subs).getByRole('link', { name: 'Manage Team for acme' }).getAttribute('href')).toBe('/billing/subscriptions/7');
    const history = await screen.findByRole('table', { name: 'Invoice history' });
    const first = within(history).getAllByRole('row')[1]!;
    expect(first.textContent).toContain('INV-2026-000013');
    expect(first.textContent).toContain('Nov 16, 2026');
    expect(first.textContent).toContain('$16.50');
    expect(first.textContent).toContain('Awaiting payment');
    expect(within(first).getByRole('link', { name: /Show invoice INV-2026-000013/ }).getAttribute('href')).toBe('/api/billing/invoices/12/print');
    expect(await axeViolations()).toEqual([]);
  });

  it('says when there is no paid plan yet', async () => {
    setup([]);
    expect(await screen.findByText(/no paid plan yet/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Compare the plans' }).getAttribute('href')).toBe('/billing/plans');
  });

  it('prepares a quote for an annual Team plan of $396 or more, with a PO number', async () => {
    const user = userEvent.setup({ delay: null });
    const mock = setup([]);
    const form = await screen.findByRole('form', { name: 'Get a quote' });
    const seats = within(form).getByLabelText('Seats');
    await user.clear(seats);
    await user.type(seats, '1');
    await user.click(within(form).getByRole('button', { name: 'Prepare quote' }));
    expect(within(form).getByText(/Quotes are for annual totals of \$396\.00 or more/)).toBeTruthy();
    await user.clear(seats);
    await user.type(seats, '10');
    await user.type(within(form).getByLabelText(/Purchase order number/), 'PO-9');
    await user.click(within(form).getByRole('button', { name: 'Prepare quote' }));
    const done = await within(form).findByRole('status');
    expect(done.textContent).toContain('Q-2026-000001');
    expect(within(done).getByRole('link', { name: 'Show the quote' }).getAttribute('href')).toBe('/api/billing/invoices/30/print');
    expect(mock.calls.find((c) => c.method === 'POST')!.body).toEqual({ plan: 'team', quantity: 10, organization_id: 3, po_number: 'PO-9' });
  });
});
