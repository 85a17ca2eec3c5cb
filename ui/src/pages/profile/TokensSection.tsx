import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Modal, Skeleton, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import type { AccessToken, CreatedAccessToken } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormAlert } from '../../components/FormAlert';
import { IconAlert } from '../../components/icons';
import { SecretReveal } from '../../components/SecretReveal';
import { Section } from '../../components/Section';
import { formatDate, formatDateTime } from '../../lib/format';
import { rules, useApiForm } from '../../lib/useApiForm';
import { useLoader } from '../../lib/useLoader';

/** `YYYY-MM-DD` from a date input → the end of that day in the user's time zone, as RFC 3339 (UTC). */
export function expiryFromDateInput(day: string): string | null {
  if (!day) return null;
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return null;
  return new Date(y, m - 1, d, 23, 59, 59).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function todayInput(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function CreateTokenModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: () => void }) {
  const [created, setCreated] = useState<CreatedAccessToken | null>(null);
  const form = useApiForm({
    initialValues: { name: '', expiry_date: '', read_only: false },
    validate: (v) => ({
      name: rules.required(v.name, 'Give the token a name, for example the script that uses it.'),
      expiry_date: v.expiry_date && v.expiry_date < todayInput() ? 'Choose a date in the future.' : undefined,
    }),
  });

  const close = () => {
    if (form.submitting) return;
    setCreated(null);
    form.reset();
    onClose();
  };

  const submit = form.onSubmit(async (v) => {
    const token = await authApi.createAccessToken({
      name: v.name.trim(),
      expiry_date: expiryFromDateInput(v.expiry_date),
      read_only: v.read_only,
    });
    setCreated(token);
    onCreated();
  });

  return (
    <Modal opened={opened} onClose={close} title={created ? 'Token created' : 'New access token'} centered size="lg">
      {created ? (
        <Stack gap="md">
          <Alert color="yellow" variant="light" icon={<IconAlert />} title="Copy the token now">
            This is the only time it is shown. Use it as <code>Authorization: Bearer &lt;token&gt;</code>.
          </Alert>
          <SecretReveal value={created.value} label={`Token “${created.name}”`} />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form ref={form.formRef} onSubmit={submit} noValidate aria-label="New access token">
          <Stack gap="md">
            <FormAlert ref={form.alertRef} message={form.formError} title="Could not create the token" />
            <TextInput label="Name" withAsterisk data-autofocus maxLength={256} {...form.inputProps('name')} />
            <TextInput
              label="Expires on"
              type="date"
              min={todayInput()}
              description="Leave empty for a token that does not expire."
              {...form.inputProps('expiry_date')}
            />
            <Checkbox
              label="Read-only"
              description="The token can only read (GET requests), never change anything."
              {...form.checkboxProps('read_only')}
            />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close} disabled={form.submitting}>
                Cancel
              </Button>
              <Button type="submit" loading={form.submitting} disabled={form.submitting}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

export function TokensSection() {
  const { data, error, loading, reload } = useLoader(() => authApi.accessTokens({ page_size: 100 }), []);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);
  const tokens = data?.results ?? [];

  return (
    <Section
      id="tokens"
      title="Personal access tokens"
      description="Tokens let scripts and tools use the API as you. Treat them like passwords."
      actions={<Button onClick={() => setCreating(true)}>New token</Button>}
    >
      {error ? (
        <Alert color="red" role="alert" title="Could not load tokens">
          {error}
        </Alert>
      ) : loading && !data ? (
        <Stack gap="xs" aria-busy="true" aria-label="Loading tokens">
          <Skeleton h={28} />
          <Skeleton h={28} />
        </Stack>
      ) : tokens.length === 0 ? (
        <Text c="dimmed" size="sm">
          You have no access tokens.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={620}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Access</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.map((t) => {
                const expired = !!t.expiry_date && new Date(t.expiry_date).getTime() < Date.now();
                return (
                  <Table.Tr key={t.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {t.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={t.read_only ? 'gray' : 'indigo'} size="sm">
                        {t.read_only ? 'Read-only' : 'Read & write'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDate(t.created_date)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={expired ? 'red' : undefined}>
                        {t.expiry_date ? (expired ? `Expired ${formatDate(t.expiry_date)}` : formatDate(t.expiry_date)) : 'Never'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(t.last_used_date, 'Never')}</Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>
                        Revoke
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <CreateTokenModal opened={creating} onClose={() => setCreating(false)} onCreated={reload} />
      <ConfirmDialog
        opened={!!revoking}
        onClose={() => setRevoking(null)}
        title="Revoke this token?"
        confirmLabel="Revoke"
        onConfirm={async () => {
          if (revoking) await authApi.revokeAccessToken(revoking.id);
          reload();
        }}
      >
        {revoking ? `Anything that uses “${revoking.name}” will stop working at once. This cannot be undone.` : ''}
      </ConfirmDialog>
    </Section>
  );
}
