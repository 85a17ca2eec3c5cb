/**
 * Money in the billing API is an integer number of cents (minor units) plus an
 * ISO 4217 currency code. Everything the UI shows goes through formatMoney so
 * rounding and signs are the same on every page.
 */

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale: string, whole: boolean): Intl.NumberFormat {
  const key = `${locale}|${currency}|${whole}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: 2,
    });
    formatters.set(key, f);
  }
  return f;
}

export interface MoneyOptions {
  /** ISO 4217 code; USD when the API did not say. */
  currency?: string;
  locale?: string;
  /** Drop ".00" on whole amounts ("$33" rather than "$33.00"), for price tags. */
  whole?: boolean;
}

/** 1234 → "$12.34"; -500 → "-$5.00". Anything that is not a finite number shows as "—". */
export function formatMoney(cents: number | null | undefined, opts: MoneyOptions = {}): string {
  if (typeof cents !== 'number' || !Number.isFinite(cents)) return '—';
  const currency = (opts.currency || 'USD').toUpperCase();
  const locale = opts.locale ?? 'en-US';
  const rounded = Math.round(cents);
  const whole = opts.whole === true && rounded % 100 === 0;
  let f: Intl.NumberFormat;
  try {
    f = formatter(currency, locale, whole);
  } catch {
    // An unknown currency code: show the code next to a plain number.
    return `${(rounded / 100).toFixed(2)} ${currency}`;
  }
  return f.format(rounded / 100);
}

/** What one month costs on an annual price, rounded down to the cent (a price tag, not an invoice line). */
export function monthlyShareOfAnnual(annualCents: number): number {
  return Math.floor(annualCents / 12);
}

/** How much cheaper a year is when paid annually: cents saved and whole percent (0 when not cheaper). */
export function annualSaving(monthlyCents: number, annualCents: number): { cents: number; percent: number } {
  const year = monthlyCents * 12;
  if (year <= 0 || annualCents >= year) return { cents: 0, percent: 0 };
  const cents = year - annualCents;
  return { cents, percent: Math.round((cents / year) * 100) };
}

/** "$12.34 charged" / "$5.00 credited" / "nothing to pay" for a signed amount (negative = credit). */
export function describeCharge(cents: number, opts: MoneyOptions = {}): string {
  if (cents > 0) return `${formatMoney(cents, opts)} charged now`;
  if (cents < 0) return `${formatMoney(-cents, opts)} credited to your next invoice`;
  return 'Nothing to pay now';
}

/** "16.50" / "16,5" / "$16" → 1650 cents; null when it is not a non-negative amount with at most 2 decimals. */
export function parseMoneyInput(text: string): number | null {
  const t = text.trim().replace(/^[$€£]\s*/, '').replace(/\s/g, '');
  if (!/^\d+(?:[.,]\d{1,2})?$/.test(t)) return null;
  const [whole, frac = ''] = t.split(/[.,]/);
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}
