import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveCardResetKey, resetCryptogram } from '../../hardware/jpki/reset-crypto';
import { Fid } from '../../hardware/jpki/constants';
import { cardProofSignature } from '../testing/fixture-pki';
import {
  addKiosk,
  kioskPost,
  lookupBody,
  reserve,
  T0,
  type TestApi,
  testApi,
  type TestKiosk,
} from '../testing/test-api';

let api: TestApi;
let sevenEleven: TestKiosk;
let lawson: TestKiosk;

const CARD_CHALLENGE = Buffer.from('0102030405060708', 'hex');
// The day after T0, so every window test finds its own reservation as the card's latest.
const jst = (time: string) => Date.parse(`2026-11-24T${time}+09:00`);

beforeAll(async () => {
  api = await testApi({ policy: { cardAttemptsPerWindow: 10_000, phoneRequestsPerMinute: 10_000 } });
  sevenEleven = await addKiosk(api, 'seven-eleven');
  lawson = await addKiosk(api, 'lawson');
});
afterAll(async () => api.close());

function codeOf(response: { statusCode: number; json(): unknown }) {
  return { status: response.statusCode, code: (response.json() as { code?: string }).code };
}

async function kioskChallenge(kiosk: TestKiosk): Promise<string> {
  const response = await kioskPost(api, kiosk, '/v1/kiosk/challenge', {});
  expect(response.statusCode).toBe(200);
  return (response.json() as { nonce: string }).nonce;
}

async function lookup(
  kiosk: TestKiosk,
  card = api.pki.other,
  procedure: 'signature-pin' | 'auth-pin' = 'signature-pin',
) {
  const nonce = await kioskChallenge(kiosk);
  return kioskPost(api, kiosk, '/v1/kiosk/lookup', lookupBody(card, nonce, procedure));
}

async function claim(kiosk: TestKiosk, lookupId: string, pinFile: number = Fid.signPin) {
  return kioskPost(api, kiosk, '/v1/kiosk/claim', {
    lookupId,
    pinFile,
    cardChallenge: CARD_CHALLENGE.toString('base64'),
  });
}

