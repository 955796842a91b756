import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JpkiClient } from '../../hardware/jpki/jpki-client';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import { API_PATHS, type ClaimRequest, resetPinFileOf, resetPinOf } from '../../reservation-api/contract';
import { claimRequestDigest } from '../../reservation-api/services/kiosk-operations';
import { type ApiHarness, type HarnessKiosk, startApiHarness, T0 } from './support/api-harness';
import { kioskLookup, kioskResetAndComplete } from './support/kiosk-step';

/**
 * A claim whose answer was lost, asked again by the same kiosk with the same body (the kiosk's one
 * retry), over a real server: answered identically — same claim id, lease and cryptogram, which
 * the card accepts — with exactly one claim; every other reuse of the used lookup stays
 * LOOKUP_INVALID.
 */

const LEASE_MS = 2 * 60_000;
const HOUR = 60 * 60_000;
const NEW_PIN = 'NEWPIN42';

let api: ApiHarness;
let kiosk: HarnessKiosk;
let otherKiosk: HarnessKiosk;
let round = 0;

beforeAll(async () => {
  api = await startApiHarness({ policy: { leaseMs: LEASE_MS } });
  kiosk = await api.addKiosk('seven-eleven');
  otherKiosk = await api.addKiosk('lawson');
});
afterAll(async () => api.close());

beforeEach(() => {
  round += 1;
  api.clock.set(T0 + round * HOUR);
});

/** The refusal code, or the answer. */
async function outcome<T>(promise: Promise<T>): Promise<T | string> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof KioskApiError) return error.code;
    throw error;
  }
}

/** A fresh card with a signature-PIN reservation, looked up and claimed by `kiosk`. */
async function claimed() {
  const cardPath = await api.issueCard('sign-pin-blocked');
  const reservation = await api.reserve(cardPath, 'signature-pin', '1234');
  const card = api.openCard(cardPath);
  const lookup = await kioskLookup(kiosk.client, card, 'signature-pin', '1234');
  const body = await claimBody(card, lookup.lookupId);
  const first = await kiosk.client.claim(body);
  return { cardPath, card, reservation, body, first };
}

/** GET CHALLENGE on the signature PIN file and the claim body for it. */
async function claimBody(card: JpkiClient, lookupId: string): Promise<ClaimRequest> {
  const challenge = await card.beginReset(resetPinOf('signature-pin'));
  return {
    lookupId,
    pinFile: resetPinFileOf('signature-pin'),
    cardChallenge: Buffer.from(challenge).toString('base64'),
  };
}

/** The API's kiosk-operation counter for `operation` (0 before the first). */
async function operationsCounted(operation: string): Promise<number> {
  const text = (await api.app.inject({ method: 'GET', url: API_PATHS.metrics })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`reservation_api_kiosk_operations_total{operation="${operation}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function claimTrail(reservationId: string) {
  const audit = await api.store.auditEntries({ reservationId, limit: 100 });
  const rows = api.store.database
    .prepare<[string], { id: string }>('SELECT id FROM claims WHERE reservation_id = ?')
    .all(reservationId);
  return {
    claimRows: rows.map((row) => row.id),
    claims: audit.filter((entry) => entry.action === 'claim').map((entry) => entry.outcome),
    replays: audit.filter((entry) => entry.action === 'claim-replay').length,
  };
}

describe('a claim asked again by its kiosk with the same body', () => {
  it('is answered identically, once claimed, and its cryptogram resets the card', async () => {
    const { cardPath, card, reservation, body, first } = await claimed();
    const [claimsBefore, replaysBefore] = [
      await operationsCounted('claim'),
      await operationsCounted('claim-replay'),
    ];
    api.clock.advance(10_000);
    const again = await kiosk.client.claim(body);
    // Counted as a replay, not as a second claim.
    expect(await operationsCounted('claim')).toBe(claimsBefore);
    expect(await operationsCounted('claim-replay')).toBe(replaysBefore + 1);
    expect(again).toEqual(first);
    expect(again.leaseExpiresAt).toBe(T0 + round * HOUR + LEASE_MS);
    expect(await claimTrail(reservation.reservationId)).toEqual({
      claimRows: [first.claimId],
      claims: ['ok'],
      replays: 1,
    });

    await kioskResetAndComplete(kiosk.client, card, 'signature-pin', again, NEW_PIN);
    const status = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(status.status).toBe('completed');
    await expect(
      api.openCard(cardPath).verifyPin('sign', Buffer.from(NEW_PIN, 'latin1')),
    ).resolves.toBeUndefined();
  });

  it('is answered up to (not at) the lease expiry', async () => {
    const { body, first } = await claimed();
    api.clock.advance(LEASE_MS - 1);
    expect(await kiosk.client.claim(body)).toEqual(first);
    api.clock.advance(1);
    expect(await outcome(kiosk.client.claim(body))).toBe('LOOKUP_INVALID');
  });
});

describe('any other reuse of a used lookup is refused', () => {
  it('by another kiosk, with the same body', async () => {
    const { reservation, body } = await claimed();
    expect(await outcome(otherKiosk.client.claim(body))).toBe('LOOKUP_INVALID');
    expect(await claimTrail(reservation.reservationId)).toMatchObject({ claims: ['ok'], replays: 0 });
  });

  it('with another card challenge', async () => {
    const { card, reservation, body } = await claimed();
    const otherChallenge = await claimBody(card, body.lookupId);
    expect(otherChallenge.cardChallenge).not.toBe(body.cardChallenge);
    expect(await outcome(kiosk.client.claim(otherChallenge))).toBe('LOOKUP_INVALID');
    expect(await claimTrail(reservation.reservationId)).toMatchObject({ claims: ['ok'], replays: 0 });
  });

  it('after the claim was released', async () => {
    const { body, first } = await claimed();
    await kiosk.client.release({ claimId: first.claimId, reason: 'card-removed' });
    expect(await outcome(kiosk.client.claim(body))).toBe('LOOKUP_INVALID');
  });

  it('after the claim was completed', async () => {
    const { card, body, first } = await claimed();
    await kioskResetAndComplete(kiosk.client, card, 'signature-pin', first, NEW_PIN);
    expect(await outcome(kiosk.client.claim(body))).toBe('LOOKUP_INVALID');
  });
});

describe('the claim request digest kept with a claim', () => {
  const body = { pinFile: resetPinFileOf('signature-pin'), cardChallenge: 'AAECAwQFBgc=' };

  it('is the same for the same body and differs with the PIN file or the card challenge', () => {
    expect(claimRequestDigest({ ...body })).toBe(claimRequestDigest(body));
    expect(claimRequestDigest({ ...body, pinFile: resetPinFileOf('auth-pin') })).not.toBe(
      claimRequestDigest(body),
    );
    expect(claimRequestDigest({ ...body, cardChallenge: 'AAECAwQFBgg=' })).not.toBe(claimRequestDigest(body));
  });

  it('is a SHA-256 hex that does not contain the challenge', () => {
    const digest = claimRequestDigest(body);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).not.toContain(Buffer.from(body.cardChallenge, 'base64').toString('hex'));
  });
});
