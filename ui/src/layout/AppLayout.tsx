import { Suspense, useState } from 'react';
import { Link, NavLink, Outlet } from 'react-router';
import { Avatar, Box, Burger, Container, Group, Menu, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { isAdmin, useCurrentUser } from '../auth/UserContext';
import { useOrgs } from '../org/OrgContext';
import { OrgMenuItems, SwitchOrganizationDialog } from '../org/OrgMenu';
import { CreateOrganizationModal } from '../org/CreateOrganizationModal';
import { PendingInvitationsNotice } from '../org/PendingInvitationsNotice';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { PageLoader } from '../components/PageLoader';
import { ThemeToggle } from '../components/ThemeToggle';
import {
  IconBuilding,
  IconChevronDown,
  IconInbox,
  IconKey,
  IconLogout,
  IconReceipt,
  IconShield,
  IconUser,
  IconUsers,
} from '../components/icons';
import { Logo } from './Logo';
import classes from './AppLayout.module.css';

const NAV = [
  { to: '/projects', label: 'Projects' },
  { to: '/tasks', label: 'Tasks' },
  { to: '/jobs', label: 'Jobs' },
  { to: '/organizations', label: 'Organizations' },
  { to: '/invitations', label: 'Invitations' },
  { to: '/billing', label: 'Billing' },
];

function initials(first: string, last: string, username: string) {
  const s = `${first.charAt(0)}${last.charAt(0)}`.trim();
  return (s || username.slice(0, 2)).toUpperCase();
}

function UserMenu() {
  const { user, logout } = useCurrentUser();
  const { orgs, active, switchTo } = useOrgs();
  const [creating, setCreating] = useState(false);
  const [switching, setSwitching] = useState(false);
  if (!user) return null;

  // RequireAuth takes the signed-out user to the login page.
  const onLogout = () => void logout();

  return (
    <>
      <Menu position="bottom-end" width={240} withinPortal shadow="md">
        <Menu.Target>
          {/* The accessible name is the visible text (username and workspace); on narrow screens it is only visually hidden. */}
          <UnstyledButton className={classes.userButton}>
            <Group gap={8} wrap="nowrap">
              <Avatar size={30} radius="xl" color="indigo" variant="filled" aria-hidden="true">
                {initials(user.first_name, user.last_name, user.username)}
              </Avatar>
              <Box className={classes.userText}>
                <Text size="sm" fw={600} lh={1.2}>
                  {user.username}
                </Text>
                <Text size="xs" c="dimmed" lh={1.2}>
                  {active || 'Personal workspace'}
                </Text>
              </Box>
              <IconChevronDown size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Sub position="left-start">
            <Menu.Sub.Target>
              <Menu.Sub.Item leftSection={<IconBuilding size={16} />}>Organization</Menu.Sub.Item>
            </Menu.Sub.Target>
            <Menu.Sub.Dropdown miw={220}>
              <OrgMenuItems
                orgs={orgs ?? []}
                active={active}
                onSwitch={switchTo}
                onCreate={() => setCreating(true)}
                onOpenSwitchDialog={() => setSwitching(true)}
              />
            </Menu.Sub.Dropdown>
          </Menu.Sub>
          <Menu.Item component={Link} to="/billing/plans" leftSection={<IconReceipt size={16} />}>
            Upgrade plan
          </Menu.Item>
          <Menu.Item component={Link} to="/billing" leftSection={<IconReceipt size={16} />}>
            Manage plans and invoices
          </Menu.Item>
          <Menu.Item component={Link} to="/profile#password" leftSection={<IconKey size={16} />}>
            Change password
          </Menu.Item>
          <Menu.Item component={Link} to="/profile" leftSection={<IconUser size={16} />}>
            Profile
          </Menu.Item>
          {isAdmin(user) && (
            <>
              <Menu.Divider />
              <Menu.Label>Admin</Menu.Label>
              <Menu.Item component={Link} to="/admin/users" leftSection={<IconUsers size={16} />}>
                Users
              </Menu.Item>
              <Menu.Item component={Link} to="/admin/outbox" leftSection={<IconInbox size={16} />}>
                Outbox
              </Menu.Item>
              <Menu.Item component={Link} to="/admin/billing" leftSection={<IconReceipt size={16} />}>
                Billing
              </Menu.Item>
              <Menu.Item component={Link} to="/admin/audit" leftSection={<IconShield size={16} />}>
                Audit log
              </Menu.Item>
            </>
          )}
          <Menu.Divider />
          <Menu.Item leftSection={<IconLogout size={16} />} onClick={onLogout}>
            Logout
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <CreateOrganizationModal opened={creating} onClose={() => setCreating(false)} />
      <SwitchOrganizationDialog opened={switching} onClose={() => setSwitching(false)} orgs={orgs ?? []} active={active} onSwitch={switchTo} />
    </>
  );
}

/** Navigation for narrow screens: the same links in a menu behind a burger button. */
function MobileNav({ links }: { links: { to: string; label: string }[] }) {
  const [opened, { toggle, close, open }] = useDisclosure(false);
  return (
    <Box hiddenFrom="sm">
      <Menu opened={opened} onChange={(o) => (o ? open() : close())} position="bottom-start" width={220} shadow="md">
        <Menu.Target>
          <Burger opened={opened} onClick={toggle} size="sm" aria-label="Navigation" />
        </Menu.Target>
        <Menu.Dropdown component="nav" aria-label="Main">
          {[{ to: '/', label: 'Home' }, ...links, { to: '/profile', label: 'Profile' }].map((l) => (
            <Menu.Item key={l.to} component={NavLink} to={l.to} end={l.to === '/'} className={classes.menuLink}>
              {l.label}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
    </Box>
  );
}

export function AppLayout() {
  const { user } = useCurrentUser();
  const links = [...NAV, ...(isAdmin(user) ? [{ to: '/admin/users', label: 'Admin' }] : [])];

  return (
    <div className={classes.shell}>
      <a href="#main" className={classes.skipLink}>
        Skip to content
      </a>
      <header className={classes.header}>
        <Container size="xl" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="lg" wrap="nowrap">
              <MobileNav links={links} />
              <Logo />
              <Group gap={4} visibleFrom="sm" component="nav" aria-label="Main">
                {links.map((l) => (
                  <NavLink key={l.to} to={l.to} className={classes.link}>
                    {l.label}
                  </NavLink>
                ))}
              </Group>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <ThemeToggle />
              <UserMenu />
            </Group>
          </Group>
        </Container>
      </header>

      <PendingInvitationsNotice />
      <main id="main" tabIndex={-1} className={classes.main}>
        <Container size="xl" py="lg">
          <ErrorBoundary>
            <Suspense fallback={<PageLoader />}>
              <Outlet />
            </Suspense>
          </ErrorBoundary>
        </Container>
      </main>
    </div>
  );
}
