import { useState } from 'react';
import { Alert, Button, Modal, Stack, Table, Text, TextInput, Group, VisuallyHidden } from '@mantine/core';
import { projectsApi } from '../api/resources';
import { FormAlert } from '../components/FormAlert';
import { PageHeader } from '../components/PageHeader';
import { IconPlus } from '../components/icons';
import { useApiForm, rules } from '../lib/useApiForm';
import { useLoader } from '../lib/useLoader';
import { useOrgs } from '../org/OrgContext';
import { ActionsMenu } from '../resources/ActionsMenu';
import { useListScope } from '../resources/workspace';

function CreateProjectModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: () => void }) {
  const form = useApiForm({ initialValues: { name: '' }, validate: (v) => ({ name: rules.required(v.name) }) });
  const close = () => {
    form.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Create project" centered>
      <form ref={form.formRef} noValidate onSubmit={form.onSubmit(async (v) => {
        await projectsApi.create({ name: v.name.trim() });
        form.reset();
        onCreated();
        onClose();
      })}>
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} />
          <TextInput label="Name" required data-autofocus {...form.inputProps('name')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={form.submitting}>Create</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function ProjectsPage() {
  const { active } = useOrgs();
  const scope = useListScope('Projects');
  const [creating, setCreating] = useState(false);
  const { data, error, loading, reload } = useLoader((signal) => projectsApi.list({ page_size: 100, sort: '-id' }, signal), [active, scope.key]);
  return (
    <>
      <PageHeader
        title="Projects"
        description={scope.description}
        actions={<Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>Create project</Button>}
      />
      {error ? (
        <Alert color="red" role="alert" title="Could not load projects">{error}</Alert>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="sm" aria-busy={loading}>
            <Table.Caption>{data ? `${data.count} ${data.count === 1 ? 'project' : 'projects'}` : 'Loading projects'}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Workspace</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Tasks</Table.Th>
                <Table.Th>Cloud storage</Table.Th>
                <Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data?.results.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>{p.id}</Table.Td>
                  <Table.Td>{p.name}</Table.Td>
                  <Table.Td>{scope.nameOf(p.organization)}</Table.Td>
                  <Table.Td>{p.owner?.username ?? '—'}</Table.Td>
                  <Table.Td>{p.tasks.count}</Table.Td>
                  <Table.Td>
                    {p.source_storage || p.target_storage
                      ? [p.source_storage && `source #${p.source_storage.cloud_storage_id}`, p.target_storage && `target #${p.target_storage.cloud_storage_id}`]
                          .filter(Boolean)
                          .join(', ')
                      : '—'}
                  </Table.Td>
                  <Table.Td ta="right"><ActionsMenu kind="projects" object={p} onChanged={reload} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {data && data.count === 0 && <Text c="dimmed" size="sm">No projects yet.</Text>}
        </Table.ScrollContainer>
      )}
      <CreateProjectModal opened={creating} onClose={() => setCreating(false)} onCreated={reload} />
    </>
  );
}
