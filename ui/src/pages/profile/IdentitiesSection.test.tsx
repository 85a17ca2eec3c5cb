import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { LinkedIdentity, User } from '../../api/types';
import { json, mockFetch, type RecordedCall } from '../../test/fetchMock';
import { axeViolations } from '../../test/axe';
import { renderApp } from '../../test/render';
import ProfilePage from '../ProfilePage';
import { identityKind, IdentitiesSection } from './IdentitiesSection';

const ME: User = {
  id: 7,
  username: 'ann',
  first_name: 'Ann',
  last_name: 'Lee',
  email: 'ann@corp.example',
  groups: ['user'],
  is_staff: false,
  is_superuser: false,
  is_active: true,
  last_login: null,
  date_joined: '2025-01-01T00:00:00Z',
  has_usable_password: true,
};

const CORP: LinkedIdentity = {
  id: 11,
  provider: 'oidc:corp',
  provider_name: 'Corp IdP',
  subject: 'sub-1',
  email: 'ann@corp.example',
  created_date: '2026-01-02T03:04:05Z',
};
const GITHUB: LinkedIdentity = { ...CORP, id: 12, provider: 'social:github', provider_name: 'GitHub', email: 'ann@users.example' };

function setup(opts: { me?: Partial<User>; identities?: LinkedIdentity[]; remove?: (call: RecordedCall) => Response } = {}) {
  let list = [...(opts.identities ?? [CORP, GITHUB])];
  const deletes = Object.fromEntries(
    list.map((i) => [
      `DELETE /api/auth/identities/${i.id}`,
      (call: RecordedCall) => {
        const res = opts.remove ? opts.remove(call) : new Response(null, { status: 204 });
        if (res.status === 204) list = list.filter((x) => x.id !== i.id);
        return res;
      },
    ]),
  );
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, { ...ME, ...opts.me }),
    'GET /api/organizations': () => json(200, { count: 0, next: null, previous: null, results: [] }),
    'GET /api/auth/identities': () => json(200, { count: list.length, next: null, previous: null, results: list }),
    ...deletes,
  });
  renderApp(<IdentitiesSection />, '/profile');
  return mock;
}

