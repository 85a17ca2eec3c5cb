import { useState } from 'react';
import { Button, Group, Modal, NativeSelect, Stack, Text } from '@mantine/core';
import { errorMessage } from '../api/errors';
import { hasStorages, transfer, type Project, type StorageHandling, type Task } from '../api/resources';
import type { Organization } from '../api/types';
import { FormAlert } from '../components/FormAlert';

interface TransferDialogProps {
  opened: boolean;
  onClose: () => void;
  kind: 'projects' | 'tasks';
  object: Project | Task;
  /** The workspaces I may pick: my organizations (the personal workspace is always offered). */
  orgs: Organization[];
  onMoved: (moved: Project | Task) => void;
}

const PERSONAL = 'personal';

/**
 * Moves a project or task to another workspace (seed §3): pick the target,
 * confirm, and when the object is linked to cloud storages choose between
 * detaching them and matching storages of the target workspace.
 */
export function TransferDialog({ opened, onClose, kind, object, orgs, onMoved }: TransferDialogProps) {
  const current = object.organization === null ? PERSONAL : String(object.organization);
  const choices = [
    { value: PERSONAL, label: 'Personal workspace' },
    ...orgs.map((o) => ({ value: String(o.id), label: o.name ? `${o.name} (${o.slug})` : o.slug })),
  ].filter((c) => c.value !== current);
  const [target, setTarget] = useState<string>('');
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const noun = kind === 'projects' ? 'project' : 'task';
  const linked = hasStorages(object);
  const chosen = choices.find((c) => c.value === target);

  const close = () => {
    if (pending) return;
    setTarget('');
    setConfirming(false);
    setError(null);
    onClose();
  };

  const move = async (handling?: StorageHandling) => {
    setPending(true);
    setError(null);
    try {
      const moved = await transfer(kind, object.id, target === PERSONAL ? null : Number(target), handling);
      setPending(false);
      setTarget('');
      setConfirming(false);
      onMoved(moved);
      onClose();
    } catch (err) {
      setPending(false);
      setError(errorMessage(err));
    }
  };

  return (
    <Modal opened={opened} onClose={close} title={`Move ${noun} to another workspace`} centered>
      <Stack gap="md">
        <FormAlert message={error} />
        {!confirming ? (
          <>
            <NativeSelect
              label="Target workspace"
              value={target}
              onChange={(e) => setTarget(e.currentTarget.value)}
              data={[{ value: '', label: 'Choose a workspace…', disabled: true }, ...choices]}
              data-autofocus
            />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button onClick={() => setConfirming(true)} disabled={!chosen}>
                Next
              </Button>
            </Group>
          </>
        ) : (
          <>
            <Text size="sm">
              Move the {noun} <b>{object.name}</b> to <b>{chosen?.label}</b>?{' '}
              {kind === 'projects' ? 'Its tasks and jobs move with it.' : 'Its jobs move with it.'}
            </Text>
            {linked && (
              <Text size="sm">
                This {noun} is linked to cloud storages, which stay in their workspace. <b>Detach</b> removes the links;{' '}
                <b>Auto Match</b> links storages of the target workspace with the same provider and resource.
              </Text>
            )}
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={() => setConfirming(false)} disabled={pending}>
                Back
              </Button>
              {linked ? (
                <>
                  <Button variant="light" onClick={() => void move('detach')} loading={pending} disabled={pending}>
                    Move &amp; Detach
                  </Button>
                  <Button onClick={() => void move('auto_match')} loading={pending} disabled={pending}>
                    Move &amp; Auto Match
                  </Button>
                </>
              ) : (
                <Button onClick={() => void move()} loading={pending} disabled={pending} data-autofocus>
                  Move
                </Button>
              )}
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}