describe('kiosk: authentication (RFC 9421)', () => {
  it('refuses an unsigned request', async () => {
    const response = await api.app.inject({ method: 'POST', url: '/v1/kiosk/challenge', payload: {} });
    expect(codeOf(response)).toEqual({ status: 401, code: 'KIOSK_UNAUTHENTICATED' });
  });

  it('refuses an unknown kiosk and a signature by another key', async () => {
    const stranger: TestKiosk = { ...sevenEleven, kioskId: 'unknown-kiosk' };
    expect(codeOf(await kioskPost(api, stranger, '/v1/kiosk/challenge', {}))).toEqual({
      status: 401,
      code: 'KIOSK_UNAUTHENTICATED',
    });
    const impostor: TestKiosk = { ...sevenEleven, privateKey: lawson.privateKey };
    expect(codeOf(await kioskPost(api, impostor, '/v1/kiosk/challenge', {}))).toEqual({
      status: 401,
      code: 'KIOSK_UNAUTHENTICATED',
    });
  });

  it('refuses a signature made for another path (the path is covered)', async () => {
    const signedForChallenge = await kioskPost(
      api,
      sevenEleven,
      '/v1/kiosk/challenge',
      {},
      { nonce: 'n'.repeat(22) },
    );
    expect(signedForChallenge.statusCode).toBe(200);
    const { signKioskRequest } = await import('../../kiosk/api-client/request-signer');
    const body = Buffer.from('{}');
    const headers = await signKioskRequest(sevenEleven, {
      method: 'POST',
      url: 'http://x/v1/kiosk/challenge',
      body,
      now: api.clock.now(),
    });
    const moved = await api.app.inject({
      method: 'POST',
      url: '/v1/kiosk/heartbeat',
      payload: body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(codeOf(moved)).toEqual({ status: 401, code: 'KIOSK_UNAUTHENTICATED' });
  });

  it('refuses a body that does not match the signed Content-Digest', async () => {
    const { contentDigest } = await import('../contract');
    const response = await kioskPost(
      api,
      sevenEleven,
      '/v1/kiosk/challenge',
      {},
      { headers: { 'content-digest': contentDigest('{"other":1}') } },
    );
    // The digest header is covered by the signature: changing it breaks the signature first.
    expect(codeOf(response)).toEqual({ status: 401, code: 'KIOSK_UNAUTHENTICATED' });
  });

  it('refuses a body that differs from the one whose digest was signed', async () => {
    const { signKioskRequest } = await import('../../kiosk/api-client/request-signer');
    const headers = await signKioskRequest(sevenEleven, {
      method: 'POST',
      url: 'http://x/v1/kiosk/challenge',
      body: Buffer.from('{}'),
      now: api.clock.now(),
    });
    const swapped = await api.app.inject({
      method: 'POST',
      url: '/v1/kiosk/challenge',
      payload: '{ }',
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(codeOf(swapped)).toEqual({ status: 400, code: 'CONTENT_DIGEST_MISMATCH' });
  });

  it('refuses garbage signature headers and a request carrying two signatures', async () => {
    const garbage = await kioskPost(
      api,
      sevenEleven,
      '/v1/kiosk/challenge',
      {},
      {
        headers: { 'signature-input': 'kiosk=("@method";created=oops', signature: 'kiosk=:!!:' },
      },
    );
    expect(codeOf(garbage)).toEqual({ status: 401, code: 'KIOSK_UNAUTHENTICATED' });

    const { signKioskRequest } = await import('../../kiosk/api-client/request-signer');
    const body = Buffer.from('{}');
    const sign = (kiosk: TestKiosk) =>
      signKioskRequest(kiosk, {
        method: 'POST',
        url: 'http://x/v1/kiosk/challenge',
        body,
        now: api.clock.now(),
      });
    const [mine, theirs] = await Promise.all([sign(sevenEleven), sign(lawson)]);
    const relabel = (header: string | undefined) => (header ?? '').replace(/^kiosk=/, 'other=');
    const doubled = await api.app.inject({
      method: 'POST',
      url: '/v1/kiosk/challenge',
      payload: body,
      headers: {
        'content-type': 'application/json',
        'content-digest': mine['content-digest'] ?? '',
        'signature-input': `${mine['signature-input']}, ${relabel(theirs['signature-input'])}`,
        signature: `${mine['signature']}, ${relabel(theirs['signature'])}`,
      },
    });
    expect(codeOf(doubled)).toEqual({ status: 401, code: 'KIOSK_UNAUTHENTICATED' });
  });

  it('refuses a replayed request (same nonce within the window)', async () => {
    const nonce = 'replay-nonce-0000000001';
    expect((await kioskPost(api, sevenEleven, '/v1/kiosk/challenge', {}, { nonce })).statusCode).toBe(200);
    expect(codeOf(await kioskPost(api, sevenEleven, '/v1/kiosk/challenge', {}, { nonce }))).toEqual({
      status: 401,
      code: 'REQUEST_REPLAYED',
    });
  });

  it('refuses a created time more than 60 s from the server clock, either way', async () => {
    const now = api.clock.now();
    expect(
      (await kioskPost(api, sevenEleven, '/v1/kiosk/challenge', {}, { at: now - 60_000 })).statusCode,
    ).toBe(200);
    expect(
      (await kioskPost(api, sevenEleven, '/v1/kiosk/challenge', {}, { at: now + 60_000 })).statusCode,
    ).toBe(200);
    expect(
      codeOf(await kioskPost(api, sevenEleven, '/v1/kiosk/challenge', {}, { at: now - 61_000 })),
    ).toEqual({
      status: 401,
      code: 'KIOSK_CLOCK_SKEW',
    });
    expect(
      codeOf(await kioskPost(api, sevenEleven, '/v1/kiosk/challenge', {}, { at: now + 61_000 })),
    ).toEqual({
      status: 401,
      code: 'KIOSK_CLOCK_SKEW',
    });
  });

  it('refuses a revoked kiosk', async () => {
    const doomed = await addKiosk(api, 'aeon');
    expect((await kioskPost(api, doomed, '/v1/kiosk/challenge', {})).statusCode).toBe(200);
    await api.store.revokeKiosk({ kioskId: doomed.kioskId, actor: 'operator:test', now: api.clock.now() });
    expect(codeOf(await kioskPost(api, doomed, '/v1/kiosk/challenge', {}))).toEqual({
      status: 403,
      code: 'KIOSK_REVOKED',
    });
  });
});

describe('kiosk: lookup → claim → complete', () => {
  it('runs the whole step 2 and returns the cryptogram the card expects', async () => {
    api.clock.set(T0);
    const reservation = (await reserve(api, api.pki.other)).json() as { reservationId: string };
    const found = await lookup(sevenEleven);
    expect(found.statusCode).toBe(200);
    const lookupResult = found.json() as { lookupId: string; reservationId: string; lookupExpiresAt: number };
    expect(lookupResult.reservationId).toBe(reservation.reservationId);
    expect(lookupResult.lookupExpiresAt).toBe(T0 + 3 * 60 * 1000);

    const claimed = await claim(sevenEleven, lookupResult.lookupId);
    expect(claimed.statusCode).toBe(200);
    const claimResult = claimed.json() as { claimId: string; cryptogram: string; leaseExpiresAt: number };
    const expected = resetCryptogram(
      deriveCardResetKey(api.masterKey, api.pki.other.tokenSerial),
      Fid.signPin,
      CARD_CHALLENGE,
    );
    expect(Buffer.from(claimResult.cryptogram, 'base64').equals(expected)).toBe(true);
    expect(claimResult.leaseExpiresAt).toBe(T0 + 2 * 60 * 1000);

    const complete = () =>
      kioskPost(api, sevenEleven, '/v1/kiosk/complete', { claimId: claimResult.claimId });
    const first = await complete();
    expect(first.json()).toEqual({
      reservationId: reservation.reservationId,
      status: 'completed',
      completedAt: T0,
    });
    const again = await complete();
    expect(again.json()).toEqual(first.json());
    expect(codeOf(await lookup(sevenEleven))).toEqual({ status: 409, code: 'RESERVATION_USED' });
  });

  it('releases a claim back to active', async () => {
    api.clock.set(T0 + 10_000);
    await reserve(api, api.pki.other);
    const found = (await lookup(sevenEleven)).json() as { lookupId: string; reservationId: string };
    const claimed = (await claim(sevenEleven, found.lookupId)).json() as { claimId: string };
    const released = await kioskPost(api, sevenEleven, '/v1/kiosk/release', {
      claimId: claimed.claimId,
      reason: 'card-removed',
    });
    expect(released.json()).toEqual({ reservationId: found.reservationId, status: 'active' });
    expect((await lookup(sevenEleven)).statusCode).toBe(200);
    expect(
      codeOf(await kioskPost(api, sevenEleven, '/v1/kiosk/complete', { claimId: claimed.claimId })),
    ).toEqual({ status: 409, code: 'LEASE_INVALID' });
  });

  it('refuses a procedure the chain does not offer, at lookup and at claim', async () => {
    api.clock.set(T0 + 20_000);
    await reserve(api, api.pki.other, 'auth-pin');
    expect(codeOf(await lookup(lawson, api.pki.other, 'auth-pin'))).toEqual({
      status: 403,
      code: 'PROCEDURE_NOT_OFFERED',
    });
    const found = (await lookup(sevenEleven, api.pki.other, 'auth-pin')).json() as { lookupId: string };
    expect(codeOf(await claim(lawson, found.lookupId, Fid.authPin))).toEqual({
      status: 403,
      code: 'PROCEDURE_NOT_OFFERED',
    });
    expect(codeOf(await claim(sevenEleven, found.lookupId, Fid.signPin))).toEqual({
      status: 400,
      code: 'PIN_FILE_MISMATCH',
    });
    expect(codeOf(await claim(sevenEleven, found.lookupId, 0x0017))).toEqual({
      status: 400,
      code: 'PIN_FILE_MISMATCH',
    });
    expect((await claim(sevenEleven, found.lookupId, Fid.authPin)).statusCode).toBe(200);
  });

  it('binds the claim to this kiosk’s own fresh lookup', async () => {
    api.clock.set(T0 + 30_000);
    await reserve(api, api.pki.other);
    const found = (await lookup(sevenEleven)).json() as { lookupId: string };
    const other = await addKiosk(api, 'familymart');
    expect(codeOf(await claim(other, found.lookupId))).toEqual({ status: 409, code: 'LOOKUP_INVALID' });
    api.clock.advance(3 * 60 * 1000);
    expect(codeOf(await claim(sevenEleven, found.lookupId))).toEqual({ status: 409, code: 'LOOKUP_EXPIRED' });
  });

  it('refuses lookups for another card, cancelled, expired and in-use reservations', async () => {
    api.clock.set(T0 + 40_000);
    // The healthy card has no reservation at this kiosk's procedure... make one, then cancel it.
    const created = (await reserve(api, api.pki.healthy, 'auth-pin')).json() as {
      reservationId: string;
      reservationToken: string;
    };
    await api.app.inject({
      method: 'DELETE',
      url: `/v1/reservations/${created.reservationId}`,
      headers: { authorization: `Bearer ${created.reservationToken}` },
    });
    expect(codeOf(await lookup(sevenEleven, api.pki.healthy, 'auth-pin'))).toEqual({
      status: 409,
      code: 'RESERVATION_CANCELLED',
    });
    expect(codeOf(await lookup(sevenEleven, api.pki.revokedSign, 'signature-pin'))).toEqual({
      status: 404,
      code: 'RESERVATION_NOT_FOUND',
    });

    await reserve(api, api.pki.other);
    const first = (await lookup(sevenEleven)).json() as { lookupId: string };
    expect((await claim(sevenEleven, first.lookupId)).statusCode).toBe(200);
    expect(codeOf(await lookup(sevenEleven))).toEqual({ status: 409, code: 'RESERVATION_IN_USE' });

    api.clock.advance(24 * 60 * 60 * 1000);
    // The lease has long lapsed: the reservation goes back to active, and its 24 h are over.
    expect(codeOf(await lookup(sevenEleven))).toEqual({ status: 410, code: 'RESERVATION_EXPIRED' });
  });

  it('refuses card proofs that do not verify, and certificates with their codes', async () => {
    api.clock.set(T0 + 50_000);
    const nonce = await kioskChallenge(sevenEleven);
    const body = lookupBody(api.pki.other, nonce);
    const phoneProof = {
      ...body,
      proof: {
        ...body.proof,
        signature: cardProofSignature(api.pki.other.authKey, 'reserve', nonce).toString('base64'),
      },
    };
    expect(codeOf(await kioskPost(api, sevenEleven, '/v1/kiosk/lookup', phoneProof))).toEqual({
      status: 422,
      code: 'PROOF_INVALID',
    });
    expect(codeOf(await lookup(sevenEleven, api.pki.revokedAuth))).toEqual({
      status: 422,
      code: 'CERT_REVOKED',
    });
    expect(codeOf(await lookup(sevenEleven, api.pki.expiredAuth))).toEqual({
      status: 422,
      code: 'CERT_EXPIRED',
    });
    expect(codeOf(await lookup(sevenEleven, api.pki.revokedSign, 'auth-pin'))).toEqual({
      status: 422,
      code: 'SIGN_CERT_REVOKED',
    });
  });

  it('refuses another kiosk’s challenge and a used one', async () => {
    const nonce = await kioskChallenge(lawson);
    expect(
      codeOf(await kioskPost(api, sevenEleven, '/v1/kiosk/lookup', lookupBody(api.pki.other, nonce))),
    ).toEqual({
      status: 400,
      code: 'CHALLENGE_UNKNOWN',
    });
  });
});

describe('kiosk: service window on the server clock (Japan time)', () => {
  it.each([
    ['06:29:59.999', 403],
    ['06:30:00.000', 200],
    ['22:59:59.999', 200],
    ['23:00:00.000', 403],
  ] as const)('claim at %s JST → %i', async (time, status) => {
    api.clock.set(jst(time) - 60_000);
    await reserve(api, api.pki.other);
    const found = (await lookup(sevenEleven)).json() as { lookupId: string };
    api.clock.set(jst(time));
    const response = await claim(sevenEleven, found.lookupId);
    expect(response.statusCode).toBe(status);
    if (status === 403) expect(response.json()).toMatchObject({ code: 'OUTSIDE_SERVICE_HOURS' });
    else {
      const { claimId } = response.json() as { claimId: string };
      await kioskPost(api, sevenEleven, '/v1/kiosk/release', { claimId, reason: 'other' });
    }
  });
});

describe('kiosk: heartbeat and events', () => {
  it('keeps the latest heartbeat and reports the clock skew', async () => {
    api.clock.set(T0);
    const response = await kioskPost(api, sevenEleven, '/v1/kiosk/heartbeat', {
      state: 'idle',
      reader: 'ready',
      cardPresent: false,
      version: '1.0.0',
      clock: T0 + 1500,
      counters: { resets_completed: 3 },
    });
    expect(response.json()).toEqual({ receivedAt: T0, clockSkewMs: 1500 });
    const kiosks = await api.store.listKiosks();
    expect(kiosks.find((k) => k.id === sevenEleven.kioskId)?.lastHeartbeat).toMatchObject({
      state: 'idle',
      counters: { resets_completed: 3 },
    });
  });

  it('accepts each event once', async () => {
    const batch = {
      events: [
        { id: 'evt-00000001', type: 'session.started', at: T0 },
        {
          id: 'evt-00000002',
          type: 'reset.completed',
          at: T0 + 5,
          data: { procedure: 'signature-pin', ms: 1200 },
        },
      ],
    };
    expect((await kioskPost(api, sevenEleven, '/v1/kiosk/events', batch)).json()).toEqual({
      accepted: 2,
      duplicates: 0,
    });
    expect((await kioskPost(api, sevenEleven, '/v1/kiosk/events', batch)).json()).toEqual({
      accepted: 0,
      duplicates: 2,
    });
  });
});
