import { describe, expect, it } from 'vitest';
import { jpkiBirthDate } from './card-certificates';
import { fifthBirthdayNotAfter, jstDate, nthBirthdayAfter, parseCalendarDate } from './japan-dates';

const born = (year: number, month: number, day: number) => ({ year, month, day });

describe('certificate NotAfter on the 5th birthday after issue', () => {
  it('ends at 23:59:59 JST (14:59:59Z) of the 5th birthday after the issue date', () => {
    const issuedAt = Date.UTC(2025, 5, 15, 3, 0, 0); // 2025-06-15 12:00 JST
    expect(fifthBirthdayNotAfter(born(1985, 4, 2), issuedAt).toISOString()).toBe('2030-04-02T14:59:59.000Z');
    expect(fifthBirthdayNotAfter(born(1985, 12, 31), issuedAt).toISOString()).toBe(
      '2029-12-31T14:59:59.000Z',
    );
  });

  it('counts from the next birthday when the card is issued on a birthday (in Japan time)', () => {
    // 2025-04-01T15:30Z is 2025-04-02 00:30 JST: already the birthday in Japan.
    expect(fifthBirthdayNotAfter(born(1985, 4, 2), Date.UTC(2025, 3, 1, 15, 30)).toISOString()).toBe(
      '2030-04-02T14:59:59.000Z',
    );
    // 2025-04-01T14:30Z is 2025-04-01 23:30 JST: the birthday is still ahead.
    expect(fifthBirthdayNotAfter(born(1985, 4, 2), Date.UTC(2025, 3, 1, 14, 30)).toISOString()).toBe(
      '2029-04-02T14:59:59.000Z',
    );
  });

  it('puts the birthday of someone born on 29 February on 28 February in common years', () => {
    expect(nthBirthdayAfter(born(2000, 2, 29), born(2025, 6, 1), 5)).toEqual(born(2030, 2, 28));
    expect(nthBirthdayAfter(born(2000, 2, 29), born(2023, 6, 1), 5)).toEqual(born(2028, 2, 29));
  });

  it('reads the calendar date in Japan time, not the machine zone', () => {
    expect(jstDate(Date.UTC(2025, 11, 31, 15, 0, 0))).toEqual(born(2026, 1, 1));
    expect(jstDate(Date.UTC(2025, 11, 31, 14, 59, 59))).toEqual(born(2025, 12, 31));
  });
});

describe('dates in holder data', () => {
  it('parses only real YYYY-MM-DD dates', () => {
    expect(parseCalendarDate('1990-01-02')).toEqual(born(1990, 1, 2));
    expect(parseCalendarDate('2023-02-29')).toBeUndefined();
    expect(parseCalendarDate('1990-1-2')).toBeUndefined();
    expect(parseCalendarDate('yesterday')).toBeUndefined();
  });

  it('encodes a birth date as era code + Gregorian YYYYMMDD', () => {
    expect(jpkiBirthDate(born(1990, 1, 2))).toBe('419900102');
    expect(jpkiBirthDate(born(1989, 1, 7))).toBe('319890107'); // last day of Shōwa
    expect(jpkiBirthDate(born(1989, 1, 8))).toBe('419890108'); // first day of Heisei
    expect(jpkiBirthDate(born(2019, 5, 1))).toBe('520190501'); // Reiwa
    expect(jpkiBirthDate(born(1920, 3, 3))).toBe('219200303'); // Taishō
  });
});
