import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ActionIcon, Button, Group, Modal, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { invitationsApi } from '../api/endpoints';
import { errorMessage, ValidationError } from '../api/errors';
import type { Invitation } from '../api/types';
import { FormAlert } from '../components/FormAlert';
import { isLimitMessage } from '../billing/limits';
import { LimitText } from '../billing/LimitNotice';
import { IconPlus, IconTrash } from '../components/icons';
import { ROLE_LABELS, type AssignableRole } from './roles';

interface Row {
  id: number;
  email: string;
  role: AssignableRole;
  emailError?: string;
  roleError?: string;
  /** An error about the whole row (e.g. no permission). */
  error?: string;
}

let nextRowId = 1;
const newRow = (role: AssignableRole): Row => ({ id: nextRowId++, email: '', role });

function rowErrors(err: unknown): Pick<Row, 'emailError' | 'roleError' | 'error'> {
  if (err instanceof ValidationError) {
    const emailError = err.fieldErrors.email?.join(' ');
    const roleError = err.fieldErrors.role?.join(' ');
    const rest = [...err.nonFieldErrors, ...Object.entries(err.fieldErrors).filter(([k]) => k !== 'email' && k !== 'role').flatMap(([, v]) => v)];
    if (emailError || roleError) return { emailError, roleError, error: rest.join(' ') || undefined };
    return { error: rest.join(' ') || err.detail };
  }
  return { error: errorMessage(err) };
}

interface InviteMembersModalProps {
  opened: boolean;
  onClose: () => void;
  /** Slug of the organization the invitations are sent from. */
  org: string;
  /** Roles the current user may invite with. */
  roles: AssignableRole[];
  /** Called with the invitations that were created (some rows may have failed). */
  onSent: (invitations: Invitation[]) => void;
}

/**
 * "Invite members": rows of email + role, "Invite more" adds a row. One
 * request per row; rows that were sent disappear, rows that failed stay
 * with their error under the field, and the focus moves to the first of them.
 */
export function InviteMembersModal({ opened, onClose, org, roles, onSent }: InviteMembersModalProps) {
  const defaultRole: AssignableRole = roles.includes('worker') ? 'worker' : (roles[0] ?? 'worker');
  const [rows, setRows] = useState<Row[]>(() => [newRow(defaultRole)]);
  const [summary, setSummary] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const alertRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!focusRequest) return;
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else alertRef.current?.focus();
  }, [focusRequest]);

  const update = (id: number, patch: Partial<Row>) => setRows((list) => list.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  const close = () => {
    if (sending) return;
    setRows([newRow(defaultRole)]);
    setSummary(null);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (sending) return;
    setSummary(null);
    // Empty rows after the first are ignored; the rest are checked before sending.
    const filled = rows.filter((r, i) => i === 0 || r.email.trim() !== '');
    const checked = filled.map((r) => {
      const email = r.email.trim();
      const emailError = !email ? 'Enter an email address.' : /^[^\s@]+@[^\s@]+$/.test(email) ? undefined : 'Enter a valid email address.';
      return { ...r, emailError, roleError: undefined, error: undefined };
    });
    const seen = new Set<string>();
    for (const r of checked) {
      const key = r.email.trim().toLowerCase();
      if (!r.emailError && seen.has(key)) r.emailError = 'This address is already in the list.';
      seen.add(key);
    }
    if (checked.some((r) => r.emailError)) {
      setRows(checked);
      setFocusRequest((n) => n + 1);
      return;
    }
    setSending(true);
    const results = await Promise.allSettled(checked.map((r) => invitationsApi.create(org, { email: r.email.trim(), role: r.role })));
    setSending(false);
    const sent: Invitation[] = [];
    const failed: Row[] = [];
    results.forEach((res, i) => {
      if (res.status === 'fulfilled') sent.push(res.value);
      else failed.push({ ...(checked[i] as Row), ...rowErrors(res.reason) });
    });
    if (sent.length) onSent(sent);
    if (!failed.length) {
      setRows([newRow(defaultRole)]);
      onClose();
      return;
    }
    setRows(failed);
    setSummary(
      sent.length
        ? `${sent.length} of ${checked.length} invitations were sent. The rows below were not: fix them and send again.`
        : failed.length === 1
          ? 'The invitation was not sent.'
          : 'No invitation was sent. Fix the rows below and send again.',
    );
    setFocusRequest((n) => n + 1);
  };

  const roleData = roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

  return (
    <Modal opened={opened} onClose={close} title="Invite members" centered size="lg">
      <form ref={formRef} onSubmit={(e) => void submit(e)} noValidate aria-label="Invite members">
        <Stack gap="md">
          <FormAlert ref={alertRef} message={summary} title="Some invitations were not sent" />
          <Text size="sm" c="dimmed">
            Each person gets an email with a link. People without an account create one from the link.
          </Text>
          {rows.map((row, i) => (
            <Stack key={row.id} gap={4} data-invite-row>
              <Group align="flex-start" gap="sm" wrap="nowrap">
                <TextInput
                  label={`Email ${i + 1}`}
                  type="email"
                  autoComplete="off"
                  withAsterisk
                  style={{ flex: 1 }}
                  value={row.email}
                  onChange={(e) => update(row.id, { email: e.currentTarget.value, emailError: undefined, error: undefined })}
                  error={row.emailError}
                  data-autofocus={i === 0 || undefined}
                />
                <NativeSelect
                  label={`Role ${i + 1}`}
                  w={150}
                  data={roleData}
                  value={row.role}
                  onChange={(e) => update(row.id, { role: e.currentTarget.value as AssignableRole, roleError: undefined, error: undefined })}
                  error={row.roleError}
                  aria-invalid={row.roleError ? true : undefined}
                />
                {rows.length > 1 && (
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    mt={26}
                    size="lg"
                    aria-label={`Remove row ${i + 1}`}
                    onClick={() => setRows((list) => list.filter((r) => r.id !== row.id))}
                    disabled={sending}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                )}
              </Group>
              {row.error ? (
                <Text size="sm" c="red" role="alert">
                  {isLimitMessage(row.error) ? <LimitText message={row.error} /> : row.error}
                </Text>
              ) : null}
            </Stack>
          ))}
          <Group>
            <Button variant="subtle" leftSection={<IconPlus size={16} />} onClick={() => setRows((list) => [...list, newRow(defaultRole)])} disabled={sending}>
              Invite more
            </Button>
          </Group>
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={sending}>
              Cancel
            </Button>
            <Button type="submit" loading={sending} disabled={sending}>
              OK
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
