import { describe, expect, it } from 'vitest';
import { japanTime } from '../session/testing/fixtures';
import { DEFAULT_SERVICE_WINDOW } from './service-window';
import {
  admittedSessionEndsAt,
  closingGraceEndsAt,
  DEFAULT_CLOSING_GRACE_MS,
  lastServiceWindowClose,
  maySessionGoOn,
  maySessionStart,
} from './session-admission';

const W = DEFAULT_SERVICE_WINDOW;
const GRACE = DEFAULT_CLOSING_GRACE_MS;

describe('session clock', () => {
  it("finds the latest 23:00 Japan time: today's after it, yesterday's before it", () => {
    expect(lastServiceWindowClose(japanTime('2025-06-02T23:00'), W)).toBe(japanTime('2025-06-02T23:00'));
    expect(lastServiceWindowClose(japanTime('2025-06-02T23:59'), W)).toBe(japanTime('2025-06-02T23:00'));
    expect(lastServiceWindowClose(japanTime('2025-06-03T00:10'), W)).toBe(japanTime('2025-06-02T23:00'));
    expect(lastServiceWindowClose(japanTime('2025-06-02T22:59:59.999'), W)).toBe(
      japanTime('2025-06-01T23:00'),
    );
  });

  it('ends the grace a fixed time after closing', () => {
    expect(closingGraceEndsAt(japanTime('2025-06-02T23:03'), W, 5 * 60_000)).toBe(
      japanTime('2025-06-02T23:05'),
    );
  });
});

describe('session admission (the rule kiosk and API share)', () => {
  it.each([
    ['2025-06-02T22:58', true],
    ['2025-06-02T22:59:59', true],
    ['2025-06-02T23:00:00', false],
    ['2025-06-02T23:04', false],
    ['2025-06-02T06:29:59', false],
    ['2025-06-02T06:30', true],
  ])('a session may start at %s Japan time: %s', (at, expected) => {
    expect(maySessionStart(japanTime(at), W)).toBe(expected);
  });

  it('a session admitted before closing may go on until the grace after that closing', () => {
    for (const admitted of ['2025-06-02T22:58', '2025-06-02T22:59:59', '2025-06-02T07:00']) {
      expect(admittedSessionEndsAt(japanTime(admitted), W, GRACE)).toBe(japanTime('2025-06-02T23:05'));
    }
  });

  it('an admission at or after closing ends at once', () => {
    const at = japanTime('2025-06-02T23:00:00');
    expect(admittedSessionEndsAt(at, W, GRACE)).toBe(at);
    expect(maySessionGoOn(japanTime('2025-06-02T23:00:01'), at, W, GRACE)).toBe(false);
  });

  it.each([
    // now, admitted at (null: never), may go on
    ['2025-06-02T22:58', null, true],
    ['2025-06-02T22:59:59', null, true],
    ['2025-06-02T23:00:00', null, false],
    ['2025-06-02T23:04', null, false],
    ['2025-06-02T23:00:00', '2025-06-02T22:58', true],
    ['2025-06-02T23:04', '2025-06-02T22:59:59', true],
    ['2025-06-02T23:04:59.999', '2025-06-02T22:59:59', true],
    ['2025-06-02T23:05', '2025-06-02T22:59:59', false],
    // Yesterday's admission does not carry over to tonight's closing.
    ['2025-06-02T23:04', '2025-06-01T22:59', false],
  ])('at %s, admitted at %s: may go on = %s', (now, admitted, expected) => {
    expect(maySessionGoOn(japanTime(now), admitted === null ? null : japanTime(admitted), W, GRACE)).toBe(
      expected,
    );
  });
});
