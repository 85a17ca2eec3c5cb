import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Alert, Autocomplete, Button, Code, Group, Pagination, SimpleGrid, Skeleton, Stack, Table, Text, TextInput } from '@mantine/core';
import { auditApi } from '../../api/endpoints';
import type { AuditEvent, AuditQuery } from '../../api/types';
import { IconSearch } from '../../components/icons';
import { PageHeader } from '../../components/PageHeader';
import { formatDateTime } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';

const PAGE_SIZE = 25;

// Event names are "<area>.<what>"; the server takes an exact name or an area prefix ending in ".".
const EVENT_SUGGESTIONS = [
  { group: 'Areas', items: ['auth.', 'user.', 'token.', 'session.', 'organization.', 'membership.', 'invitation.', 'policies.', 'billing.'] },
  {
    group: 'Events',
    items: [
      'auth.login',
      'auth.login_failed',
      'auth.lockout',
      'auth.logout',
      'auth.sso_login',
      'auth.password_changed',
      'auth.password_reset',
      'auth.password_reset_requested',
      'auth.email_confirmed',
      'user.role_changed',
      'user.activated',
      'user.deactivated',
      'user.deleted',
      'token.created',
      'token.revoked',
      'session.revoked',
      'organization.created',
      'organization.deleted',
      'membership.role_changed',
      'membership.removed',
      'invitation.created',
      'invitation.accepted',
      'invitation.declined',
      'invitation.deleted',
      'policies.reloaded',
      'policies.rejected',
    ],
  },
];

const FILTERS = ['event', 'actor', 'search', 'from', 'to'] as const;
type FilterName = (typeof FILTERS)[number];
type Filters = Record<FilterName, string>;

function filtersFrom(params: URLSearchParams): Filters {
  return { event: params.get('event') ?? '', actor: params.get('actor') ?? '', search: params.get('search') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '' };
}

/** The filters that are set, as an API query. */
function toQuery(f: Filters): AuditQuery {
  const q: AuditQuery = {};
  for (const k of FILTERS) if (f[k].trim()) q[k] = f[k].trim();
  return q;
}

/** The detail object as short "key: value" text for the table. */
export function describeDetail(detail: AuditEvent['detail']): string {
  if (!detail || typeof detail !== 'object') return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function target(e: AuditEvent): string {
  if (!e.target_type) return '—';
  return e.target_id !== null && e.target_id !== '' ? `${e.target_type} ${e.target_id}` : e.target_type;
}

export default function AdminAuditPage() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const applied = filtersFrom(params);
  const [draft, setDraft] = useState<Filters>(applied);
  const [rangeError, setRangeError] = useState<string | null>(null);
  const query = toQuery(applied);
  const key = JSON.stringify(query);

  // Back/forward or a shared link changes the applied filters: show them in the form.
  useEffect(() => {
    setDraft(filtersFrom(params));
    // Only when the applied filters change, not on every page change.
  }, [key]);

  const { data, error, loading } = useLoader((signal) => auditApi.list({ ...query, page, page_size: PAGE_SIZE }, signal), [key, page]);
  const events = data?.results ?? [];
  const total = data ? Math.max(1, Math.ceil(data.count / PAGE_SIZE)) : 1;
  const filtered = Object.keys(query).length > 0;

  const apply = (f: Filters) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(toQuery(f))) next.set(k, String(v));
    setParams(next);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft.from && draft.to && draft.from > draft.to) {
      setRangeError('The end date is before the start date.');
      return;
    }
    setRangeError(null);
    apply(draft);
  };

  const clear = () => {
    const empty: Filters = { event: '', actor: '', search: '', from: '', to: '' };
    setDraft(empty);
    setRangeError(null);
    apply(empty);
  };

  const goTo = (p: number) => {
    const next = new URLSearchParams(params);
    if (p > 1) next.set('page', String(p));
    else next.delete('page');
    setParams(next);
  };

  const set = (name: FilterName) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));

  return (
    <>
      <PageHeader title="Audit log" description="Sign-ins, account and permission changes, newest first." />
      <Stack gap="md">
        <form onSubmit={submit} role="search" aria-label="Filter the audit log" noValidate>
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="sm">
              <Autocomplete
                label="Event"
                description="A name, or an area such as auth."
                data={EVENT_SUGGESTIONS}
                value={draft.event}
                onChange={set('event')}
                autoCapitalize="none"
                spellCheck={false}
              />
              <TextInput
                label="Actor"
                description="Username or user id"
                value={draft.actor}
                onChange={(e) => set('actor')(e.currentTarget.value)}
                autoCapitalize="none"
                spellCheck={false}
              />
              <TextInput
                label="Search"
                description="In events, IPs, targets and details"
                type="search"
                leftSection={<IconSearch size={16} />}
                value={draft.search}
                onChange={(e) => set('search')(e.currentTarget.value)}
              />
              <TextInput label="From" description="First day (UTC)" type="date" value={draft.from} onChange={(e) => set('from')(e.currentTarget.value)} />
              <TextInput
                label="To"
                description="Last day (UTC)"
                type="date"
                value={draft.to}
                onChange={(e) => {
                  setRangeError(null);
                  set('to')(e.currentTarget.value);
                }}
                error={rangeError}
              />
            </SimpleGrid>
            <Group gap="sm">
              <Button type="submit">Apply filters</Button>
              <Button variant="default" onClick={clear} disabled={!filtered && !Object.values(draft).some(Boolean)}>
                Clear
              </Button>
              <Button component="a" variant="light" href={auditApi.csvUrl(query)} download ml="auto">
                Download CSV
              </Button>
            </Group>
          </Stack>
        </form>

        {error ? (
          <Alert color="red" role="alert" title="Could not load the audit log">
            {error}
          </Alert>
        ) : (
          <Table.ScrollContainer minWidth={860}>
            <Table verticalSpacing="sm" highlightOnHover aria-busy={loading}>
              <Table.Caption>{data ? `${data.count} ${data.count === 1 ? 'event' : 'events'}${filtered ? ` ${data.count === 1 ? 'matches' : 'match'} the filters` : ''}` : 'Loading events'}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Event</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>IP address</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Details</Table.Th>
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
                  : events.map((e) => (
                      <Table.Tr key={e.id}>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                            {formatDateTime(e.created_date)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Code>{e.event}</Code>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{e.actor ? e.actor.username || `user ${e.actor.id}` : '—'}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            {e.ip || '—'}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{target(e)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="xs" c="dimmed" lineClamp={2} title={describeDetail(e.detail)} style={{ wordBreak: 'break-word' }}>
                            {describeDetail(e.detail) || '—'}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                {data && events.length === 0 ? (
                  <Table.Tr>
                    <Table.Td colSpan={6}>
                      <Text c="dimmed" size="sm" ta="center" py="md">
                        {filtered ? 'No event matches these filters.' : 'The audit log is empty.'}
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
            <Pagination total={total} value={Math.min(page, total)} onChange={goTo} aria-label="Pages of the audit log" getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />
          </Group>
        ) : null}
      </Stack>
    </>
  );
}
