import type { Invoice, PaymentMethod, Subscription } from './types';

/** Said wherever bank transfer is chosen or awaited. */
export const BANK_TRANSFER_NOTE = 'A bank transfer can take up to three banking days to reach us; the plan starts as soon as the payment has arrived.';

export const PERIOD_LABELS: Record<string, string> = { monthly: 'Monthly', annual: 'Annual' };

export const PAYMENT_METHOD_LABELS: Record<string, string> = {
  bank_transfer: 'Invoice / bank transfer',
  card: 'Card',
};

export function paymentMethodLabel(m: PaymentMethod | string | undefined): string {
  if (!m) return '—';
  return PAYMENT_METHOD_LABELS[m] ?? m.replace(/_/g, ' ');
}

const SUB_STATUS: Record<string, { label: string; color: string }> = {
  incomplete: { label: 'Awaiting payment', color: 'yellow' },
  active: { label: 'Active', color: 'green' },
  past_due: { label: 'Payment overdue', color: 'orange' },
  cancelled: { label: 'Cancelled', color: 'gray' },
};

/** The status people see: an active subscription set to end shows as such. */
export function subscriptionStatus(s: Pick<Subscription, 'status' | 'cancel_at_period_end'>): { label: string; color: string } {
  if (s.status !== 'cancelled' && s.cancel_at_period_end) return { label: 'Ends at period end', color: 'orange' };
  return SUB_STATUS[s.status] ?? { label: s.status, color: 'gray' };
}

const INVOICE_STATUS: Record<string, { label: string; color: string }> = {
  open: { label: 'Awaiting payment', color: 'yellow' },
  paid: { label: 'Paid', color: 'green' },
  void: { label: 'Void', color: 'gray' },
  issued: { label: 'Issued', color: 'blue' },
};

export function invoiceStatus(inv: Pick<Invoice, 'status' | 'refunded_cents'>): { label: string; color: string } {
  if (inv.status === 'paid' && (inv.refunded_cents ?? 0) > 0) return { label: 'Paid, partly refunded', color: 'blue' };
  return INVOICE_STATUS[inv.status] ?? { label: inv.status.replace(/_/g, ' '), color: 'gray' };
}

export const KIND_LABELS: Record<string, string> = { invoice: 'Invoice', credit_note: 'Credit note', quote: 'Quote' };

/** "Team for acme" / "Solo (personal)". */
export function subscriptionTitle(s: Pick<Subscription, 'plan' | 'plan_name' | 'workspace_name' | 'organization_id'>, planName?: string): string {
  const name = s.plan_name || planName || s.plan.charAt(0).toUpperCase() + s.plan.slice(1);
  if (s.organization_id) return `${name} for ${s.workspace_name || `organization #${s.organization_id}`}`;
  return `${name}, personal workspace`;
}

export const CANCEL_REASONS = [
  { value: 'too_expensive', label: 'It costs too much' },
  { value: 'missing_features', label: 'Features I need are missing' },
  { value: 'not_needed', label: 'I do not need it any more' },
  { value: 'switching_plan', label: 'I am moving to another plan' },
  { value: 'technical_issues', label: 'Technical problems' },
  { value: 'other', label: 'Something else' },
];
