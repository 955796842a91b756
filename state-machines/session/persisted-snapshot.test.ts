import { describe, expect, it } from 'vitest';
import { toEnterCurrentPin, toEnterNewPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

/** Typed on purpose: characters that appear nowhere else in a snapshot. */
const CURRENT = '7391';
const NEW = 'QZXW8264';

function persisted(h: SessionHarness): string {
  return JSON.stringify(h.actor.getPersistedSnapshot());
}

describe('persisted snapshot', () => {
  it('holds the lengths of the PINs being typed, never their characters', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('claimReservation', undefined);
    await toEnterCurrentPin(h);
    await h.type(CURRENT);
    const proving = persisted(h);
    expect(proving).toContain('"pinLengths":{"current":4,"new":0,"confirm":0}');
    expect(proving).not.toContain(CURRENT);

    await h.submit();
    await h.enter(NEW);
    await h.type(NEW);
    const confirming = persisted(h);
    expect(confirming).toContain('"pinLengths":{"current":0,"new":8,"confirm":8}');
    await h.submit();
    const resetting = persisted(h);
    for (const snapshot of [confirming, resetting]) {
      expect(snapshot).not.toContain(NEW);
      expect(snapshot).not.toContain(CURRENT);
    }
    // The runtime does hold the new PIN now, for the card: that is the only place it is.
    expect(h.pins.read('new')).toBe(NEW);
  });

  it('carries no PIN in the inputs of the invoked actors either', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('verifyCurrentPin', undefined);
    await toEnterCurrentPin(h);
    await h.enter(CURRENT);
    const snapshot = persisted(h);
    expect(snapshot).toContain('"verifyCurrentPin"');
    expect(snapshot).not.toContain(CURRENT);
  });

  it('holds no PIN state after the session ends', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    await h.type('ABC');
    await h.cancelSession();
    const { context } = h.actor.getPersistedSnapshot() as unknown as {
      context: { pinLengths: object; procedure: unknown; card: unknown };
    };
    expect(context).toMatchObject({
      pinLengths: { current: 0, new: 0, confirm: 0 },
      procedure: null,
      card: null,
    });
  });
});
