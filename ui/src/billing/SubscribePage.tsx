import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, Checkbox, Group, Paper, Radio, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { FormAlert } from '../components/FormAlert';
import { useNotices } from '../components/Notices';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { useApiForm } from '../lib/useApiForm';
import { useLoader } from '../lib/useLoader';
import { useOrgs } from '../org/OrgContext';
import { billingApi } from './api';
import { BillingDetailsFields, DETAILS_FIELD_MAP, detailsBody, detailsOf, validateDetails } from './BillingDetailsFields';
import { BANK_TRANSFER_NOTE, paymentMethodLabel, PERIOD_LABELS } from './labels';
import { formatMoney } from './money';
import { RefundPolicyModal } from './RefundPolicy';
import type { BillingPeriod, Catalog, PaymentMethods, Plan, StoredBillingDetails } from './types';


const PAYMENT_DESCRIPTIONS: Record<string, string> = {
  bank_transfer: `You get an invoice with our bank details and pay it by bank transfer. ${BANK_TRANSFER_NOTE}`,
  card: 'Pay by card; the plan starts as soon as the payment is confirmed.',
};

interface Values extends Record<string, unknown> {
  with_details: boolean;
  phone: string;
  address: string;
  is_business: boolean;
  business_name: string;
  vat_id: string;
  payment_method: string;
  po_number: string;
  agree: boolean;
}

function CheckoutForm({ catalog, methods, saved, plan, period, seats, orgSlug, orgId, withDetails }: {
  catalog: Catalog;
  methods: PaymentMethods;
  saved: StoredBillingDetails | null;
  plan: Plan;
  period: BillingPeriod;
  seats: number;
  orgSlug: string;
  orgId: number | null;
  withDetails: boolean;
}) {
  const navigate = useNavigate();
  const { notify } = useNotices();
  const [policyOpen, setPolicyOpen] = useState(false);
  const currency = catalog.currency;
  const unit = period === 'annual' ? plan.annual_cents : plan.monthly_cents;
  const total = unit * seats;
  const quoteEligible = period === 'annual' && total >= catalog.quote_min_annual_cents;
  const available = methods.methods.filter((m) => m.available);
  const start = detailsOf(saved);

  const form = useApiForm<Values>({
    initialValues: {
      ...start,
      with_details: withDetails || start.is_business,
      payment_method: available.some((m) => m.id === methods.default) ? methods.default : (available[0]?.id ?? 'bank_transfer'),
      po_number: '',
      agree: false,
    },
    fieldMap: { ...DETAILS_FIELD_MAP, agree_refund_policy: 'agree' },
    validate: (v) => ({
      ...validateDetails({ ...v, is_business: v.with_details && v.is_business }),
      agree: v.agree ? undefined : 'Read and accept the refund policy to subscribe.',
    }),
  });

  const submit = form.onSubmit(async (v) => {
    // The invoice is issued with the workspace's billing details: save them first.
    const business = v.with_details && v.is_business;
    await billingApi.saveDetails(orgId, detailsBody({ ...v, is_business: business }));
    const res = await billingApi.subscribe({
      plan: plan.id,
      period,
      ...(plan.per_seat ? { quantity: seats } : {}),
      organization_id: orgId,
      payment_method: v.payment_method,
      agree_refund_policy: v.agree,
      ...(quoteEligible && v.po_number.trim() ? { po_number: v.po_number.trim() } : {}),
    });
    const method = methods.methods.find((m) => m.id === v.payment_method);
    if (res.invoice?.status === 'open' && res.payment?.method === 'card' && res.payment.status !== 'succeeded') {
      // The first invoice is paid by card on our own payment page.
      navigate(`/billing/invoices/${res.invoice.id}/pay`);
      return;
    }
    notify({
      color: 'green',
      title: 'Subscription created',
      message:
        res.payment?.instructions ||
        (v.payment_method === 'bank_transfer'
          ? `Invoice ${res.invoice?.number ?? ''} is in your invoice history. ${BANK_TRANSFER_NOTE}`
          : res.payment?.status === 'succeeded' || res.subscription.status === 'active'
            ? 'Your plan is active.'
            : `Invoice ${res.invoice?.number ?? ''} is open: pay it by ${method?.name.toLowerCase() ?? 'this method'} from the invoice history.`),
      autoClose: false,
    });
    navigate(`/billing/subscriptions/${res.subscription.id}`);
  });

  return (
    <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Subscribe">
      <Stack gap="lg">
        <FormAlert ref={form.alertRef} message={form.formError} title="Could not subscribe" />
        <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="order-heading">
          <Title order={2} fz="lg" id="order-heading" mb="sm">
            Your order
          </Title>
          <Table variant="vertical" layout="fixed" withTableBorder={false}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={180}>Plan</Table.Th>
                <Table.Td>{plan.name}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Workspace</Table.Th>
                <Table.Td>{orgSlug ? `Organization ${orgSlug}` : 'Your personal workspace'}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Billing period</Table.Th>
                <Table.Td>{PERIOD_LABELS[period]}</Table.Td>
              </Table.Tr>
              {plan.per_seat ? (
                <Table.Tr>
                  <Table.Th>Seats</Table.Th>
                  <Table.Td>{`${seats} × ${formatMoney(unit, { currency })}`}</Table.Td>
                </Table.Tr>
              ) : null}
              <Table.Tr>
                <Table.Th>Total</Table.Th>
                <Table.Td fw={700} data-total>
                  {`${formatMoney(total, { currency })} ${period === 'annual' ? 'a year' : 'a month'}`}
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Anchor component={Link} to={`/billing/plans?period=${period}`} size="sm">
            Change plan or period
          </Anchor>
        </Paper>

        <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="details-heading">
          <Title order={2} fz="lg" id="details-heading" mb={4}>
            Billing information
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            Printed on your invoices. You can change it later; changes apply to future invoices only.
          </Text>
          <Stack gap="sm">
            <Switch label="Add business and VAT details to the invoices" {...form.checkboxProps('with_details')} />
            <BillingDetailsFields form={form} business={form.values.with_details} />
          </Stack>
        </Paper>

        <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="payment-heading">
          <Title order={2} fz="lg" id="payment-heading" mb="sm">
            Payment
          </Title>
          <Stack gap="md">
            <Radio.Group label="Payment method" value={form.values.payment_method} onChange={(v) => form.setValue('payment_method', v)} name="payment_method">
              <Stack gap="sm" mt="xs">
                {available.map((m) => (
                  <Radio key={m.id} value={m.id} label={m.name || paymentMethodLabel(m.id)} description={PAYMENT_DESCRIPTIONS[m.id] ?? m.note} />
                ))}
              </Stack>
            </Radio.Group>
            {quoteEligible ? (
              <TextInput
                label="Purchase order number (optional)"
                description="Printed on your invoices. Annual plans of this size can also get a quote first from your billing page."
                maxLength={64}
                {...form.inputProps('po_number')}
              />
            ) : null}
            <div>
              <Checkbox label="I agree to the refund policy" required {...form.checkboxProps('agree')} />
              <Anchor component="button" type="button" size="sm" ml={32} onClick={() => setPolicyOpen(true)}>
                Read the refund policy
              </Anchor>
            </div>
          </Stack>
        </Paper>

        <Group justify="flex-end">
          <Button variant="default" component={Link} to="/billing/plans">
            Back to plans
          </Button>
          <Button type="submit" loading={form.submitting} disabled={form.submitting}>
            Subscribe and pay
          </Button>
        </Group>
      </Stack>
      <RefundPolicyModal opened={policyOpen} onClose={() => setPolicyOpen(false)} />
    </form>
  );
}

