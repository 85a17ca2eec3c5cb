import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Alert, Anchor, Badge, Button, Checkbox, Group, Modal, NativeSelect, Radio, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { errorMessage, ValidationError } from '../api/errors';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { FormAlert } from '../components/FormAlert';
import { useNotices } from '../components/Notices';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { Section } from '../components/Section';
import { formatDate } from '../lib/format';
import { useApiForm } from '../lib/useApiForm';
import { useLoader } from '../lib/useLoader';
import { billingApi, DEFAULT_QUOTE_MIN_ANNUAL_CENTS, estimateAnnualSwitch, estimateSeatChange } from './api';
import { BillingDetailsFields, DETAILS_FIELD_MAP, detailsBody, detailsOf, EMPTY_DETAILS, validateDetails } from './BillingDetailsFields';
import { RefundPolicyModal } from './RefundPolicy';
import { InvoiceTable, payableByCard } from './InvoiceTable';
import { BANK_TRANSFER_NOTE, CANCEL_REASONS, paymentMethodLabel, PERIOD_LABELS, subscriptionStatus, subscriptionTitle } from './labels';
import { formatMoney } from './money';
import type { BillingDetails, PaymentMethods, Subscription, SubscriptionChange } from './types';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </div>
  );
}

const isOpen = (s: Subscription) => s.status !== 'cancelled' && !s.cancel_at_period_end;

