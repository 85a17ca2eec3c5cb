import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Badge, Button, Group, Modal, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { errorMessage, ValidationError } from '../../api/errors';
import { billingApi } from '../../billing/api';
import { InvoiceTable } from '../../billing/InvoiceTable';
import { PERIOD_LABELS, subscriptionStatus } from '../../billing/labels';
import { formatMoney, parseMoneyInput } from '../../billing/money';
import type { Invoice, Subscription } from '../../billing/types';
import { FormAlert } from '../../components/FormAlert';
import { useNotices } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { PageLoader } from '../../components/PageLoader';
import { Section } from '../../components/Section';
import { formatDate } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';

type Action =
  | { kind: 'pay'; invoice: Invoice }
  | { kind: 'refund'; invoice: Invoice }
  | { kind: 'discount'; sub: Subscription };

function fieldMessage(err: unknown, field: string): string | undefined {
  return err instanceof ValidationError ? err.fieldErrors[field]?.join(' ') : undefined;
}

/** One dialog for the three admin actions; each validates its inputs before calling the API. */
function ActionDialog({ action, onClose, onDone }: { action: Action; onClose: () => void; onDone: (message: string) => void }) {
  const [note, setNote] = useState('');
  const [amount, setAmount] = useState(() =>
    action.kind === 'refund' ? ((action.invoice.total_cents - (action.invoice.refunded_cents ?? 0)) / 100).toFixed(2) : '',
  );
  const [reason, setReason] = useState('');
  const [percent, setPercent] = useState('50');
  const [months, setMonths] = useState('12');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const title =
    action.kind === 'pay' ? `Record payment of ${action.invoice.number}` : action.kind === 'refund' ? `Refund ${action.invoice.number}` : 'Grant a discount';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const found: Record<string, string | undefined> = {};
    let run: () => Promise<string>;
    if (action.kind === 'pay') {
      run = async () => {
        const inv = await billingApi.admin.recordPayment(action.invoice.id, note.trim() ? { note: note.trim() } : {});
        return `${inv.number} is marked paid.`;
      };
    } else if (action.kind === 'refund') {
      const cents = parseMoneyInput(amount);
      const max = action.invoice.total_cents - (action.invoice.refunded_cents ?? 0);
      if (cents === null || cents <= 0) found.amount_cents = 'Enter an amount such as 16.50.';
      else if (cents > max) found.amount_cents = `At most ${formatMoney(max, { currency: action.invoice.currency })} can be refunded.`;
      if (!reason.trim()) found.reason = 'Say why, for the credit note.';
      run = async () => {
        const cn = await billingApi.admin.refund(action.invoice.id, { amount_cents: cents ?? 0, reason: reason.trim() });
        return `Credit note ${cn.number} for ${formatMoney(cn.total_cents, { currency: cn.currency })} was issued.`;
      };
    } else {
      const p = Number(percent);
      const m = Number(months);
      if (!Number.isInteger(p) || p < 1 || p > 100) found.percent = 'A whole percent from 1 to 100.';
      if (!Number.isInteger(m) || m < 1 || m > 36) found.months = 'A whole number of months from 1 to 36.';
      run = async () => {
        const s = await billingApi.admin.discount(action.sub.id, { percent: p, months: m });
        return `${s.workspace_name || 'The subscription'} gets ${p}% off${s.discount?.until ? ` until ${formatDate(s.discount.until)}` : ''}.`;
      };
    }
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    try {
      onDone(await run());
    } catch (err) {
      const fields = { amount_cents: fieldMessage(err, 'amount_cents'), reason: fieldMessage(err, 'reason'), percent: fieldMessage(err, 'percent'), months: fieldMessage(err, 'months') };
      setErrors(fields);
      if (!Object.values(fields).some(Boolean)) setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const inv = action.kind === 'discount' ? null : action.invoice;
  return (
    <Modal opened onClose={() => !busy && onClose()} title={title} centered>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label={title}>
        <Stack gap="md">
          <FormAlert message={error} title="Could not do that" />
          {inv ? <Text size="sm">{`${inv.bill_to?.workspace ?? ''} · total ${formatMoney(inv.total_cents, { currency: inv.currency })}`}</Text> : null}
          {action.kind === 'pay' ? (
            <TextInput label="Note (optional)" description="E.g. the bank reference of the transfer." maxLength={500} value={note} onChange={(e) => setNote(e.currentTarget.value)} data-autofocus />
          ) : null}
          {action.kind === 'refund' ? (
            <>
              <TextInput label="Amount" inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={errors.amount_cents} aria-invalid={errors.amount_cents ? true : undefined} data-autofocus />
              <TextInput label="Reason" required maxLength={500} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason} aria-invalid={errors.reason ? true : undefined} />
              <Text size="sm" c="dimmed">
                A credit note with its own number is issued for the amount; the invoice itself does not change.
              </Text>
            </>
          ) : null}
          {action.kind === 'discount' ? (
            <>
              <Text size="sm">{`${action.sub.workspace_name || 'Personal workspace'} · ${action.sub.plan_name ?? action.sub.plan}`}</Text>
              <Group grow align="flex-start">
                <TextInput label="Percent off" type="number" min={1} max={100} required value={percent} onChange={(e) => setPercent(e.currentTarget.value)} error={errors.percent} aria-invalid={errors.percent ? true : undefined} data-autofocus />
                <TextInput label="For how many months" type="number" min={1} max={36} required value={months} onChange={(e) => setMonths(e.currentTarget.value)} error={errors.months} aria-invalid={errors.months ? true : undefined} />
              </Group>
              <Text size="sm" c="dimmed">
                Applies to invoices for periods that start before the discount ends.
              </Text>
            </>
          ) : null}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={busy}>
              {action.kind === 'pay' ? 'Record payment' : action.kind === 'refund' ? 'Issue credit note' : 'Grant discount'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Admin: every subscription and invoice; record bank transfers, grant discounts, refund with credit notes. */
export default function BillingAdminPage() {
  const { notify } = useNotices();
  const [filter, setFilter] = useState<'all' | 'open'>('all');
  const subs = useLoader((signal) => billingApi.subscriptions({}, signal), []);
  const invoices = useLoader((signal) => billingApi.invoices(filter === 'open' ? { status: 'open', kind: 'invoice' } : {}, signal), [filter]);
  const [action, setAction] = useState<Action | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const done = (message: string) => {
    setAction(null);
    notify({ color: 'green', title: 'Done', message });
    subs.reload();
    invoices.reload();
  };

  const removeDiscount = async (s: Subscription) => {
    setRemoveError(null);
    try {
      await billingApi.admin.removeDiscount(s.id);
      done(`The discount of ${s.workspace_name || 'the subscription'} was removed.`);
    } catch (err) {
      setRemoveError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title="Billing administration" description="Every subscription and invoice on this server." />
      <Stack gap="lg">
        <Section id="subscriptions" title="Subscriptions">
          <FormAlert message={removeError} title="Could not remove the discount" />
          {subs.error ? (
            <Alert color="red" role="alert" title="Could not load subscriptions">
              {subs.error}
            </Alert>
          ) : !subs.data ? (
            <PageLoader label="Loading subscriptions" />
          ) : subs.data.length === 0 ? (
            <Text size="sm">No subscriptions yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table verticalSpacing="xs" striped aria-label="All subscriptions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>#</Table.Th>
                    <Table.Th>Workspace</Table.Th>
                    <Table.Th>Managed by</Table.Th>
                    <Table.Th>Plan</Table.Th>
                    <Table.Th>Seats</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Period ends</Table.Th>
                    <Table.Th>Discount</Table.Th>
                    <Table.Th>Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {subs.data.map((s) => {
                    const st = subscriptionStatus(s);
                    const label = s.workspace_name || `subscription ${s.id}`;
                    return (
                      <Table.Tr key={s.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/billing/subscriptions/${s.id}`} size="sm">
                            {s.id}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{s.organization_id ? s.workspace_name : `${s.workspace_name || 'personal'} (personal)`}</Table.Td>
                        <Table.Td>{s.owner?.username ?? '—'}</Table.Td>
                        <Table.Td>{`${s.plan_name ?? s.plan}, ${PERIOD_LABELS[s.period]?.toLowerCase() ?? s.period}`}</Table.Td>
                        <Table.Td>{s.quantity}</Table.Td>
                        <Table.Td>
                          <Badge variant="dot" color={st.color}>
                            {st.label}
                          </Badge>
                        </Table.Td>
                        <Table.Td>{formatDate(s.current_period_end)}</Table.Td>
                        <Table.Td>{s.discount ? `${s.discount.percent}% until ${formatDate(s.discount.until)}` : '—'}</Table.Td>
                        <Table.Td>
                          <Group gap={4} wrap="nowrap">
                            <Button size="compact-sm" variant="default" onClick={() => setAction({ kind: 'discount', sub: s })} aria-label={`Grant a discount to ${label}`}>
                              Discount
                            </Button>
                            {s.discount ? (
                              <Button size="compact-sm" variant="subtle" color="red" onClick={() => void removeDiscount(s)} aria-label={`Remove the discount of ${label}`}>
                                Remove
                              </Button>
                            ) : null}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Section>
        <Section
          id="invoices"
          title="Invoices"
          actions={
            <SegmentedControl
              size="xs"
              aria-label="Which invoices"
              value={filter}
              onChange={(v) => setFilter(v as 'all' | 'open')}
              data={[
                { value: 'all', label: 'All' },
                { value: 'open', label: 'Awaiting payment' },
              ]}
            />
          }
        >
          {invoices.error ? (
            <Alert color="red" role="alert" title="Could not load invoices">
              {invoices.error}
            </Alert>
          ) : invoices.data ? (
            <InvoiceTable
              invoices={invoices.data}
              caption="All invoices"
              showWorkspace
              actions={(inv) =>
                inv.kind === 'invoice' && inv.status === 'open' ? (
                  <Button size="compact-sm" variant="default" ml="xs" onClick={() => setAction({ kind: 'pay', invoice: inv })} aria-label={`Record payment of ${inv.number}`}>
                    Record payment
                  </Button>
                ) : inv.kind === 'invoice' && inv.status === 'paid' && inv.total_cents - (inv.refunded_cents ?? 0) > 0 ? (
                  <Button size="compact-sm" variant="subtle" ml="xs" onClick={() => setAction({ kind: 'refund', invoice: inv })} aria-label={`Refund ${inv.number}`}>
                    Refund
                  </Button>
                ) : null
              }
            />
          ) : (
            <PageLoader label="Loading invoices" />
          )}
        </Section>
      </Stack>
      {action ? <ActionDialog action={action} onClose={() => setAction(null)} onDone={done} /> : null}
    </>
  );
}
