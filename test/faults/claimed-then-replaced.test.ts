import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PATHS } from '../../reservation-api/contract';
import {
  addKiosk,
  kioskPost,
  lookupBody,
  reserve,
  type TestApi,
  type TestKiosk,
  testApi,
} from '../../reservation-api/testing/test-api';
import { databaseViolations } from './support/database-invariants';

/**
 * A reservation claimed at a kiosk while the user makes a new one for the same card (the new one
 * cannot supersede a claimed reservation): when the old claim is then released, or its lapsed lease
 * is taken over, the old reservation must not become active beside the new one. Found by the crash
 * test's outbox, whose late release hit the one-active-reservation-per-card index and answered 500.
 */

let api: TestApi;
let kioskA: TestKiosk;
let kioskB: TestKiosk;

beforeEach(async () => {
  api = await testApi();
  kioskA = await addKiosk(api);
  kioskB = await addKiosk(api);
});
afterEach(async () => api.close());

async function created(): Promise<string> {
  const response = await reserve(api, api.pki.healthy);
  expect(response.statusCode).toBe(201);
  return (response.json() as { reservationId: string }).reservationId;
}

async function lookup(kiosk: TestKiosk): Promise<string> {
  const challenge = await kioskPost(api, kiosk, API_PATHS.kioskChallenge, {});
  const { nonce } = challenge.json() as { nonce: string };
  const response = await kioskPost(api, kiosk, API_PATHS.kioskLookup, lookupBody(api.pki.healthy, nonce));
  expect(response.statusCode).toBe(200);
  return (response.json() as { lookupId: string }).lookupId;
}

function claim(kiosk: TestKiosk, lookupId: string) {
  return kioskPost(api, kiosk, API_PATHS.kioskClaim, {
    lookupId,
    pinFile: 0x001b,
    cardChallenge: Buffer.alloc(8, 7).toString('base64'),
  });
}

function statusOf(reservationId: string): string {
  return (
    api.store.database.prepare('SELECT status FROM reservations WHERE id = ?').get(reservationId) as {
      status: string;
    }
  ).status;
}

describe('a claimed reservation replaced by a newer one of the same card', () => {
  it('released afterwards: it is superseded (not active beside the new one), and says so', async () => {
    const old = await created();
    const claimed = await claim(kioskA, await lookup(kioskA));
    expect(claimed.statusCode).toBe(200);
    const { claimId } = claimed.json() as { claimId: string };
    const newer = await created();

    const released = await kioskPost(api, kioskA, API_PATHS.kioskRelease, {
      claimId,
      reason: 'card-removed',
    });
    expect(released.statusCode).toBe(200);
    expect(released.json()).toEqual({ reservationId: old, status: 'superseded' });
    // Repeating the release answers the same.
    const again = await kioskPost(api, kioskA, API_PATHS.kioskRelease, { claimId, reason: 'card-removed' });
    expect(again.json()).toEqual({ reservationId: old, status: 'superseded' });
    expect([statusOf(old), statusOf(newer)]).toEqual(['superseded', 'active']);
    // The newer one is the card's reservation, usable at a kiosk.
    expect((await claim(kioskB, await lookup(kioskB))).statusCode).toBe(200);
    expect(databaseViolations(api.store.database)).toEqual([]);
  });

  it('its lapsed lease taken over by another kiosk with an earlier lookup: refused as superseded', async () => {
    const old = await created();
    const earlierLookup = await lookup(kioskB);
    expect((await claim(kioskA, await lookup(kioskA))).statusCode).toBe(200);
    api.clock.advance(150_000); // past the 2-minute lease, within the 3-minute lookup
    const newer = await created();

    const takeover = await claim(kioskB, earlierLookup);
    expect(takeover.json()).toMatchObject({ code: 'RESERVATION_SUPERSEDED' });
    expect([statusOf(old), statusOf(newer)]).toEqual(['superseded', 'active']);
    expect(databaseViolations(api.store.database)).toEqual([]);
  });
});
