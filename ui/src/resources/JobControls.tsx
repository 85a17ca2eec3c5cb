import { useState } from 'react';
import { Group, NativeSelect } from '@mantine/core';
import { errorMessage } from '../api/errors';
import { can, JOB_STAGES, JOB_STATES, jobsApi, type Job } from '../api/resources';
import type { BasicUser } from '../api/types';
import { FormAlert } from '../components/FormAlert';

interface JobControlsProps {
  job: Job;
  /** People the job can be assigned to (used only with update:assignee). */
  assignees: BasicUser[];
  onChange: (job: Job) => void;
}

/** Stage, state and assignee selects, each shown only when the server allows the change. */
export function JobControls({ job, assignees, onChange }: JobControlsProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (body: Record<string, unknown>) => {
    setPending(true);
    setError(null);
    try {
      onChange(await jobsApi.update(job.id, body));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPending(false);
    }
  };
  const people = [...assignees];
  if (job.assignee && !people.some((u) => u.id === job.assignee?.id)) people.push(job.assignee);
  return (
    <>
      <FormAlert message={error} />
      <Group gap="md" align="flex-end">
        {can(job, 'update:stage') && (
          <NativeSelect
            label="Stage"
            value={job.stage}
            disabled={pending}
            onChange={(e) => void save({ stage: e.currentTarget.value })}
            data={JOB_STAGES}
          />
        )}
        {can(job, 'update:state') && (
          <NativeSelect
            label="State"
            value={job.state}
            disabled={pending}
            onChange={(e) => void save({ state: e.currentTarget.value })}
            data={JOB_STATES}
          />
        )}
        {can(job, 'update:assignee') && (
          <NativeSelect
            label="Assignee"
            value={job.assignee ? String(job.assignee.id) : ''}
            disabled={pending}
            onChange={(e) => void save({ assignee: e.currentTarget.value ? Number(e.currentTarget.value) : null })}
            data={[{ value: '', label: 'Nobody' }, ...people.map((u) => ({ value: String(u.id), label: u.username }))]}
          />
        )}
      </Group>
    </>
  );
}
