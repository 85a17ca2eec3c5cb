import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { json, mockFetch } from '../../test/fetchMock';
import { renderApp } from '../../test/render';
import { RegisterPage } from './RegisterPage';

function setup(path = '/auth/register', register = () => json(201, { username: 'x', email: 'x', email_verification_required: true, key: null })) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }),
    'GET /api/server/auth-methods': () => json(200, { password: true, social: [], sso: { enabled: false } }),
    'POST /api/auth/register': register,
  });
  renderApp(
    <Routes>
      <Route path="/auth/register" element={<RegisterPage />} />
    </Routes>,
    path,
  );
  return mock;
}

const field = (label: RegExp) => screen.getByLabelText(label) as HTMLInputElement;

describe('RegisterPage', () => {
  it('fills the username from the email until the user edits it', async () => {
    const user = userEvent.setup({ delay: null });
    setup();
    await user.type(await screen.findByLabelText(/^email/i), 'Ada.L@example.com');
    expect(field(/^username/i).value).toBe('ada.l');
    await user.clear(field(/^username/i));
    await user.type(field(/^username/i), 'countess');
    await user.type(field(/^email/i), 'x');
    expect(field(/^username/i).value).toBe('countess');
  });

  it('sends the form with the terms confirmation and shows "Check your email"', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    await user.type(await screen.findByLabelText(/^first name/i), 'Ada');
    await user.type(field(/^last name/i), 'Lovelace');
    await user.type(field(/^email/i), 'ada@example.com');
    await user.type(field(/^password/i), 'Analytical-Engine-1843');
    await user.type(field(/^confirm password/i), 'Analytical-Engine-1843');
    await user.click(screen.getByLabelText(/terms of use/i));
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    expect(await screen.findByRole('heading', { name: 'Check your email' })).toBeTruthy();
    expect(calls.find((c) => c.url === '/api/auth/register')?.body).toEqual({
      username: 'ada00',
      email: 'ada@example.com',
      password1: 'Analytical-Engine-1843',
      password2: 'Analytical-Engine-1843',
      first_name: 'Ada',
      last_name: 'Lovelace',
      confirmations: [{ name: 'terms_of_use', value: true }],
    });
  });

  it('checks the fields before sending and focuses the first invalid one', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup();
    await user.type(await screen.findByLabelText(/^first name/i), 'Ada');
    await user.type(field(/^password/i), 'one-password');
    await user.type(field(/^confirm password/i), 'another-password');
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    await waitFor(() => expect(document.activeElement).toBe(field(/^last name/i)));
    expect(screen.getByText('The two passwords do not match.')).toBeTruthy();
    expect(field(/^confirm password/i).getAttribute('aria-invalid')).toBe('true');
    expect(calls.some((c) => c.url === '/api/auth/register')).toBe(false);
  });

  it('puts server field errors under their fields', async () => {
    const user = userEvent.setup({ delay: null });
    setup('/auth/register', () => json(400, { username: ['A user with that username already exists.'], password1: ['This password is too common.'] }));
    await user.type(await screen.findByLabelText(/^first name/i), 'Ada');
    await user.type(field(/^last name/i), 'Lovelace');
    await user.type(field(/^email/i), 'ada.lovelace@example.com');
    await user.type(field(/^password/i), 'password123');
    await user.type(field(/^confirm password/i), 'password123');
    await user.click(screen.getByLabelText(/terms of use/i));
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    expect(await screen.findByText('A user with that username already exists.')).toBeTruthy();
    expect(screen.getByText('This password is too common.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(field(/^username/i)));
    expect(field(/^email/i).value).toBe('ada.lovelace@example.com');
  });

  it('locks the invited email and sends the invitation key', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup('/auth/register?invitation=inv-key-1&email=bob%40example.com');
    const email = await screen.findByLabelText(/^email/i);
    expect((email as HTMLInputElement).value).toBe('bob@example.com');
    expect(email.hasAttribute('readonly')).toBe(true);
    expect(field(/^username/i).value).toBe('bob00');
    await user.type(field(/^first name/i), 'Bob');
    await user.type(field(/^last name/i), 'Builder');
    await user.type(field(/^password/i), 'Can-We-Fix-It-42');
    await user.type(field(/^confirm password/i), 'Can-We-Fix-It-42');
    await user.click(screen.getByLabelText(/terms of use/i));
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    await screen.findByRole('heading', { name: 'Check your email' });
    const body = calls.find((c) => c.url === '/api/auth/register')?.body as Record<string, unknown>;
    expect(body.invitation).toBe('inv-key-1');
    expect(body.email).toBe('bob@example.com');
  });
});
