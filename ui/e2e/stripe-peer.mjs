// A small stateful stand-in for Stripe, for browser scenarios (13-card).
//
// Why it exists: the browser tests run without internet, so neither Stripe.js
// (https://js.stripe.com/v3/) nor Stripe's API can be reached, and
// stripe-mock (which the Go tests use) is stateless: it cannot remember a
// payment intent, let a browser confirm it, and then send the signed webhook
// that makes Gatehouse mark the invoice paid. This peer plays Stripe's part
// of that exchange on 127.0.0.1 — it stands in for Stripe, never for any of
// Gatehouse's own code, which runs unchanged (stripe-go client, webhook
// signature check, the UI's Stripe.js loader and card page).
//
// It serves:
//   GET  /v3/                     a script defining window.Stripe(pk) with
//                                 elements().create('card') and confirmCardPayment()
//   POST /v1/customers            → {"id":"cus_…","object":"customer"}
//   POST /v1/payment_intents      stores and returns the intent (form-encoded like Stripe)
//   GET  /v1/payment_intents/:id  the stored intent
//   POST /test/confirm            (from the script, CORS) confirms an intent: the card
//                                 4000000000000002 is declined, any other number succeeds;
//                                 a success is sent to the webhook URL, signed
//                                 like Stripe (Stripe-Signature: t=…,v1=HMAC-SHA256)
// Anything else is logged and answered 404 {"error":{"message":…}}.

import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export const DECLINED_CARD = '4000000000000002';

const rid = (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Stripe's form encoding: a=1&metadata[k]=v&list[0]=x → { a: '1', metadata: { k: 'v' }, list: { 0: 'x' } }. */
function parseForm(body) {
  const out = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) node = node[parts[i]] ??= {};
    node[parts.at(-1)] = value;
  }
  return out;
}

/** The browser side: just enough of Stripe.js for a card field in our page's DOM. */
function stripeJs(origin) {
  return `(() => {
  const ORIGIN = ${JSON.stringify(origin)};
  let seq = 0;
  window.Stripe = function Stripe(publishableKey) {
    if (!/^pk_/.test(String(publishableKey))) throw new Error('Stripe(): a publishable key (pk_...) is required');
    return {
      elements() {
        return {
          create(type) {
            if (type !== 'card') throw new Error('stripe-peer only has the card element');
            const handlers = {};
            let input = null;
            const emit = (name, event) => (handlers[name] || []).forEach((h) => h(event));
            return {
              mount(target) {
                const el = typeof target === 'string' ? document.querySelector(target) : target;
                const id = 'stripe-peer-card-' + ++seq;
                const label = document.createElement('label');
                label.htmlFor = id;
                label.textContent = 'Card number';
                input = document.createElement('input');
                input.id = id;
                input.inputMode = 'numeric';
                input.autocomplete = 'cc-number';
                input.style.cssText = 'display:block;width:100%;font:inherit;color:inherit;background:transparent;border:0;outline-offset:2px';
                input.addEventListener('input', () => emit('change', { empty: !input.value, complete: input.value.replace(/\\s/g, '').length >= 16 }));
                el.replaceChildren(label, input);
                setTimeout(() => emit('ready', {}), 0);
              },
              on(name, handler) { (handlers[name] ||= []).push(handler); },
              focus() { input && input.focus(); },
              destroy() { input && input.parentElement && input.parentElement.replaceChildren(); input = null; },
              _number() { return input ? input.value.replace(/\\s/g, '') : ''; },
            };
          },
        };
      },
      async confirmCardPayment(clientSecret, data) {
        const card = data && data.payment_method && data.payment_method.card;
        const res = await fetch(ORIGIN + '/test/confirm', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ publishable_key: publishableKey, client_secret: clientSecret, number: card ? card._number() : '', billing_details: data.payment_method.billing_details || {} }),
        });
        return res.json();
      },
    };
  };
})();
`;
}

/**
 * Starts the peer on a free loopback port. `secretKey` is what the server
 * must send as Bearer; `webhookSecret` signs the events. Call
 * setWebhookURL() once Gatehouse's address is known.
 */
