import { useState } from 'react';
import { Button, Menu } from '@mantine/core';
import { can, projectsApi, tasksApi, type Project, type Task } from '../api/resources';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { IconChevronDown } from '../components/icons';
import { useNotices } from '../components/Notices';
import { useOrgs } from '../org/OrgContext';
import { TransferDialog } from './TransferDialog';

interface ActionsMenuProps {
  kind: 'projects' | 'tasks';
  object: Project | Task;
  /** Called after the object moved or was deleted. */
  onChanged: () => void;
}

/** The Actions menu of a project or task row: only the actions the server allows. */
export function ActionsMenu({ kind, object, onChanged }: ActionsMenuProps) {
  const { orgs } = useOrgs();
  const { notify } = useNotices();
  const [moving, setMoving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const noun = kind === 'projects' ? 'project' : 'task';
  const canMove = can(object, 'update:organization');
  const canDelete = can(object, 'delete');
  if (!canMove && !canDelete) return null;
  const remove = async () => {
    await (kind === 'projects' ? projectsApi : tasksApi).remove(object.id);
    notify({ title: 'Deleted', message: `The ${noun} ${object.name} was deleted.`, color: 'green' });
    onChanged();
  };
  return (
    <>
      <Menu position="bottom-end" withinPortal shadow="md">
        <Menu.Target>
          <Button variant="default" size="xs" rightSection={<IconChevronDown size={14} />} aria-label={`Actions for ${object.name}`}>
            Actions
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {canMove && <Menu.Item onClick={() => setMoving(true)}>Organization</Menu.Item>}
          {canDelete && (
            <Menu.Item color="red" onClick={() => setDeleting(true)}>
              Delete
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
      {canMove && (
        <TransferDialog
          opened={moving}
          onClose={() => setMoving(false)}
          kind={kind}
          object={object}
          orgs={orgs ?? []}
          onMoved={() => {
            notify({ title: 'Moved', message: `The ${noun} ${object.name} moved to another workspace.`, color: 'green' });
            onChanged();
          }}
        />
      )}
      {canDelete && (
        <ConfirmDialog opened={deleting} onClose={() => setDeleting(false)} title={`Delete ${noun}`} confirmLabel="Delete" onConfirm={remove}>
          Delete the {noun} {object.name}? This cannot be undone.
        </ConfirmDialog>
      )}
    </>
  );
}
