import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Invitation } from '../api/types';
import { json, mockFetch, type RecordedCall } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { InviteMembersModal } from './InviteMembersModal';

function invitation(email: string, role: Invitation['role']): Invitation {
  return {
    key: `key-${email}`,
    created_date: '2026-01-01T00:00:00Z',
    sent_date: '2026-01-01T00:00:00Z',
    expiry_date: '2026-01-08T00:00:00Z',
    owner: null,
    role,
    user: { id: 0, username: email, first_name: '', last_name: '' },
    email,
    organization: 7,
    expired: false,
    accepted: false,
    organization_info: { id: 7, slug: 'acme', name: 'Acme' },
  };
}

function setup(answer: (call: RecordedCall) => Response, roles: ('worker' | 'supervisor' | 'maintainer')[] = ['worker', 'supervisor', 'maintainer']) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }),
    'POST /api/invitations': answer,
  });
  const onSent = vi.fn();
  const onClose = vi.fn();
  renderApp(<InviteMembersModal opened onClose={onClose} org="acme" roles={roles} onSent={onSent} />);
  return { ...mock, onSent, onClose, posts: () => mock.calls.filter((c) => c.method === 'POST') };
}

const dialog = () => screen.findByRole('dialog', { name: 'Invite members' });

describe('InviteMembersModal', () => {
  it('sends one invitation per row, in the organization context, and closes when all were sent', async () => {
    const user = userEvent.setup({ delay: null });
    const { onSent, onClose, posts } = setup((c) => {
      const body = c.body as { email: string; role: Invitation['role'] };
      return json(201, invitation(body.email, body.role));
    });
    const d = await dialog();
    await user.type(within(d).getByLabelText(/^Email 1/), 'ann@example.com');
    await user.click(within(d).getByRole('button', { name: 'Invite more' }));
    await user.type(within(d).getByLabelText(/^Email 2/), 'bob@example.com');
    await user.selectOptions(within(d).getByLabelText(/^Role 2/), 'maintainer');
    await user.click(within(d).getByRole('button', { name: 'OK' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(posts().map((c) => c.body)).toEqual([
      { email: 'ann@example.com', role: 'worker' },
      { email: 'bob@example.com', role: 'maintainer' },
    ]);
    expect(posts().every((c) => c.headers.get('X-Organization') === 'acme')).toBe(true);
    expect(onSent).toHaveBeenCalledTimes(1);
    expect((onSent.mock.calls[0]![0] as Invitation[]).map((i) => i.email)).toEqual(['ann@example.com', 'bob@example.com']);
  });

  it('keeps the rows that failed with their own errors and focuses the first', async () => {
    const user = userEvent.setup({ delay: null });
    const { onSent, onClose } = setup((c) => {
      const body = c.body as { email: string; role: Invitation['role'] };
      if (body.email === 'bob@example.com') return json(400, { email: ['This person is already a member of the organization.'] });
      if (body.email === 'cy@example.com') return json(403, { detail: 'You do not have permission to invite maintainers.' });
      return json(201, invitation(body.email, body.role));
    });
    const d = await dialog();
    await user.type(within(d).getByLabelText(/^Email 1/), 'ann@example.com');
    await user.click(within(d).getByRole('button', { name: 'Invite more' }));
    await user.type(within(d).getByLabelText(/^Email 2/), 'bob@example.com');
    await user.click(within(d).getByRole('button', { name: 'Invite more' }));
    await user.type(within(d).getByLabelText(/^Email 3/), 'cy@example.com');
    await user.click(within(d).getByRole('button', { name: 'OK' }));
    expect(await within(d).findByText(/1 of 3 invitations were sent/)).toBeTruthy();
    expect(onSent).toHaveBeenCalledWith([expect.objectContaining({ email: 'ann@example.com' })]);
    expect(onClose).not.toHaveBeenCalled();
    // The two failed rows are left, renumbered, each with its own message.
    const first = within(d).getByLabelText(/^Email 1/) as HTMLInputElement;
    const second = within(d).getByLabelText(/^Email 2/) as HTMLInputElement;
    expect([first.value, second.value]).toEqual(['bob@example.com', 'cy@example.com']);
    expect(within(d).queryByLabelText(/^Email 3/)).toBeNull();
    expect(first.getAttribute('aria-invalid')).toBe('true');
    expect(within(d).getByText('This person is already a member of the organization.')).toBeTruthy();
    expect(within(d).getByText('You do not have permission to invite maintainers.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(first));
  });

  it('checks addresses before sending: empty, invalid and repeated rows', async () => {
    const user = userEvent.setup({ delay: null });
    const { posts } = setup(() => json(201, invitation('x@example.com', 'worker')));
    const d = await dialog();
    await user.click(within(d).getByRole('button', { name: 'OK' }));
    expect(await within(d).findByText('Enter an email address.')).toBeTruthy();
    await user.type(within(d).getByLabelText(/^Email 1/), 'not-an-address');
    await user.click(within(d).getByRole('button', { name: 'Invite more' }));
    await user.type(within(d).getByLabelText(/^Email 2/), 'ann@example.com');
    await user.click(within(d).getByRole('button', { name: 'Invite more' }));
    await user.type(within(d).getByLabelText(/^Email 3/), 'ANN@example.com');
    await user.click(within(d).getByRole('button', { name: 'OK' }));
    expect(await within(d).findByText('Enter a valid email address.')).toBeTruthy();
    expect(within(d).getByText('This address is already in the list.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(within(d).getByLabelText(/^Email 1/)));
    expect(posts()).toHaveLength(0);
  });

  it('offers only the roles the inviter may give, and rows can be removed', async () => {
    const user = userEvent.setup({ delay: null });
    setup(() => json(201, invitation('x@example.com', 'worker')), ['worker', 'supervisor']);
    const d = await dialog();
    const role = within(d).getByLabelText(/^Role 1/) as HTMLSelectElement;
    expect([...role.options].map((o) => o.value)).toEqual(['worker', 'supervisor']);
    expect(within(d).queryByRole('button', { name: /^Remove row/ })).toBeNull();
    await user.click(within(d).getByRole('button', { name: 'Invite more' }));
    await user.type(within(d).getByLabelText(/^Email 2/), 'second@example.com');
    await user.click(within(d).getByRole('button', { name: 'Remove row 1' }));
    expect((within(d).getByLabelText(/^Email 1/) as HTMLInputElement).value).toBe('second@example.com');
    expect(within(d).queryByLabelText(/^Email 2/)).toBeNull();
  });
});
