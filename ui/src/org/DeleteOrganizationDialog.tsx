import { useState, type FormEvent } from 'react';
import { Button, Code, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { orgsApi } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import type { Organization } from '../api/types';
import { FormAlert } from '../components/FormAlert';

interface DeleteOrganizationDialogProps {
  opened: boolean;
  onClose: () => void;
  org: Pick<Organization, 'id' | 'slug'>;
  onDeleted: () => void;
}

/** Deleting an organization asks for its short name, typed exactly, before the Delete button works. */
export function DeleteOrganizationDialog({ opened, onClose, org, onDeleted }: DeleteOrganizationDialogProps) {
  const [typed, setTyped] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const matches = typed === org.slug;

  const close = () => {
    if (pending) return;
    setTyped('');
    setError(null);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!matches || pending) return;
    setPending(true);
    setError(null);
    try {
      await orgsApi.remove(org.id);
      setPending(false);
      setTyped('');
      onDeleted();
    } catch (err) {
      setPending(false);
      setError(errorMessage(err));
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Delete organization" centered>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Delete organization">
        <Stack gap="md">
          <FormAlert message={error} title="Could not delete the organization" />
          <Text size="sm">
            This deletes <b>{org.slug}</b> and everything in it: members, invitations, projects, tasks, jobs and cloud
            storages. It cannot be undone.
          </Text>
          <TextInput
            label="Short name"
            description={
              <>
                Type <Code>{org.slug}</Code> to confirm.
              </>
            }
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            data-autofocus
          />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" color="red" disabled={!matches || pending} loading={pending}>
              Delete
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
