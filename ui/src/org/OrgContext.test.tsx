import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { apiRequest, ORG_STORAGE_KEY } from '../api/client';
import type { Membership, Organization } from '../api/types';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { useOrgs } from './OrgContext';
import { canManageMember, orgPowers } from './roles';

const me = { id: 1, username: 'alice', first_name: 'Alice', last_name: '', email: 'a@example.com', groups: ['user'], is_staff: false, is_superuser: false, is_active: true, last_login: null, date_joined: '2026-01-01T00:00:00Z' };
const acme: Organization = { id: 7, slug: 'acme', name: 'Acme', description: '', created_date: '', updated_date: '', contact: {}, owner: null, user_role: 'worker' };

function Probe() {
  const { orgs, active, activeOrg } = useOrgs();
  return <p data-testid="probe">{orgs ? `${orgs.length} orgs; active=${active || 'personal'}; found=${activeOrg?.slug ?? '-'}` : 'loading'}</p>;
}

describe('OrgProvider', () => {
  it('keeps a stored organization that is still mine', async () => {
    localStorage.setItem(ORG_STORAGE_KEY, 'acme');
    mockFetch({
      'GET /api/users/self': () => json(200, me),
      'GET /api/organizations': () => json(200, { count: 1, next: null, previous: null, results: [acme] }),
    });
    renderApp(<Probe />);
    await waitFor(() => expect(screen.getByTestId('probe').textContent).toBe('1 orgs; active=acme; found=acme'));
  });

  it('falls back to the personal workspace with a notice when the stored organization is gone', async () => {
    localStorage.setItem(ORG_STORAGE_KEY, 'gone');
    mockFetch({
      'GET /api/users/self': () => json(200, me),
      'GET /api/organizations': () => json(200, { count: 1, next: null, previous: null, results: [acme] }),
    });
    renderApp(<Probe />);
    await waitFor(() => expect(screen.getByTestId('probe').textContent).toBe('1 orgs; active=personal; found=-'));
    expect(localStorage.getItem(ORG_STORAGE_KEY)).toBe('');
    expect(await screen.findByText(/“gone” no longer exists/)).toBeTruthy();
  });

  it('falls back when an API call answers "Organization not found."', async () => {
    localStorage.setItem(ORG_STORAGE_KEY, 'acme');
    mockFetch({
      'GET /api/users/self': () => json(200, me),
      'GET /api/organizations': () => json(200, { count: 1, next: null, previous: null, results: [acme] }),
      'GET /api/memberships': () => json(404, { detail: 'Organization not found.' }),
    });
    renderApp(<Probe />);
    await waitFor(() => expect(screen.getByTestId('probe').textContent).toBe('1 orgs; active=acme; found=acme'));
    await expect(apiRequest('/api/memberships')).rejects.toThrow('Organization not found.');
    await waitFor(() => expect(localStorage.getItem(ORG_STORAGE_KEY)).toBe(''));
    expect(await screen.findByText(/“acme” no longer exists/)).toBeTruthy();
  });
});

describe('organization role rules', () => {
  const member = (id: number, role: Membership['role']): Membership => ({
    id: id + 100, user: { id, username: `u${id}`, first_name: '', last_name: '' }, organization: 7, is_active: true, joined_date: null, role, invitation: null,
  });

  it('owner manages anyone but the owner; maintainer only workers and supervisors', () => {
    expect(canManageMember('owner', false, member(2, 'maintainer'), 1)).toBe(true);
    expect(canManageMember('owner', false, member(1, 'owner'), 1)).toBe(false);
    expect(canManageMember('maintainer', false, member(2, 'supervisor'), 1)).toBe(true);
    expect(canManageMember('maintainer', false, member(2, 'worker'), 1)).toBe(true);
    expect(canManageMember('maintainer', false, member(2, 'maintainer'), 1)).toBe(false);
    expect(canManageMember('maintainer', false, member(1, 'maintainer'), 1)).toBe(false);
    expect(canManageMember('supervisor', false, member(2, 'worker'), 1)).toBe(false);
    expect(canManageMember(undefined, true, member(2, 'maintainer'), 1)).toBe(true);
  });

  it('who edits, invites with which roles, and deletes', () => {
    expect(orgPowers('owner', false)).toEqual({ edit: true, invite: true, delete: true, assignable: ['worker', 'supervisor', 'maintainer'] });
    expect(orgPowers('maintainer', false)).toEqual({ edit: true, invite: true, delete: false, assignable: ['worker', 'supervisor'] });
    expect(orgPowers('worker', false)).toEqual({ edit: false, invite: false, delete: false, assignable: [] });
  });
});
