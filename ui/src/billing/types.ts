/** Shapes of the billing API (/api/billing/..., see docs/billing-api.md). Money is integer cents. */

export type PlanScope = 'personal' | 'organization' | '';
export type BillingPeriod = 'monthly' | 'annual';
export type PaymentMethod = 'bank_transfer' | 'card' | (string & {});

export interface PlanLimits {
  personal_tasks: number;
  personal_projects: number;
  tasks_per_project: number;
  owned_orgs: number;
  personal_cloud_storages: number;
  org_tasks: number;
  org_projects: number;
  org_cloud_storages: number;
  org_members: number;
}

export interface Plan {
  id: string;
  name: string;
  description: string;
  monthly_cents: number;
  annual_cents: number;
  annual_saving_percent?: number;
  per_seat: boolean;
  scope: PlanScope;
  limits: PlanLimits;
}

/** The public catalog (GET /api/billing/plans). */
export interface Catalog {
  plans: Plan[];
  currency: string;
  /** Smallest annual total (cents) for which a quote / PO number can be asked for. */
  quote_min_annual_cents: number;
}

export interface PaymentMethodInfo {
  id: PaymentMethod;
  name: string;
  provider: string;
  available: boolean;
  note?: string;
  publishable_key?: string;
  /** Where Stripe.js is loaded from (card, when Stripe is configured). */
  js_url?: string;
}

export interface PaymentMethods {
  default: PaymentMethod;
  methods: PaymentMethodInfo[];
}

export type SubscriptionStatus = 'incomplete' | 'active' | 'past_due' | 'cancelled' | (string & {});

export interface Subscription {
  id: number;
  plan: string;
  period: BillingPeriod;
  quantity: number;
  unit_cents: number;
  currency: string;
  user_id: number | null;
  organization_id: number | null;
  workspace_name: string;
  status: SubscriptionStatus;
  provider: string;
  payment_method: PaymentMethod;
  current_period_start: string;
  current_period_end: string;
  cancel_at_period_end: boolean;
  cancel_requested_at: string | null;
  cancel_reason: string;
  cancel_comment: string;
  ended_at: string | null;
  credit_cents: number;
  discount: { percent: number; until: string | null } | null;
  po_number: string;
  /** Renewals are charged to the card the last invoice was paid with. */
  card_on_file?: boolean;
  past_due_at?: string | null;
  notice_sent_at?: string | null;
  deletion_due_at?: string | null;
  cleanup_done_at?: string | null;
  created_date: string;
  updated_date: string;
  plan_name?: string;
  amount_cents?: number;
  owner?: { id: number; username: string } | null;
}

/** Billing details of a workspace (what the form edits). */
export type BillingDetails = {
  phone: string;
  address: string;
  is_business: boolean;
  business_name: string;
  vat_id: string;
};

export interface StoredBillingDetails extends BillingDetails {
  organization_id: number | null;
  complete: boolean;
  updated_date: string | null;
}

export type InvoiceStatus = 'open' | 'paid' | 'void' | 'issued' | (string & {});

export interface InvoiceLine {
  description: string;
  quantity?: number;
  unit_cents?: number;
  amount_cents: number;
  period_start?: string | null;
  period_end?: string | null;
}

export interface Invoice {
  id: number;
  number: string;
  /** "invoice" | "credit_note" | "quote" */
  kind: string;
  subscription_id: number | null;
  refers_to?: { id: number; number: string } | null;
  bill_to?: { name?: string; email?: string; workspace?: string };
  organization_id?: number | null;
  user_id?: number | null;
  status: InvoiceStatus;
  currency: string;
  lines?: InvoiceLine[];
  subtotal_cents: number;
  discount_cents?: number;
  credit_cents?: number;
  tax_cents?: number;
  total_cents: number;
  refunded_cents?: number;
  po_number?: string;
  payment_method?: string;
  issued_date: string;
  due_date?: string | null;
  paid_date?: string | null;
  period_start?: string | null;
  period_end?: string | null;
  /** Printable HTML of the invoice. */
  print_url?: string;
  payment_note?: string;
}

export interface Payment {
  provider: string;
  method: string;
  status: string;
  instructions?: string;
  client_secret?: string;
  publishable_key?: string;
  /** Stripe.js to load for a card payment on our own page. */
  js_url?: string;
}

/** Answer of POST /api/billing/invoices/{id}/pay. */
export interface InvoicePayment {
  invoice: Invoice;
  payment: Payment | null;
}

export interface SubscribeRequest {
  plan: string;
  period: BillingPeriod;
  quantity?: number;
  organization_id?: number | null;
  payment_method: PaymentMethod;
  agree_refund_policy: boolean;
  po_number?: string;
}

/** Answer of subscribe, change (PATCH) and renew. */
export interface SubscriptionChange {
  subscription: Subscription;
  invoice: Invoice | null;
  payment: Payment | null;
}

export interface WorkspacePlan {
  organization_id: number | null;
  plan: Plan;
  seats: number;
  subscription_id: number | null;
  cancelled: boolean;
  cancelled_at: string | null;
}
