import { describe, expect, it } from 'vitest';
import { toEnterCurrentPin, toEnterNewPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

const TIMING = { inactivityWarningMs: 60_000, inactivityLimitMs: 90_000 };

/** Each screen that waits for the customer, and how to get there. */
const WAITING_SCREENS: Array<[string, (h: SessionHarness) => Promise<void>]> = [
  ['choose-procedure', (h) => h.send({ type: 'session.start' })],
  [
    'consent',
    async (h) => {
      await h.send({ type: 'session.start' });
      await h.send({ type: 'procedure.select', procedure: 'signature-pin' });
    },
  ],
  ['place-card', (h) => h.startSession()],
  ['enter-current-pin', (h) => toEnterCurrentPin(h)],
  ['enter-new-pin', (h) => toEnterNewPin(h)],
  [
    'confirm-new-pin',
    async (h) => {
      await toEnterNewPin(h);
      await h.enter('ABC123');
    },
  ],
];

function kiosk() {
  return new SessionHarness({ input: { timing: TIMING } });
}

describe('inactivity', () => {
  it.each(WAITING_SCREENS)('%s: warns, then ends the session (session-timeout)', async (screen, reach) => {
    const h = kiosk();
    await reach(h);
    expect(h.screen).toBe(screen);
    await h.advance(TIMING.inactivityWarningMs - 1);
    expect(h.view.inactivityWarning).toBeUndefined();
    await h.advance(1);
    expect(h.view).toMatchObject({ screen, inactivityWarning: true });
    await h.advance(TIMING.inactivityLimitMs - TIMING.inactivityWarningMs - 1);
    expect(h.screen).toBe(screen);
    await h.advance(1);
    expect(h.view.error).toMatchObject({ code: 'session-timeout', displayCode: 'E-004' });
    expect(h.view.inactivityWarning).toBeUndefined();
    expect(h.pins.empty).toBe(true);
  });

  it('"continue" on the warning dismisses it and restarts the count', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    await h.type('1');
    await h.advance(TIMING.inactivityWarningMs);
    await h.send({ type: 'session.continue' });
    expect(h.view.inactivityWarning).toBeUndefined();
    expect(h.view.pin?.length).toBe(1);
    await h.advance(TIMING.inactivityLimitMs - 1);
    expect(h.screen).toBe('enter-current-pin');
  });

  it('every key press restarts the count', async () => {
    const h = kiosk();
    await toEnterNewPin(h);
    for (const key of 'ABC12') {
      await h.advance(TIMING.inactivityLimitMs - 1);
      await h.type(key);
    }
    expect(h.view).toMatchObject({ screen: 'enter-new-pin', pin: { length: 5 } });
  });

  it('a refused key does not count as activity', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    await h.advance(TIMING.inactivityWarningMs);
    await h.type('x');
    expect(h.view.inactivityWarning).toBe(true);
  });

  it('does not run while the kiosk is busy with the card or the API', async () => {
    const h = kiosk();
    h.actors.setDefault('lookupReservation', undefined);
    await toEnterNewPin(h);
    expect(h.screen).toBe('checking-reservation');
    await h.advance(TIMING.inactivityLimitMs * 2);
    expect(h.screen).toBe('checking-reservation');
    expect(h.view.inactivityWarning).toBeUndefined();
  });

  it('then shows take-card if the card is still there', async () => {
    const h = kiosk();
    await toEnterCurrentPin(h);
    await h.advance(TIMING.inactivityWarningMs);
    await h.advance(TIMING.inactivityLimitMs - TIMING.inactivityWarningMs);
    await h.advance(h.snapshot.context.timing.inactivityLimitMs);
    expect(h.screen).toBe('take-card');
    expect(h.emittedOf('session.ended')[0]).toMatchObject({ outcome: 'failed', error: 'session-timeout' });
  });
});
