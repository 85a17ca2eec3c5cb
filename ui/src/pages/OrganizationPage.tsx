import { useState } from 'react';
import { useNavigate } from 'react-router';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Menu,
  NativeSelect,
  Skeleton,
  Stack,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { invitationsApi, membershipsApi, orgsApi } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import type { Invitation, Membership, Organization } from '../api/types';
import { isAdmin, useCurrentUser } from '../auth/UserContext';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ComingSoon } from '../components/ComingSoon';
import { FormAlert } from '../components/FormAlert';
import { IconBuilding, IconChevronDown, IconDots, IconPlus, IconTrash } from '../components/icons';
import { useNotices } from '../components/Notices';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { Section } from '../components/Section';
import { formatDate, formatDateTime } from '../lib/format';
import { useApiForm } from '../lib/useApiForm';
import { useLoader } from '../lib/useLoader';
import { CreateOrganizationModal } from '../org/CreateOrganizationModal';
import { DeleteOrganizationDialog } from '../org/DeleteOrganizationDialog';
import { InviteMembersModal } from '../org/InviteMembersModal';
import { useOrgs } from '../org/OrgContext';
import { ORG_FIELD_MAP, OrgFields, orgBody, orgValues, validateOrg } from '../org/OrgFields';
import { canManageMember, orgPowers, ROLE_LABELS, type AssignableRole, type OrgPowers } from '../org/roles';

function fullName(u: { first_name: string; last_name: string }) {
  return `${u.first_name} ${u.last_name}`.trim();
}

function DetailsSection({ org, editable }: { org: Organization; editable: boolean }) {
  const { upsert } = useOrgs();
  const { notify } = useNotices();
  const form = useApiForm({ initialValues: orgValues(org), fieldMap: ORG_FIELD_MAP, validate: validateOrg });

  const submit = form.onSubmit(async (v) => {
    const saved = await orgsApi.update(org.id, orgBody(v));
    upsert(saved, org.slug);
    form.reset(orgValues(saved));
    notify({ color: 'green', message: 'The organization details were saved.' });
  });

  return (
    <Section
      id="details"
      title="Details"
      description={editable ? 'Owners and maintainers can change these.' : 'Only owners and maintainers can change these.'}
    >
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Organization details">
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not save" />
          <OrgFields form={form} readOnly={!editable} />
          <Text size="xs" c="dimmed">
            Created {formatDateTime(org.created_date)}
            {org.owner ? ` by ${org.owner.username}` : ''} · updated {formatDateTime(org.updated_date)}
          </Text>
          {editable && (
            <Group>
              <Button type="submit" loading={form.submitting} disabled={form.submitting}>
                Save
              </Button>
            </Group>
          )}
        </Stack>
      </form>
    </Section>
  );
}