/** Seats of a Team subscription: an estimate of the prorated charge or credit, then confirm. */
function SeatsSection({ sub, onChanged }: { sub: Subscription; onChanged: (c: SubscriptionChange, what: string) => void }) {
  const [value, setValue] = useState(String(sub.quantity));
  const [asked, setAsked] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const n = Number(value);
  const money = (c: number) => formatMoney(c, { currency: sub.currency });

  useEffect(() => {
    setValue(String(sub.quantity));
    setAsked(null);
  }, [sub.quantity]);

  const check = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!Number.isInteger(n) || n < 1) {
      setFieldError('Enter a whole number of seats, at least 1.');
      return;
    }
    if (n === sub.quantity) {
      setFieldError('That is the number of seats you have now.');
      return;
    }
    setAsked(n);
  };

  const confirm = async () => {
    if (asked === null) return;
    setBusy(true);
    setError(null);
    try {
      const res = await billingApi.change(sub.id, { quantity: asked });
      setAsked(null);
      onChanged(res, 'Seats updated');
    } catch (err) {
      if (err instanceof ValidationError && err.fieldErrors.quantity) {
        setFieldError(err.fieldErrors.quantity.join(' '));
        setAsked(null);
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const estimate = asked === null ? 0 : estimateSeatChange(sub, asked);
  const diff = asked === null ? 0 : asked - sub.quantity;
  return (
    <Section
      id="seats"
      title="Seats"
      description="Every member and pending invitation takes a seat, the owner included. Seats added now are charged for the rest of the period; the unused part of removed seats is taken off the next invoice."
    >
      <form onSubmit={check} noValidate aria-label="Change seats">
        <Stack gap="sm">
          <FormAlert message={error} title="Could not change the seats" />
          <Group align="flex-start" gap="sm">
            <TextInput
              label="Number of seats"
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              w={180}
              value={value}
              onChange={(e) => {
                setValue(e.currentTarget.value);
                setAsked(null);
                setFieldError(undefined);
              }}
              error={fieldError}
              aria-invalid={fieldError ? true : undefined}
            />
            <Button type="submit" variant="default" mt={25} disabled={busy}>
              Update quantity
            </Button>
          </Group>
          {asked !== null ? (
            <Alert color="blue" variant="light" role="status" title={diff > 0 ? `Add ${diff} seat${diff === 1 ? '' : 's'}` : `Remove ${-diff} seat${diff === -1 ? '' : 's'}`}>
              <Stack gap="xs">
                <Text size="sm" data-estimate>
                  {diff > 0
                    ? `About ${money(estimate)} is charged now on a new invoice, for the days left until ${formatDate(sub.current_period_end)}.`
                    : `About ${money(-estimate)} of unused time is credited and taken off your next invoice. Nothing is paid back.`}
                </Text>
                <Text size="sm">
                  {`From ${formatDate(sub.current_period_end)}: ${asked} × ${money(sub.unit_cents)} = ${money(asked * sub.unit_cents)} ${sub.period === 'annual' ? 'a year' : 'a month'}.`}
                </Text>
                <Group gap="sm">
                  <Button onClick={() => void confirm()} loading={busy} disabled={busy}>
                    Confirm
                  </Button>
                  <Button variant="default" onClick={() => setAsked(null)} disabled={busy}>
                    Keep {sub.quantity}
                  </Button>
                </Group>
              </Stack>
            </Alert>
          ) : null}
        </Stack>
      </form>
    </Section>
  );
}

/** Monthly → annual: what is credited, what is charged, when the new period starts. */
function PeriodSection({ sub, annualUnit, onChanged }: { sub: Subscription; annualUnit: number | null; onChanged: (c: SubscriptionChange, what: string) => void }) {
  const [open, setOpen] = useState(false);
  const money = (c: number) => formatMoney(c, { currency: sub.currency });
  const est = annualUnit !== null ? estimateAnnualSwitch(sub, annualUnit) : null;
  return (
    <Section id="period" title="Billing period" description={sub.period === 'annual' ? 'You pay once a year.' : 'You pay every month.'}>
      {sub.period === 'monthly' ? (
        <Stack gap="sm">
          <Text size="sm">
            Annual billing costs less. When you switch, the unused part of this month is credited, the year is invoiced at the annual price, and your
            one-year period starts on the day you switch.
          </Text>
          <Group>
            <Button variant="default" onClick={() => setOpen(true)} disabled={!isOpen(sub)}>
              Switch to annual
            </Button>
          </Group>
        </Stack>
      ) : (
        <Text size="sm">{`The next annual invoice is due on ${formatDate(sub.current_period_end)}.`}</Text>
      )}
      <ConfirmDialog
        opened={open}
        onClose={() => setOpen(false)}
        title="Switch to annual billing"
        confirmLabel="Switch to annual"
        danger={false}
        onConfirm={async () => {
          const res = await billingApi.change(sub.id, { period: 'annual' });
          onChanged(res, 'Switched to annual billing');
        }}
      >
        {est ? (
          <>
            {`A year for ${sub.quantity} ${sub.quantity === 1 ? 'unit' : 'seats'} costs ${money(est.yearCents)}. About ${money(est.creditCents)} for the unused part of this month is credited, so you pay about `}
            <strong>{money(est.dueCents)}</strong>
            {` now. The new period starts today and runs for one year; the exact figures are on the invoice.`}
          </>
        ) : (
          'The unused part of this month is credited against the annual price. The new period starts today and runs for one year.'
        )}
      </ConfirmDialog>
    </Section>
  );
}

function DetailsSection({ sub }: { sub: Subscription }) {
  const { notify } = useNotices();
  const orgId = sub.organization_id;
  const { data, error } = useLoader((signal) => billingApi.details(orgId, signal), [orgId]);
  const form = useApiForm<BillingDetails>({ initialValues: EMPTY_DETAILS, fieldMap: DETAILS_FIELD_MAP, validate: validateDetails });
  const { reset } = form;
  useEffect(() => {
    if (data) reset(detailsOf(data));
  }, [data, reset]);
  return (
    <Section id="billing-information" title="Billing information" description="Changes apply to future invoices only: invoices already issued keep the details they were issued with.">
      {error ? (
        <Alert color="red" role="alert" title="Could not load the billing information">
          {error}
        </Alert>
      ) : (
        <form
          ref={form.formRef}
          noValidate
          aria-label="Billing information"
          onSubmit={form.onSubmit(async (v) => {
            const saved = await billingApi.saveDetails(orgId, detailsBody(v));
            form.reset(detailsOf(saved));
            notify({ color: 'green', title: 'Billing information saved', message: 'Your next invoices will show it.' });
          })}
        >
          <Stack gap="sm" maw={560}>
            <FormAlert ref={form.alertRef} message={form.formError} title="Could not save" />
            <BillingDetailsFields form={form} />
            <Group>
              <Button type="submit" loading={form.submitting} disabled={form.submitting || !data}>
                Update information
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Section>
  );
}

function PaymentSection({ sub, methods: info, onSaved }: { sub: Subscription; methods: PaymentMethods | null; onSaved: (s: Subscription) => void }) {
  const methods = (info?.methods ?? []).filter((m) => m.available).map((m) => m.id);
  const [method, setMethod] = useState(sub.payment_method);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { notify } = useNotices();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await billingApi.change(sub.id, { payment_method: method });
      onSaved(res.subscription);
      notify({ color: 'green', title: 'Payment method saved', message: `Next invoices: ${paymentMethodLabel(method)}.` });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section id="payment-method" title="Payment method">
      <form onSubmit={(e) => void save(e)} noValidate aria-label="Payment method">
        <Stack gap="sm">
          <FormAlert message={error} title="Could not change the payment method" />
          <Radio.Group label="Pay next invoices by" value={method} onChange={setMethod} name="payment_method">
            <Stack gap="xs" mt="xs">
              {[...new Set([...methods, sub.payment_method])].map((m) => (
                <Radio key={m} value={m} label={paymentMethodLabel(m)} />
              ))}
            </Stack>
          </Radio.Group>
          {method === 'bank_transfer' ? (
            <Text size="sm" c="dimmed">
              {BANK_TRANSFER_NOTE}
            </Text>
          ) : null}
          <Group>
            <Button type="submit" variant="default" loading={busy} disabled={busy || method === sub.payment_method}>
              Save payment method
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

/** Cancel: a short feedback form, then a confirmation that explains what happens to the data. */
function CancelDialog({ sub, opened, onClose, onCancelled }: { sub: Subscription; opened: boolean; onClose: () => void; onCancelled: (s: Subscription) => void }) {
  const [reason, setReason] = useState('');
  const [comment, setComment] = useState('');
  const [step, setStep] = useState<'feedback' | 'confirm'>('feedback');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    if (busy) return;
    setStep('feedback');
    setError(null);
    onClose();
  };
  const next = (e: FormEvent) => {
    e.preventDefault();
    if (!reason) {
      setReasonError('Choose a reason.');
      return;
    }
    setStep('confirm');
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const s = await billingApi.cancel(sub.id, { reason, comment: comment.trim() });
      setBusy(false);
      setStep('feedback');
      onCancelled(s);
    } catch (err) {
      setBusy(false);
      setError(errorMessage(err));
    }
  };
  return (
    <Modal opened={opened} onClose={close} title={step === 'feedback' ? 'Why are you cancelling?' : 'Cancel the subscription?'} centered size="lg">
      {step === 'feedback' ? (
        <form onSubmit={next} noValidate aria-label="Cancellation feedback">
          <Stack gap="md">
            <Text size="sm">Your answer helps us improve Gatehouse.</Text>
            <NativeSelect
              label="Main reason"
              required
              data={[{ value: '', label: 'Choose a reason…' }, ...CANCEL_REASONS]}
              value={reason}
              onChange={(e) => {
                setReason(e.currentTarget.value);
                setReasonError(undefined);
              }}
              error={reasonError}
              aria-invalid={reasonError ? true : undefined}
              data-autofocus
            />
            <Textarea label="Anything else? (optional)" rows={3} maxLength={2000} value={comment} onChange={(e) => setComment(e.currentTarget.value)} />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close}>
                Keep my plan
              </Button>
              <Button type="submit" color="red" variant="light">
                Continue
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack gap="md">
          <FormAlert message={error} title="Could not cancel" />
          <Text size="sm">{`Your plan stays in force until ${formatDate(sub.current_period_end)}. After that:`}</Text>
          <Stack gap={6} component="ol" style={{ paddingLeft: 20, margin: 0 }}>
            <Text size="sm" component="li">
              For one month your data stays available, under the Free plan’s limits: you cannot add new tasks, and where you have more than Free allows,
              the workspace becomes read-only.
            </Text>
            <Text size="sm" component="li">
              After that month you get an email asking you to remove what goes beyond the Free limits.
            </Text>
            <Text size="sm" component="li">
              If you do not, the excess (the newest projects, tasks and cloud storages first) is deleted automatically after the notice period.
            </Text>
          </Stack>
          <Text size="sm">You can renew before the period ends to keep everything as it is.</Text>
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={busy}>
              Keep my plan
            </Button>
            <Button color="red" onClick={() => void confirm()} loading={busy} disabled={busy} data-autofocus>
              Cancel subscription
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** Renewing an ended subscription is a new purchase: it asks for the refund policy again. */
function RenewDialog({ opened, onClose, onConfirm }: { opened: boolean; onClose: () => void; onConfirm: () => Promise<void> }) {
  const [agree, setAgree] = useState(false);
  const [policy, setPolicy] = useState(false);
  const [agreeError, setAgreeError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    if (busy) return;
    setError(null);
    onClose();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!agree) {
      setAgreeError('Accept the refund policy to renew.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setBusy(false);
      onClose();
    } catch (err) {
      setBusy(false);
      setError(errorMessage(err));
    }
  };
  return (
    <>
      <Modal opened={opened} onClose={close} title="Renew the subscription" centered>
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Renew the subscription">
          <Stack gap="md">
            <FormAlert message={error} title="Could not renew" />
            <Text size="sm">A new period starts today with a new invoice, for the seats your organization needs now.</Text>
            <div>
              <Checkbox
                label="I agree to the refund policy"
                checked={agree}
                onChange={(e) => {
                  setAgree(e.currentTarget.checked);
                  setAgreeError(undefined);
                }}
                error={agreeError}
                aria-invalid={agreeError ? true : undefined}
              />
              <Anchor component="button" type="button" size="sm" ml={32} onClick={() => setPolicy(true)}>
                Read the refund policy
              </Anchor>
            </div>
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close} disabled={busy}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} disabled={busy}>
                Renew
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <RefundPolicyModal opened={policy} onClose={() => setPolicy(false)} />
    </>
  );
}

function POSection({ sub, onSaved }: { sub: Subscription; onSaved: (s: Subscription) => void }) {
  const [value, setValue] = useState(sub.po_number);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { notify } = useNotices();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await billingApi.change(sub.id, { po_number: value.trim() });
      onSaved(res.subscription);
      notify({ color: 'green', title: 'PO number saved', message: 'It is printed on the next invoices.' });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section id="po-number" title="Purchase order number" description="Printed on the next invoices of this annual subscription.">
      <form onSubmit={(e) => void save(e)} noValidate aria-label="Purchase order number">
        <Stack gap="sm">
          <FormAlert message={error} title="Could not save the PO number" />
          <Group align="flex-end" gap="sm">
            <TextInput label="PO number" maxLength={64} w={260} value={value} onChange={(e) => setValue(e.currentTarget.value)} />
            <Button type="submit" variant="default" loading={busy} disabled={busy || value.trim() === sub.po_number}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

/** One subscription: what it is, and every change the seed allows. */
export default function ManageSubscriptionPage() {
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const { notify } = useNotices();
  const navigate = useNavigate();
  const { data: sub, setData: setSub, error } = useLoader((signal) => billingApi.subscription(id, signal), [id]);
  const catalog = useLoader((signal) => billingApi.plans(signal), []);
  const methods = useLoader((signal) => billingApi.paymentMethods(signal), []);
  const invoices = useLoader((signal) => billingApi.invoices({ subscription_id: id }, signal), [id]);
  const [cancelling, setCancelling] = useState(false);
  const [renewAsk, setRenewAsk] = useState(false);
  const [renewError, setRenewError] = useState<string | null>(null);
  const [renewing, setRenewing] = useState(false);

  const plan = catalog.data?.plans.find((p) => p.id === sub?.plan);
  const title = sub ? subscriptionTitle(sub, plan?.name) : 'Subscription';

  /** A new invoice to pay by card goes to the payment page; true when it did. */
  const toCardPayment = (res: SubscriptionChange, what: string) => {
    const inv = res.invoice;
    if (!inv || inv.status !== 'open' || res.payment?.method !== 'card' || res.payment.status !== 'requires_payment_method') return false;
    notify({ color: 'blue', title: what, message: `Pay invoice ${inv.number} by card to finish.` });
    navigate(`/billing/invoices/${inv.id}/pay`);
    return true;
  };

  const changed = (res: SubscriptionChange, what: string) => {
    if (toCardPayment(res, what)) return;
    setSub(res.subscription);
    invoices.reload();
    const inv = res.invoice;
    const money = (c: number) => formatMoney(c, { currency: res.subscription.currency });
    notify({
      color: 'green',
      title: what,
      message: inv
        ? `Invoice ${inv.number} for ${money(inv.total_cents)} was issued; it is in the invoice history below.`
        : res.subscription.credit_cents > 0
          ? `${money(res.subscription.credit_cents)} of credit will be taken off your next invoice.`
          : 'Nothing to pay now.',
    });
  };

  const renew = async (agree: boolean) => {
    if (!sub) return;
    setRenewing(true);
    setRenewError(null);
    try {
      const res = await billingApi.renew(sub.id, agree ? { agree_refund_policy: true } : {});
      if (toCardPayment(res, 'Subscription renewed')) return;
      setSub(res.subscription);
      invoices.reload();
      notify({
        color: 'green',
        title: 'Subscription renewed',
        message: res.invoice ? `Invoice ${res.invoice.number} was issued. ${res.payment?.instructions ?? ''}`.trim() : 'Your plan keeps going.',
      });
    } finally {
      setRenewing(false);
    }
  };

  if (error) {
    return (
      <>
        <PageHeader title="Subscription" />
        <Alert color="red" role="alert" title="Could not load the subscription">
          {error}{' '}
          <Anchor component={Link} to="/billing">
            Back to billing
          </Anchor>
        </Alert>
      </>
    );
  }
  if (!sub) return <PageLoader label="Loading the subscription" />;
  const st = subscriptionStatus(sub);
  const ended = sub.status === 'cancelled';
  const perSeat = plan ? plan.per_seat : sub.organization_id !== null;
  const changeable = sub.status === 'active' || sub.status === 'past_due';
  const nextInvoice = isOpen(sub) && sub.status !== 'incomplete' ? sub.current_period_end : null;
  const money = (c: number) => formatMoney(c, { currency: sub.currency });
  const unpaidByCard = invoices.data?.find(payableByCard);
  const poEligible = sub.period === 'annual' && sub.unit_cents * sub.quantity >= (catalog.data?.quote_min_annual_cents ?? DEFAULT_QUOTE_MIN_ANNUAL_CENTS);

  return (
    <>
      <PageHeader
        title={title}
        description={
          <Anchor component={Link} to="/billing" size="sm">
            All subscriptions and invoices
          </Anchor>
        }
        actions={
          isOpen(sub) ? (
            <Button color="red" variant="light" onClick={() => setCancelling(true)}>
              Cancel subscription
            </Button>
          ) : (
            <Button
              onClick={() => {
                if (ended) setRenewAsk(true);
                else void renew(false).catch((err: unknown) => setRenewError(errorMessage(err)));
              }}
              loading={renewing}
              disabled={renewing}
            >
              Renew
            </Button>
          )
        }
      />
      <Stack gap="lg">
        <FormAlert message={renewError} title="Could not renew" />
        <Section id="summary" title="Summary">
          <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="md">
            <Fact label="Plan">{plan?.name ?? sub.plan_name ?? sub.plan}</Fact>
            <Fact label="Period">{PERIOD_LABELS[sub.period] ?? sub.period}</Fact>
            {perSeat ? <Fact label="Seats">{sub.quantity}</Fact> : null}
            <Fact label="Status">
              <Badge variant="dot" color={st.color} component="span">
                {st.label}
              </Badge>
            </Fact>
            <Fact label="Current period">{`${formatDate(sub.current_period_start)} – ${formatDate(sub.current_period_end)}`}</Fact>
            <Fact label="Next invoice">{nextInvoice ? formatDate(nextInvoice) : 'None'}</Fact>
            <Fact label="Price">{`${money(sub.amount_cents ?? sub.unit_cents * sub.quantity)} ${sub.period === 'annual' ? 'a year' : 'a month'}`}</Fact>
            <Fact label="Payment method">{paymentMethodLabel(sub.payment_method)}</Fact>
            {sub.credit_cents > 0 ? <Fact label="Credit for the next invoice">{money(sub.credit_cents)}</Fact> : null}
            {sub.discount ? (
              <Fact label="Discount">{`${sub.discount.percent}%${sub.discount.until ? ` until ${formatDate(sub.discount.until)}` : ''}`}</Fact>
            ) : null}
            {sub.po_number ? <Fact label="PO number">{sub.po_number}</Fact> : null}
          </SimpleGrid>
          {sub.status === 'incomplete' && sub.payment_method === 'bank_transfer' ? (
            <Text size="sm" mt="md">
              {`The first invoice is waiting for your bank transfer. ${BANK_TRANSFER_NOTE}`}
            </Text>
          ) : null}
          {unpaidByCard ? (
            <Text size="sm" mt="md">
              {`Invoice ${unpaidByCard.number} is waiting for your card payment. `}
              <Anchor component={Link} to={`/billing/invoices/${unpaidByCard.id}/pay`}>
                Pay it now
              </Anchor>
            </Text>
          ) : null}
          {sub.card_on_file && !ended ? (
            <Text size="sm" mt="md" data-card-on-file>
              Renewals are charged to the card you paid with.
            </Text>
          ) : null}
          {sub.cancel_at_period_end && !ended ? (
            <Text size="sm" mt="md">{`Cancelled: the plan ends on ${formatDate(sub.current_period_end)}. Renew to keep it.`}</Text>
          ) : null}
          {ended ? (
            <Text size="sm" mt="md">
              {`Ended on ${formatDate(sub.ended_at)}. Free limits apply to the workspace now`}
              {sub.deletion_due_at ? `; data beyond them is deleted on ${formatDate(sub.deletion_due_at)} unless you remove it or renew.` : '.'}
            </Text>
          ) : null}
        </Section>
        {perSeat && changeable && !sub.cancel_at_period_end ? <SeatsSection sub={sub} onChanged={changed} /> : null}
        {changeable && !sub.cancel_at_period_end ? <PeriodSection sub={sub} annualUnit={plan?.annual_cents ?? null} onChanged={changed} /> : null}
        <DetailsSection sub={sub} />
        {changeable ? <PaymentSection sub={sub} methods={methods.data} onSaved={setSub} /> : null}
        {poEligible && changeable ? <POSection sub={sub} onSaved={setSub} /> : null}
        <Section id="invoices" title="Invoice history" description="Invoices are also emailed to the account owner. A paid invoice cannot be changed.">
          {invoices.error ? (
            <Alert color="red" role="alert" title="Could not load the invoices">
              {invoices.error}
            </Alert>
          ) : invoices.data ? (
            <InvoiceTable invoices={invoices.data} caption="Invoices of this subscription" />
          ) : (
            <PageLoader label="Loading invoices" />
          )}
        </Section>
      </Stack>
      <CancelDialog
        sub={sub}
        opened={cancelling}
        onClose={() => setCancelling(false)}
        onCancelled={(s) => {
          setCancelling(false);
          setSub(s);
          notify({
            color: 'yellow',
            title: 'Subscription cancelled',
            message: s.status === 'cancelled' ? 'It has ended.' : `Your plan ends on ${formatDate(s.current_period_end)}.`,
          });
        }}
      />
      <RenewDialog opened={renewAsk} onClose={() => setRenewAsk(false)} onConfirm={() => renew(true)} />
    </>
  );
}
