import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardError } from '../../hardware/card-error';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import { type ApiHarness, startApiHarness, T0 } from './support/api-harness';
import { kioskClaim, kioskLookup, kioskResetAndComplete } from './support/kiosk-step';

/**
 * Step 1 (phone) and step 2 (kiosk) end to end over a real loopback server, with virtual cards of
 * the test PKI: both procedures, supersede, cancel, and expiry at exactly created + 24 h.
 */

const DAY = 24 * 60 * 60 * 1000;
let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api.close());

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KioskApiError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('both procedures, end to end', () => {
  it('resets a blocked signature PIN: reserve with the 4-digit PIN, reset at a Lawson kiosk, card verifies the new PIN', async () => {
    api.clock.set(T0);
    const cardPath = await api.issueCard('sign-pin-blocked');
    const reservation = await api.reserve(cardPath, 'signature-pin', '1234');
    expect(reservation).toMatchObject({ procedure: 'signature-pin', status: 'active', expiresAt: T0 + DAY });

    const lawson = await api.addKiosk('lawson');
    api.clock.advance(60 * 60 * 1000);
    const card = api.openCard(cardPath);
    const lookup = await kioskLookup(lawson.client, card, 'signature-pin', '1234');
    expect(lookup.reservationId).toBe(reservation.reservationId);
    const claim = await kioskClaim(lawson.client, card, 'signature-pin', lookup);
    const done = await kioskResetAndComplete(lawson.client, card, 'signature-pin', claim, 'NEWPIN42');
    expect(done).toMatchObject({ reservationId: reservation.reservationId, status: 'completed' });

    // The card took the new PIN (a fresh session: the counter is full again).
    const fresh = api.openCard(cardPath);
    expect(await fresh.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });
    await fresh.verifyPin('sign', Buffer.from('NEWPIN42'));

    expect(await api.phone.status(reservation.reservationId, reservation.reservationToken)).toMatchObject({
      status: 'completed',
    });
    expect(await refusal(kioskLookup(lawson.client, api.openCard(cardPath), 'signature-pin', '1234'))).toBe(
      'RESERVATION_USED',
    );
  });

  it('resets a blocked 4-digit PIN: reserve with the signature PIN, reset at a Seven-Eleven kiosk', async () => {
    api.clock.set(T0);
    const cardPath = await api.issueCard('auth-pin-blocked');
    const reservation = await api.reserve(cardPath, 'auth-pin', 'ABC123');
    const sevenEleven = await api.addKiosk('seven-eleven');
    const card = api.openCard(cardPath);
    const lookup = await kioskLookup(sevenEleven.client, card, 'auth-pin', 'ABC123');
    const claim = await kioskClaim(sevenEleven.client, card, 'auth-pin', lookup);
    const done = await kioskResetAndComplete(sevenEleven.client, card, 'auth-pin', claim, '5678');
    expect(done.reservationId).toBe(reservation.reservationId);
    const fresh = api.openCard(cardPath);
    expect(await fresh.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
  });

  it('refuses the auth-pin procedure at a chain that offers only the signature PIN', async () => {
    api.clock.set(T0);
    const cardPath = await api.issueCard('auth-pin-blocked');
    await api.reserve(cardPath, 'auth-pin', 'ABC123');
    const familyMart = await api.addKiosk('familymart');
    expect(await refusal(kioskLookup(familyMart.client, api.openCard(cardPath), 'auth-pin', 'ABC123'))).toBe(
      'PROCEDURE_NOT_OFFERED',
    );
  });

  it('lets a wrong PIN on the phone cost a try, as on the real card, and reserves nothing', async () => {
    const cardPath = await api.issueCard('healthy');
    await expect(api.reserve(cardPath, 'signature-pin', '9999')).rejects.toMatchObject({
      reason: 'wrong-pin',
      triesLeft: 2,
    });
    expect(await api.openCard(cardPath).pinStatus('auth')).toEqual({ triesLeft: 2, blocked: false });
  });

  it('a card whose reset the API did not authorise refuses the reset (wrong cryptogram)', async () => {
    api.clock.set(T0);
    const cardPath = await api.issueCard('sign-pin-blocked');
    await api.reserve(cardPath, 'signature-pin', '1234');
    const kiosk = await api.addKiosk('ministop');
    const card = api.openCard(cardPath);
    const lookup = await kioskLookup(kiosk.client, card, 'signature-pin', '1234');
    const claim = await kioskClaim(kiosk.client, card, 'signature-pin', lookup);
    const forged = { ...claim, cryptogram: Buffer.alloc(16, 7).toString('base64') };
    await expect(
      kioskResetAndComplete(kiosk.client, card, 'signature-pin', forged, 'NEWPIN42'),
    ).rejects.toSatisfy((error: unknown) => error instanceof CardError && error.kind === 'reset-refused');
    expect((await kiosk.client.release({ claimId: claim.claimId, reason: 'reset-failed' })).status).toBe(
      'active',
    );
  });
});