/** The billing page of seed §4: order summary, invoice details, payment method, refund policy, subscribe. */
export default function SubscribePage() {
  const [params] = useSearchParams();
  const { orgs } = useOrgs();
  const planId = params.get('plan') ?? '';
  const period: BillingPeriod = params.get('period') === 'monthly' ? 'monthly' : 'annual';
  const orgSlug = params.get('org') ?? '';
  const seatsParam = Number(params.get('seats') ?? '1');
  const org = orgSlug ? (orgs ?? []).find((o) => o.slug === orgSlug) : undefined;
  const orgId = org?.id ?? null;
  const waitOrgs = Boolean(orgSlug) && orgs === null;
  const { data, error } = useLoader(
    async (signal) => {
      if (waitOrgs) return null;
      const [catalog, methods, saved] = await Promise.all([
        billingApi.plans(signal),
        billingApi.paymentMethods(signal),
        billingApi.details(orgId, signal).catch(() => null),
      ]);
      return { catalog, methods, saved };
    },
    [orgId, waitOrgs],
  );
  const plan = data?.catalog.plans.find((p) => p.id === planId);
  const seats = plan?.per_seat && Number.isInteger(seatsParam) && seatsParam > 0 ? seatsParam : 1;

  let body;
  if (error) {
    body = (
      <Alert color="red" role="alert" title="Could not load the plans">
        {error}
      </Alert>
    );
  } else if (!data) {
    body = <PageLoader label="Loading" />;
  } else if (!plan || plan.monthly_cents + plan.annual_cents === 0) {
    body = (
      <Alert color="yellow" role="alert" title="Choose a plan first">
        <Anchor component={Link} to="/billing/plans">
          See the plans
        </Anchor>
      </Alert>
    );
  } else if ((plan.scope === 'organization' || plan.per_seat) && !org) {
    body = (
      <Alert color="yellow" role="alert" title="Choose an organization first">
        The {plan.name} plan is bought for an organization you own.{' '}
        <Anchor component={Link} to="/billing/plans">
          Back to the plans
        </Anchor>
      </Alert>
    );
  } else {
    body = (
      <CheckoutForm
        catalog={data.catalog}
        methods={data.methods}
        saved={data.saved}
        plan={plan}
        period={period}
        seats={seats}
        orgSlug={org?.slug ?? ''}
        orgId={orgId}
        withDetails={params.get('details') === '1'}
      />
    );
  }
  return (
    <>
      <PageHeader title="Subscribe" description={plan ? `${plan.name} plan, ${PERIOD_LABELS[period]?.toLowerCase()} billing` : undefined} />
      <Stack maw={760}>{body}</Stack>
    </>
  );
}
