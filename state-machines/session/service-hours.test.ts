import { describe, expect, it } from 'vitest';
import { japanTime } from './testing/fixtures';
import { NEW_PIN, toEnterCurrentPin, toResetting } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

const MINUTE = 60_000;
/** Long enough that inactivity never interferes with the hour changes under test. */
const PATIENT = { inactivityWarningMs: 30 * MINUTE, inactivityLimitMs: 60 * MINUTE };

function kioskAt(isoLocal: string) {
  return new SessionHarness({ input: { now: japanTime(isoLocal), timing: PATIENT } });
}

describe('service hours (06:30–23:00 Japan time)', () => {
  it('is closed before 06:30, refuses to start, and opens at 06:30:00 exactly', async () => {
    const h = kioskAt('2025-06-02T06:29:59');
    expect(h.view).toMatchObject({ screen: 'closed', opensAt: '06:30', closesAt: '23:00' });
    await h.send({ type: 'session.start' });
    expect(h.screen).toBe('closed');
    await h.advance(999);
    expect(h.screen).toBe('closed');
    await h.advance(1);
    expect(h.screen).toBe('idle');
  });

  it('closes at 23:00:00 when no session is under way, and opens again the next morning', async () => {
    const h = kioskAt('2025-06-02T22:59:59');
    expect(h.screen).toBe('idle');
    await h.advance(1_000);
    expect(h.screen).toBe('closed');
    await h.send({ type: 'session.start' });
    expect(h.screen).toBe('closed');
    const grace = h.snapshot.context.timing.closingGraceMs;
    await h.advance(grace);
    expect(h.hours).toBe('closed');
    await h.advance(7.5 * 60 * MINUTE - grace - 1);
    expect(h.screen).toBe('closed');
    await h.advance(1);
    expect(h.screen).toBe('idle');
    expect(h.snapshot.context.now).toBe(japanTime('2025-06-03T06:30'));
  });

  it('starts no session during the grace after 23:00', async () => {
    const h = kioskAt('2025-06-02T23:00:00');
    expect(h.hours).toBe('closed');
    const late = kioskAt('2025-06-02T22:59:59.999');
    await late.advance(1);
    expect(late.hours).toBe('grace');
    await late.send({ type: 'session.start' });
    expect(late.screen).toBe('closed');
  });

  it('lets a session under way at 23:00 finish within the grace, then closes', async () => {
    const h = kioskAt('2025-06-02T22:59');
    await toEnterCurrentPin(h);
    await h.advance(MINUTE);
    expect(h.hours).toBe('grace');
    expect(h.screen).toBe('enter-current-pin');
    await h.enter('1234');
    await h.enter(NEW_PIN['signature-pin']);
    await h.enter(NEW_PIN['signature-pin']);
    expect(h.screen).toBe('done');
    await h.send({ type: 'session.continue' });
    await h.removeCard();
    expect(h.screen).toBe('closed');
  });

  it('ends a session still under way when the grace is over: outside-hours, PINs wiped', async () => {
    const h = kioskAt('2025-06-02T22:59');
    await toEnterCurrentPin(h);
    await h.type('12');
    await h.advance(MINUTE);
    await h.advance(h.snapshot.context.timing.closingGraceMs - 1);
    expect(h.screen).toBe('enter-current-pin');
    await h.advance(1);
    expect(h.view.error).toMatchObject({ code: 'outside-hours', displayCode: 'E-001' });
    expect(h.pins.empty).toBe(true);
    await h.send({ type: 'session.continue' });
    expect(h.screen).toBe('take-card');
    await h.removeCard();
    expect(h.screen).toBe('closed');
  });

  it('does not cut a reset short at the end of the grace: it settles and shows done', async () => {
    const h = kioskAt('2025-06-02T22:59');
    h.actors.setDefault('setNewPin', undefined);
    await toResetting(h);
    expect(h.kiosk).toBe('customer.underway.withCard.holdingNewPin.resetting.writingPin');
    await h.advance(MINUTE);
    await h.advance(h.snapshot.context.timing.closingGraceMs);
    expect(h.hours).toBe('closed');
    expect(h.kiosk).toBe('customer.underway.withCard.holdingNewPin.resetting.writingPin');
    h.actors.complete('setNewPin', { output: { result: 'set' } });
    await h.settle();
    expect(h.screen).toBe('done');
    expect(h.actors.callsOf('settleClaim').map((call) => call.input)).toEqual([{ outcome: 'complete' }]);
  });

  it('follows the runtime clock: a sync into the window opens, a sync past 23:00 starts the grace', async () => {
    const h = kioskAt('2025-06-02T05:00');
    expect(h.screen).toBe('closed');
    await h.send({ type: 'clock.sync', now: japanTime('2025-06-02T07:00') });
    expect(h.screen).toBe('idle');
    await toEnterCurrentPin(h);
    await h.send({ type: 'clock.sync', now: japanTime('2025-06-02T23:01') });
    expect(h.hours).toBe('grace');
    expect(h.screen).toBe('enter-current-pin');
    // The grace counts from 23:00, not from the sync: it ends at 23:05.
    await h.advance(4 * MINUTE - 1);
    expect(h.screen).toBe('enter-current-pin');
    await h.advance(1);
    expect(h.view.error?.code).toBe('outside-hours');
  });

  it('reschedules closing from a corrected clock', async () => {
    const h = kioskAt('2025-06-02T12:00');
    // The runtime finds its clock was 30 minutes slow: 23:00 is now 10.5 hours away, not 11.
    await h.send({ type: 'clock.sync', now: japanTime('2025-06-02T12:30') });
    await h.advance(10.5 * 60 * MINUTE - 1);
    expect(h.screen).toBe('idle');
    await h.advance(1);
    expect(h.screen).toBe('closed');
  });

  it('times the grace from 23:00 even when the clock is synced during it', async () => {
    const h = kioskAt('2025-06-02T22:59');
    await toEnterCurrentPin(h);
    await h.advance(MINUTE);
    await h.send({ type: 'clock.sync', now: japanTime('2025-06-02T23:02') });
    await h.advance(h.snapshot.context.timing.closingGraceMs - 1);
    expect(h.screen).toBe('enter-current-pin');
    await h.advance(1);
    expect(h.screen).toBe('error');
    expect(h.snapshot.context.now).toBe(japanTime('2025-06-02T23:05'));
  });

  it('ends the grace when the clock, synced during it, turns out to be inside the window', async () => {
    const h = kioskAt('2025-06-02T22:59');
    await toEnterCurrentPin(h);
    await h.advance(MINUTE);
    // The kiosk clock was an hour fast: it is really 22:01.
    await h.send({ type: 'clock.sync', now: japanTime('2025-06-02T22:01') });
    expect(h.hours).toBe('open');
    await h.advance(h.snapshot.context.timing.closingGraceMs);
    expect(h.screen).toBe('enter-current-pin');
  });

  it('honours a configured service window', async () => {
    const h = new SessionHarness({
      input: {
        now: japanTime('2025-06-02T21:59'),
        serviceWindow: { opensAtMinute: 8 * 60, closesAtMinute: 22 * 60 },
      },
    });
    expect(h.screen).toBe('idle');
    await h.advance(MINUTE);
    expect(h.view).toMatchObject({ screen: 'closed', opensAt: '08:00', closesAt: '22:00' });
  });
});
