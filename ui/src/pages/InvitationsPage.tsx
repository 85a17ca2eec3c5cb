import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Badge, Button, Card, Group, Skeleton, Stack, Text } from '@mantine/core';
import { invitationsApi } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import type { Invitation } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { IconCircleCheck } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { formatDateTime } from '../lib/format';
import { useLoader } from '../lib/useLoader';
import { useOrgs } from '../org/OrgContext';
import { ROLE_LABELS } from '../org/roles';

type RowState = { status: 'idle' | 'accepting' } | { status: 'accepted'; slug: string } | { status: 'error'; message: string };

function InvitationCard({ inv, onDecline }: { inv: Invitation; onDecline: (inv: Invitation) => void }) {
  const navigate = useNavigate();
  const { reload, switchTo } = useOrgs();
  const [state, setState] = useState<RowState>({ status: 'idle' });
  const org = inv.organization_info;
  const orgName = org.name || org.slug;
  const inviter = inv.owner ? `${inv.owner.first_name} ${inv.owner.last_name}`.trim() || inv.owner.username : null;

  const accept = async () => {
    setState({ status: 'accepting' });
    try {
      const res = await invitationsApi.accept(inv.key);
      // The new organization shows in the switcher; the active workspace stays as it is.
      await reload();
      setState({ status: 'accepted', slug: res.organization_slug || org.slug });
    } catch (err) {
      setState({ status: 'error', message: errorMessage(err) });
    }
  };

  return (
    <Card withBorder radius="lg" padding="lg" component="article" aria-label={`Invitation to ${orgName}`}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" gap="sm">
          <Stack gap={2}>
            <Text fw={600}>{orgName}</Text>
            <Text size="sm" c="dimmed">
              {inviter ? `${inviter} invited you` : 'You were invited'} as <Badge variant="light" size="sm">{ROLE_LABELS[inv.role]}</Badge>
              {' · '}expires {formatDateTime(inv.expiry_date)}
            </Text>
          </Stack>
          {state.status !== 'accepted' && (
            <Group gap="sm">
              <Button variant="default" onClick={() => onDecline(inv)} disabled={state.status === 'accepting'}>
                Decline
              </Button>
              <Button onClick={() => void accept()} loading={state.status === 'accepting'} disabled={state.status === 'accepting'}>
                Accept
              </Button>
            </Group>
          )}
        </Group>
        {state.status === 'error' && (
          <Alert color="red" role="alert" title="Could not accept">
            {state.message}
          </Alert>
        )}
        {state.status === 'accepted' && (
          <Alert color="green" variant="light" icon={<IconCircleCheck />} role="status" title={`You joined ${orgName}`}>
            <Stack gap="xs" align="flex-start">
              <Text size="sm">Your workspace did not change. Open the organization to work in it.</Text>
              <Button
                size="xs"
                onClick={() => {
                  switchTo(state.slug);
                  navigate('/organization');
                }}
              >
                Open organization
              </Button>
            </Stack>
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

export default function InvitationsPage() {
  const { data, setData, error, loading } = useLoader((signal) => invitationsApi.mine(signal), []);
  const [declining, setDeclining] = useState<Invitation | null>(null);
  const invitations = data?.results ?? [];

  return (
    <>
      <PageHeader title="Invitations" description="Invitations to join organizations that are waiting for your answer." />
      {error ? (
        <Alert color="red" role="alert" title="Could not load your invitations">
          {error}
        </Alert>
      ) : loading && !data ? (
        <Stack gap="sm" aria-busy="true" aria-label="Loading invitations">
          <Skeleton h={80} radius="lg" />
        </Stack>
      ) : invitations.length === 0 ? (
        <Text c="dimmed">You have no pending invitations.</Text>
      ) : (
        <Stack gap="md" maw={760}>
          {invitations.map((inv) => (
            <InvitationCard key={inv.key} inv={inv} onDecline={setDeclining} />
          ))}
        </Stack>
      )}
      <ConfirmDialog
        opened={declining !== null}
        onClose={() => setDeclining(null)}
        title="Decline invitation"
        confirmLabel="Decline"
        onConfirm={async () => {
          if (!declining) return;
          await invitationsApi.decline(declining.key);
          if (data) setData({ ...data, count: data.count - 1, results: data.results.filter((i) => i.key !== declining.key) });
        }}
      >
        {declining ? `Decline the invitation to ${declining.organization_info.name || declining.organization_info.slug}? The organization can invite you again later.` : ''}
      </ConfirmDialog>
    </>
  );
}
