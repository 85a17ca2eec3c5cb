import { api, apiRequest, buildUrl } from './client';
import type {
  About,
  AccessToken,
  AuditEvent,
  AuditQuery,
  AuthMethods,
  CreatedAccessToken,
  Invitation,
  LinkedIdentity,
  Membership,
  Organization,
  OrganizationWrite,
  OrgRole,
  LoginResponse,
  OutboxMessage,
  Paginated,
  RegisterRequest,
  RegisterResponse,
  Session,
  SsoSelection,
  User,
} from './types';

export interface PageQuery {
  page?: number;
  page_size?: number;
  search?: string;
  sort?: string;
}

type Q = Record<string, string | number | boolean | null | undefined>;

export const serverApi = {
  about: () => api.get<About>('/api/server/about'),
  authMethods: () => api.get<AuthMethods>('/api/server/auth-methods'),
  outbox: (q: PageQuery = {}) => api.get<Paginated<OutboxMessage>>('/api/server/outbox', q as Q),
};

export const authApi = {
  login: (identifier: string, password: string) =>
    api.post<LoginResponse>(
      '/api/auth/login',
      identifier.includes('@') ? { email: identifier, password } : { username: identifier, password },
    ),
  logout: () => api.post<{ detail?: string }>('/api/auth/logout'),
  register: (body: RegisterRequest) => api.post<RegisterResponse>('/api/auth/register', body),
  passwordReset: (email: string) => api.post<{ detail?: string }>('/api/auth/password/reset', { email }),
  passwordResetConfirm: (body: { uid: string; token: string; new_password1: string; new_password2: string }) =>
    api.post<{ detail?: string }>('/api/auth/password/reset/confirm', body),
  passwordChange: (body: { old_password: string; new_password1: string; new_password2: string }) =>
    api.post<{ detail?: string }>('/api/auth/password/change', body),
  resendConfirmation: (email: string) =>
    api.post<{ detail?: string }>('/api/auth/account-confirm-email/resend', { email }),
  setup: (body: { token: string; username: string; email: string; password1: string; password2: string }) =>
    api.post<unknown>('/api/auth/setup', body),
  /** The identity provider for `email`; the server carries `next` and `invitation` into its login URL. */
  ssoSelect: (email: string, carry: { next?: string; invitation?: string } = {}) =>
    api.post<SsoSelection>('/api/auth/sso/select', { email, ...carry }),

  sessions: (q: PageQuery = {}) => api.get<Paginated<Session>>('/api/auth/sessions', q as Q),
  revokeSession: (id: Session['id']) => api.delete(`/api/auth/sessions/${encodeURIComponent(String(id))}`),
  revokeOtherSessions: () => api.delete('/api/auth/sessions'),

  accessTokens: (q: PageQuery = {}) => api.get<Paginated<AccessToken>>('/api/auth/access_tokens', q as Q),
  createAccessToken: (body: { name: string; expiry_date: string | null; read_only: boolean }) =>
    api.post<CreatedAccessToken>('/api/auth/access_tokens', body),
  revokeAccessToken: (id: number) => api.delete(`/api/auth/access_tokens/${id}`),

  /** Identity providers and social accounts linked to my account. */
  identities: (signal?: AbortSignal) =>
    apiRequest<Paginated<LinkedIdentity>>('/api/auth/identities', { query: { page_size: 100 }, signal, noOrg: true }),
  unlinkIdentity: (id: number) => apiRequest<void>(`/api/auth/identities/${id}`, { method: 'DELETE', noOrg: true }),
};

export const usersApi = {
  self: () => api.get<User>('/api/users/self'),
  // Admin list of every user: no organization filter, whatever workspace is active.
  list: (q: PageQuery = {}, signal?: AbortSignal) =>
    apiRequest<Paginated<User>>('/api/users', { query: q as Q, signal, noOrg: true }),
  update: (id: number, body: Partial<Pick<User, 'first_name' | 'last_name' | 'groups' | 'is_active'>>) =>
    api.patch<User>(`/api/users/${id}`, body),
};

export const orgsApi = {
  /** Every organization I belong to (admins: every organization); the workspace header does not apply. */
  list: (signal?: AbortSignal) =>
    apiRequest<Paginated<Organization>>('/api/organizations', { query: { page_size: 'all', sort: 'slug' }, signal, noOrg: true }),
  create: (body: OrganizationWrite) => apiRequest<Organization>('/api/organizations', { method: 'POST', body, noOrg: true }),
  get: (id: number, signal?: AbortSignal) => apiRequest<Organization>(`/api/organizations/${id}`, { signal, noOrg: true }),
  update: (id: number, body: OrganizationWrite) =>
    apiRequest<Organization>(`/api/organizations/${id}`, { method: 'PATCH', body, noOrg: true }),
  remove: (id: number) => apiRequest<void>(`/api/organizations/${id}`, { method: 'DELETE', noOrg: true }),
};

export const membershipsApi = {
  /** Members of the organization `org` (its slug). */
  list: (org: string, signal?: AbortSignal) =>
    apiRequest<Paginated<Membership>>('/api/memberships', { query: { page_size: 'all' }, signal, org }),
  setRole: (id: number, role: Exclude<OrgRole, 'owner'>) =>
    apiRequest<Membership>(`/api/memberships/${id}`, { method: 'PATCH', body: { role }, noOrg: true }),
  /** Removes a member; on one's own membership this is "leave". */
  remove: (id: number) => apiRequest<void>(`/api/memberships/${id}`, { method: 'DELETE', noOrg: true }),
};

const invitationPath = (key: string) => `/api/invitations/${encodeURIComponent(key)}`;

export const invitationsApi = {
  /** Invites `email` into the organization `org` (its slug). */
  create: (org: string, body: { email: string; role: Exclude<OrgRole, 'owner'> }) =>
    apiRequest<Invitation>('/api/invitations', { method: 'POST', body, org }),
  /** Pending invitations of the organization `org` (owner and maintainers). */
  pendingOf: (org: string, signal?: AbortSignal) =>
    apiRequest<Paginated<Invitation>>('/api/invitations', { query: { accepted: 'false', page_size: 'all' }, signal, org }),
  /** Pending invitations sent to me, from any organization. */
  mine: (signal?: AbortSignal) =>
    apiRequest<Paginated<Invitation>>('/api/invitations', { query: { accepted: 'false', mine: 1, page_size: 'all' }, signal, noOrg: true }),
  accept: (key: string) => apiRequest<{ organization_slug: string }>(`${invitationPath(key)}/accept`, { method: 'POST', body: {}, noOrg: true }),
  decline: (key: string) => apiRequest<void>(`${invitationPath(key)}/decline`, { method: 'POST', body: {}, noOrg: true }),
  resend: (key: string) => apiRequest<void>(`${invitationPath(key)}/resend`, { method: 'POST', body: {}, noOrg: true }),
  remove: (key: string) => apiRequest<void>(invitationPath(key), { method: 'DELETE', noOrg: true }),
};

const auditQuery = (q: AuditQuery): Q => ({ ...q });

export const auditApi = {
  /** The audit log, newest first (admins only). */
  list: (q: AuditQuery = {}, signal?: AbortSignal) =>
    apiRequest<Paginated<AuditEvent>>('/api/audit', { query: auditQuery(q), signal, noOrg: true }),
  /** Where to download the log as CSV with the same filters (no paging). */
  csvUrl: (q: AuditQuery = {}) => {
    const { page: _page, page_size: _size, ...filters } = q;
    return buildUrl('/api/audit.csv', auditQuery(filters));
  },
};
