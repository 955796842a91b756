import { describe, expect, it } from 'vitest';
import type { CustomerErrorId } from './customer-errors';
import { REFUSAL_REASONS, type RefusalReason } from './session-actors';
import { toEnterCurrentPin, toResetting } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

/** What the customer is told, before any PIN, for each refusal of the reservation check. */
const TOLD: Record<RefusalReason, CustomerErrorId> = {
  'no-reservation': 'no-reservation',
  'reservation-expired': 'reservation-expired',
  'reservation-used': 'reservation-used',
  'reservation-cancelled': 'no-reservation',
  'reservation-in-use': 'reservation-in-use',
  'procedure-not-offered': 'procedure-not-offered',
  'auth-certificate-expired': 'auth-certificate-expired',
  'certificate-revoked': 'certificate-revoked',
  'signature-certificate-revoked': 'signature-certificate-revoked',
  'card-not-trusted': 'not-my-number-card',
  'card-mismatch': 'card-mismatch',
  'outside-hours': 'outside-hours',
  'reservation-other-procedure': 'reservation-other-procedure',
};

describe('checking the reservation before any PIN', () => {
  it('asks the API as soon as the card is read, on a busy screen, before the PIN screen', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('precheckReservation', undefined);
    await h.startSession('auth-pin');
    await h.insertCard();
    expect(h.kiosk).toBe('customer.underway.withCard.precheckingReservation');
    expect(h.view).toMatchObject({ screen: 'checking-reservation', doNotMoveCard: true });
    expect(h.actors.callsOf('precheckReservation').map((call) => call.input)).toEqual([
      { procedure: 'auth-pin' },
    ]);
    expect(h.actors.callsOf('verifyCurrentPin')).toEqual([]);
    h.actors.complete('precheckReservation', { output: { result: 'usable' } });
    await h.settle();
    expect(h.screen).toBe('enter-current-pin');
    expect(h.snapshot.context.admitted).toBe(true);
  });

  it.each(REFUSAL_REASONS.map((reason) => [reason, TOLD[reason]] as const))(
    'tells a %s refusal as %s before the PIN screen: no card try spent',
    async (reason, told) => {
      const h = new SessionHarness();
      h.actors.reply('precheckReservation', { output: { result: 'refused', reason } });
      await toEnterCurrentPin(h);
      expect(h.screen).toBe('error');
      expect(h.view.error?.code).toBe(told);
      // Never on a PIN screen, so no PIN was typed, and the card was never asked to VERIFY.
      expect(h.actors.callsOf('verifyCurrentPin')).toEqual([]);
      expect(h.actors.callsOf('lookupReservation')).toEqual([]);
      expect(h.actors.callsOf('claimReservation')).toEqual([]);
      expect(h.snapshot.context.admitted).toBe(false);
      expect(h.snapshot.context.card?.pins).toEqual({ auth: { triesLeft: 3 }, sign: { triesLeft: 5 } });
    },
  );

  it('says an expired reservation with E-042 and the way out (reserve again in the app)', async () => {
    const h = new SessionHarness();
    h.actors.reply('precheckReservation', { output: { result: 'refused', reason: 'reservation-expired' } });
    await toEnterCurrentPin(h);
    expect(h.view.error).toMatchObject({
      code: 'reservation-expired',
      displayCode: 'E-042',
      nextStep: 'reserve-in-app',
    });
  });

  it('sends the customer to the other procedure when the reservation is for it and it is offered here', async () => {
    const h = new SessionHarness();
    h.actors.reply('precheckReservation', {
      output: { result: 'refused', reason: 'reservation-other-procedure' },
    });
    await toEnterCurrentPin(h, 'signature-pin');
    expect(h.view.error).toMatchObject({
      code: 'reservation-other-procedure',
      displayCode: 'E-046',
      nextStep: 'choose-other-procedure',
    });
  });

  it('sends the customer to another store when the other procedure is not offered here', async () => {
    const h = new SessionHarness({ input: { offeredProcedures: ['signature-pin'] } });
    h.actors.reply('precheckReservation', {
      output: { result: 'refused', reason: 'reservation-other-procedure' },
    });
    await toEnterCurrentPin(h);
    expect(h.view.error).toMatchObject({ code: 'reservation-other-procedure', nextStep: 'use-other-store' });
  });

  it('says the service is unreachable when the check cannot be made (nothing changed on the card)', async () => {
    const h = new SessionHarness();
    h.actors.reply('precheckReservation', { failure: 'service-unreachable' });
    await toEnterCurrentPin(h);
    expect(h.view.error).toMatchObject({ code: 'service-unreachable', displayCode: 'E-003' });
    const untyped = new SessionHarness();
    untyped.actors.reply('precheckReservation', { error: new TypeError('boom') });
    await toEnterCurrentPin(untyped);
    expect(untyped.view.error?.code).toBe('service-unreachable');
  });

  it('ends with card-removed when the card leaves during the check, and cancels the exchange', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('precheckReservation', undefined);
    await toEnterCurrentPin(h);
    await h.removeCard();
    expect(h.view.error?.code).toBe('card-removed');
    expect(h.actors.callsOf('precheckReservation')[0]?.signal.aborted).toBe(true);
  });

  it('grants nothing: the card proof after the PIN still comes before the claim', async () => {
    const h = new SessionHarness();
    await toResetting(h);
    const order = h.actors.calls.map((call) => call.name);
    expect(order.slice(0, 4)).toEqual([
      'readCard',
      'precheckReservation',
      'verifyCurrentPin',
      'lookupReservation',
    ]);
    expect(order.indexOf('claimReservation')).toBeGreaterThan(order.indexOf('lookupReservation'));
  });

  it('forgets the admission when the session is stopped, not when stopping is only asked', async () => {
    const h = new SessionHarness();
    await toEnterCurrentPin(h);
    expect(h.snapshot.context.admitted).toBe(true);
    // やめる only asks: the session, and its admission, goes on until "yes, stop".
    await h.send({ type: 'session.cancel' });
    expect(h.view.dialog).toBe('confirm-cancel');
    expect(h.snapshot.context.admitted).toBe(true);
    await h.send({ type: 'cancel.confirm' });
    expect(h.screen).toBe('take-card');
    expect(h.snapshot.context.admitted).toBe(false);
  });

  it('forgets the admission when a result screen ends the session (it waits, then times out)', async () => {
    const h = new SessionHarness();
    await toResetting(h);
    expect(h.screen).toBe('done');
    expect(h.snapshot.context.admitted).toBe(true);
    await h.advance(h.snapshot.context.timing.inactivityLimitMs);
    expect(h.screen).toBe('take-card');
    expect(h.snapshot.context.admitted).toBe(false);
  });
});
