import { describe, expect, it } from 'vitest';
import { isWithinServiceWindow, nextServiceWindowChange } from './service-window';

const jst = (iso: string) => Date.parse(`${iso}+09:00`);

describe('service window (Japan time)', () => {
  it('opens at exactly 06:30:00 JST and closes at exactly 23:00:00 JST', () => {
    expect(isWithinServiceWindow(jst('2026-11-23T06:29:59.999'))).toBe(false);
    expect(isWithinServiceWindow(jst('2026-11-23T06:30:00.000'))).toBe(true);
    expect(isWithinServiceWindow(jst('2026-11-23T22:59:59.999'))).toBe(true);
    expect(isWithinServiceWindow(jst('2026-11-23T23:00:00.000'))).toBe(false);
    expect(isWithinServiceWindow(jst('2026-11-24T00:10:00.000'))).toBe(false);
  });

  it('uses Japan time whatever the UTC date (21:30Z is 06:30 next day in Tokyo)', () => {
    expect(isWithinServiceWindow(Date.parse('2026-11-22T21:30:00Z'))).toBe(true);
    expect(isWithinServiceWindow(Date.parse('2026-11-22T21:29:00Z'))).toBe(false);
  });

  it('finds the next change', () => {
    expect(nextServiceWindowChange(jst('2026-11-23T05:00:00'))).toBe(jst('2026-11-23T06:30:00'));
    expect(nextServiceWindowChange(jst('2026-11-23T12:00:00'))).toBe(jst('2026-11-23T23:00:00'));
    expect(nextServiceWindowChange(jst('2026-11-23T23:30:00'))).toBe(jst('2026-11-24T06:30:00'));
  });
});
