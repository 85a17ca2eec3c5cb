import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { json, mockFetch } from '../../test/fetchMock';
import { axeViolations } from '../../test/axe';
import { renderApp } from '../../test/render';
import { FALLBACK, knownIdpName, REASONS, SsoErrorPage } from './SsoErrorPage';

const METHODS = {
  password: true,
  social: [{ provider: 'github', name: 'GitHub', login_url: '/api/auth/social/github/login' }],
  sso: { enabled: true, identity_providers: [{ id: 'corp', name: 'Corp IdP', protocol: 'oidc' }] },
};

function setup(query: string) {
  mockFetch({
    'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }),
    'GET /api/server/auth-methods': () => json(200, METHODS),
  });
  return renderApp(
    <Routes>
      <Route path="/auth/error" element={<SsoErrorPage />} />
      <Route path="/auth/login" element={<h1>Login page</h1>} />
    </Routes>,
    `/auth/error${query}`,
  );
}

// One distinctive phrase of each reason's explanation.
const EXPECTED: [string, string, RegExp][] = [
  ['access_denied', 'Sign-in was cancelled', /access was refused/],
  ['bad_state', 'This sign-in link has expired', /took too long/],
  ['bad_signature', 'The sign-in could not be verified', /security check/],
  ['idp_unavailable', 'The identity provider is not answering', /could not reach/],
  ['email_not_verified', 'Your email address is not verified', /did not confirm that the address is yours/],
  ['no_email', 'No email address was shared', /did not tell Gatehouse your email address/],
  ['account_inactive', 'This account is deactivated', /deactivated/],
  ['registration_disabled', 'You do not have an account yet', /does not create accounts/],
  ['unknown_idp', 'Unknown sign-in provider', /does not know/],
  ['invalid_response', 'The sign-in answer was not understood', /could not read/],
];

describe('SsoErrorPage', () => {
  it('has words for every reason code of the contract', () => {
    expect(Object.keys(REASONS).sort()).toEqual(EXPECTED.map(([code]) => code).sort());
  });

  it.each(EXPECTED)('%s: says what happened in plain words, focuses the heading', async (code, title, what) => {
    setup(`?reason=${code}&idp=Corp%20IdP`);
    const heading = await screen.findByRole('heading', { name: title, level: 1 }, { timeout: 5000 });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toMatch(what);
    expect(screen.getByText('What to do now')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Back to sign in' }).getAttribute('href')).toBe('/auth/login');
    expect(document.title).toBe(`${title} · Gatehouse`);
  });

  it('names a configured identity provider once the server confirms it', async () => {
    setup('?reason=idp_unavailable&idp=Corp%20IdP');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Gatehouse could not reach Corp IdP'));
  });

  it('never shows words from the link that are not a configured provider or a known code', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    setup(`?reason=${encodeURIComponent(evil)}&idp=${encodeURIComponent('Call +1 555 0100 to unlock')}`);
    expect(await screen.findByRole('heading', { name: FALLBACK.title, level: 1 })).toBeTruthy();
    // Give the auth-methods answer time to arrive: the name must still not appear.
    await new Promise((r) => setTimeout(r, 50));
    expect(document.body.textContent).not.toContain('555');
    expect(document.body.textContent).not.toContain('onerror');
    expect(document.querySelector('img')).toBeNull();
  });

  it('words a missing reason with the general message', async () => {
    setup('');
    expect(await screen.findByRole('heading', { name: FALLBACK.title, level: 1 })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Something went wrong');
  });

  it('reaches "Back to sign in" with the keyboard and follows it', async () => {
    const user = userEvent.setup({ delay: null });
    setup('?reason=bad_state');
    const heading = await screen.findByRole('heading', { name: 'This sign-in link has expired', level: 1 });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole('link', { name: 'Back to sign in' }));
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'Login page' })).toBeTruthy();
  });

  it('has no axe violations', async () => {
    setup('?reason=email_not_verified&idp=GitHub');
    await screen.findByRole('heading', { name: 'Your email address is not verified', level: 1 });
    expect(await axeViolations()).toEqual([]);
  });
});

describe('knownIdpName', () => {
  it.each([
    ['Corp IdP', 'Corp IdP'],
    ['GitHub', 'GitHub'],
    ['corp idp', null],
    ['Anything else', null],
    [null, null],
  ])('%s → %s', (raw, want) => {
    expect(knownIdpName(raw, METHODS)).toBe(want);
  });

  it('names nobody before the server answered', () => {
    expect(knownIdpName('Corp IdP', null)).toBeNull();
  });
});
