// The login page when single sign-on picks one provider for everybody
// (selection_mode "lowest_weight"): emails are not sent to SSO by domain, and
// "Continue with SSO" goes straight to the provider.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { GuestOnly } from '../../auth/guards';
import { json, mockFetch } from '../../test/fetchMock';
import { renderApp } from '../../test/render';
import { browserNavigation, LoginPage } from './LoginPage';

let selectAnswer: () => Response;

function setup(path = '/auth/login?next=%2Fjobs') {
  const mock = mockFetch({
    'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }),
    'GET /api/server/auth-methods': () =>
      json(200, {
        password: true,
        social: [],
        sso: { enabled: true, selection_mode: 'lowest_weight', identity_providers: [{ id: 'main', name: 'Main IdP', protocol: 'saml' }] },
      }),
    'GET /api/server/about': () => json(200, { name: 'Gatehouse', description: '', version: '1', logo_url: '', subtitle: '' }),
    'POST /api/auth/sso/select': () => selectAnswer(),
  });
  renderApp(
    <Routes>
      <Route path="/auth/login" element={<GuestOnly><LoginPage /></GuestOnly>} />
    </Routes>,
    path,
  );
  return mock;
}

let assign: ReturnType<typeof vi.fn<(href: string) => void>>;
beforeEach(() => {
  assign = vi.fn<(href: string) => void>();
  vi.spyOn(browserNavigation, 'assign').mockImplementation(assign);
  selectAnswer = () => json(200, { login_url: '/api/auth/saml/main/login/', idp: { id: 'main', name: 'Main IdP', protocol: 'saml' } });
});

describe('LoginPage with one SSO provider for everybody', () => {
  it('does not send a typed email to SSO', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    await screen.findByRole('button', { name: 'Continue with SSO' }, { timeout: 5000 });
    await user.type(screen.getByLabelText(/username or email/i), 'dan@anywhere.example{Enter}');
    await screen.findByLabelText(/^password/i);
    expect(calls.some((c) => c.url === '/api/auth/sso/select')).toBe(false);
  });

  it('"Continue with SSO" goes straight to the provider, keeping next', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    await user.click(await screen.findByRole('button', { name: 'Continue with SSO' }, { timeout: 5000 }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/api/auth/saml/main/login/?next=%2Fjobs'));
    expect(calls.find((c) => c.url === '/api/auth/sso/select')?.body).toEqual({ email: '', next: '/jobs' });
    expect((await screen.findByRole('status')).textContent).toContain('Taking you to Main IdP');
    // No work-email step.
    expect(screen.queryByLabelText(/work email/i)).toBeNull();
  });

  it('says when single sign-on cannot start', async () => {
    const user = userEvent.setup({ delay: null });
    selectAnswer = () => json(404, { detail: 'No single sign-on provider serves this address: sign in with a password.' });
    setup();
    await user.click(await screen.findByRole('button', { name: 'Continue with SSO' }, { timeout: 5000 }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('No single sign-on provider serves this address');
    expect(assign).not.toHaveBeenCalled();
  });
});
