import { apiRequest } from '../api/client';
import type { Paginated } from '../api/types';
import type {
  BillingDetails,
  Catalog,
  Invoice,
  InvoicePayment,
  PaymentMethods,
  StoredBillingDetails,
  SubscribeRequest,
  Subscription,
  SubscriptionChange,
  WorkspacePlan,
} from './types';

/** Smallest annual total for quotes and PO numbers when the server does not say ($396). */
export const DEFAULT_QUOTE_MIN_ANNUAL_CENTS = 39600;

const B = '/api/billing';

type Query = Record<string, string | number | boolean | null | undefined>;

// Billing endpoints name the workspace with organization_id and ignore X-Organization: never send it.
const get = <T>(path: string, query?: Query, signal?: AbortSignal) => apiRequest<T>(path, { query, signal, noOrg: true });
const send = <T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, query?: Query) =>
  apiRequest<T>(path, { method, body: body ?? (method === 'DELETE' ? undefined : {}), query, noOrg: true });

const ws = (organizationId: number | null | undefined): Query => (organizationId ? { organization_id: organizationId } : {});

export function normaliseCatalog(raw: Partial<Catalog> | undefined): Catalog {
  return {
    plans: raw?.plans ?? [],
    currency: raw?.currency || 'usd',
    quote_min_annual_cents: raw?.quote_min_annual_cents ?? DEFAULT_QUOTE_MIN_ANNUAL_CENTS,
  };
}

export const billingApi = {
  /** The public catalog (no sign-in needed). */
  plans: async (signal?: AbortSignal) => normaliseCatalog(await get<Partial<Catalog>>(`${B}/plans`, undefined, signal)),
  paymentMethods: (signal?: AbortSignal) => get<PaymentMethods>(`${B}/payment-methods`, undefined, signal),
  workspacePlan: (organizationId: number | null, signal?: AbortSignal) => get<WorkspacePlan>(`${B}/workspace-plan`, ws(organizationId), signal),

  details: (organizationId: number | null, signal?: AbortSignal) => get<StoredBillingDetails>(`${B}/details`, ws(organizationId), signal),
  saveDetails: (organizationId: number | null, body: BillingDetails) => send<StoredBillingDetails>('PUT', `${B}/details`, body, ws(organizationId)),

  subscriptions: (q: Query = {}, signal?: AbortSignal) =>
    get<Paginated<Subscription>>(`${B}/subscriptions`, { page_size: 'all', ...q }, signal).then((p) => p.results),
  subscription: (id: number, signal?: AbortSignal) => get<Subscription>(`${B}/subscriptions/${id}`, undefined, signal),
  subscribe: (body: SubscribeRequest) => send<SubscriptionChange>('POST', `${B}/subscriptions`, body),
  /** Seats, monthly → annual, payment method or PO number. */
  change: (id: number, body: { quantity?: number; period?: 'annual'; payment_method?: string; po_number?: string }) =>
    send<SubscriptionChange>('PATCH', `${B}/subscriptions/${id}`, body),
  cancel: (id: number, body: { reason: string; comment: string }) => send<Subscription>('POST', `${B}/subscriptions/${id}/cancel`, body),
  renew: (id: number, body: { agree_refund_policy?: boolean; payment_method?: string } = {}) =>
    send<SubscriptionChange>('POST', `${B}/subscriptions/${id}/renew`, body),

  invoices: (q: Query = {}, signal?: AbortSignal) =>
    get<Paginated<Invoice>>(`${B}/invoices`, { page_size: 'all', ...q }, signal).then((p) => p.results),
  invoice: (id: number, signal?: AbortSignal) => get<Invoice>(`${B}/invoices/${id}`, undefined, signal),
  /** Starts (or resumes) paying an open invoice; for a card the answer carries what Stripe.js needs. */
  payInvoice: (id: number, payment_method: string, signal?: AbortSignal) =>
    apiRequest<InvoicePayment>(`${B}/invoices/${id}/pay`, { method: 'POST', body: { payment_method }, signal, noOrg: true }),
  setInvoicePO: (id: number, po_number: string) => send<Invoice>('PATCH', `${B}/invoices/${id}`, { po_number }),
  /** The printable page of an invoice (opened in a new tab). */
  printUrl: (inv: Pick<Invoice, 'id' | 'print_url'>) => inv.print_url || `${B}/invoices/${inv.id}/print`,
  requestQuote: (body: { plan: string; quantity: number; organization_id?: number | null; po_number?: string }) => send<Invoice>('POST', `${B}/quotes`, body),

  admin: {
    recordPayment: (invoiceId: number, body: { note?: string }) => send<Invoice>('POST', `${B}/admin/invoices/${invoiceId}/record-payment`, body),
    refund: (invoiceId: number, body: { amount_cents: number; reason: string }) => send<Invoice>('POST', `${B}/admin/invoices/${invoiceId}/refund`, body),
    discount: (subscriptionId: number, body: { percent: number; months: number }) =>
      send<Subscription>('POST', `${B}/admin/subscriptions/${subscriptionId}/discount`, body),
    removeDiscount: (subscriptionId: number) => send<Subscription>('DELETE', `${B}/admin/subscriptions/${subscriptionId}/discount`),
  },
};

const DAY = 86_400_000;

/**
 * What the server will roughly charge (positive) or credit (negative) for a
 * change of seats now: the difference prorated by the day over the rest of
 * the period. Shown as an estimate before confirming; the invoice that comes
 * back is the real figure.
 */
export function estimateSeatChange(sub: Pick<Subscription, 'unit_cents' | 'quantity' | 'current_period_start' | 'current_period_end'>, quantity: number, now = Date.now()): number {
  const start = Date.parse(sub.current_period_start);
  const end = Date.parse(sub.current_period_end);
  if (!(end > start)) return 0;
  const totalDays = Math.round((end - start) / DAY);
  const leftDays = Math.max(0, Math.min(totalDays, Math.ceil((end - now) / DAY)));
  return Math.round(((quantity - sub.quantity) * sub.unit_cents * leftDays) / totalDays);
}

/** Monthly → annual: the unused part of this month (credit) and what the year costs. */
export function estimateAnnualSwitch(
  sub: Pick<Subscription, 'unit_cents' | 'quantity' | 'current_period_start' | 'current_period_end'>,
  annualUnitCents: number,
  now = Date.now(),
): { creditCents: number; yearCents: number; dueCents: number } {
  const credit = -estimateSeatChange({ ...sub }, 0, now);
  const year = annualUnitCents * sub.quantity;
  return { creditCents: credit, yearCents: year, dueCents: Math.max(0, year - credit) };
}
