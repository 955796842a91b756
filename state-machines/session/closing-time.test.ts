import { describe, expect, it } from 'vitest';
import { japanTime } from './testing/fixtures';
import { NEW_PIN, PROVEN_PIN, toEnterCurrentPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** Long enough that inactivity never interferes with the hour changes under test. */
const PATIENT = { inactivityWarningMs: 30 * MINUTE, inactivityLimitMs: 60 * MINUTE };

function kioskAt(isoLocal: string) {
  return new SessionHarness({ input: { now: japanTime(isoLocal), timing: PATIENT } });
}

const CLOSING = japanTime('2025-06-02T23:00');

/**
 * Moves the clock to a Japan time (forward only), stopping at 23:00 on the way: a timer set when
 * another fires counts from the end of a `SimulatedClock` increment, not from when it fired.
 */
async function advanceTo(h: SessionHarness, isoLocal: string) {
  const target = japanTime(isoLocal);
  if (target < h.clock.now()) throw new Error(`${isoLocal} is behind the clock`);
  if (h.clock.now() < CLOSING && target > CLOSING) await h.advance(CLOSING - h.clock.now());
  await h.advance(target - h.clock.now());
}

/** The session admitted at the kiosk's `now`, finishing with every PIN typed at `finishAt`. */
async function admittedThenFinishedAt(h: SessionHarness, finishAt: string) {
  await toEnterCurrentPin(h);
  expect(h.snapshot.context.admitted).toBe(true);
  await advanceTo(h, finishAt);
  expect(h.screen).toBe('enter-current-pin');
  await h.enter(PROVEN_PIN['signature-pin']);
  await h.enter(NEW_PIN['signature-pin']);
  await h.enter(NEW_PIN['signature-pin']);
}

describe('closing time: a session allowed to start can finish (Japan time)', () => {
  it('22:58: admitted, then finishes at 23:02 inside the grace', async () => {
    const h = kioskAt('2025-06-02T22:58');
    await admittedThenFinishedAt(h, '2025-06-02T23:02');
    expect(h.hours).toBe('grace');
    expect(h.screen).toBe('done');
    expect(h.actors.callsOf('claimReservation')).toHaveLength(1);
  });

  it('22:59:59: the last second to start; it finishes at 23:04', async () => {
    const h = kioskAt('2025-06-02T22:59:59');
    expect(h.screen).toBe('idle');
    await admittedThenFinishedAt(h, '2025-06-02T23:04');
    expect(h.screen).toBe('done');
  });

  it('23:00:00: no session starts; one not admitted yet ends at once, before any PIN', async () => {
    const closed = kioskAt('2025-06-02T23:00:00');
    expect(closed.screen).toBe('closed');
    await closed.send({ type: 'session.start' });
    expect(closed.screen).toBe('closed');

    // Still choosing at 22:59:59: closing time ends it with E-001, no card asked, no PIN typed.
    const h = kioskAt('2025-06-02T22:59:59');
    await h.send({ type: 'session.start' });
    await h.send({ type: 'procedure.select', procedure: 'signature-pin' });
    expect(h.screen).toBe('consent');
    await h.advance(SECOND);
    expect(h.view.error).toMatchObject({ code: 'outside-hours', displayCode: 'E-001' });
    expect(h.actors.calls).toEqual([]);
  });

  it('23:00:00 while the reservation check is in flight: not admitted, it ends before the PIN', async () => {
    const h = kioskAt('2025-06-02T22:59:59');
    h.actors.setDefault('precheckReservation', undefined);
    await toEnterCurrentPin(h);
    expect(h.screen).toBe('checking-reservation');
    await h.advance(SECOND);
    expect(h.view.error?.code).toBe('outside-hours');
    expect(h.actors.callsOf('verifyCurrentPin')).toEqual([]);
  });

  it('23:04: an admitted session typing its new PIN goes on to the reset; at 23:05 an unfinished one ends', async () => {
    const h = kioskAt('2025-06-02T22:59:59');
    await toEnterCurrentPin(h);
    await h.enter(PROVEN_PIN['signature-pin']);
    await advanceTo(h, '2025-06-02T23:04');
    expect(h.screen).toBe('enter-new-pin');
    await h.enter(NEW_PIN['signature-pin']);
    await h.enter(NEW_PIN['signature-pin']);
    expect(h.screen).toBe('done');

    const late = kioskAt('2025-06-02T22:59:59');
    await toEnterCurrentPin(late);
    await advanceTo(late, '2025-06-02T23:04:59.999');
    expect(late.screen).toBe('enter-current-pin');
    await late.advance(1);
    expect(late.view.error?.code).toBe('outside-hours');
  });

  it('a clock sync past 23:00 is closing time too: only admitted sessions go on', async () => {
    const admitted = kioskAt('2025-06-02T22:00');
    await toEnterCurrentPin(admitted);
    await admitted.send({ type: 'clock.sync', now: japanTime('2025-06-02T23:01') });
    expect(admitted.screen).toBe('enter-current-pin');

    const choosing = kioskAt('2025-06-02T22:00');
    await choosing.send({ type: 'session.start' });
    await choosing.send({ type: 'clock.sync', now: japanTime('2025-06-02T23:01') });
    expect(choosing.view.error?.code).toBe('outside-hours');
  });
});
