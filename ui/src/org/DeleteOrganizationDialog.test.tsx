import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { DeleteOrganizationDialog } from './DeleteOrganizationDialog';

function setup(answer = () => new Response(null, { status: 204 })) {
  const mock = mockFetch({
    'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }),
    'DELETE /api/organizations/7': answer,
  });
  const onDeleted = vi.fn();
  renderApp(<DeleteOrganizationDialog opened onClose={() => {}} org={{ id: 7, slug: 'Acme_Lab' }} onDeleted={onDeleted} />);
  return { ...mock, onDeleted, deletes: () => mock.calls.filter((c) => c.method === 'DELETE') };
}

describe('DeleteOrganizationDialog', () => {
  it('enables Delete only when the short name is typed exactly', async () => {
    const user = userEvent.setup({ delay: null });
    const { onDeleted, deletes } = setup();
    const d = await screen.findByRole('dialog', { name: 'Delete organization' });
    const input = within(d).getByLabelText(/^Short name/);
    const del = within(d).getByRole('button', { name: 'Delete' }) as HTMLButtonElement;
    expect(del.disabled).toBe(true);
    await user.type(input, 'acme_lab');
    expect(del.disabled).toBe(true);
    await user.clear(input);
    await user.type(input, 'Acme_Lab ');
    expect(del.disabled).toBe(true);
    // Enter in the field does nothing while the name does not match.
    await user.type(input, '{Enter}');
    expect(deletes()).toHaveLength(0);
    await user.clear(input);
    await user.type(input, 'Acme_Lab');
    expect(del.disabled).toBe(false);
    await user.click(del);
    await waitFor(() => expect(onDeleted).toHaveBeenCalled());
    expect(deletes()).toHaveLength(1);
  });

  it('shows why the server refused', async () => {
    const user = userEvent.setup({ delay: null });
    const { onDeleted } = setup(() => json(403, { detail: 'Only the owner can delete the organization.' }));
    const d = await screen.findByRole('dialog', { name: 'Delete organization' });
    await user.type(within(d).getByLabelText(/^Short name/), 'Acme_Lab');
    await user.click(within(d).getByRole('button', { name: 'Delete' }));
    expect(await within(d).findByText('Only the owner can delete the organization.')).toBeTruthy();
    expect(onDeleted).not.toHaveBeenCalled();
  });
});