function MembersSection({
  org,
  members,
  setMembers,
  error,
  loading,
  powers,
  onInvite,
}: {
  org: Organization;
  members: Membership[] | null;
  setMembers: (m: Membership[]) => void;
  error: string | null;
  loading: boolean;
  powers: OrgPowers;
  onInvite: () => void;
}) {
  const { user } = useCurrentUser();
  const { notify } = useNotices();
  const admin = isAdmin(user);
  const [rowError, setRowError] = useState<string | null>(null);
  const [pending, setPending] = useState<number | null>(null);
  const [removing, setRemoving] = useState<Membership | null>(null);
  const myRole = org.user_role;

  const changeRole = async (m: Membership, role: AssignableRole) => {
    setPending(m.id);
    setRowError(null);
    try {
      const saved = await membershipsApi.setRole(m.id, role);
      setMembers((members ?? []).map((x) => (x.id === m.id ? { ...x, ...saved, user: saved.user ?? x.user } : x)));
      notify({ color: 'green', message: `${m.user.username} is now ${ROLE_LABELS[saved.role ?? role].toLowerCase()}.` });
    } catch (err) {
      setRowError(`${m.user.username}: ${errorMessage(err)}`);
    } finally {
      setPending(null);
    }
  };

  return (
    <Section
      id="members"
      title="Members"
      description={members ? `${members.length} ${members.length === 1 ? 'member' : 'members'}` : undefined}
      actions={
        powers.invite ? (
          <Button leftSection={<IconPlus size={16} />} onClick={onInvite}>
            Invite members
          </Button>
        ) : undefined
      }
    >
      <Stack gap="sm">
        <FormAlert message={rowError} title="Could not change the member" />
        {error ? (
          <Alert color="red" role="alert" title="Could not load the members">
            {error}
          </Alert>
        ) : loading && !members ? (
          <Stack gap="xs" aria-busy="true" aria-label="Loading members">
            <Skeleton h={28} />
            <Skeleton h={28} />
          </Stack>
        ) : (
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" aria-label="Members">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Joined</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(members ?? []).map((m) => {
                  const manageable = !!user && canManageMember(myRole, admin, m, user.id);
                  const name = fullName(m.user);
                  return (
                    <Table.Tr key={m.id}>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {m.user.username}
                          {user && m.user.id === user.id ? (
                            <Badge size="xs" variant="light" ml={6}>
                              You
                            </Badge>
                          ) : null}
                        </Text>
                        {name ? (
                          <Text size="xs" c="dimmed">
                            {name}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        {manageable ? (
                          <NativeSelect
                            size="xs"
                            w={140}
                            aria-label={`Role of ${m.user.username}`}
                            data={powers.assignable.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
                            value={m.role}
                            disabled={pending !== null}
                            onChange={(e) => void changeRole(m, e.currentTarget.value as AssignableRole)}
                          />
                        ) : (
                          <Badge variant={m.role === 'owner' ? 'filled' : 'light'} aria-label={`Role of ${m.user.username}: ${ROLE_LABELS[m.role]}`}>
                            {ROLE_LABELS[m.role]}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{formatDate(m.joined_date)}</Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        {manageable ? (
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={`Remove ${m.user.username}`}
                            onClick={() => setRemoving(m)}
                            disabled={pending !== null}
                          >
                            <IconTrash size={16} />
                          </ActionIcon>
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <ConfirmDialog
        opened={removing !== null}
        onClose={() => setRemoving(null)}
        title="Remove member"
        confirmLabel="Remove"
        onConfirm={async () => {
          if (!removing) return;
          await membershipsApi.remove(removing.id);
          setMembers((members ?? []).filter((x) => x.id !== removing.id));
        }}
      >
        {removing ? `Remove ${removing.user.username} from ${org.slug}? They lose access to its resources at once.` : ''}
      </ConfirmDialog>
    </Section>
  );
}

function PendingInvitationsSection({ org, version }: { org: Organization; version: number }) {
  const { notify } = useNotices();
  const { data, setData, error, loading } = useLoader((signal) => invitationsApi.pendingOf(org.slug, signal), [org.slug, version]);
  const [removing, setRemoving] = useState<Invitation | null>(null);
  const invitations = data?.results ?? [];

  const resend = async (inv: Invitation) => {
    try {
      await invitationsApi.resend(inv.key);
      notify({ color: 'green', message: `The invitation was sent again to ${inv.email}.` });
    } catch (err) {
      notify({ color: 'red', title: 'Could not resend the invitation', message: errorMessage(err) });
    }
  };

  return (
    <Section id="invitations" title="Pending invitations" description="Invitations that were sent and not yet accepted. They expire 7 days after sending.">
      {error ? (
        <Alert color="red" role="alert" title="Could not load the invitations">
          {error}
        </Alert>
      ) : loading && !data ? (
        <Skeleton h={28} aria-label="Loading invitations" />
      ) : invitations.length === 0 ? (
        <Text size="sm" c="dimmed">
          No pending invitations.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="sm" aria-label="Pending invitations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Invited by</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invitations.map((inv) => (
                <Table.Tr key={inv.key}>
                  <Table.Td>
                    <Text size="sm">{inv.email}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{ROLE_LABELS[inv.role]}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{inv.owner?.username ?? '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    {inv.expired ? (
                      <Badge color="red" variant="light">
                        Expired
                      </Badge>
                    ) : (
                      <Text size="sm">{formatDateTime(inv.expiry_date)}</Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    <Menu position="bottom-end" withinPortal shadow="md">
                      <Menu.Target>
                        <ActionIcon variant="subtle" color="gray" aria-label={`Actions for the invitation to ${inv.email}`}>
                          <IconDots size={18} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item onClick={() => void resend(inv)}>Resend invitation</Menu.Item>
                        <Menu.Item color="red" onClick={() => setRemoving(inv)}>
                          Remove invitation
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ConfirmDialog
        opened={removing !== null}
        onClose={() => setRemoving(null)}
        title="Remove invitation"
        confirmLabel="Remove"
        onConfirm={async () => {
          if (!removing) return;
          await invitationsApi.remove(removing.key);
          if (data) setData({ ...data, count: data.count - 1, results: data.results.filter((i) => i.key !== removing.key) });
        }}
      >
        {removing ? `Withdraw the invitation to ${removing.email}? The link in their email stops working.` : ''}
      </ConfirmDialog>
    </Section>
  );
}

function ActiveOrganization({ org }: { org: Organization }) {
  const navigate = useNavigate();
  const { user } = useCurrentUser();
  const { switchTo, reload } = useOrgs();
  const { notify } = useNotices();
  const admin = isAdmin(user);
  const powers = orgPowers(org.user_role, admin);
  const members = useLoader((signal) => membershipsApi.list(org.slug, signal), [org.slug]);
  const [inviting, setInviting] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [invitationsVersion, setInvitationsVersion] = useState(0);
  const memberList = members.data?.results ?? null;
  const mine = user ? memberList?.find((m) => m.user.id === user.id) : undefined;
  const canLeave = !!org.user_role && org.user_role !== 'owner';

  const goPersonal = async (message: string) => {
    switchTo('');
    await reload();
    notify({ color: 'green', message });
    navigate('/organizations', { replace: true });
  };

  return (
    <>
      <PageHeader
        title={org.name || org.slug}
        description={
          <>
            Short name <b>{org.slug}</b>
            {org.user_role ? (
              <>
                {' '}
                · your role <Badge variant="light" size="sm">{ROLE_LABELS[org.user_role]}</Badge>
              </>
            ) : admin ? (
              ' · you are not a member (administrator view)'
            ) : null}
          </>
        }
        actions={
          canLeave || powers.delete ? (
            <Menu position="bottom-end" withinPortal shadow="md">
              <Menu.Target>
                <Button variant="default" rightSection={<IconChevronDown size={14} />}>
                  Actions
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {canLeave && <Menu.Item onClick={() => setLeaving(true)}>Leave organization</Menu.Item>}
                {powers.delete && (
                  <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleting(true)}>
                    Delete organization
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          ) : undefined
        }
      />
      <Stack gap="lg" maw={960}>
        <DetailsSection key={`${org.id}-${org.updated_date}`} org={org} editable={powers.edit} />
        <MembersSection
          org={org}
          members={memberList}
          setMembers={(list) => members.data && members.setData({ ...members.data, count: list.length, results: list })}
          error={members.error}
          loading={members.loading}
          powers={powers}
          onInvite={() => setInviting(true)}
        />
        {powers.invite && <PendingInvitationsSection org={org} version={invitationsVersion} />}
      </Stack>
      {powers.invite && (
        <InviteMembersModal
          opened={inviting}
          onClose={() => setInviting(false)}
          org={org.slug}
          roles={powers.assignable}
          onSent={(sent) => {
            setInvitationsVersion((v) => v + 1);
            notify({
              color: 'green',
              title: sent.length === 1 ? 'Invitation sent' : `${sent.length} invitations sent`,
              message: `To ${sent.map((i) => i.email).join(', ')}.`,
            });
          }}
        />
      )}
      <ConfirmDialog
        opened={leaving}
        onClose={() => setLeaving(false)}
        title="Leave organization"
        confirmLabel="Leave"
        onConfirm={async () => {
          const membership = mine ?? (await membershipsApi.list(org.slug)).results.find((m) => m.user.id === user?.id);
          if (!membership) throw new Error('Your membership was not found. Reload the page and try again.');
          await membershipsApi.remove(membership.id);
          await goPersonal(`You left ${org.slug}.`);
        }}
      >
        {`Leave ${org.slug}? You lose access to its resources; only a new invitation brings you back.`}
      </ConfirmDialog>
      <DeleteOrganizationDialog
        opened={deleting}
        onClose={() => setDeleting(false)}
        org={org}
        onDeleted={() => {
          setDeleting(false);
          void goPersonal(`The organization ${org.slug} was deleted.`);
        }}
      />
    </>
  );
}

export default function OrganizationPage() {
  const { orgs, active, activeOrg, error, switchTo } = useOrgs();
  const [creating, setCreating] = useState(false);

  if (active && !activeOrg) {
    if (error) {
      return (
        <>
          <PageHeader title="Organization" />
          <FormAlert message={error} title="Could not load your organizations" />
        </>
      );
    }
    // Loading the list, or about to fall back to the personal workspace.
    return <PageLoader label="Loading the organization" />;
  }
  if (activeOrg) return <ActiveOrganization key={activeOrg.id} org={activeOrg} />;

  return (
    <>
      <PageHeader
        title="Organization"
        description="Settings, members and invitations of the active organization."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            Create organization
          </Button>
        }
      />
      <ComingSoon icon={<IconBuilding size={24} />}>
        You are in your personal workspace. Choose an organization to open its page
        {orgs && orgs.length ? ':' : ', or create one.'}
      </ComingSoon>
      {orgs && orgs.length > 0 && (
        <Group mt="md" gap="sm">
          {orgs.map((o) => (
            <Button key={o.id} variant="light" onClick={() => switchTo(o.slug)}>
              {o.slug}
            </Button>
          ))}
        </Group>
      )}
      <CreateOrganizationModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
