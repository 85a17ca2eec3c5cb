import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { GuestOnly } from '../../auth/guards';
import { json, mockFetch, type RecordedCall } from '../../test/fetchMock';
import { renderApp } from '../../test/render';
import { LoginPage } from './LoginPage';

const ME = {
  id: 7,
  username: 'alice',
  first_name: 'Alice',
  last_name: 'Liddell',
  email: 'alice@example.com',
  groups: ['user'],
  is_staff: false,
  is_superuser: false,
  is_active: true,
  last_login: null,
  date_joined: '2025-01-01T00:00:00Z',
};

function setup(loginHandler: (call: RecordedCall) => Response, path = '/auth/login?next=%2Fprofile') {
  let signedIn = false;
  const mock = mockFetch({
    'GET /api/users/self': () => (signedIn ? json(200, ME) : json(401, { detail: 'Authentication credentials were not provided.' })),
    'GET /api/server/auth-methods': () => json(200, { password: true, social: [], sso: { enabled: false } }),
    'GET /api/server/about': () => json(200, { name: 'Gatehouse', description: '', version: '1', logo_url: '', subtitle: '' }),
    'POST /api/auth/login': (call) => {
      const res = loginHandler(call);
      if (res.ok) signedIn = true;
      return res;
    },
  });
  renderApp(
    <Routes>
      <Route path="/auth/login" element={<GuestOnly><LoginPage /></GuestOnly>} />
      <Route path="/profile" element={<h1>Profile page</h1>} />
      <Route path="/" element={<h1>Home page</h1>} />
    </Routes>,
    path,
  );
  return mock;
}

describe('LoginPage', () => {
  it('asks for the identifier first, then shows and focuses the password field', async () => {
    const user = userEvent.setup({ delay: null });
    setup(() => json(200, { key: 'k' }));
    const identifier = await screen.findByLabelText(/username or email/i);
    expect(screen.queryByLabelText(/^password/i)).toBeNull();

    await user.type(identifier, 'alice');
    await user.click(screen.getByRole('button', { name: 'Next' }));

    const password = await screen.findByLabelText(/^password/i);
    await waitFor(() => expect(document.activeElement).toBe(password));
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
  });

  it('offers no SSO or social buttons when the server has none configured', async () => {
    setup(() => json(200, { key: 'k' }));
    await screen.findByLabelText(/username or email/i);
    await waitFor(() => expect(screen.getByRole('link', { name: 'Create an account' })).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'Continue with SSO' })).toBeNull();
    expect(screen.queryByText(/^Continue with/)).toBeNull();
  });

  it('does not advance with an empty identifier and says why', async () => {
    const user = userEvent.setup({ delay: null });
    setup(() => json(200, { key: 'k' }));
    await user.click(await screen.findByRole('button', { name: 'Next' }));
    const identifier = screen.getByLabelText(/username or email/i);
    expect(identifier.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Enter your username or email.')).toBeTruthy();
    expect(identifier.getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.queryByLabelText(/^password/i)).toBeNull();
  });

  it('posts {username, password} and goes to next', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup(() => json(200, { key: 'k' }));
    await user.type(await screen.findByLabelText(/username or email/i), 'alice{Enter}');
    await user.type(await screen.findByLabelText(/^password/i), 's3cret-pass{Enter}');
    expect(await screen.findByRole('heading', { name: 'Profile page' })).toBeTruthy();
    const login = calls.find((c) => c.method === 'POST' && c.url === '/api/auth/login');
    expect(login?.body).toEqual({ username: 'alice', password: 's3cret-pass' });
  });

  it('posts {email, password} when the identifier is an email, and ignores an unsafe next', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup(() => json(200, { key: 'k' }), '/auth/login?next=https%3A%2F%2Fevil.example%2F');
    await user.type(await screen.findByLabelText(/username or email/i), 'alice@example.com{Enter}');
    await user.type(await screen.findByLabelText(/^password/i), 'pw{Enter}');
    expect(await screen.findByRole('heading', { name: 'Home page' })).toBeTruthy();
    const login = calls.find((c) => c.url === '/api/auth/login');
    expect(login?.body).toEqual({ email: 'alice@example.com', password: 'pw' });
  });

  it('shows non_field_errors in an alert and keeps what was typed', async () => {
    const user = userEvent.setup({ delay: null });
    setup(() => json(400, { non_field_errors: ['Unable to log in with provided credentials.'] }));
    await user.type(await screen.findByLabelText(/username or email/i), 'alice{Enter}');
    await user.type(await screen.findByLabelText(/^password/i), 'wrong{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Unable to log in with provided credentials.');
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect((screen.getByLabelText(/username or email/i) as HTMLInputElement).value).toBe('alice');
    expect((screen.getByLabelText(/^password/i) as HTMLInputElement).value).toBe('wrong');
    expect(screen.getByRole('button', { name: 'Sign in' }).hasAttribute('disabled')).toBe(false);
  });

  it('words a 429 with the Retry-After delay', async () => {
    const user = userEvent.setup({ delay: null });
    setup(() => json(429, { detail: 'Request was throttled.' }, { 'Retry-After': '900' }));
    await user.type(await screen.findByLabelText(/username or email/i), 'alice{Enter}');
    await user.type(await screen.findByLabelText(/^password/i), 'pw{Enter}');
    expect((await screen.findByRole('alert')).textContent).toContain('Too many attempts, try again in 15 minutes');
  });

  it('puts a server field error under the identifier field', async () => {
    const user = userEvent.setup({ delay: null });
    setup(() => json(400, { username: ['This field may not be blank.'] }));
    await user.type(await screen.findByLabelText(/username or email/i), 'alice{Enter}');
    await user.type(await screen.findByLabelText(/^password/i), 'pw{Enter}');
    const identifier = screen.getByLabelText(/username or email/i);
    await waitFor(() => expect(identifier.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('This field may not be blank.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(identifier));
  });
});
