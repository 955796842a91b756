import { describe, expect, it } from 'vitest';
import {
  hasExpired,
  isRenewalDue,
  japanDate,
  renewalOpensAt,
  subtractJapanMonths,
} from './certificate-validity';
import { japanTime } from './testing/fixtures';

describe('certificate validity', () => {
  it('opens renewal 3 calendar months before the end, on the Japan calendar', () => {
    const end = japanTime('2027-06-15T23:59:59');
    expect(renewalOpensAt(end)).toBe(japanTime('2027-03-15T23:59:59'));
  });

  it('clamps to the end of a shorter month', () => {
    expect(subtractJapanMonths(japanTime('2027-05-31T23:59:59'), 3)).toBe(japanTime('2027-02-28T23:59:59'));
    expect(subtractJapanMonths(japanTime('2028-05-31T12:00'), 3)).toBe(japanTime('2028-02-29T12:00'));
    expect(subtractJapanMonths(japanTime('2027-02-15T08:00'), 3)).toBe(japanTime('2026-11-15T08:00'));
  });

  it('hints at renewal from the moment it opens, not a millisecond before', () => {
    const validity = { notBefore: 0, notAfter: japanTime('2027-06-15T23:59:59') };
    const opens = japanTime('2027-03-15T23:59:59');
    expect(isRenewalDue(opens - 1, validity)).toBe(false);
    expect(isRenewalDue(opens, validity)).toBe(true);
  });

  it('counts a certificate valid through its last millisecond', () => {
    const validity = { notBefore: 0, notAfter: japanTime('2027-06-15T23:59:59') };
    expect(hasExpired(validity.notAfter, validity)).toBe(false);
    expect(hasExpired(validity.notAfter + 1, validity)).toBe(true);
  });

  it('gives the Japan date, whatever the UTC date', () => {
    // 2027-06-15T23:59:59 JST is 14:59:59Z; 00:30 JST on the 16th is still the 15th in UTC.
    expect(japanDate(japanTime('2027-06-15T23:59:59'))).toBe('2027-06-15');
    expect(japanDate(japanTime('2027-06-16T00:30'))).toBe('2027-06-16');
  });
});
