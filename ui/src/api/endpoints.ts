import { api, apiRequest } from './client';
import type {
  About,
  AccessToken,
  AuthMethods,
  CreatedAccessToken,
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
  ssoSelect: (email: string) => api.post<SsoSelection>('/api/auth/sso/select', { email }),

  sessions: (q: PageQuery = {}) => api.get<Paginated<Session>>('/api/auth/sessions', q as Q),
  revokeSession: (id: Session['id']) => api.delete(`/api/auth/sessions/${encodeURIComponent(String(id))}`),
  revokeOtherSessions: () => api.delete('/api/auth/sessions'),

  accessTokens: (q: PageQuery = {}) => api.get<Paginated<AccessToken>>('/api/auth/access_tokens', q as Q),
  createAccessToken: (body: { name: string; expiry_date: string | null; read_only: boolean }) =>
    api.post<CreatedAccessToken>('/api/auth/access_tokens', body),
  revokeAccessToken: (id: number) => api.delete(`/api/auth/access_tokens/${id}`),
};

export const usersApi = {
  self: () => api.get<User>('/api/users/self'),
  // Admin list of every user: no organization filter, whatever workspace is active.
  list: (q: PageQuery = {}, signal?: AbortSignal) =>
    apiRequest<Paginated<User>>('/api/users', { query: q as Q, signal, noOrg: true }),
  update: (id: number, body: Partial<Pick<User, 'first_name' | 'last_name' | 'groups' | 'is_active'>>) =>
    api.patch<User>(`/api/users/${id}`, body),
};
