import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, Anchor, Badge, Group, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { can, jobsApi, type Job } from '../api/resources';
import { membershipsApi } from '../api/endpoints';
import type { BasicUser } from '../api/types';
import { useCurrentUser } from '../auth/UserContext';
import { PageHeader } from '../components/PageHeader';
import { useLoader } from '../lib/useLoader';
import { useOrgs } from '../org/OrgContext';
import { JobControls } from '../resources/JobControls';
import { MODE_DESCRIPTIONS, ModeSwitch, type JobMode } from '../resources/ModeSwitch';

export default function JobPage() {
  const { id } = useParams();
  const { user } = useCurrentUser();
  const { orgs } = useOrgs();
  const [chosen, setMode] = useState<JobMode | null>(null);
  const { data: job, setData, error } = useLoader((signal) => jobsApi.get(Number(id), signal), [id]);
  // A job in validation opens in Review mode, any other in Standard mode, until the user picks.
  const mode: JobMode = chosen ?? (job?.stage === 'validation' ? 'review' : 'standard');
  const org = orgs?.find((o) => o.id === job?.organization) ?? null;
  const mayAssign = can(job, 'update:assignee');
  const members = useLoader(
    (signal): Promise<BasicUser[]> =>
      !mayAssign ? Promise.resolve([])
      : org ? membershipsApi.list(org.slug, signal).then((p) => p.results.map((m) => m.user))
      : Promise.resolve(user ? [user] : []),
    [mayAssign, org?.slug, user?.id],
  );
  return (
    <>
      <PageHeader title={`Job #${id ?? ''}`} description={job ? <Anchor component={Link} to={`/jobs?task_id=${job.task_id}`}>Task #{job.task_id}</Anchor> : undefined} />
      {error ? (
        <Alert color="red" role="alert" title="Could not load the job">{error}</Alert>
      ) : !job ? (
        <Skeleton h={120} aria-label="Loading the job" />
      ) : (
        <Stack gap="lg">
          <Paper withBorder p="sm" role="toolbar" aria-label="Job toolbar">
            <Group justify="space-between" gap="md">
              <ModeSwitch value={mode} onChange={setMode} />
              <Group gap="xs">
                <Badge variant="light">{job.stage}</Badge>
                <Badge variant="outline">{job.state}</Badge>
              </Group>
            </Group>
          </Paper>
          <Text role="status" aria-live="polite" fw={600}>
            {MODE_DESCRIPTIONS[mode]}
          </Text>
          <JobControls job={job as Job} assignees={members.data ?? []} onChange={setData} />
          <Text size="sm" c="dimmed">Assignee: {job.assignee?.username ?? 'nobody'}</Text>
        </Stack>
      )}
    </>
  );
}
