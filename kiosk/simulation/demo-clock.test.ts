import { describe, expect, it } from 'vitest';
import { DemoClock, formatJapanDateTime, parseTimeOfDay } from './demo-clock';

/** 2026-11-24 16:07:30 JST. */
const REAL = Date.parse('2026-11-24T16:07:30+09:00');

describe('DemoClock', () => {
  it('is real time until set', () => {
    const clock = new DemoClock(() => REAL);
    expect(clock.now()).toBe(REAL);
    expect(clock.offset).toBe(0);
  });

  it('moves to a Japan time of day on the same Japan date, and follows real time from there', () => {
    let real = REAL;
    const clock = new DemoClock(() => real);
    clock.setJapanTimeOfDay(23 * 60 + 30);
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-24T14:30:00.000Z'); // 23:30 JST
    real += 60_000;
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-24T14:31:00.000Z');
  });

  it('keeps the Japan date when the real clock is past midnight UTC but before midnight JST', () => {
    const clock = new DemoClock(() => Date.parse('2026-11-24T23:50:00+09:00'));
    clock.setJapanTimeOfDay(10 * 60);
    expect(clock.now()).toBe(Date.parse('2026-11-24T10:00:00+09:00'));
  });

  it('tells listeners the new time, and goes back to real time', () => {
    const clock = new DemoClock(() => REAL);
    const seen: number[] = [];
    const stop = clock.onChange((now) => seen.push(now));
    clock.setJapanTimeOfDay(10 * 60);
    clock.useRealTime();
    stop();
    clock.setJapanTimeOfDay(0);
    expect(seen).toEqual([Date.parse('2026-11-24T10:00:00+09:00'), REAL]);
  });

  it('refuses a minute outside the day', () => {
    const clock = new DemoClock(() => REAL);
    expect(() => clock.setJapanTimeOfDay(24 * 60)).toThrow(RangeError);
    expect(() => clock.setJapanTimeOfDay(-1)).toThrow(RangeError);
    expect(clock.offset).toBe(0);
  });
});

describe('parseTimeOfDay', () => {
  it.each([
    ['00:00', 0],
    ['06:30', 390],
    ['23:59', 1439],
  ])('%s → %d', (text, minutes) => expect(parseTimeOfDay(text)).toBe(minutes));

  it.each(['24:00', '7:00', '12:60', '12:00:00', ''])('refuses %j', (text) =>
    expect(parseTimeOfDay(text)).toBeUndefined(),
  );
});

describe('formatJapanDateTime', () => {
  it('writes the Japan date and time, whatever the UTC date', () => {
    expect(formatJapanDateTime(Date.parse('2026-11-24T23:30:00+09:00'))).toBe('2026-11-24 23:30 JST');
    expect(formatJapanDateTime(Date.parse('2026-11-24T16:00:00Z'))).toBe('2026-11-25 01:00 JST');
  });
});
