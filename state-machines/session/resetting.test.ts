import { describe, expect, it } from 'vitest';
import { MORNING, myNumberCard, validityEnding } from './testing/fixtures';
import { toResetting } from './testing/flows';
import { SessionHarness } from './testing/session-harness';

describe('the reset, end to end', () => {
  it('signature-pin: proves the 4-digit PIN, sets the signature PIN, verifies it, completes', async () => {
    const h = new SessionHarness();
    await toResetting(h, 'signature-pin');
    expect(h.screen).toBe('done');
    expect(h.actors.calls.map((call) => [call.name, call.input])).toEqual([
      ['readCard', { procedure: 'signature-pin' }],
      ['precheckReservation', { procedure: 'signature-pin' }],
      ['verifyCurrentPin', { pin: 'auth' }],
      ['lookupReservation', { procedure: 'signature-pin' }],
      ['checkNewPin', { pin: 'sign', stage: 'new' }],
      ['checkNewPin', { pin: 'sign', stage: 'confirm' }],
      ['claimReservation', { procedure: 'signature-pin', reservationId: 'rsv-1' }],
      ['authoriseReset', { pin: 'sign' }],
      ['setNewPin', { pin: 'sign' }],
      ['verifyNewPin', { pin: 'sign' }],
      ['settleClaim', { outcome: 'complete' }],
    ]);
    expect(h.pins.empty).toBe(true);
    await h.send({ type: 'session.continue' });
    expect(h.emittedOf('session.ended')).toEqual([
      { type: 'session.ended', outcome: 'completed', procedure: 'signature-pin', error: null },
    ]);
  });

  it('auth-pin: proves the signature PIN, sets a new 4-digit PIN', async () => {
    const h = new SessionHarness();
    await toResetting(h, 'auth-pin');
    expect(h.view).toMatchObject({
      screen: 'done',
      procedure: 'auth-pin',
      title: { key: 'screen.done.title.auth-pin' },
    });
    expect(h.actors.callsOf('verifyCurrentPin')[0]?.input).toEqual({ pin: 'sign' });
    expect(h.actors.callsOf('setNewPin')[0]?.input).toEqual({ pin: 'auth' });
  });

  it('shows progress and "do not move the card" through every step', async () => {
    const h = new SessionHarness({ replies: 'manual' });
    h.actors.reply('readCard', { output: myNumberCard() });
    h.actors.reply('verifyCurrentPin', { output: { result: 'verified' } });
    h.actors.reply('lookupReservation', {
      output: { result: 'found', reservation: { id: 'r', procedure: 'signature-pin', expiresAt: Infinity } },
    });
    await toResetting(h);
    const seen: Array<number | undefined> = [h.view.progress];
    for (const [name, output] of [
      ['claimReservation', { result: 'claimed' }],
      ['authoriseReset', { result: 'authorised' }],
      ['setNewPin', { result: 'set' }],
      ['verifyNewPin', { result: 'verified', certificate: null }],
    ] as const) {
      h.actors.complete(name, { output } as never);
      await h.settle();
      seen.push(h.view.progress);
      expect(h.view.doNotMoveCard).toBe(true);
    }
    expect(seen).toEqual([0.6, 0.7, 0.8, 0.9, 1]);
  });

  it('ignores a cancel tap once the reset has begun', async () => {
    const h = new SessionHarness();
    h.actors.setDefault('authoriseReset', undefined);
    await toResetting(h);
    await h.cancelSession();
    expect(h.screen).toBe('resetting');
    expect(h.view.dialog).toBeUndefined();
    h.actors.complete('authoriseReset', { output: { result: 'authorised' } });
    await h.settle();
    expect(h.screen).toBe('done');
  });
});

describe('the done screen', () => {
  it('shows the validity of the certificate whose PIN was reset, and no hint far from its end', async () => {
    const h = new SessionHarness();
    h.actors.reply('verifyNewPin', {
      output: { result: 'verified', certificate: validityEnding(MORNING, 200) },
    });
    await toResetting(h);
    expect(h.view.certificate).toEqual({
      validFrom: '2021-06-03',
      validUntil: '2025-12-19',
      renewalHint: false,
      renewalOpensOn: '2025-09-19',
    });
  });

  it('hints at renewal when the certificate ends within 3 months', async () => {
    const h = new SessionHarness();
    h.actors.reply('verifyNewPin', {
      output: { result: 'verified', certificate: validityEnding(MORNING, 60) },
    });
    await toResetting(h);
    expect(h.view.certificate).toMatchObject({ validUntil: '2025-08-01', renewalHint: true });
  });

  it("falls back to the authentication certificate's validity", async () => {
    const h = new SessionHarness();
    await toResetting(h, 'auth-pin');
    expect(h.view.certificate?.validUntil).toBe('2027-06-02');
  });
});

