import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Button, Group, Modal, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { invitationsApi, membershipsApi } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import { useCurrentUser } from '../auth/UserContext';
import { useOrgs } from '../org/OrgContext';
import { formatMoney } from './money';
import type { BillingPeriod, Plan } from './types';

/** Members plus pending invitations of an organization: the fewest seats a Team plan may have. */
export async function seatsInUse(slug: string, signal?: AbortSignal): Promise<number> {
  const [members, pending] = await Promise.all([membershipsApi.list(slug, signal), invitationsApi.pendingOf(slug, signal)]);
  const active = members.results.filter((m) => m.is_active !== false).length;
  return Math.max(1, active + pending.count);
}

interface Props {
  plan: Plan;
  period: BillingPeriod;
  currency: string;
  onClose: () => void;
  onContinue: (orgSlug: string, seats: number) => void;
}

/** Team plan: which organization it is for (one I own) and how many seats. */
export function TeamSetupModal({ plan, period, currency, onClose, onContinue }: Props) {
  const { user } = useCurrentUser();
  const { orgs, active } = useOrgs();
  const owned = useMemo(
    () => (orgs ?? []).filter((o) => o.user_role === 'owner' || (user && o.owner?.id === user.id)),
    [orgs, user],
  );
  const [slug, setSlug] = useState(() => owned.find((o) => o.slug === active)?.slug ?? owned[0]?.slug ?? '');
  const [seats, setSeats] = useState('');
  const [minSeats, setMinSeats] = useState<number | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [seatsError, setSeatsError] = useState<string | undefined>();
  const seatsRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!slug && owned[0]) setSlug(owned[0].slug);
  }, [owned, slug]);

  useEffect(() => {
    if (!slug) return;
    const ctrl = new AbortController();
    setMinSeats(null);
    setLoadError(null);
    seatsInUse(slug, ctrl.signal)
      .then((n) => {
        if (ctrl.signal.aborted) return;
        setMinSeats(n);
        setSeats((prev) => (prev === '' || Number(prev) < n ? String(n) : prev));
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(errorMessage(err));
      });
    return () => ctrl.abort();
  }, [slug]);

  const unit = period === 'annual' ? plan.annual_cents : plan.monthly_cents;
  const count = Number(seats);
  const valid = Number.isInteger(count) && count >= 1;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) {
      setSeatsError('Enter a whole number of seats.');
      seatsRef.current?.focus();
      return;
    }
    if (minSeats !== null && count < minSeats) {
      setSeatsError(`This organization already has ${minSeats} members and pending invitations: choose at least ${minSeats} seats.`);
      seatsRef.current?.focus();
      return;
    }
    onContinue(slug, count);
  };

  return (
    <Modal opened onClose={onClose} title={`${plan.name} plan`} centered>
      {owned.length === 0 ? (
        <Stack gap="md">
          <Text size="sm">
            The {plan.name} plan pays for an organization you own, and you do not own one yet. Create an organization first (user menu, Organization, Create), then
            come back here.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            <Button component={Link} to="/organizations">
              Go to organizations
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate aria-label={`${plan.name} plan`}>
          <Stack gap="md">
            <NativeSelect
              label="Organization"
              description="Organizations you own."
              data={owned.map((o) => ({ value: o.slug, label: o.name && o.name !== o.slug ? `${o.name} (${o.slug})` : o.slug }))}
              value={slug}
              onChange={(e) => {
                setSlug(e.currentTarget.value);
                setSeatsError(undefined);
              }}
              data-autofocus
            />
            <TextInput
              ref={seatsRef}
              label="Seats"
              type="number"
              inputMode="numeric"
              min={minSeats ?? 1}
              step={1}
              required
              description={
                minSeats !== null
                  ? `At least ${minSeats}: every member and pending invitation takes a seat, the owner included.`
                  : 'Every member takes a seat, the owner included.'
              }
              value={seats}
              onChange={(e) => {
                setSeats(e.currentTarget.value);
                setSeatsError(undefined);
              }}
              error={seatsError}
            />
            {loadError ? (
              <Alert color="red" role="alert" title="Could not count the members">
                {loadError}
              </Alert>
            ) : null}
            {valid ? (
              <Text size="sm" aria-live="polite">
                {`${count} × ${formatMoney(unit, { currency })} = `}
                <strong>{formatMoney(unit * count, { currency })}</strong>
                {period === 'annual' ? ' a year' : ' a month'}
              </Text>
            ) : null}
            <Text size="sm" c="dimmed">
              You can add seats later; they are charged for the rest of the period only.{' '}
              <Anchor component={Link} to="/organization" size="sm">
                Manage members
              </Anchor>
            </Text>
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" disabled={!slug}>
                Continue
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
