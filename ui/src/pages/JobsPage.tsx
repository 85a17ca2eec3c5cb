import { Link, useSearchParams } from 'react-router';
import { Alert, Anchor, Badge, Table, Text } from '@mantine/core';
import { jobsApi } from '../api/resources';
import { PageHeader } from '../components/PageHeader';
import { useLoader } from '../lib/useLoader';
import { useOrgs } from '../org/OrgContext';
import { useListScope } from '../resources/workspace';

export default function JobsPage() {
  const { active } = useOrgs();
  const scope = useListScope('Jobs');
  const [params] = useSearchParams();
  const taskId = params.get('task_id') ?? undefined;
  const { data, error, loading } = useLoader(
    (signal) => jobsApi.list({ page_size: 100, sort: 'id', task_id: taskId }, signal),
    [active, scope.key, taskId],
  );
  return (
    <>
      <PageHeader title="Jobs" description={taskId ? `Jobs of task #${taskId}.` : scope.description} />
      {error ? (
        <Alert color="red" role="alert" title="Could not load jobs">{error}</Alert>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="sm" aria-busy={loading}>
            <Table.Caption>{data ? `${data.count} ${data.count === 1 ? 'job' : 'jobs'}` : 'Loading jobs'}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Job</Table.Th>
                <Table.Th>Task</Table.Th>
                <Table.Th>Stage</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Assignee</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data?.results.map((j) => (
                <Table.Tr key={j.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/jobs/${j.id}`}>Job #{j.id}</Anchor>
                  </Table.Td>
                  <Table.Td>Task #{j.task_id}</Table.Td>
                  <Table.Td><Badge variant="light">{j.stage}</Badge></Table.Td>
                  <Table.Td>{j.state}</Table.Td>
                  <Table.Td>{j.assignee?.username ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {data && data.count === 0 && <Text c="dimmed" size="sm">No jobs here.</Text>}
        </Table.ScrollContainer>
      )}
    </>
  );
}
