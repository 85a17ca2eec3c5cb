import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Menu } from '@mantine/core';
import type { Organization } from '../api/types';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { MENU_ORG_LIMIT, OrgMenuItems, SwitchOrganizationDialog } from './OrgMenu';

function org(id: number, slug: string, name = ''): Organization {
  return {
    id,
    slug,
    name,
    description: '',
    created_date: '2026-01-01T00:00:00Z',
    updated_date: '2026-01-01T00:00:00Z',
    contact: {},
    owner: null,
    user_role: 'owner',
  };
}

const many = Array.from({ length: MENU_ORG_LIMIT + 2 }, (_, i) => org(i + 1, `team-${String(i + 1).padStart(2, '0')}`, `Team number ${i + 1}`));

function renderMenu(orgs: Organization[], active: string) {
  mockFetch({ 'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }) });
  const handlers = { onSwitch: vi.fn(), onCreate: vi.fn(), onOpenSwitchDialog: vi.fn() };
  renderApp(
    <Menu opened>
      <Menu.Target>
        <button type="button">menu</button>
      </Menu.Target>
      <Menu.Dropdown>
        <OrgMenuItems orgs={orgs} active={active} {...handlers} />
      </Menu.Dropdown>
    </Menu>,
  );
  return handlers;
}

const radios = () => screen.getAllByRole('menuitemradio').map((el) => [el.textContent, el.getAttribute('aria-checked')]);

describe('OrgMenuItems', () => {
  it('lists the personal workspace and my organizations with a tick on the active one', async () => {
    const user = userEvent.setup({ delay: null });
    const h = renderMenu([org(1, 'acme', 'Acme'), org(2, 'beta')], 'acme');
    expect(radios()).toEqual([
      ['Personal workspace', 'false'],
      ['acme', 'true'],
      ['beta', 'false'],
    ]);
    // The tick is drawn only on the active line.
    expect(screen.getByRole('menuitemradio', { name: 'acme' }).querySelector('svg')).not.toBeNull();
    expect(screen.getByRole('menuitemradio', { name: 'beta' }).querySelector('svg')).toBeNull();
    expect(screen.queryByRole('menuitem', { name: 'Switch organization' })).toBeNull();
    await user.click(screen.getByRole('menuitemradio', { name: 'beta' }));
    expect(h.onSwitch).toHaveBeenCalledWith('beta');
  });

  it('ticks the personal workspace when no organization is active, and offers Create', async () => {
    const user = userEvent.setup({ delay: null });
    const h = renderMenu([org(1, 'acme')], '');
    expect(radios()).toEqual([
      ['Personal workspace', 'true'],
      ['acme', 'false'],
    ]);
    expect(screen.queryByRole('menuitem', { name: 'Settings' })).toBeNull();
    await user.click(screen.getByRole('menuitem', { name: 'Create' }));
    expect(h.onCreate).toHaveBeenCalled();
  });

  it(`past ${MENU_ORG_LIMIT} organizations shows only the active one and a "Switch organization" line`, async () => {
    const user = userEvent.setup({ delay: null });
    const h = renderMenu(many, 'team-05');
    expect(radios()).toEqual([
      ['Personal workspace', 'false'],
      ['team-05', 'true'],
    ]);
    await user.click(screen.getByRole('menuitem', { name: 'Switch organization' }));
    expect(h.onOpenSwitchDialog).toHaveBeenCalled();
  });

  it(`lists exactly ${MENU_ORG_LIMIT} organizations without a dialog`, () => {
    renderMenu(many.slice(0, MENU_ORG_LIMIT), '');
    expect(screen.getAllByRole('menuitemradio')).toHaveLength(MENU_ORG_LIMIT + 1);
    expect(screen.queryByRole('menuitem', { name: 'Switch organization' })).toBeNull();
  });
});

describe('SwitchOrganizationDialog', () => {
  it('finds an organization by typing part of its name and switches to it', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({ 'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }) });
    const onSwitch = vi.fn();
    const onClose = vi.fn();
    renderApp(<SwitchOrganizationDialog opened onClose={onClose} orgs={many} active="team-05" onSwitch={onSwitch} />);
    const dialog = await screen.findByRole('dialog', { name: 'Select organization' });
    const input = within(dialog).getByRole('combobox', { name: /^Organization/ }) as HTMLInputElement;
    expect(input.value).toBe('team-05 — Team number 5');
    await user.clear(input);
    await user.type(input, 'number 12');
    const options = await within(dialog).findAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['team-12 — Team number 12']);
    await user.click(options[0]!);
    await waitFor(() => expect(onSwitch).toHaveBeenCalledWith('team-12'));
    expect(onClose).toHaveBeenCalled();
  });

  it('says when nothing matches and can go back to the personal workspace', async () => {
    const user = userEvent.setup({ delay: null });
    mockFetch({ 'GET /api/users/self': () => json(401, { detail: 'Authentication credentials were not provided.' }) });
    const onSwitch = vi.fn();
    renderApp(<SwitchOrganizationDialog opened onClose={() => {}} orgs={many} active="team-05" onSwitch={onSwitch} />);
    const dialog = await screen.findByRole('dialog', { name: 'Select organization' });
    const input = within(dialog).getByRole('combobox', { name: /^Organization/ });
    await user.clear(input);
    await user.type(input, 'zzz');
    expect(await within(dialog).findByText('No organization matches')).toBeTruthy();
    await user.clear(input);
    await user.type(input, 'personal');
    await user.click(await within(dialog).findByRole('option', { name: 'Personal workspace' }));
    await waitFor(() => expect(onSwitch).toHaveBeenCalledWith(''));
  });
});