describe('IdentitiesSection', () => {
  it('lists the linked sign-in methods with their kind and account', async () => {
    setup();
    const table = await screen.findByRole('table', {}, { timeout: 5000 });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]!.textContent).toContain('Corp IdP');
    expect(rows[1]!.textContent).toContain('Single sign-on (OpenID Connect)');
    expect(rows[1]!.textContent).toContain('ann@corp.example');
    expect(rows[2]!.textContent).toContain('GitHub');
    expect(rows[2]!.textContent).toContain('Social account');
  });

  it('unlinks after confirming, with the keyboard, and reloads the list', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    const unlink = await screen.findByRole('button', { name: 'Unlink GitHub' }, { timeout: 5000 });
    unlink.focus();
    await user.keyboard('{Enter}');
    const dialog = await screen.findByRole('dialog', { name: 'Unlink this sign-in method?' });
    expect(dialog.textContent).toContain('GitHub (ann@users.example)');
    // The confirm button has focus (data-autofocus).
    const confirm = within(dialog).getByRole('button', { name: 'Unlink' });
    await waitFor(() => expect(document.activeElement).toBe(confirm));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Unlink GitHub' })).toBeNull());
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/auth/identities/12']);
    expect(screen.getByRole('button', { name: 'Unlink Corp IdP' })).toBeTruthy();
  });

  it('shows why the server refused to unlink the last method next to the list', async () => {
    const user = userEvent.setup({ delay: null });
    const detail = 'This is the last way to sign in to your account: set a password first, then unlink it.';
    setup({ me: { has_usable_password: false }, identities: [CORP], remove: () => json(400, { detail }) });
    await user.click(await screen.findByRole('button', { name: 'Unlink Corp IdP' }, { timeout: 5000 }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Unlink' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(detail);
    await waitFor(() => expect(document.activeElement).toBe(alert));
    // Without a password, the way out is named right there.
    expect(within(alert).getByRole('link', { name: /forgot password/i }).getAttribute('href')).toBe('/auth/password/reset');
    // Nothing was removed.
    expect(screen.getByRole('button', { name: 'Unlink Corp IdP' })).toBeTruthy();
    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('keeps other unlink errors in the dialog', async () => {
    const user = userEvent.setup({ delay: null });
    setup({ remove: () => json(500, {}) });
    await user.click(await screen.findByRole('button', { name: 'Unlink GitHub' }, { timeout: 5000 }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Unlink' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('The server had a problem');
  });

  it('the profile replaces "Change password" with how to set one when there is no password', async () => {
    mockFetch({
      'GET /api/users/self': () => json(200, { ...ME, has_usable_password: false }),
      'GET /api/organizations': () => json(200, { count: 0, next: null, previous: null, results: [] }),
      'GET /api/auth/identities': () => json(200, { count: 1, next: null, previous: null, results: [CORP] }),
      'GET /api/auth/sessions': () => json(200, { count: 0, next: null, previous: null, results: [] }),
      'GET /api/auth/access_tokens': () => json(200, { count: 0, next: null, previous: null, results: [] }),
    });
    renderApp(<ProfilePage />, '/profile#password');
    const section = await screen.findByRole('region', { name: 'Password' }, { timeout: 5000 });
    expect(within(section).getByText('Password sign-in is not set')).toBeTruthy();
    expect(within(section).getByRole('link', { name: /forgot password/i }).getAttribute('href')).toBe('/auth/password/reset');
    expect(screen.queryByLabelText(/current password/i)).toBeNull();
    expect(await screen.findByRole('region', { name: 'Linked sign-in methods' })).toBeTruthy();
  });

  it('the profile keeps "Change password" for accounts with a password', async () => {
    mockFetch({
      'GET /api/users/self': () => json(200, ME),
      'GET /api/organizations': () => json(200, { count: 0, next: null, previous: null, results: [] }),
      'GET /api/auth/identities': () => json(200, { count: 0, next: null, previous: null, results: [] }),
      'GET /api/auth/sessions': () => json(200, { count: 0, next: null, previous: null, results: [] }),
      'GET /api/auth/access_tokens': () => json(200, { count: 0, next: null, previous: null, results: [] }),
    });
    renderApp(<ProfilePage />, '/profile');
    expect(await screen.findByLabelText(/current password/i, {}, { timeout: 5000 })).toBeTruthy();
    expect(screen.queryByText('Password sign-in is not set')).toBeNull();
  });

  it('says when nothing is linked', async () => {
    setup({ identities: [] });
    expect(await screen.findByText(/No identity provider or social account is linked/, {}, { timeout: 5000 })).toBeTruthy();
  });

  it('shows a load error', async () => {
    mockFetch({
      'GET /api/users/self': () => json(200, ME),
      'GET /api/organizations': () => json(200, { count: 0, next: null, previous: null, results: [] }),
      'GET /api/auth/identities': () => json(500, {}),
    });
    renderApp(<IdentitiesSection />, '/profile');
    const alert = await screen.findByRole('alert', {}, { timeout: 5000 });
    expect(alert.textContent).toContain('Could not load sign-in methods');
  });

  it('has no axe violations, with a refusal shown', async () => {
    const user = userEvent.setup({ delay: null });
    setup({ me: { has_usable_password: false }, remove: () => json(400, { detail: 'Set a password first.' }) });
    await user.click(await screen.findByRole('button', { name: 'Unlink Corp IdP' }, { timeout: 5000 }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Unlink' }));
    await screen.findByRole('alert');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await axeViolations()).toEqual([]);
  });
});

describe('identityKind', () => {
  it.each([
    ['oidc:corp', 'Single sign-on (OpenID Connect)'],
    ['saml:adfs', 'Single sign-on (SAML)'],
    ['social:google', 'Social account'],
    ['weird', 'External account'],
  ])('%s → %s', (provider, want) => expect(identityKind(provider)).toBe(want));
});