describe('a reset that does not happen', () => {
  it.each([
    ['reservation-used', 'reservation-used'],
    ['reservation-expired', 'reservation-expired'],
    ['reservation-in-use', 'reservation-in-use'],
    ['outside-hours', 'outside-hours'],
  ] as const)('claim refused (%s): %s, nothing to release', async (reason, code) => {
    const h = new SessionHarness();
    h.actors.reply('claimReservation', { output: { result: 'refused', reason } });
    await toResetting(h);
    expect(h.view.error?.code).toBe(code);
    expect(h.actors.callsOf('authoriseReset')).toEqual([]);
    expect(h.actors.callsOf('settleClaim')).toEqual([]);
  });

  it('claim unreachable: service-unreachable, nothing changed on the card, nothing to release', async () => {
    const h = new SessionHarness();
    h.actors.reply('claimReservation', { failure: 'service-unreachable' });
    await toResetting(h);
    expect(h.view.error).toMatchObject({ code: 'service-unreachable' });
    expect(h.actors.callsOf('settleClaim')).toEqual([]);
  });

  it('the card lost the PIN proof before the claim: pin-proof-lost (E-015, start again), nothing to release', async () => {
    const h = new SessionHarness();
    h.actors.reply('claimReservation', { failure: 'pin-proof-lost' });
    await toResetting(h);
    expect(h.view.error).toMatchObject({
      code: 'pin-proof-lost',
      displayCode: 'E-015',
      nextStep: 'start-again',
    });
    expect(h.actors.callsOf('authoriseReset')).toEqual([]);
    expect(h.actors.callsOf('settleClaim')).toEqual([]);
  });

  it.each([
    ['authoriseReset', { result: 'refused', reason: 'wrong-cryptogram' }],
    ['authoriseReset', { result: 'refused', reason: 'reset-blocked' }],
    ['setNewPin', { result: 'refused', reason: 'wrong-format' }],
    ['verifyNewPin', { result: 'rejected' }],
  ] as const)('%s answers %j: reset-refused, the claim is released', async (name, output) => {
    const h = new SessionHarness();
    h.actors.reply(name, { output } as never);
    await toResetting(h);
    expect(h.view.error).toMatchObject({ code: 'reset-refused', displayCode: 'E-051' });
    expect(h.actors.callsOf('settleClaim').map((call) => call.input)).toEqual([
      { outcome: 'release', reason: 'reset-failed' },
    ]);
    await h.send({ type: 'session.continue' });
    expect(h.emittedOf('session.ended')[0]).toMatchObject({ outcome: 'failed', error: 'reset-refused' });
  });

  it('a card that stops answering mid-reset: card-unreadable, released as reset-failed', async () => {
    const h = new SessionHarness();
    h.actors.reply('setNewPin', { failure: 'card-unreadable' });
    await toResetting(h);
    expect(h.view.error?.code).toBe('card-unreadable');
    expect(h.actors.callsOf('settleClaim')[0]?.input).toEqual({ outcome: 'release', reason: 'reset-failed' });
  });

  it('shows the error while the release is being recorded', async () => {
    const h = new SessionHarness();
    h.actors.reply('authoriseReset', { output: { result: 'refused', reason: 'wrong-cryptogram' } });
    h.actors.setDefault('settleClaim', undefined);
    await toResetting(h);
    expect(h.kiosk).toBe('customer.settling.releasing');
    expect(h.view.error?.code).toBe('reset-refused');
  });
});

describe('settling with the API', () => {
  it('shows done and alerts the operators when the completion cannot be recorded', async () => {
    const h = new SessionHarness();
    h.actors.reply('settleClaim', { error: new Error('disk full') });
    await toResetting(h);
    expect(h.screen).toBe('done');
    expect(h.emittedOf('alert')).toEqual([{ type: 'alert', alert: 'settlement-not-recorded' }]);
  });

  it('alerts the operators when a release cannot be recorded (the lease will lapse)', async () => {
    const h = new SessionHarness();
    h.actors.reply('setNewPin', { output: { result: 'refused', reason: 'not-authorised' } });
    h.actors.reply('settleClaim', { error: new Error('disk full') });
    await toResetting(h);
    expect(h.view.error?.code).toBe('reset-refused');
    expect(h.emittedOf('alert')).toEqual([{ type: 'alert', alert: 'settlement-not-recorded' }]);
  });
});
