/**
 * The small part of Stripe.js (https://docs.stripe.com/js) the card page uses,
 * and a loader that adds its <script> once. No npm package: the server says
 * where the script lives (`js_url`) and the CSP allows that origin.
 */

export interface StripeError {
  message?: string;
  type?: string;
  code?: string;
}

export interface StripeCardElement {
  mount(target: HTMLElement | string): void;
  on(event: 'change' | 'ready' | 'focus' | 'blur', handler: (event: { error?: StripeError; complete?: boolean; empty?: boolean }) => void): void;
  focus?(): void;
  destroy?(): void;
}

export interface StripeElements {
  create(type: 'card', options?: Record<string, unknown>): StripeCardElement;
}

export interface ConfirmCardPaymentResult {
  error?: StripeError;
  paymentIntent?: { id: string; status: string };
}

export interface StripeClient {
  elements(options?: Record<string, unknown>): StripeElements;
  confirmCardPayment(
    clientSecret: string,
    data: { payment_method: { card: StripeCardElement; billing_details?: { email?: string; name?: string } } },
  ): Promise<ConfirmCardPaymentResult>;
}

export type StripeFactory = (publishableKey: string, options?: Record<string, unknown>) => StripeClient;

declare global {
  interface Window {
    Stripe?: StripeFactory;
  }
}

export const DEFAULT_STRIPE_JS_URL = 'https://js.stripe.com/v3/';

const pending = new Map<string, Promise<StripeFactory>>();

/**
 * Resolves with window.Stripe, adding `<script src={url}>` when it is not
 * there yet; callers during the load share it. A failed load is forgotten so
 * a later call tries again.
 */
export function loadStripeJs(url: string = DEFAULT_STRIPE_JS_URL): Promise<StripeFactory> {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  const known = pending.get(url);
  if (known) return known;
  const p = new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.dataset.stripeJs = '';
    script.addEventListener('load', () => {
      if (window.Stripe) resolve(window.Stripe);
      else {
        script.remove();
        reject(new Error('Stripe.js loaded but did not define Stripe'));
      }
    });
    script.addEventListener('error', () => {
      script.remove();
      reject(new Error(`could not load ${url}`));
    });
    document.head.appendChild(script);
  });
  pending.set(url, p);
  // Once settled, window.Stripe answers the next call, or a new script is tried.
  const forget = () => pending.delete(url);
  p.then(forget, forget);
  return p;
}
