import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes, useLocation } from 'react-router';
import { ThemeToggle } from '../components/ThemeToggle';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { RequireAdmin, RequireAuth } from './guards';

function Where() {
  const loc = useLocation();
  return <p data-testid="where">{loc.pathname + loc.search}</p>;
}

const USER = {
  id: 3, username: 'carol', first_name: '', last_name: '', email: 'c@x.io', groups: ['user'],
  is_staff: false, is_superuser: false, is_active: true, last_login: null, date_joined: '2025-01-01T00:00:00Z',
};

function routes() {
  return (
    <Routes>
      <Route path="/auth/login" element={<Where />} />
      <Route path="/admin/users" element={<RequireAuth><RequireAdmin><h1>Users</h1></RequireAdmin></RequireAuth>} />
    </Routes>
  );
}

describe('route guards', () => {
  it('send an anonymous visitor to the login page with the page as next', async () => {
    mockFetch({ 'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }) });
    renderApp(routes(), '/admin/users?page=2');
    expect((await screen.findByTestId('where')).textContent).toBe('/auth/login?next=%2Fadmin%2Fusers%3Fpage%3D2');
  });

  it('show a loading state while the current user loads', async () => {
    let release: (r: Response) => void = () => {};
    mockFetch({ 'GET /api/users/self': () => new Promise<Response>((r) => (release = r)) });
    renderApp(routes(), '/admin/users');
    expect(await screen.findByRole('status')).toBeTruthy();
    release(json(200, { ...USER, groups: ['admin'] }));
    expect(await screen.findByRole('heading', { name: 'Users' })).toBeTruthy();
  });

  it('keep non-admins out of admin pages', async () => {
    mockFetch({ 'GET /api/users/self': () => json(200, USER) });
    renderApp(routes(), '/admin/users');
    expect(await screen.findByText('Administrators only')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Users' })).toBeNull();
  });
});

describe('ThemeToggle', () => {
  it('switches the theme and remembers the choice', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({ 'GET /api/users/self': () => json(401, { detail: 'no' }) });
    renderApp(<ThemeToggle />);
    await user.click(screen.getByRole('button', { name: 'Switch to dark theme' }));
    expect(localStorage.getItem('gatehouse.theme')).toBe('dark');
    expect(document.documentElement.getAttribute('data-mantine-color-scheme')).toBe('dark');
    await user.click(screen.getByRole('button', { name: 'Switch to light theme' }));
    expect(localStorage.getItem('gatehouse.theme')).toBe('light');
  });
});
