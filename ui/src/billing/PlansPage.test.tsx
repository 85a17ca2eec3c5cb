import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes, useLocation } from 'react-router';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import PlansPage from './PlansPage';
import { axeViolations, CATALOG, ME, org, page } from './testFixtures';

function Where() {
  const loc = useLocation();
  return <p data-testid="where">{loc.pathname + loc.search}</p>;
}

function setup({ members = 2, pending = 1 } = {}) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, ME),
    'GET /api/organizations': () => json(200, page([org(3, 'acme', 'owner'), org(4, 'other', 'worker')])),
    'GET /api/billing/plans': () => json(200, CATALOG),
    'GET /api/billing/workspace-plan': () =>
      json(200, { organization_id: null, plan: CATALOG.plans[0], seats: 0, subscription_id: null, cancelled: false, cancelled_at: null }),
    'GET /api/memberships': () => json(200, page(Array.from({ length: members }, (_, i) => ({ id: i, is_active: true })))),
    'GET /api/invitations': () => json(200, page(Array.from({ length: pending }, (_, i) => ({ key: `k${i}` })))),
  });
  renderApp(
    <Routes>
      <Route path="/billing/plans" element={<PlansPage />} />
      <Route path="/billing/subscribe" element={<Where />} />
    </Routes>,
    '/billing/plans',
  );
  return mock;
}

describe('PlansPage', () => {
  it('shows the three plans with annual prices and the saving, and monthly prices after the toggle', async () => {
    const user = userEvent.setup({ delay: null });
    setup();
    const solo = await screen.findByRole('region', { name: 'Solo' });
    expect(solo.textContent).toContain('$277.20 a year');
    expect(solo.textContent).toContain('You save $118.80 a year (30%)');
    const team = screen.getByRole('region', { name: 'Team' });
    expect(team.textContent).toContain('a year per seat');
    expect(team.textContent).toContain('Unlimited members per organization');
    expect(screen.getByRole('region', { name: 'Free' }).textContent).toContain('3 members per organization');
    expect(screen.getByRole('region', { name: 'Free' }).textContent).toContain('1 organization you own');
    expect((await screen.findByText('Current plan of your personal workspace')).closest('section')?.getAttribute('data-plan')).toBe('free');
    expect(screen.getByText('Annual (save up to 30%)')).toBeTruthy();
    await user.click(screen.getByText('Monthly'));
    expect(screen.getByRole('region', { name: 'Solo' }).textContent).toContain('$33 a month');
    expect(screen.getByRole('region', { name: 'Solo' }).textContent).not.toContain('You save');
    expect(await axeViolations()).toEqual([]);
  });

  it('Solo "Get started" goes to the billing page with the period and the invoice-data choice', async () => {
    const user = userEvent.setup({ delay: null });
    setup();
    await screen.findByRole('region', { name: 'Solo' });
    await user.click(screen.getByRole('switch', { name: /address, phone number and VAT/ }));
    await user.click(screen.getByRole('button', { name: 'Get started with Solo' }));
    expect(screen.getByTestId('where').textContent).toBe('/billing/subscribe?plan=solo&period=annual&details=1');
  });

  it('Team asks for an owned organization and at least members + pending invitations seats (keyboard only)', async () => {
    const user = userEvent.setup({ delay: null });
    setup({ members: 2, pending: 1 });
    await screen.findByRole('region', { name: 'Team' });
    screen.getByRole('button', { name: 'Get started with Team' }).focus();
    await user.keyboard('{Enter}');
    const d = await screen.findByRole('dialog', { name: 'Team plan' });
    const select = within(d).getByLabelText(/^Organization/) as HTMLSelectElement;
    // Only the organization I own is offered.
    expect([...select.options].map((o) => o.value)).toEqual(['acme']);
    const seats = within(d).getByLabelText(/^Seats/) as HTMLInputElement;
    await waitFor(() => expect(seats.value).toBe('3'));
    expect(within(d).getByText(/At least 3/)).toBeTruthy();
    expect(d.textContent).toContain('$831.60');
    await user.clear(seats);
    await user.type(seats, '2');
    await user.click(within(d).getByRole('button', { name: 'Continue' }));
    expect(await within(d).findByText(/choose at least 3 seats/)).toBeTruthy();
    expect(seats.getAttribute('aria-invalid')).toBe('true');
    await user.clear(seats);
    await user.type(seats, '5{Enter}');
    expect(screen.getByTestId('where').textContent).toBe('/billing/subscribe?plan=team&period=annual&org=acme&seats=5');
  });

  it('shows the load error', async () => {
    mockFetch({
      'GET /api/users/self': () => json(200, ME),
      'GET /api/organizations': () => json(200, page([])),
      'GET /api/billing/plans': () => json(500, {}),
    });
    renderApp(<PlansPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('The server had a problem');
  });
});
