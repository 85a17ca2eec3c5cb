import { useMemo, useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { errorMessage, ValidationError } from '../api/errors';
import { useCurrentUser } from '../auth/UserContext';
import { FormAlert } from '../components/FormAlert';
import { Section } from '../components/Section';
import { formatDate } from '../lib/format';
import { useOrgs } from '../org/OrgContext';
import { billingApi } from './api';
import { formatMoney } from './money';
import type { Catalog, Invoice } from './types';

/** A quote before subscribing: annual plans whose yearly total reaches the server's minimum. */
export function QuoteSection({ catalog }: { catalog: Catalog }) {
  const { user } = useCurrentUser();
  const { orgs } = useOrgs();
  const paid = catalog.plans.filter((p) => p.annual_cents > 0);
  const owned = useMemo(() => (orgs ?? []).filter((o) => o.user_role === 'owner' || (user && o.owner?.id === user.id)), [orgs, user]);
  const [planId, setPlanId] = useState(paid.find((p) => p.per_seat)?.id ?? paid[0]?.id ?? '');
  const [org, setOrg] = useState('');
  const [seats, setSeats] = useState('2');
  const [po, setPO] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [quote, setQuote] = useState<Invoice | null>(null);
  const plan = paid.find((p) => p.id === planId);
  const orgSlug = org || owned[0]?.slug || '';
  const orgId = owned.find((o) => o.slug === orgSlug)?.id ?? null;
  const qty = plan?.per_seat ? Number(seats) : 1;
  const total = plan && Number.isInteger(qty) && qty > 0 ? plan.annual_cents * qty : 0;
  const min = catalog.quote_min_annual_cents;

  if (!paid.length) return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldErrors({});
    if (!plan) return;
    if (total < min) {
      setFieldErrors({ quantity: `Quotes are for annual totals of ${formatMoney(min, { currency: catalog.currency })} or more.` });
      return;
    }
    setBusy(true);
    try {
      setQuote(
        await billingApi.requestQuote({
          plan: plan.id,
          quantity: qty,
          ...(plan.per_seat ? { organization_id: orgId } : {}),
          ...(po.trim() ? { po_number: po.trim() } : {}),
        }),
      );
    } catch (err) {
      if (err instanceof ValidationError && Object.keys(err.fieldErrors).length) {
        setFieldErrors(Object.fromEntries(Object.entries(err.fieldErrors).map(([k, v]) => [k, v.join(' ')])));
        if (err.nonFieldErrors.length) setError(err.nonFieldErrors.join(' '));
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section
      id="quote"
      title="Get a quote"
      description={`For annual subscriptions of ${formatMoney(min, { currency: catalog.currency, whole: true })} a year or more, e.g. to raise a purchase order before paying by bank transfer.`}
    >
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Get a quote">
        <Stack gap="sm" maw={560}>
          <FormAlert message={error} title="Could not prepare the quote" />
          <Group gap="sm" align="flex-start" grow>
            <NativeSelect label="Plan" data={paid.map((p) => ({ value: p.id, label: p.name }))} value={planId} onChange={(e) => setPlanId(e.currentTarget.value)} error={fieldErrors.plan} />
            {plan?.per_seat ? (
              <TextInput label="Seats" type="number" inputMode="numeric" min={1} value={seats} onChange={(e) => setSeats(e.currentTarget.value)} error={fieldErrors.quantity} aria-invalid={fieldErrors.quantity ? true : undefined} />
            ) : null}
          </Group>
          {!plan?.per_seat && fieldErrors.quantity ? (
            <Text size="sm" c="red" role="alert">
              {fieldErrors.quantity}
            </Text>
          ) : null}
          {plan?.per_seat ? (
            owned.length ? (
              <NativeSelect label="Organization" data={owned.map((o) => o.slug)} value={orgSlug} onChange={(e) => setOrg(e.currentTarget.value)} error={fieldErrors.organization_id} />
            ) : (
              <Text size="sm" c="dimmed">
                A quote for {plan.name} is for an organization you own; create one first.
              </Text>
            )
          ) : null}
          <TextInput label="Purchase order number (optional)" maxLength={64} value={po} onChange={(e) => setPO(e.currentTarget.value)} error={fieldErrors.po_number} />
          <Text size="sm">{`Annual total: ${formatMoney(total, { currency: catalog.currency })}`}</Text>
          <Group>
            <Button type="submit" variant="default" loading={busy} disabled={busy || (plan?.per_seat && !owned.length)}>
              Prepare quote
            </Button>
          </Group>
          {quote ? (
            <Alert color="green" variant="light" role="status" title={`Quote ${quote.number}`}>
              {`${formatMoney(quote.total_cents, { currency: quote.currency })}, valid until ${formatDate(quote.due_date)}. `}
              <Anchor href={billingApi.printUrl(quote)} target="_blank" rel="noopener">
                Show the quote
              </Anchor>
            </Alert>
          ) : null}
        </Stack>
      </form>
    </Section>
  );
}
