import { useSearchParams } from 'react-router';
import { Accordion, Alert, Anchor, Badge, Group, Pagination, Skeleton, Stack, Text } from '@mantine/core';
import { serverApi } from '../../api/endpoints';
import { PageHeader } from '../../components/PageHeader';
import { formatDateTime } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';

const PAGE_SIZE = 20;

/** Shows the body as text with its links clickable (confirmation and reset links). */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <Anchor key={i} href={part} target="_blank" rel="noopener noreferrer" style={{ wordBreak: 'break-all' }}>
            {part}
          </Anchor>
        ) : (
          part
        ),
      )}
    </>
  );
}

function statusColor(status: string) {
  if (/sent|delivered/i.test(status)) return 'green';
  if (/fail|error/i.test(status)) return 'red';
  return 'gray';
}

export default function AdminOutboxPage() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const { data, error, loading } = useLoader(() => serverApi.outbox({ page, page_size: PAGE_SIZE }), [page]);
  const total = data ? Math.max(1, Math.ceil(data.count / PAGE_SIZE)) : 1;
  const messages = data?.results ?? [];

  return (
    <>
      <PageHeader
        title="Outbox"
        description="Emails sent by the server, newest first. Without SMTP configured, this is where they go."
      />
      <Stack gap="md">
        {error ? (
          <Alert color="red" role="alert" title="Could not load the outbox">
            {error}
          </Alert>
        ) : !data && loading ? (
          <Stack gap="xs" aria-busy="true" aria-label="Loading emails">
            {Array.from({ length: 4 }, (_, i) => (
              <Skeleton key={i} h={52} />
            ))}
          </Stack>
        ) : messages.length === 0 ? (
          <Text c="dimmed">The outbox is empty.</Text>
        ) : (
          <Accordion variant="separated" multiple chevronPosition="left">
            {messages.map((m) => (
              <Accordion.Item key={m.id} value={String(m.id)}>
                <Accordion.Control>
                  <Group justify="space-between" wrap="nowrap" gap="sm">
                    <Stack gap={0} style={{ minWidth: 0 }}>
                      <Text fw={600} size="sm" truncate>
                        {m.subject || '(no subject)'}
                      </Text>
                      <Text size="xs" c="dimmed" truncate>
                        To {Array.isArray(m.to) ? m.to.join(', ') : m.to} · {formatDateTime(m.created_date)}
                      </Text>
                    </Stack>
                    <Badge variant="light" color={statusColor(m.status)} style={{ flexShrink: 0 }}>
                      {m.status}
                    </Badge>
                  </Group>
                </Accordion.Control>
                <Accordion.Panel>
                  <Text component="pre" size="sm" ff="monospace" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', margin: 0 }}>
                    <Linkified text={m.body_text} />
                  </Text>
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        )}
        {total > 1 ? (
          <Group justify="center">
            <Pagination
              total={total}
              value={Math.min(page, total)}
              onChange={(p) => setParams(p > 1 ? { page: String(p) } : {})}
              getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
            />
          </Group>
        ) : null}
      </Stack>
    </>
  );
}
