// Fixtures and helpers for the billing page tests (mocked fetch, real components).
import axe from 'axe-core';
import { configure } from '@testing-library/react';
import type { Organization, User } from '../api/types';
import type { Catalog, Invoice, PaymentMethods, StoredBillingDetails, Subscription } from './types';

// The shared test machine is slow: give pages time to load their data before a find gives up.
configure({ asyncUtilTimeout: 5000 });

export const ME: User = {
  id: 1,
  username: 'alice',
  first_name: 'Alice',
  last_name: 'A',
  email: 'alice@example.com',
  groups: ['user'],
  is_staff: false,
  is_superuser: false,
  is_active: true,
  last_login: null,
  date_joined: '2026-01-01T00:00:00Z',
};

export const ADMIN: User = { ...ME, id: 9, username: 'root', groups: ['admin'], is_staff: true, is_superuser: true };

export function org(id: number, slug: string, role: Organization['user_role']): Organization {
  return {
    id,
    slug,
    name: slug.toUpperCase(),
    description: '',
    created_date: '2026-01-01T00:00:00Z',
    updated_date: '2026-01-01T00:00:00Z',
    contact: {},
    owner: role === 'owner' ? { id: ME.id, username: ME.username, first_name: '', last_name: '' } : { id: 50, username: 'bob', first_name: '', last_name: '' },
    user_role: role,
  };
}

const unlimited = { personal_tasks: -1, personal_projects: -1, tasks_per_project: -1, owned_orgs: -1, personal_cloud_storages: -1, org_tasks: -1, org_projects: -1, org_cloud_storages: -1, org_members: -1 };

export const CATALOG: Catalog = {
  currency: 'usd',
  quote_min_annual_cents: 39600,
  plans: [
    {
      id: 'free', name: 'Free', description: 'For trying things out.', scope: '', per_seat: false, monthly_cents: 0, annual_cents: 0,
      limits: { personal_tasks: 10, personal_projects: 5, tasks_per_project: 5, owned_orgs: 1, personal_cloud_storages: 10, org_tasks: 10, org_projects: 5, org_cloud_storages: 10, org_members: 3 },
    },
    { id: 'solo', name: 'Solo', description: 'One person.', scope: 'personal', per_seat: false, monthly_cents: 3300, annual_cents: 27720, limits: unlimited },
    { id: 'team', name: 'Team', description: 'One organization.', scope: 'organization', per_seat: true, monthly_cents: 3300, annual_cents: 27720, limits: unlimited },
  ],
};

export const METHODS: PaymentMethods = {
  default: 'bank_transfer',
  methods: [
    { id: 'bank_transfer', name: 'Invoice / bank transfer', provider: 'manual', available: true, note: 'Pay by bank transfer.' },
    { id: 'card', name: 'Card', provider: 'stripe', available: false },
  ],
};

export const EMPTY_STORED: StoredBillingDetails = {
  organization_id: null, phone: '', address: '', is_business: false, business_name: '', vat_id: '', complete: false, updated_date: null,
};

export function subscription(over: Partial<Subscription> = {}): Subscription {
  return {
    id: 7,
    plan: 'team',
    plan_name: 'Team',
    period: 'monthly',
    quantity: 3,
    unit_cents: 3300,
    amount_cents: 9900,
    currency: 'usd',
    user_id: null,
    organization_id: 3,
    workspace_name: 'acme',
    owner: { id: 1, username: 'alice' },
    status: 'active',
    provider: 'manual',
    payment_method: 'bank_transfer',
    current_period_start: '2026-11-01T00:00:00Z',
    current_period_end: '2026-12-01T00:00:00Z',
    cancel_at_period_end: false,
    cancel_requested_at: null,
    cancel_reason: '',
    cancel_comment: '',
    ended_at: null,
    credit_cents: 0,
    discount: null,
    po_number: '',
    created_date: '2026-11-01T00:00:00Z',
    updated_date: '2026-11-01T00:00:00Z',
    ...over,
  };
}

export function invoice(over: Partial<Invoice> = {}): Invoice {
  return {
    id: 12,
    number: 'INV-2026-000012',
    kind: 'invoice',
    status: 'paid',
    subscription_id: 7,
    organization_id: 3,
    user_id: null,
    currency: 'usd',
    bill_to: { name: 'alice', workspace: 'acme' },
    lines: [],
    subtotal_cents: 9900,
    total_cents: 9900,
    refunded_cents: 0,
    issued_date: '2026-11-01T00:00:00Z',
    print_url: '/api/billing/invoices/12/print',
    ...over,
  };
}

export const page = <T,>(results: T[]) => ({ count: results.length, next: null, previous: null, results });

/** axe-core (WCAG 2.1 A/AA) on the rendered page; colour contrast needs a real browser (e2e). */
export async function axeViolations(root: Element = document.body): Promise<string[]> {
  const result = await axe.run(root, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    rules: { 'color-contrast': { enabled: false } },
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
