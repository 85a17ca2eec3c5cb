import { Link } from 'react-router';
import { Button, Group, Menu, Modal, Select, Stack } from '@mantine/core';
import type { Organization } from '../api/types';
import { IconCheck, IconMail, IconPlus, IconSettings, IconSwitch, IconBuilding } from '../components/icons';

/** With more organizations than this, the menu offers a "Switch organization" dialog instead of listing them. */
export const MENU_ORG_LIMIT = 10;

const PERSONAL = '__personal__';

export function orgLabel(org: Pick<Organization, 'slug' | 'name'>): string {
  return org.name && org.name !== org.slug ? `${org.slug} — ${org.name}` : org.slug;
}

interface OrgMenuItemsProps {
  orgs: Organization[];
  /** Active slug, '' = personal workspace. */
  active: string;
  onSwitch: (slug: string) => void;
  onCreate: () => void;
  onOpenSwitchDialog: () => void;
}

/**
 * The items of the user menu's Organization submenu: the personal workspace
 * and my organizations (a tick on the active one), or a "Switch organization"
 * line past MENU_ORG_LIMIT; then the active organization's settings, "Create"
 * and the invitations page.
 */
export function OrgMenuItems({ orgs, active, onSwitch, onCreate, onOpenSwitchDialog }: OrgMenuItemsProps) {
  const many = orgs.length > MENU_ORG_LIMIT;
  const activeOrg = active ? orgs.find((o) => o.slug.toLowerCase() === active.toLowerCase()) : undefined;
  const listed = many ? (activeOrg ? [activeOrg] : []) : orgs;
  const tick = <IconCheck size={16} />;
  return (
    <>
      <Menu.Label>Personal space</Menu.Label>
      <Menu.RadioItem value="" checked={!active} checkIcon={tick} closeMenuOnClick onChange={() => onSwitch('')}>
        Personal workspace
      </Menu.RadioItem>
      {listed.length > 0 && <Menu.Label>Organizations</Menu.Label>}
      {listed.map((o) => (
        <Menu.RadioItem
          key={o.id}
          value={o.slug}
          checked={o === activeOrg}
          checkIcon={tick}
          closeMenuOnClick
          onChange={() => onSwitch(o.slug)}
          title={o.name && o.name !== o.slug ? o.name : undefined}
        >
          {o.slug}
        </Menu.RadioItem>
      ))}
      {many && (
        <Menu.Item leftSection={<IconSwitch size={16} />} onClick={onOpenSwitchDialog}>
          Switch organization
        </Menu.Item>
      )}
      <Menu.Divider />
      {activeOrg && (
        <Menu.Item component={Link} to="/organization" leftSection={<IconSettings size={16} />}>
          Settings
        </Menu.Item>
      )}
      <Menu.Item leftSection={<IconPlus size={16} />} onClick={onCreate}>
        Create
      </Menu.Item>
      <Menu.Item component={Link} to="/invitations" leftSection={<IconMail size={16} />}>
        Invitations
      </Menu.Item>
      <Menu.Item component={Link} to="/organizations" leftSection={<IconBuilding size={16} />}>
        All organizations
      </Menu.Item>
    </>
  );
}

interface SwitchDialogProps {
  opened: boolean;
  onClose: () => void;
  orgs: Organization[];
  active: string;
  onSwitch: (slug: string) => void;
}

/** "Select organization": a searchable list of every workspace, for users with many organizations. Choosing one switches to it. */
export function SwitchOrganizationDialog({ opened, onClose, orgs, active, onSwitch }: SwitchDialogProps) {
  const current = active ? (orgs.find((o) => o.slug.toLowerCase() === active.toLowerCase())?.slug ?? PERSONAL) : PERSONAL;
  const data = [{ value: PERSONAL, label: 'Personal workspace' }, ...orgs.map((o) => ({ value: o.slug, label: orgLabel(o) }))];
  return (
    <Modal opened={opened} onClose={onClose} title="Select organization" centered>
      <Stack gap="md">
        <Select
          label="Organization"
          description="Type to search by short name or full name."
          data={data}
          value={current}
          onChange={(value) => {
            if (value === null) return;
            onSwitch(value === PERSONAL ? '' : value);
            onClose();
          }}
          searchable
          nothingFoundMessage="No organization matches"
          maxDropdownHeight={280}
          comboboxProps={{ withinPortal: false }}
          allowDeselect={false}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
