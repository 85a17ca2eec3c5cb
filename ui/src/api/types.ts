/** Shapes of the Gatehouse API (SPEC §1; CVAT-compatible). */

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type GlobalRole = 'admin' | 'user' | 'worker';

export interface User {
  id: number;
  url?: string;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  groups: string[];
  is_staff: boolean;
  is_superuser: boolean;
  is_active: boolean;
  last_login: string | null;
  date_joined: string;
  has_analytics_access?: boolean;
  /** false when the account can only sign in through an identity provider (no password set). */
  has_usable_password?: boolean;
}

export interface About {
  name: string;
  description: string;
  version: string;
  logo_url: string;
  subtitle: string;
}

export interface SocialProvider {
  provider: string;
  name: string;
  login_url: string;
}

export interface AuthMethods {
  password: boolean;
  social: SocialProvider[];
  sso: SsoMethods;
  /** false when self-service sign-up is closed. */
  registration?: boolean;
  /** 'none' | 'optional' | 'mandatory' */
  email_verification?: string;
  /** Page with the terms of use new users accept, when configured. */
  terms_of_use_url?: string;
}

export interface LoginResponse {
  key: string;
}

export interface RegisterRequest {
  username: string;
  email: string;
  password1: string;
  password2: string;
  first_name: string;
  last_name: string;
  confirmations: { name: string; value: boolean }[];
  invitation?: string;
}

export interface RegisterResponse {
  username: string;
  email: string;
  first_name?: string;
  last_name?: string;
  email_verification_required: boolean;
  key: string | null;
}

export interface Session {
  id: string | number;
  user_agent: string;
  ip: string;
  created_date: string;
  last_seen_date: string;
  current: boolean;
}

export interface AccessToken {
  id: number;
  name: string;
  read_only: boolean;
  created_date: string;
  expiry_date: string | null;
  last_used_date: string | null;
}

export interface CreatedAccessToken extends AccessToken {
  /** The secret, returned only once at creation. */
  value: string;
}

export interface OutboxMessage {
  id: number;
  to: string | string[];
  subject: string;
  body_text: string;
  status: string;
  created_date: string;
}

export interface SsoSelection {
  login_url: string;
  idp?: IdentityProviderInfo;
}

/** Roles inside an organization; nobody becomes owner through the API. */
export type OrgRole = 'owner' | 'maintainer' | 'supervisor' | 'worker';

export interface BasicUser {
  id: number;
  url?: string;
  username: string;
  first_name: string;
  last_name: string;
}

export interface OrgContact {
  email?: string;
  phoneNumber?: string;
  location?: string;
}

export interface Organization {
  id: number;
  slug: string;
  name: string;
  description: string;
  created_date: string;
  updated_date: string;
  contact: OrgContact;
  owner: BasicUser | null;
  /** The caller's role; absent when the caller is not a member (an admin looking in). */
  user_role?: OrgRole;
}

export interface OrganizationWrite {
  slug?: string;
  name?: string;
  description?: string;
  contact?: OrgContact;
}

export interface Membership {
  id: number;
  user: BasicUser;
  organization: number;
  is_active: boolean;
  joined_date: string | null;
  role: OrgRole;
  invitation: string | null;
}

export interface Invitation {
  key: string;
  created_date: string;
  sent_date: string;
  expiry_date: string;
  owner: BasicUser | null;
  role: OrgRole;
  user: BasicUser;
  email: string;
  organization: number;
  expired: boolean;
  accepted: boolean;
  organization_info: { id: number; slug: string; name: string };
}

/** An identity provider offered for single sign-on (GET /api/server/auth-methods). */
export interface IdentityProviderInfo {
  id: string;
  name: string;
  protocol: 'oidc' | 'saml' | string;
  login_url?: string;
}

export interface SsoMethods {
  enabled: boolean;
  selection_mode?: 'email_address' | 'lowest_weight' | string;
  identity_providers?: IdentityProviderInfo[];
}

/** A sign-in method linked to my account (GET /api/auth/identities). */
export interface LinkedIdentity {
  id: number;
  /** "oidc:<idp id>", "saml:<idp id>" or "social:<provider>". */
  provider: string;
  provider_name: string;
  subject: string;
  email: string;
  created_date: string;
  last_login?: string | null;
}

/** One entry of the audit log (GET /api/audit, admins only). */
export interface AuditEvent {
  id: number;
  created_date: string;
  event: string;
  actor: { id: number; username: string } | null;
  ip: string;
  target_type: string;
  target_id: string | number | null;
  detail: Record<string, unknown> | null;
}

export interface AuditQuery {
  page?: number;
  page_size?: number;
  event?: string;
  actor?: string;
  search?: string;
  /** YYYY-MM-DD (inclusive). */
  from?: string;
  /** YYYY-MM-DD (inclusive). */
  to?: string;
}
