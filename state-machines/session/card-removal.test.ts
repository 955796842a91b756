import { describe, expect, it } from 'vitest';
import type { SessionActorName } from './session-actors';
import { NEW_PIN, toEnterCurrentPin, toEnterNewPin, toResetting } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

/** A kiosk whose `held` actor waits, so the session stops in the state that invokes it. */
function kioskHolding(held?: SessionActorName): SessionHarness {
  const h = new SessionHarness();
  if (held) h.actors.setDefault(held, undefined);
  return h;
}

describe('card removed before it is used', () => {
  it('changes nothing on the screens before the card is read', async () => {
    const h = kioskHolding();
    await h.insertCard();
    await h.removeCard();
    expect(h.screen).toBe('idle');
    await h.insertCard();
    await h.send({ type: 'session.start' });
    await h.removeCard();
    expect(h.screen).toBe('choose-procedure');
    await h.insertCard();
    await h.send({ type: 'procedure.select', procedure: 'signature-pin' });
    await h.removeCard();
    expect(h.screen).toBe('consent');
    await h.send({ type: 'consent.accept' });
    expect(h.screen).toBe('place-card');
  });
});

describe('card removed while it is in use: card-removed, exchange cancelled, PINs wiped', () => {
  const cases: Array<[string, SessionActorName | undefined, (h: SessionHarness) => Promise<void>]> = [
    ['reading', 'readCard', (h) => toEnterCurrentPin(h)],
    [
      'enter-current-pin',
      undefined,
      async (h) => {
        await toEnterCurrentPin(h);
        await h.type('12');
      },
    ],
    [
      'verifying',
      'verifyCurrentPin',
      async (h) => {
        await toEnterCurrentPin(h);
        await h.enter('1234');
      },
    ],
    ['checking-reservation', 'lookupReservation', (h) => toEnterNewPin(h)],
    [
      'enter-new-pin',
      undefined,
      async (h) => {
        await toEnterNewPin(h);
        await h.type('ABC');
      },
    ],
    [
      'enter-new-pin (checking)',
      'checkNewPin',
      async (h) => {
        await toEnterNewPin(h);
        await h.enter('ABC123');
      },
    ],
    [
      'confirm-new-pin',
      undefined,
      async (h) => {
        await toEnterNewPin(h);
        await h.enter('ABC123');
        await h.type('AB');
      },
    ],
    ['resetting (claiming)', 'claimReservation', (h) => toResetting(h)],
  ];

  it.each(cases)('%s', async (_label, held, reach) => {
    const h = kioskHolding(held);
    await reach(h);
    const pending = held ? h.actors.callsOf(held).at(-1) : undefined;
    expect(pending?.settled ?? false).toBe(false);
    await h.removeCard();
    expect(h.view.error).toMatchObject({
      code: 'card-removed',
      displayCode: 'E-012',
      nextStep: 'start-again',
    });
    expect(pending?.signal.aborted ?? true).toBe(true);
    expect(h.pins.empty).toBe(true);
    expect(h.actors.callsOf('settleClaim')).toEqual([]);
    await h.send({ type: 'session.continue' });
    expect(h.screen).toBe('idle');
    expect(h.emittedOf('session.ended')[0]).toMatchObject({ outcome: 'failed', error: 'card-removed' });
  });
});

describe('card removed during the reset', () => {
  it.each(['authoriseReset', 'setNewPin', 'verifyNewPin'] as const)(
    'during %s, before the new PIN verified: the claim is released (card-removed)',
    async (held) => {
      const h = kioskHolding(held);
      await toResetting(h);
      const step = h.actors.callsOf(held)[0];
      await h.removeCard();
      expect(step?.signal.aborted).toBe(true);
      expect(h.actors.callsOf('settleClaim').map((call) => call.input)).toEqual([
        { outcome: 'release', reason: 'card-removed' },
      ]);
      expect(h.view.error?.code).toBe('card-removed');
      expect(h.pins.empty).toBe(true);
    },
  );

  it('after the new PIN verified: the reset is completed and the done screen shown', async () => {
    const h = kioskHolding('settleClaim');
    await toResetting(h);
    expect(h.kiosk).toBe('customer.settling.completing');
    await h.removeCard();
    const settle = h.actors.callsOf('settleClaim')[0];
    expect(settle?.input).toEqual({ outcome: 'complete' });
    expect(settle?.signal.aborted).toBe(false);
    h.actors.complete('settleClaim', { output: { recorded: true } });
    await h.settle();
    expect(h.screen).toBe('done');
    await h.send({ type: 'session.continue' });
    expect(h.screen).toBe('idle');
    expect(h.emittedOf('session.ended')[0]).toMatchObject({ outcome: 'completed' });
  });

  it('while the release is being recorded: it goes on to the error', async () => {
    const h = kioskHolding('settleClaim');
    h.actors.reply('setNewPin', { output: { result: 'refused', reason: 'wrong-format' } });
    await toResetting(h);
    await h.removeCard();
    expect(h.actors.callsOf('settleClaim')[0]?.signal.aborted).toBe(false);
    h.actors.complete('settleClaim', { output: { recorded: true } });
    await h.settle();
    expect(h.view.error?.code).toBe('reset-refused');
  });
});

describe('card removed after the session', () => {
  it('on the done screen: no take-card screen afterwards', async () => {
    const h = kioskHolding();
    await toResetting(h);
    await h.removeCard();
    expect(h.screen).toBe('done');
    await h.advance(h.snapshot.context.timing.inactivityLimitMs);
    expect(h.screen).toBe('idle');
  });

  it('on the error screen: straight back to idle', async () => {
    const h = kioskHolding();
    h.actors.reply('lookupReservation', { output: { result: 'refused', reason: 'no-reservation' } });
    await toEnterNewPin(h);
    await h.removeCard();
    expect(h.view.error?.code).toBe('no-reservation');
    await h.send({ type: 'session.continue' });
    expect(h.screen).toBe('idle');
  });

  it('on the take-card screen: the kiosk is ready for the next customer', async () => {
    const h = kioskHolding();
    await toResetting(h);
    await h.send({ type: 'session.continue' });
    expect(h.screen).toBe('take-card');
    await h.removeCard();
    expect(h.screen).toBe('idle');
    await h.enter(NEW_PIN['signature-pin']);
    expect(h.pins.empty).toBe(true);
  });
});
