import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Badge, Button, Skeleton, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { PageHeader } from '../components/PageHeader';
import { IconPlus } from '../components/icons';
import { formatDate } from '../lib/format';
import { CreateOrganizationModal } from '../org/CreateOrganizationModal';
import { useOrgs } from '../org/OrgContext';
import { ROLE_LABELS } from '../org/roles';

export default function OrganizationsPage() {
  const navigate = useNavigate();
  const { orgs, error, active, switchTo } = useOrgs();
  const [creating, setCreating] = useState(false);

  const open = (slug: string) => {
    switchTo(slug);
    navigate('/organization');
  };

  return (
    <>
      <PageHeader
        title="Organizations"
        description="Teams you belong to and the workspace they share."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            Create organization
          </Button>
        }
      />
      {error ? (
        <Alert color="red" role="alert" title="Could not load your organizations">
          {error}
        </Alert>
      ) : !orgs ? (
        <Stack gap="xs" aria-busy="true" aria-label="Loading organizations">
          <Skeleton h={32} />
          <Skeleton h={32} />
        </Stack>
      ) : orgs.length === 0 ? (
        <Text c="dimmed">You are not in any organization yet. Create one, or accept an invitation.</Text>
      ) : (
        <Table.ScrollContainer minWidth={620}>
          <Table verticalSpacing="sm" aria-label="Your organizations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Short name</Table.Th>
                <Table.Th>Full name</Table.Th>
                <Table.Th>Your role</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {orgs.map((o) => {
                const isActive = active.toLowerCase() === o.slug.toLowerCase();
                return (
                  <Table.Tr key={o.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {o.slug}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{o.name || '—'}</Text>
                    </Table.Td>
                    <Table.Td>{o.user_role ? <Badge variant="light">{ROLE_LABELS[o.user_role]}</Badge> : <Text size="sm">—</Text>}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{o.owner?.username ?? '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDate(o.created_date)}</Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button size="xs" variant={isActive ? 'filled' : 'light'} onClick={() => open(o.slug)} aria-label={`Open ${o.slug}`}>
                        {isActive ? 'Open (active)' : 'Open'}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CreateOrganizationModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
