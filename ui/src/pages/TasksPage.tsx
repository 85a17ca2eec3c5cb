import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Button, Group, Modal, NativeSelect, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { projectsApi, tasksApi } from '../api/resources';
import { FormAlert } from '../components/FormAlert';
import { PageHeader } from '../components/PageHeader';
import { IconPlus } from '../components/icons';
import { useApiForm, rules } from '../lib/useApiForm';
import { useLoader } from '../lib/useLoader';
import { useOrgs } from '../org/OrgContext';
import { ActionsMenu } from '../resources/ActionsMenu';
import { useListScope } from '../resources/workspace';

function CreateTaskModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: () => void }) {
  const { active } = useOrgs();
  const projects = useLoader((signal) => (opened ? projectsApi.list({ page_size: 100 }, signal) : Promise.resolve(null)), [opened, active]);
  const form = useApiForm({
    initialValues: { name: '', project_id: '', segment_count: '1' },
    validate: (v) => ({
      name: rules.required(v.name),
      segment_count: /^[1-9]\d*$/.test(v.segment_count.trim()) ? undefined : 'Enter a whole number of jobs (1 or more).',
    }),
  });
  const close = () => {
    form.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Create task" centered>
      <form ref={form.formRef} noValidate onSubmit={form.onSubmit(async (v) => {
        await tasksApi.create({
          name: v.name.trim(),
          project_id: v.project_id ? Number(v.project_id) : null,
          segment_count: Number(v.segment_count.trim()),
        });
        form.reset();
        onCreated();
        onClose();
      })}>
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} />
          <TextInput label="Name" required data-autofocus {...form.inputProps('name')} />
          <NativeSelect
            label="Project"
            data={[{ value: '', label: 'No project' }, ...(projects.data?.results ?? []).map((p) => ({ value: String(p.id), label: p.name }))]}
            {...form.inputProps('project_id')}
          />
          <TextInput label="Number of jobs" required inputMode="numeric" {...form.inputProps('segment_count')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={form.submitting}>Create</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function TasksPage() {
  const { active } = useOrgs();
  const scope = useListScope('Tasks');
  const [creating, setCreating] = useState(false);
  const { data, error, loading, reload } = useLoader((signal) => tasksApi.list({ page_size: 100, sort: '-id' }, signal), [active, scope.key]);
  return (
    <>
      <PageHeader
        title="Tasks"
        description={scope.description}
        actions={<Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>Create task</Button>}
      />
      {error ? (
        <Alert color="red" role="alert" title="Could not load tasks">{error}</Alert>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="sm" aria-busy={loading}>
            <Table.Caption>{data ? `${data.count} ${data.count === 1 ? 'task' : 'tasks'}` : 'Loading tasks'}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Workspace</Table.Th>
                <Table.Th>Project</Table.Th>
                <Table.Th>Jobs</Table.Th>
                <Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data?.results.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.id}</Table.Td>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{scope.nameOf(t.organization)}</Table.Td>
                  <Table.Td>{t.project_id ?? '—'}</Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/jobs?task_id=${t.id}`}>
                      {t.jobs.count} {t.jobs.count === 1 ? 'job' : 'jobs'}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ta="right"><ActionsMenu kind="tasks" object={t} onChanged={reload} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {data && data.count === 0 && <Text c="dimmed" size="sm">No tasks yet.</Text>}
        </Table.ScrollContainer>
      )}
      <CreateTaskModal opened={creating} onClose={() => setCreating(false)} onCreated={reload} />
    </>
  );
}
