import { describe, expect, it } from 'vitest';
import {
  DemoClock,
  DemoClockBackwardsError,
  formatDuration,
  formatJapanDateTime,
  parseTimeOfDay,
} from './demo-clock';

/** 2026-11-24 16:07:30 JST. */
const REAL = Date.parse('2026-11-24T16:07:30+09:00');

describe('DemoClock', () => {
  it('is real time until set', () => {
    const clock = new DemoClock(() => REAL);
    expect(clock.now()).toBe(REAL);
    expect(clock.offset).toBe(0);
    expect(clock.isRealTime).toBe(true);
  });

  it('moves forward to a Japan time still to come today, and follows real time from there', () => {
    let real = REAL;
    const clock = new DemoClock(() => real);
    clock.setJapanTimeOfDay(23 * 60 + 30);
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-24T14:30:00.000Z'); // 23:30 JST
    real += 60_000;
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-24T14:31:00.000Z');
  });

  it('moves to tomorrow for a time that has passed today: never back', () => {
    const clock = new DemoClock(() => REAL); // 16:07 JST
    expect(clock.setJapanTimeOfDay(10 * 60)).toBe(Date.parse('2026-11-25T10:00:00+09:00'));
    // From 10:00 on the 25th, 23:30 is later the same day; then 06:29 is the 26th.
    expect(clock.setJapanTimeOfDay(23 * 60 + 30)).toBe(Date.parse('2026-11-25T23:30:00+09:00'));
    expect(clock.setJapanTimeOfDay(6 * 60 + 29)).toBe(Date.parse('2026-11-26T06:29:00+09:00'));
    expect(clock.isRealTime).toBe(false);
  });

  it('counts the Japan date, not the UTC one (23:50 JST is 14:50 UTC)', () => {
    const clock = new DemoClock(() => Date.parse('2026-11-24T23:50:00+09:00'));
    expect(clock.setJapanTimeOfDay(0)).toBe(Date.parse('2026-11-25T00:00:00+09:00'));
  });

  it('stays put when it already shows that minute', () => {
    const clock = new DemoClock(() => Date.parse('2026-11-24T10:00:40+09:00'));
    expect(clock.setJapanTimeOfDay(10 * 60)).toBe(Date.parse('2026-11-24T10:00:40+09:00'));
    expect(clock.isRealTime).toBe(true);
  });

  it('whatever the start and the sequence of times asked, never goes back', () => {
    for (let start = 0; start < 24 * 60; start += 37) {
      let real = Date.parse('2026-11-24T00:00:00+09:00') + start * 60_000 + 13_000;
      const clock = new DemoClock(() => real);
      let last = clock.now();
      for (const minute of [390, 1380, 629, 0, 1439, 600, 599, 601]) {
        const now = clock.setJapanTimeOfDay(minute);
        expect(now).toBeGreaterThanOrEqual(last);
        expect(now - last).toBeLessThan(24 * 60 * 60_000);
        last = now;
        real += 1_000;
      }
    }
  });

  it('tells listeners the new time; goes to "real time" only while it has never moved ahead', () => {
    const clock = new DemoClock(() => REAL);
    const seen: number[] = [];
    const stop = clock.onChange((now) => seen.push(now));
    expect(clock.useRealTime()).toBe(REAL);
    clock.setJapanTimeOfDay(20 * 60);
    expect(() => clock.useRealTime()).toThrow(DemoClockBackwardsError);
    expect(() => clock.useRealTime()).toThrow(/3 h 52 min ahead of real time/);
    stop();
    clock.setJapanTimeOfDay(22 * 60);
    expect(seen).toEqual([Date.parse('2026-11-24T20:00:00+09:00')]);
  });

  it('starts from an offset kept from an earlier run, and refuses one behind real time', () => {
    expect(new DemoClock(() => REAL, { startOffsetMs: 3_600_000 }).now()).toBe(REAL + 3_600_000);
    expect(() => new DemoClock(() => REAL, { startOffsetMs: -1 })).toThrow(RangeError);
    expect(() => new DemoClock(() => REAL, { startOffsetMs: Number.NaN })).toThrow(RangeError);
  });

  it('advances by a duration, forward only (the panel ages reservations past 24 h this way)', () => {
    const clock = new DemoClock(() => REAL);
    const seen: number[] = [];
    clock.onChange((now) => seen.push(now));
    expect(clock.advance(24 * 60 * 60_000 + 60_000)).toBe(Date.parse('2026-11-25T16:08:30+09:00'));
    expect(seen).toEqual([Date.parse('2026-11-25T16:08:30+09:00')]);
    expect(() => clock.advance(0)).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(clock.now()).toBe(Date.parse('2026-11-25T16:08:30+09:00'));
  });

  it('refuses a minute outside the day', () => {
    const clock = new DemoClock(() => REAL);
    expect(() => clock.setJapanTimeOfDay(24 * 60)).toThrow(RangeError);
    expect(() => clock.setJapanTimeOfDay(-1)).toThrow(RangeError);
    expect(clock.offset).toBe(0);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 h 00 min'],
    [65 * 60_000, '1 h 05 min'],
    [(26 * 60 + 3) * 60_000, '1 d 2 h 03 min'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
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
