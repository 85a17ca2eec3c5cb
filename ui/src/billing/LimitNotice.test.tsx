import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { errorFromResponse } from '../api/errors';
import { FormAlert } from '../components/FormAlert';
import { InviteMembersModal } from '../org/InviteMembersModal';
import { CreateOrganizationModal } from '../org/CreateOrganizationModal';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { forgetLimitAnswers, isLimitMessage, limitUpgradePath, noteLimitAnswer, PLANS_PATH, upgradePathOf } from './limits';

afterEach(() => forgetLimitAnswers());

// jsdom has no FontFaceSet; Mantine's autosize Textarea listens to it.
if (!('fonts' in document)) {
  Object.defineProperty(document, 'fonts', { value: { addEventListener: () => {}, removeEventListener: () => {} }, configurable: true });
}

describe('limit detection', () => {
  it.each([
    ['Organization tasks limit reached: the Free plan allows 10. Upgrade to Team.', true],
    ['Owned organizations limit reached (1).', true],
    ['All 3 paid seats are taken.', true],
    ['No seat is left in this organization.', true],
    ['You do not have permission to do that.', false],
    ['', false],
  ])('%j → %s', (msg, want) => {
    expect(isLimitMessage(msg)).toBe(want);
  });

  it('recognises a refusal by its code even without the words, and follows a same-site upgrade_url', () => {
    const body = { detail: 'Your plan does not allow more projects.', code: 'limit_reached', upgrade_url: '/billing/plans?org=acme' };
    errorFromResponse(403, body, new Headers());
    expect(isLimitMessage(body.detail)).toBe(true);
    expect(limitUpgradePath(body.detail)).toBe('/billing/plans?org=acme');
  });

  it.each([
    [undefined, PLANS_PATH],
    ['https://evil.example/pay', PLANS_PATH],
    ['//evil.example/pay', PLANS_PATH],
    ['javascript:alert(1)', PLANS_PATH],
    [`${window.location.origin}/billing/plans?plan=team`, '/billing/plans?plan=team'],
    ['/billing/plans', '/billing/plans'],
  ])('upgrade_url %j → %s', (url, want) => {
    expect(upgradePathOf(url)).toBe(want);
  });

  it('ignores 403 bodies that are not limit refusals', () => {
    noteLimitAnswer({ detail: 'You do not have permission to do that.' });
    expect(isLimitMessage('You do not have permission to do that.')).toBe(false);
  });
});

describe('LimitNotice in forms', () => {
  it('FormAlert shows a limit message with an Upgrade link and plain errors without', () => {
    const limited = renderApp(<FormAlert message="Personal projects limit reached (5)." />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Personal projects limit reached (5).');
    expect(within(alert).getByRole('link', { name: /Upgrade/ }).getAttribute('href')).toBe(PLANS_PATH);
    limited.unmount();
    renderApp(<FormAlert message="Name is taken." />);
    expect(screen.getByRole('alert').textContent).toContain('Name is taken.');
    expect(screen.queryByRole('link', { name: /Upgrade/ })).toBeNull();
  });

  it('the create organization dialog shows the owned-organizations refusal where the user acted', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({
      'GET /api/users/self': () => json(401, { detail: 'no' }),
      'POST /api/organizations': () =>
        json(403, { detail: 'Owned organizations limit reached: the Free plan allows 1.', code: 'limit_reached', upgrade_url: '/billing/plans' }),
    });
    renderApp(<CreateOrganizationModal opened onClose={vi.fn()} />);
    const d = await screen.findByRole('dialog', { name: 'Create organization' });
    await user.type(within(d).getByLabelText(/^Short name/), 'second');
    await user.click(within(d).getByRole('button', { name: 'Submit' }));
    const alert = await within(d).findByRole('alert');
    expect(alert.textContent).toContain('Owned organizations limit reached');
    expect(within(alert).getByRole('link', { name: /Upgrade/ }).getAttribute('href')).toBe('/billing/plans');
    await waitFor(() => expect(document.activeElement).toBe(alert));
  });

  it('an invitation refused for lack of seats keeps its row with the message and an Upgrade link', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({
      'GET /api/users/self': () => json(401, { detail: 'no' }),
      'POST /api/invitations': () => json(403, { detail: 'All 3 seats of this organization are taken.' }),
    });
    renderApp(<InviteMembersModal opened onClose={vi.fn()} org="acme" roles={['worker']} onSent={vi.fn()} />);
    const d = await screen.findByRole('dialog', { name: 'Invite members' });
    await user.type(within(d).getByLabelText(/^Email 1/), 'ann@example.com');
    await user.click(within(d).getByRole('button', { name: 'OK' }));
    const row = await within(d).findByText(/All 3 seats/);
    expect(within(row).getByRole('link', { name: /Upgrade/ }).getAttribute('href')).toBe(PLANS_PATH);
  });
});
