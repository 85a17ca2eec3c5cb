import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Alert, Badge, Group, NativeSelect, Pagination, Skeleton, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { usersApi } from '../../api/endpoints';
import { errorMessage } from '../../api/errors';
import type { User } from '../../api/types';
import { globalRole, useCurrentUser } from '../../auth/UserContext';
import { IconSearch } from '../../components/icons';
import { PageHeader } from '../../components/PageHeader';
import { formatDate } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';

const PAGE_SIZE = 20;
const ROLES = [
  { value: 'admin', label: 'Admin' },
  { value: 'user', label: 'User' },
  { value: 'worker', label: 'Worker' },
];

function UserRow({ user, isSelf, onChanged, onError }: { user: User; isSelf: boolean; onChanged: (u: User) => void; onError: (msg: string) => void }) {
  const [pending, setPending] = useState<'role' | 'active' | null>(null);
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ');

  const patch = async (kind: 'role' | 'active', body: Parameters<typeof usersApi.update>[1]) => {
    setPending(kind);
    try {
      const updated = await usersApi.update(user.id, body);
      onChanged({ ...user, ...updated });
    } catch (err) {
      onError(`${user.username}: ${errorMessage(err)}`);
    } finally {
      setPending(null);
    }
  };

  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={600}>
          {user.username}
        </Text>
        {isSelf ? (
          <Badge size="xs" variant="light" mt={2}>
            You
          </Badge>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{name || '—'}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{user.email || '—'}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDate(user.date_joined)}</Text>
      </Table.Td>
      <Table.Td>
        <NativeSelect
          size="xs"
          w={110}
          data={ROLES}
          value={globalRole(user)}
          aria-label={`Role of ${user.username}`}
          disabled={isSelf || pending !== null}
          title={isSelf ? 'You cannot change your own role' : undefined}
          onChange={(e) => void patch('role', { groups: [e.currentTarget.value] })}
          rightSectionPointerEvents="none"
        />
      </Table.Td>
      <Table.Td>
        <Switch
          checked={user.is_active}
          aria-label={`${user.username} is active`}
          disabled={isSelf || pending !== null}
          onChange={(e) => void patch('active', { is_active: e.currentTarget.checked })}
        />
      </Table.Td>
    </Table.Tr>
  );
}

export default function AdminUsersPage() {
  const { user: me } = useCurrentUser();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [search, setSearch] = useState(params.get('search') ?? '');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [rowError, setRowError] = useState<string | null>(null);

  // Keep the URL in step with the search so a reload or a shared link shows the same list.
  useEffect(() => {
    const current = params.get('search') ?? '';
    if (current === debounced) return;
    const next = new URLSearchParams(params);
    if (debounced) next.set('search', debounced);
    else next.delete('search');
    next.delete('page');
    setParams(next, { replace: true });
  }, [debounced, params, setParams]);

  const query = params.get('search') ?? '';
  const { data, setData, error, loading } = useLoader(
    (signal) => usersApi.list({ page, page_size: PAGE_SIZE, search: query || undefined, sort: 'username' }, signal),
    [page, query],
  );
  const users = data?.results ?? [];
  const total = data ? Math.max(1, Math.ceil(data.count / PAGE_SIZE)) : 1;

  const goTo = (p: number) => {
    const next = new URLSearchParams(params);
    if (p > 1) next.set('page', String(p));
    else next.delete('page');
    setParams(next);
  };

  const replaceUser = (u: User) => {
    setData((d) => (d ? { ...d, results: d.results.map((x) => (x.id === u.id ? u : x)) } : d));
  };

  return (
    <>
      <PageHeader title="Users" description="Every account on this server. Admins manage roles and can deactivate accounts." />
      <Stack gap="md">
        <TextInput
          label="Search users"
          placeholder="Username, first or last name"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maw={360}
          type="search"
        />
        {rowError ? (
          <Alert color="red" role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={() => setRowError(null)} title="Change not saved">
            {rowError}
          </Alert>
        ) : null}
        {error ? (
          <Alert color="red" role="alert" title="Could not load users">
            {error}
          </Alert>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" highlightOnHover aria-busy={loading}>
              <Table.Caption>{data ? `${data.count} ${data.count === 1 ? 'user' : 'users'}` : 'Loading users'}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Username</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Joined</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Active</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {!data && loading
                  ? Array.from({ length: 5 }, (_, i) => (
                      <Table.Tr key={i}>
                        <Table.Td colSpan={6}>
                          <Skeleton h={24} />
                        </Table.Td>
                      </Table.Tr>
                    ))
                  : users.map((u) => (
                      <UserRow key={u.id} user={u} isSelf={u.id === me?.id} onChanged={replaceUser} onError={setRowError} />
                    ))}
                {data && users.length === 0 ? (
                  <Table.Tr>
                    <Table.Td colSpan={6}>
                      <Text c="dimmed" size="sm" ta="center" py="md">
                        {query ? `No user matches “${query}”.` : 'No users.'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ) : null}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {total > 1 ? (
          <Group justify="center">
            <Pagination total={total} value={Math.min(page, total)} onChange={goTo} aria-label="Pages of users" getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />
          </Group>
        ) : null}
      </Stack>
    </>
  );
}
