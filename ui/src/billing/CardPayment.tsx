import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Box, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { billingApi } from './api';
import { formatMoney } from './money';
import { DEFAULT_STRIPE_JS_URL, loadStripeJs, type StripeCardElement, type StripeClient } from './stripeJs';
import type { Invoice, Payment } from './types';

type Phase = 'loading' | 'load-failed' | 'ready' | 'paying' | 'confirming' | 'paid' | 'slow';

export const CARD_LOAD_FAILED =
  'The card form could not be loaded. Check your connection and try again, or pay this invoice by bank transfer instead.';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Asks for the invoice every `everyMs` until it is paid (the server learns of
 * the payment from Stripe's webhook) or `limitMs` has passed (then null).
 * A failed look-up is tried again; an abort ends the wait.
 */
export async function waitUntilPaid(invoiceId: number, signal: AbortSignal, everyMs = 1000, limitMs = 60_000): Promise<Invoice | null> {
  const until = Date.now() + limitMs;
  for (;;) {
    try {
      const inv = await billingApi.invoice(invoiceId, signal);
      if (inv.status === 'paid') return inv;
    } catch (err) {
      if (signal.aborted) throw err;
    }
    if (Date.now() + everyMs > until) return null;
    await sleep(everyMs, signal);
  }
}

/**
 * Pays an open invoice by card on our own page: Stripe.js's Card Element, a
 * Pay button that confirms the payment intent, then a wait until the server
 * has the payment (webhook) and the plan is active.
 */
export function CardPayment({
  invoice,
  payment,
  email,
  onPaid,
  pollEveryMs = 1000,
  pollLimitMs = 60_000,
}: {
  invoice: Pick<Invoice, 'id' | 'number' | 'total_cents' | 'currency' | 'subscription_id'>;
  payment: Pick<Payment, 'client_secret' | 'publishable_key' | 'js_url'>;
  email?: string;
  onPaid?: (invoice: Invoice) => void;
  pollEveryMs?: number;
  pollLimitMs?: number;
}) {
  const ids = useId();
  const labelId = `${ids}-card-label`;
  const errorId = `${ids}-card-error`;
  const mountRef = useRef<HTMLDivElement>(null);
  const stripeRef = useRef<StripeClient | null>(null);
  const cardRef = useRef<StripeCardElement | null>(null);
  const pollRef = useRef<AbortController | null>(null);
  const onPaidRef = useRef(onPaid);
  onPaidRef.current = onPaid;
  const [phase, setPhase] = useState<Phase>('loading');
  const [error, setError] = useState('');
  const [attempt, setAttempt] = useState(0);
  const amount = formatMoney(invoice.total_cents, { currency: invoice.currency });
  const jsUrl = payment.js_url || DEFAULT_STRIPE_JS_URL;
  const key = payment.publishable_key ?? '';

  // Load Stripe.js, then mount the card field; undone on unmount or key change.
  useEffect(() => {
    let live = true;
    let card: StripeCardElement | null = null;
    setPhase('loading');
    loadStripeJs(jsUrl)
      .then((Stripe) => {
        if (!live || !mountRef.current) return;
        const stripe = Stripe(key);
        const color = getComputedStyle(mountRef.current).color;
        card = stripe.elements().create('card', { style: { base: { color, fontSize: '16px' } } });
        card.on('change', (e) => setError(e.error?.message ?? ''));
        card.mount(mountRef.current);
        stripeRef.current = stripe;
        cardRef.current = card;
        setPhase('ready');
      })
      .catch(() => {
        if (live) setPhase('load-failed');
      });
    return () => {
      live = false;
      card?.destroy?.();
      stripeRef.current = null;
      cardRef.current = null;
    };
  }, [jsUrl, key, attempt]);

  useEffect(() => () => pollRef.current?.abort(), []);

  const confirm = useCallback(async () => {
    const stripe = stripeRef.current;
    const card = cardRef.current;
    if (!stripe || !card || !payment.client_secret) return;
    setError('');
    setPhase('paying');
    let result;
    try {
      result = await stripe.confirmCardPayment(payment.client_secret, {
        payment_method: { card, billing_details: email ? { email } : {} },
      });
    } catch {
      result = { error: { message: 'The payment could not be sent. Check your connection and try again.' } };
    }
    const status = result.paymentIntent?.status;
    if (result.error || (status !== 'succeeded' && status !== 'processing')) {
      setError(result.error?.message || 'The payment was not completed. Try again or use another card.');
      setPhase('ready');
      card.focus?.();
      return;
    }
    setPhase('confirming');
    const ctrl = new AbortController();
    pollRef.current = ctrl;
    try {
      const paid = await waitUntilPaid(invoice.id, ctrl.signal, pollEveryMs, pollLimitMs);
      if (paid) {
        setPhase('paid');
        onPaidRef.current?.(paid);
      } else setPhase('slow');
    } catch {
      /* unmounted */
    }
  }, [payment.client_secret, email, invoice.id, pollEveryMs, pollLimitMs]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void confirm();
  };

  const subscriptionLink = invoice.subscription_id ? `/billing/subscriptions/${invoice.subscription_id}` : '/billing';
  const done = phase === 'confirming' || phase === 'paid' || phase === 'slow';

  return (
    <Stack gap="md">
      {phase === 'load-failed' ? (
        <Alert color="red" role="alert" title="Card payments are unavailable right now">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{CARD_LOAD_FAILED}</Text>
            <Button size="xs" variant="default" onClick={() => setAttempt((a) => a + 1)}>
              Try again
            </Button>
          </Stack>
        </Alert>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Card payment" hidden={phase === 'load-failed' || done}>
        <Stack gap="sm">
          <Text id={labelId} fw={500} size="sm">
            Card details
          </Text>
          {phase === 'loading' ? (
            <Group gap="xs" role="status" aria-live="polite">
              <Loader size="xs" aria-hidden />
              <Text size="sm">Loading the card form…</Text>
            </Group>
          ) : null}
          <Box
            ref={mountRef}
            role="group"
            aria-labelledby={labelId}
            aria-describedby={errorId}
            data-card-element
            p="sm"
            style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-sm)', minHeight: 44 }}
          />
          <Text id={errorId} size="sm" c="red" aria-live="assertive" data-card-error>
            {error}
          </Text>
          <Group>
            <Button type="submit" loading={phase === 'paying'} disabled={phase !== 'ready'}>
              {`Pay ${amount}`}
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            Your card details go straight to our payment processor, Stripe; they never reach our servers.
          </Text>
        </Stack>
      </form>
      {phase === 'confirming' ? (
        <Group gap="sm" role="status" aria-live="polite" data-payment-phase="confirming">
          <Loader size="sm" aria-hidden />
          <Text size="sm">Payment received — confirming…</Text>
        </Group>
      ) : null}
      {phase === 'paid' ? (
        <Alert color="green" role="status" title="Payment confirmed" data-payment-phase="paid">
          <Text size="sm">
            {`Invoice ${invoice.number} is paid and your plan is active. `}
            <Anchor component={Link} to={subscriptionLink}>
              Go to your subscription
            </Anchor>
          </Text>
        </Alert>
      ) : null}
      {phase === 'slow' ? (
        <Alert color="yellow" role="status" title="Payment received, confirmation pending" data-payment-phase="slow">
          <Text size="sm">
            {'Your card payment went through, but its confirmation has not reached us yet. It usually takes a few seconds more: your plan becomes active as soon as it arrives. '}
            <Anchor component={Link} to={subscriptionLink}>
              Check your subscription
            </Anchor>
          </Text>
        </Alert>
      ) : null}
    </Stack>
  );
}
