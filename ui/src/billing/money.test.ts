import { describe, expect, it } from 'vitest';
import { annualSaving, describeCharge, formatMoney, monthlyShareOfAnnual, parseMoneyInput } from './money';

describe('formatMoney', () => {
  it.each([
    [0, {}, '$0.00'],
    [1, {}, '$0.01'],
    [1234, {}, '$12.34'],
    [39600, {}, '$396.00'],
    [123456789, {}, '$1,234,567.89'],
    [-500, {}, '-$5.00'],
    [3300, { whole: true }, '$33'],
    [3350, { whole: true }, '$33.50'],
    [1999, { currency: 'eur' }, '€19.99'],
    [1999, { currency: 'EUR', locale: 'de-DE' }, '19,99\u00a0€'],
    [12.6, {}, '$0.13'],
  ])('%s cents %j → %s', (cents, opts, want) => {
    expect(formatMoney(cents, opts)).toBe(want);
  });

  it.each([null, undefined, Number.NaN, Number.POSITIVE_INFINITY])('shows %s as a dash', (v) => {
    expect(formatMoney(v as number | null | undefined)).toBe('—');
  });

  it('falls back to the code for a currency Intl does not know', () => {
    expect(formatMoney(1050, { currency: 'NOT-A-CODE' })).toBe('10.50 NOT-A-CODE');
  });
});

describe('annualSaving', () => {
  it.each([
    [2300, 19300, { cents: 8300, percent: 30 }],
    [1000, 12000, { cents: 0, percent: 0 }],
    [1000, 13000, { cents: 0, percent: 0 }],
    [0, 0, { cents: 0, percent: 0 }],
    [3300, 27600, { cents: 12000, percent: 30 }],
  ])('monthly %i, annual %i → %j', (m, a, want) => {
    expect(annualSaving(m, a)).toEqual(want);
  });
});

describe('monthlyShareOfAnnual and describeCharge', () => {
  it('rounds the monthly share down', () => {
    expect(monthlyShareOfAnnual(19300)).toBe(1608);
    expect(monthlyShareOfAnnual(27600)).toBe(2300);
  });
  it.each([
    [1234, '$12.34 charged now'],
    [-1234, '$12.34 credited to your next invoice'],
    [0, 'Nothing to pay now'],
  ])('%i → %s', (c, want) => {
    expect(describeCharge(c)).toBe(want);
  });
});

describe('parseMoneyInput', () => {
  it.each([
    ['16.50', 1650],
    ['16,5', 1650],
    ['$16', 1600],
    [' 0.01 ', 1],
    ['1234', 123400],
    ['', null],
    ['-5', null],
    ['1.234', null],
    ['abc', null],
    ['1e3', null],
  ])('%j → %s', (t, want) => {
    expect(parseMoneyInput(t)).toBe(want);
  });
});