describe('supersede, cancel, expiry', () => {
  let cardPath: string;

  beforeAll(async () => {
    cardPath = await api.issueCard('sign-pin-blocked');
  });

  it('a new reservation supersedes the active one of the same card and procedure', async () => {
    api.clock.set(T0 + 1000);
    const first = await api.reserve(cardPath, 'signature-pin', '1234');
    api.clock.advance(1000);
    const second = await api.reserve(cardPath, 'signature-pin', '1234');
    expect((await api.phone.status(first.reservationId, first.reservationToken)).status).toBe('superseded');
    expect((await api.phone.status(second.reservationId, second.reservationToken)).status).toBe('active');
    const kiosk = await api.addKiosk('seven-eleven');
    const lookup = await kioskLookup(kiosk.client, api.openCard(cardPath), 'signature-pin', '1234');
    expect(lookup.reservationId).toBe(second.reservationId);
  });

  it('a cancelled reservation is refused at the kiosk', async () => {
    api.clock.set(T0 + 10_000);
    const reservation = await api.reserve(cardPath, 'signature-pin', '1234');
    expect((await api.phone.cancel(reservation.reservationId, reservation.reservationToken)).status).toBe(
      'cancelled',
    );
    const kiosk = await api.addKiosk('lawson');
    expect(await refusal(kioskLookup(kiosk.client, api.openCard(cardPath), 'signature-pin', '1234'))).toBe(
      'RESERVATION_CANCELLED',
    );
  });

  it('is usable until the last millisecond before created + 24 h and expired exactly then', async () => {
    const created = T0 + 20_000;
    api.clock.set(created);
    const reservation = await api.reserve(cardPath, 'signature-pin', '1234');
    const kiosk = await api.addKiosk('lawson');
    // Kiosk signatures carry the kiosk clock; both clocks are the injected one.
    api.clock.set(created + DAY - 1);
    const lookup = await kioskLookup(kiosk.client, api.openCard(cardPath), 'signature-pin', '1234');
    expect(lookup.expiresAt).toBe(created + DAY);
    api.clock.set(created + DAY);
    expect(await refusal(kioskLookup(kiosk.client, api.openCard(cardPath), 'signature-pin', '1234'))).toBe(
      'RESERVATION_EXPIRED',
    );
    expect((await api.phone.status(reservation.reservationId, reservation.reservationToken)).status).toBe(
      'expired',
    );
  });

  it('lets a claim made before the 24 h are up complete after them', async () => {
    const created = T0 + 30_000;
    api.clock.set(created);
    const reservation = await api.reserve(cardPath, 'signature-pin', '1234');
    const kiosk = await api.addKiosk('lawson');
    api.clock.set(created + DAY - 1);
    const card = api.openCard(cardPath);
    const lookup = await kioskLookup(kiosk.client, card, 'signature-pin', '1234');
    const claim = await kioskClaim(kiosk.client, card, 'signature-pin', lookup);
    api.clock.set(created + DAY + 30_000);
    const done = await kioskResetAndComplete(kiosk.client, card, 'signature-pin', claim, 'LATEPIN9');
    expect(done).toMatchObject({
      reservationId: reservation.reservationId,
      completedAt: created + DAY + 30_000,
    });
  });
});
