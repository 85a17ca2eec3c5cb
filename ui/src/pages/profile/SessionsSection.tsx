import { useState } from 'react';
import { Alert, Badge, Button, Skeleton, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import type { Session } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Section } from '../../components/Section';
import { describeUserAgent, formatDateTime } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';

export function SessionsSection() {
  const { data, error, loading, reload } = useLoader(() => authApi.sessions({ page_size: 100 }), []);
  const [revoking, setRevoking] = useState<Session | null>(null);
  const [revokeAll, setRevokeAll] = useState(false);
  const sessions = data?.results ?? [];
  const others = sessions.filter((s) => !s.current).length;

  return (
    <Section
      id="sessions"
      title="Signed-in devices"
      description="Browsers where your account is signed in. Sign out any you do not recognise."
      actions={
        <Button variant="default" color="red" onClick={() => setRevokeAll(true)} disabled={!others}>
          Sign out all other sessions
        </Button>
      }
    >
      {error ? (
        <Alert color="red" role="alert" title="Could not load sessions">
          {error}
        </Alert>
      ) : loading && !data ? (
        <Stack gap="xs" aria-busy="true" aria-label="Loading sessions">
          <Skeleton h={28} />
          <Skeleton h={28} />
        </Stack>
      ) : sessions.length === 0 ? (
        <Text c="dimmed" size="sm">
          No sessions.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Device</Table.Th>
                <Table.Th>IP address</Table.Th>
                <Table.Th>Signed in</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.map((s) => (
                <Table.Tr key={String(s.id)}>
                  <Table.Td>
                    <Text size="sm" fw={500} title={s.user_agent}>
                      {describeUserAgent(s.user_agent)}
                    </Text>
                    {s.current ? (
                      <Badge size="sm" variant="dot" color="green" mt={4}>
                        This device
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {s.ip || '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(s.created_date)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(s.last_seen_date)}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    {!s.current && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setRevoking(s)}
                        aria-label={`Sign out ${describeUserAgent(s.user_agent)} (${s.ip || 'unknown IP'})`}
                      >
                        Sign out
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <ConfirmDialog
        opened={!!revoking}
        onClose={() => setRevoking(null)}
        title="Sign out this device?"
        confirmLabel="Sign out"
        onConfirm={async () => {
          if (revoking) await authApi.revokeSession(revoking.id);
          reload();
        }}
      >
        {revoking ? `${describeUserAgent(revoking.user_agent)} (${revoking.ip || 'unknown IP'}) will have to sign in again.` : ''}
      </ConfirmDialog>
      <ConfirmDialog
        opened={revokeAll}
        onClose={() => setRevokeAll(false)}
        title="Sign out all other sessions?"
        confirmLabel="Sign out others"
        onConfirm={async () => {
          await authApi.revokeOtherSessions();
          reload();
        }}
      >
        Every other browser signed in to your account will have to sign in again. This device stays signed in.
      </ConfirmDialog>
    </Section>
  );
}
