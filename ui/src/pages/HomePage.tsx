import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Badge, Card, Group, SimpleGrid, Text, ThemeIcon } from '@mantine/core';
import { globalRole, isAdmin, useCurrentUser } from '../auth/UserContext';
import { PageHeader } from '../components/PageHeader';
import { IconBuilding, IconInbox, IconMail, IconReceipt, IconUser, IconUsers } from '../components/icons';
import { useOrgs } from '../org/OrgContext';
import classes from './HomePage.module.css';

function Tile({ to, icon, title, children }: { to: string; icon: ReactNode; title: string; children: ReactNode }) {
  return (
    <Card component={Link} to={to} withBorder padding="lg" radius="lg" className={classes.tile}>
      <Group gap="sm" mb="xs" wrap="nowrap">
        <ThemeIcon variant="light" size="lg" radius="md">
          {icon}
        </ThemeIcon>
        <Text fw={600}>{title}</Text>
      </Group>
      <Text size="sm" c="dimmed">
        {children}
      </Text>
    </Card>
  );
}

export default function HomePage() {
  const { user } = useCurrentUser();
  const { active: org } = useOrgs();
  if (!user) return null;
  const name = user.first_name || user.username;
  return (
    <>
      <PageHeader
        title={`Welcome, ${name}`}
        description={
          <>
            Signed in as <b>{user.username}</b> · role <Badge variant="light" size="sm">{globalRole(user)}</Badge> · workspace{' '}
            <b>{org ? org : 'personal'}</b>
          </>
        }
      />
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
        <Tile to="/profile" icon={<IconUser />} title="Profile">
          Your name, password, signed-in devices and access tokens.
        </Tile>
        <Tile to="/organizations" icon={<IconBuilding />} title="Organizations">
          Create an organization and work together with your team.
        </Tile>
        <Tile to="/invitations" icon={<IconMail />} title="Invitations">
          Answer invitations to join an organization.
        </Tile>
        <Tile to="/billing" icon={<IconReceipt />} title="Billing">
          Plans, subscriptions and invoices.
        </Tile>
        {isAdmin(user) && (
          <>
            <Tile to="/admin/users" icon={<IconUsers />} title="Users">
              Every account on this server: roles and access.
            </Tile>
            <Tile to="/admin/outbox" icon={<IconInbox />} title="Outbox">
              Emails the server sent (or would send without SMTP).
            </Tile>
          </>
        )}
      </SimpleGrid>
    </>
  );
}
