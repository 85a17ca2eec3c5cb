import type { Membership, OrgRole } from '../api/types';

export type AssignableRole = Exclude<OrgRole, 'owner'>;

export const ROLE_LABELS: Record<OrgRole, string> = {
  owner: 'Owner',
  maintainer: 'Maintainer',
  supervisor: 'Supervisor',
  worker: 'Worker',
};

export const ROLE_HELP: Record<AssignableRole, string> = {
  worker: 'sees and works on what is assigned to them',
  supervisor: 'also sees the organization’s tasks and projects',
  maintainer: 'also manages members, invitations and settings',
};

/** Who may do what in an organization, from my role there (SPEC §3); admins may do everything. */
export interface OrgPowers {
  edit: boolean;
  invite: boolean;
  delete: boolean;
  /** Roles I can give (invitations and role changes). */
  assignable: AssignableRole[];
}

export function orgPowers(myRole: OrgRole | undefined, admin: boolean): OrgPowers {
  const top = admin || myRole === 'owner';
  const manager = top || myRole === 'maintainer';
  return {
    edit: manager,
    invite: manager,
    delete: top,
    assignable: top ? ['worker', 'supervisor', 'maintainer'] : manager ? ['worker', 'supervisor'] : [],
  };
}

/**
 * Whether I may change the role of, or remove, `target`: the owner (and an
 * admin) anyone but the owner; a maintainer only workers and supervisors.
 * My own membership is never managed here (that is "Leave").
 */
export function canManageMember(myRole: OrgRole | undefined, admin: boolean, target: Membership, myId: number): boolean {
  if (target.role === 'owner' || target.user.id === myId) return false;
  if (admin || myRole === 'owner') return true;
  return myRole === 'maintainer' && (target.role === 'worker' || target.role === 'supervisor');
}
