// The login page when single sign-on and social accounts are configured.
// (useAuthMethods caches the server's answer per page load, so this file
// keeps one configuration; LoginPage.test.tsx covers the password-only one.)
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { GuestOnly } from '../../auth/guards';
import { json, mockFetch, type RecordedCall } from '../../test/fetchMock';
import { axeViolations } from '../../test/axe';
import { renderApp } from '../../test/render';
import { browserNavigation, externalLoginHref, LoginPage } from './LoginPage';

const METHODS = {
  password: true,
  social: [
    { provider: 'github', name: 'GitHub', login_url: '/api/auth/social/github/login' },
    { provider: 'google', name: 'Google', login_url: '/api/auth/social/google/login' },
  ],
  sso: {
    enabled: true,
    selection_mode: 'email_address',
    identity_providers: [{ id: 'corp', name: 'Corp IdP', protocol: 'oidc', login_url: '/api/auth/oidc/corp/login' }],
  },
};

function setup(path = '/auth/login?next=%2Fprojects&invitation=inv-123') {
  const mock = mockFetch({
    'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }),
    'GET /api/server/auth-methods': () => json(200, METHODS),
    'GET /api/server/about': () => json(200, { name: 'Gatehouse', description: '', version: '1', logo_url: '', subtitle: '' }),
    'POST /api/auth/sso/select': (call: RecordedCall) => {
      const email = String((call.body as { email?: string }).email ?? '');
      if (email.endsWith('@corp.example')) {
        // The server answers an absolute URL on its base URL (this origin).
        const loginUrl = `${window.location.origin}/api/auth/oidc/corp/login/`;
        return json(200, { login_url: loginUrl, idp: { id: 'corp', name: 'Corp IdP', protocol: 'oidc' } });
      }
      return json(404, { detail: 'No identity provider for this email address.' });
    },
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
});

describe('LoginPage with single sign-on', () => {
  it('sends an email of an SSO domain to its identity provider with next and the invitation', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    // The SSO buttons appear once the server's methods are known; then the domain check runs.
    await screen.findByRole('button', { name: 'Continue with SSO' }, { timeout: 5000 });
    await user.type(screen.getByLabelText(/username or email/i), 'Ann@corp.example{Enter}');

    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    expect(assign).toHaveBeenCalledWith('/api/auth/oidc/corp/login/?next=%2Fprojects&invitation=inv-123');
    const select = calls.find((c) => c.method === 'POST' && c.url === '/api/auth/sso/select');
    expect(select?.body).toEqual({ email: 'Ann@corp.example', next: '/projects', invitation: 'inv-123' });
    expect((await screen.findByRole('status')).textContent).toContain('Taking you to Corp IdP');
    expect(screen.queryByLabelText(/^password/i)).toBeNull();
    expect(calls.some((c) => c.url === '/api/auth/login')).toBe(false);
  });

  it('asks for the password when no identity provider owns the domain (404)', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    await screen.findByRole('button', { name: 'Continue with SSO' }, { timeout: 5000 });
    await user.type(screen.getByLabelText(/username or email/i), 'bob@elsewhere.example{Enter}');
    const password = await screen.findByLabelText(/^password/i);
    await waitFor(() => expect(document.activeElement).toBe(password));
    expect(calls.filter((c) => c.url === '/api/auth/sso/select')).toHaveLength(1);
    expect(assign).not.toHaveBeenCalled();
  });

  it('does not ask the server about a username', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    await screen.findByRole('button', { name: 'Continue with SSO' }, { timeout: 5000 });
    await user.type(screen.getByLabelText(/username or email/i), 'bob{Enter}');
    await screen.findByLabelText(/^password/i);
    expect(calls.some((c) => c.url === '/api/auth/sso/select')).toBe(false);
  });

  it('"Continue with SSO" asks for the work email, says when none matches, and goes on with the keyboard', async () => {
    const user = userEvent.setup({ delay: null });
    setup('/auth/login');
    const sso = await screen.findByRole('button', { name: 'Continue with SSO' }, { timeout: 5000 });
    sso.focus();
    await user.keyboard('{Enter}');

    expect(await screen.findByRole('heading', { name: 'Single sign-on', level: 1 })).toBeTruthy();
    const email = screen.getByLabelText(/work email/i);
    await waitFor(() => expect(document.activeElement).toBe(email));

    await user.keyboard('not-an-email{Enter}');
    await waitFor(() => expect(email.getAttribute('aria-invalid')).toBe('true'));
    expect(assign).not.toHaveBeenCalled();

    await user.clear(email);
    await user.type(email, 'carol@elsewhere.example{Enter}');
    expect(await screen.findByText('No single sign-on provider is set up for this email address.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(email));

    await user.clear(email);
    await user.type(email, 'carol@corp.example{Enter}');
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/api/auth/oidc/corp/login/'));

    // "Back to password sign-in" returns to the usual first step.
    await user.click(screen.getByRole('button', { name: 'Back to password sign-in' }));
    expect(await screen.findByRole('heading', { name: 'Sign in', level: 1 })).toBeTruthy();
  });

  it('shows one button per social provider, carrying next and the invitation', async () => {
    setup();
    const github = await screen.findByRole('link', { name: 'Continue with GitHub' }, { timeout: 5000 });
    expect(github.getAttribute('href')).toBe('/api/auth/social/github/login?next=%2Fprojects&invitation=inv-123');
    const google = screen.getByRole('link', { name: 'Continue with Google' });
    expect(google.getAttribute('href')).toBe('/api/auth/social/google/login?next=%2Fprojects&invitation=inv-123');
    // The sign-up link keeps the invitation too.
    expect(screen.getByRole('link', { name: 'Create an account' }).getAttribute('href')).toBe(
      '/auth/register?next=%2Fprojects&invitation=inv-123',
    );
  });

  it('has no axe violations with every sign-in method shown', async () => {
    setup();
    await screen.findByRole('link', { name: 'Continue with GitHub' }, { timeout: 5000 });
    expect(await axeViolations()).toEqual([]);
  });
});

describe('externalLoginHref', () => {
  const here = window.location.origin;
  it.each([
    ['/api/auth/oidc/a/login', { next: '/x?y=1', invitation: null }, '/api/auth/oidc/a/login?next=%2Fx%3Fy%3D1'],
    ['/api/auth/oidc/a/login?foo=1', { next: null, invitation: 'k' }, '/api/auth/oidc/a/login?foo=1&invitation=k'],
    [`${here}/api/auth/saml/b/login`, { next: '/', invitation: null }, '/api/auth/saml/b/login'],
    // Another site gets nothing of ours added.
    ['https://idp.example/authorize?x=1', { next: '/p', invitation: 'k' }, 'https://idp.example/authorize?x=1'],
  ])('%s with %o → %s', (url, carry, want) => {
    expect(externalLoginHref(url, carry)).toBe(want);
  });

  it.each(['javascript:alert(1)', 'data:text/html,hi'])('refuses %s', (url) => {
    expect(externalLoginHref(url, { next: null, invitation: null })).toBeNull();
  });
});
