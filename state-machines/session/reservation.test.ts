import { describe, expect, it } from 'vitest';
import type { CustomerErrorId } from './customer-errors';
import { REFUSAL_REASONS, type RefusalReason } from './session-actors';
import { toEnterNewPin } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

/** What the customer is told for each refusal of the API. */
const EXPECTED: Record<RefusalReason, CustomerErrorId> = {
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

describe('checking the reservation', () => {
  it('looks the reservation up for the chosen procedure once the PIN is proven', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('lookupReservation', undefined);
    await toEnterNewPin(h, 'auth-pin');
    expect(h.view).toMatchObject({ screen: 'checking-reservation', doNotMoveCard: true });
    expect(h.actors.callsOf('lookupReservation')[0]?.input).toEqual({ procedure: 'auth-pin' });
  });

  it('keeps the reservation found and asks for the new PIN', async () => {
    const h = new SessionHarness();
    await toEnterNewPin(h);
    expect(h.snapshot.context.reservation).toEqual({
      id: 'rsv-1',
      procedure: 'signature-pin',
      expiresAt: Infinity,
    });
    expect(h.screen).toBe('enter-new-pin');
  });

  it.each(REFUSAL_REASONS.map((reason) => [reason, EXPECTED[reason]] as const))(
    'tells a %s refusal as %s',
    async (reason, code) => {
      const h = new SessionHarness();
      h.actors.reply('lookupReservation', { output: { result: 'refused', reason } });
      await toEnterNewPin(h);
      expect(h.view.error?.code).toBe(code);
      expect(h.actors.callsOf('claimReservation')).toEqual([]);
    },
  );

  it('says "no reservation" in words that also cover one made with another card', async () => {
    const h = new SessionHarness();
    h.actors.reply('lookupReservation', { output: { result: 'refused', reason: 'no-reservation' } });
    await toEnterNewPin(h);
    expect(h.view.error).toMatchObject({
      code: 'no-reservation',
      displayCode: 'E-041',
      nextStep: 'reserve-in-app',
    });
  });

  it('treats a reservation for the other procedure as none', async () => {
    const h = new SessionHarness();
    h.actors.reply('lookupReservation', {
      output: { result: 'found', reservation: { id: 'rsv-9', procedure: 'auth-pin', expiresAt: Infinity } },
    });
    await toEnterNewPin(h, 'signature-pin');
    expect(h.view.error?.code).toBe('no-reservation');
  });

  it('says the service is unreachable (nothing changed on the card) when the API cannot be reached', async () => {
    const h = new SessionHarness();
    h.actors.reply('lookupReservation', { failure: 'service-unreachable' });
    await toEnterNewPin(h);
    expect(h.view.error).toMatchObject({ code: 'service-unreachable', displayCode: 'E-003' });
  });

  it('treats an untyped failure of the lookup as the service being unreachable', async () => {
    const h = new SessionHarness();
    h.actors.reply('lookupReservation', { error: new TypeError('boom') });
    await toEnterNewPin(h);
    expect(h.view.error?.code).toBe('service-unreachable');
  });

  it('offers only the procedures of the chain, and skips the choice when there is one', async () => {
    const both = new SessionHarness();
    await both.send({ type: 'session.start' });
    expect(both.view).toMatchObject({
      screen: 'choose-procedure',
      procedures: ['signature-pin', 'auth-pin'],
    });

    const lawson = new SessionHarness({ input: { offeredProcedures: ['signature-pin'] } });
    await lawson.send({ type: 'session.start' });
    expect(lawson.view).toMatchObject({ screen: 'consent', procedure: 'signature-pin' });
    await lawson.send({ type: 'procedure.select', procedure: 'auth-pin' });
    expect(lawson.snapshot.context.procedure).toBe('signature-pin');
  });

  it('keeps one of each procedure the chain offers', () => {
    const h = new SessionHarness({ input: { offeredProcedures: ['auth-pin', 'auth-pin', 'signature-pin'] } });
    expect(h.snapshot.context.offeredProcedures).toEqual(['auth-pin', 'signature-pin']);
  });
});
