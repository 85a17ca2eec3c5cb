import { describe, expect, it } from 'vitest';
import { usernameFromEmail, validateUsername } from './username';

describe('usernameFromEmail', () => {
  it.each([
    ['Jane.Doe@example.com', 'jane.doe'],
    ['john+news@example.com', 'john+news'],
    ['al@x.io', 'al000'],
    ['a@x.io', 'a0000'],
    ['José.Müller@example.de', 'jose.muller'],
    ['first last!#$%@example.com', 'firstlast'],
    ['under_score-dash@x', 'under_score-dash'],
    ['no-at-sign-yet', 'no-at-sign-yet'],
    ['@example.com', ''],
    ['', ''],
    ['日本@example.jp', ''],
  ])('%s → %s', (email, expected) => {
    expect(usernameFromEmail(email)).toBe(expected);
  });

  it('cuts to 150 characters', () => {
    expect(usernameFromEmail(`${'a'.repeat(200)}@x.io`)).toHaveLength(150);
  });

  it('always gives a username the server accepts (or nothing)', () => {
    for (const email of ['Ab@x', 'x.y.z@q', 'ÅÄÖ@x', 'weird\u0000chars@x', 'UPPER@CASE']) {
      const u = usernameFromEmail(email);
      if (u) expect(validateUsername(u)).toBeNull();
    }
  });
});

describe('validateUsername', () => {
  it('rejects short, long and invalid names', () => {
    expect(validateUsername('')).not.toBeNull();
    expect(validateUsername('abcd')).toMatch(/at least 5/);
    expect(validateUsername('a'.repeat(151))).toMatch(/at most 150/);
    expect(validateUsername('has space')).toMatch(/only letters/);
    expect(validateUsername('ok_name.1@x+y-z')).toBeNull();
  });
});