export async function startStripePeer({ secretKey, publishableKey, webhookSecret, log = (line) => console.log(`  stripe-peer: ${line}`) }) {
  const customers = new Map();
  const intents = new Map();
  const idempotent = new Map();
  const events = [];
  const unknown = [];
  let webhookURL = '';
  let origin = '';

  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': rid('req'), ...headers });
    res.end(JSON.stringify(body));
  };
  const stripeError = (res, status, message, type = 'invalid_request_error') => send(res, status, { error: { type, message } });

  async function deliver(type, intent) {
    const payload = JSON.stringify({
      id: rid('evt'),
      object: 'event',
      type,
      api_version: '2025-03-31.basil',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      data: { object: intent },
    });
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', webhookSecret).update(`${t}.${payload}`).digest('hex');
    try {
      const res = await fetch(webhookURL, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${t},v1=${v1}` }, body: payload });
      const text = await res.text();
      events.push({ type, intent: intent.id, status: res.status, answer: text });
      if (res.status !== 200) log(`webhook ${type} for ${intent.id} answered ${res.status}: ${text}`);
    } catch (err) {
      events.push({ type, intent: intent.id, status: 0, answer: String(err) });
      log(`webhook ${type} for ${intent.id} failed: ${err}`);
    }
  }

  function createIntent(form) {
    const amount = Number(form.amount);
    if (!Number.isInteger(amount) || amount <= 0) return [400, { error: { type: 'invalid_request_error', message: 'Invalid amount.', param: 'amount' } }];
    if (!form.currency) return [400, { error: { type: 'invalid_request_error', message: 'Missing currency.', param: 'currency' } }];
    if (form.customer && !customers.has(form.customer)) return [400, { error: { type: 'invalid_request_error', message: `No such customer: '${form.customer}'`, param: 'customer' } }];
    const id = rid('pi');
    const offSessionConfirm = form.confirm === 'true' && form.payment_method;
    const intent = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: offSessionConfirm ? amount : 0,
      currency: form.currency,
      customer: form.customer ?? null,
      description: form.description ?? null,
      metadata: form.metadata ?? {},
      payment_method: form.payment_method ?? null,
      payment_method_types: Object.values(form.payment_method_types ?? { 0: 'card' }),
      receipt_email: form.receipt_email ?? null,
      setup_future_usage: form.setup_future_usage ?? null,
      status: offSessionConfirm ? 'succeeded' : 'requires_payment_method',
      client_secret: `${id}_secret_${randomBytes(10).toString('hex')}`,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
    intents.set(id, intent);
    if (offSessionConfirm) setTimeout(() => void deliver('payment_intent.succeeded', intent), 200);
    return [200, intent];
  }

  async function confirm(body) {
    const intent = [...intents.values()].find((pi) => pi.client_secret === body.client_secret);
    if (!intent) return { error: { type: 'invalid_request_error', message: 'No such payment intent.' } };
    if (body.publishable_key !== publishableKey) return { error: { type: 'invalid_request_error', message: 'Invalid publishable key.' } };
    if (intent.status === 'succeeded') return { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: 'This payment has already succeeded.' } };
    const number = String(body.number ?? '');
    if (!/^\d{15,16}$/.test(number)) return { error: { type: 'validation_error', code: 'incomplete_number', message: 'Your card number is incomplete.' } };
    if (number === DECLINED_CARD) {
      intent.last_payment_error = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
      setTimeout(() => void deliver('payment_intent.payment_failed', { ...intent }), 50);
      return { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } };
    }
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.payment_method = rid('pm');
    intent.last_payment_error = null;
    // Stripe tells the merchant a moment later, not in the browser's answer.
    setTimeout(() => void deliver('payment_intent.succeeded', { ...intent }), 300);
    return { paymentIntent: { id: intent.id, object: 'payment_intent', status: 'succeeded', amount: intent.amount, currency: intent.currency } };
  }

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, origin);
    const route = `${req.method} ${url.pathname}`;
    try {
      // Browser side (CORS: the page is on Gatehouse's origin).
      const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Allow-Methods': 'POST' };
      if (route === 'GET /v3/' || route === 'GET /v3') {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(stripeJs(origin));
        return;
      }
      if (req.method === 'OPTIONS' && url.pathname === '/test/confirm') {
        res.writeHead(204, cors);
        res.end();
        return;
      }
      if (route === 'POST /test/confirm') {
        send(res, 200, await confirm(JSON.parse(body || '{}')), cors);
        return;
      }
      // Server side: what stripe-go sends.
      if (url.pathname.startsWith('/v1/')) {
        if (req.headers.authorization !== `Bearer ${secretKey}`) {
          stripeError(res, 401, 'Invalid API Key provided.');
          return;
        }
        const key = req.method === 'POST' ? req.headers['idempotency-key'] : undefined;
        if (key && idempotent.has(`${url.pathname} ${key}`)) {
          const [status, answer] = idempotent.get(`${url.pathname} ${key}`);
          send(res, status, typeof answer === 'function' ? answer() : answer, { 'Idempotent-Replayed': 'true' });
          return;
        }
        let result;
        const piMatch = url.pathname.match(/^\/v1\/payment_intents\/([A-Za-z0-9_]+)$/);
        if (route === 'POST /v1/customers') {
          const form = parseForm(body);
          const customer = { id: rid('cus'), object: 'customer', email: form.email ?? null, description: form.description ?? null, metadata: form.metadata ?? {}, livemode: false };
          customers.set(customer.id, customer);
          result = [200, customer];
        } else if (route === 'POST /v1/payment_intents') {
          result = createIntent(parseForm(body));
        } else if (req.method === 'GET' && piMatch) {
          const pi = intents.get(piMatch[1]);
          result = pi ? [200, pi] : [404, { error: { type: 'invalid_request_error', message: `No such payment_intent: '${piMatch[1]}'` } }];
        }
        if (result) {
          // A replay answers the same object as it is now (Stripe replays the first answer; the id is what matters here).
          if (key && result[0] === 200) idempotent.set(`${url.pathname} ${key}`, [200, () => intents.get(result[1].id) ?? customers.get(result[1].id) ?? result[1]]);
          send(res, result[0], result[1]);
          return;
        }
      }
      unknown.push(`${route} ${body.slice(0, 200)}`);
      log(`no stand-in for ${route} (body: ${body.slice(0, 200) || 'empty'})`);
      stripeError(res, 404, `stripe-peer has no endpoint ${route}`);
    } catch (err) {
      log(`error on ${route}: ${err?.stack ?? err}`);
      stripeError(res, 500, String(err), 'api_error');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: origin,
    jsURL: `${origin}/v3/`,
    customers,
    intents,
    events,
    unknown,
    setWebhookURL: (u) => {
      webhookURL = u;
    },
    stop: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
