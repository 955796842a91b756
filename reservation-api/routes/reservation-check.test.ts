import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fid } from '../../hardware/jpki/constants';
import type { FixtureCard } from '../testing/fixture-pki';
import {
  addKiosk,
  kioskPost,
  lookupBody,
  reserve,
  type TestApi,
  testApi,
  type TestKiosk,
} from '../testing/test-api';

let api: TestApi;
let sevenEleven: TestKiosk;
let lawson: TestKiosk;

const DAY = 24 * 60 * 60 * 1000;
/** A Japan wall-clock time on the day `dayAfterT0` days after T0 (each test its own day). */
const jst = (dayAfterT0: number, time: string) => Date.parse(`2026-11-23T${time}+09:00`) + dayAfterT0 * DAY;

beforeAll(async () => {
  api = await testApi({ policy: { cardAttemptsPerWindow: 10_000, phoneRequestsPerMinute: 10_000 } });
  sevenEleven = await addKiosk(api, 'seven-eleven');
  lawson = await addKiosk(api, 'lawson');
});
afterAll(async () => api.close());

function codeOf(response: { statusCode: number; json(): unknown }) {
  return { status: response.statusCode, code: (response.json() as { code?: string }).code };
}

/** The reservation check as the kiosk sends it: procedure + the certificate read without a PIN. */
function check(
  kiosk: TestKiosk,
  card: FixtureCard = api.pki.other,
  procedure: 'signature-pin' | 'auth-pin' = 'signature-pin',
) {
  return kioskPost(api, kiosk, '/v1/kiosk/reservation-check', {
    procedure,
    authCertificate: card.authDer.toString('base64'),
  });
}

async function lookup(
  kiosk: TestKiosk,
  card = api.pki.other,
  procedure: 'signature-pin' | 'auth-pin' = 'signature-pin',
) {
  const challenge = await kioskPost(api, kiosk, '/v1/kiosk/challenge', {});
  const { nonce } = challenge.json() as { nonce: string };
  const response = await kioskPost(api, kiosk, '/v1/kiosk/lookup', lookupBody(card, nonce, procedure));
  expect(response.statusCode).toBe(200);
  return (response.json() as { lookupId: string }).lookupId;
}

function claim(kiosk: TestKiosk, lookupId: string) {
  return kioskPost(api, kiosk, '/v1/kiosk/claim', {
    lookupId,
    pinFile: Fid.signPin,
    cardChallenge: Buffer.from('0102030405060708', 'hex').toString('base64'),
  });
}

async function auditOf(action: string) {
  const entries = await api.store.auditEntries({ limit: 10_000 });
  return entries.filter((entry) => entry.action === action);
}

describe('kiosk: reservation check before any PIN', () => {
  it('says "usable" and nothing else: no id, no time of the reservation, nothing about the person', async () => {
    api.clock.set(jst(1, '10:00'));
    await reserve(api, api.pki.other);
    const response = await check(sevenEleven);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ result: 'usable', admittedUntil: jst(1, '23:05') });
  });

  it('grants nothing: no lookup is recorded, a claim still needs the card proof', async () => {
    api.clock.set(jst(2, '10:00'));
    await reserve(api, api.pki.other);
    const lookupsBefore = (await auditOf('lookup')).length;
    expect((await check(sevenEleven)).statusCode).toBe(200);
    expect(await auditOf('lookup')).toHaveLength(lookupsBefore);
    const checks = await auditOf('reservation-check');
    expect(checks.at(-1)).toMatchObject({ kioskId: sevenEleven.kioskId, outcome: 'ok' });
    expect(codeOf(await claim(sevenEleven, 'lku_not-a-lookup-of-this-kiosk'))).toMatchObject({ status: 409 });
  });

  it('tells "no reservation" for a card without one, and for a reservation made with another card', async () => {
    api.clock.set(jst(3, '10:00'));
    expect(codeOf(await check(sevenEleven, api.pki.revokedSign))).toEqual({
      status: 404,
      code: 'RESERVATION_NOT_FOUND',
    });
  });

  it('tells used, expired and in use', async () => {
    api.clock.set(jst(4, '10:00'));
    await reserve(api, api.pki.other);
    const lookupId = await lookup(sevenEleven);
    const claimed = (await claim(sevenEleven, lookupId)).json() as { claimId: string };
    expect(codeOf(await check(lawson))).toEqual({ status: 409, code: 'RESERVATION_IN_USE' });
    await kioskPost(api, sevenEleven, '/v1/kiosk/complete', { claimId: claimed.claimId });
    expect(codeOf(await check(sevenEleven))).toEqual({ status: 409, code: 'RESERVATION_USED' });

    api.clock.set(jst(5, '10:00'));
    await reserve(api, api.pki.other);
    api.clock.advance(DAY);
    expect(codeOf(await check(sevenEleven))).toEqual({ status: 410, code: 'RESERVATION_EXPIRED' });
  });

  it('says a cancelled reservation as none (what the screen says), the audit keeps the precise code', async () => {
    api.clock.set(jst(7, '10:00'));
    const created = (await reserve(api, api.pki.healthy)).json() as {
      reservationId: string;
      reservationToken: string;
    };
    await api.app.inject({
      method: 'DELETE',
      url: `/v1/reservations/${created.reservationId}`,
      headers: { authorization: `Bearer ${created.reservationToken}` },
    });
    expect(codeOf(await check(sevenEleven, api.pki.healthy))).toEqual({
      status: 404,
      code: 'RESERVATION_NOT_FOUND',
    });
    expect((await auditOf('reservation-check')).at(-1)).toMatchObject({
      reservationId: created.reservationId,
      outcome: 'RESERVATION_CANCELLED',
    });
  });

  it('refuses a card whose token serial is not the one on record for its certificate, before any PIN, audited', async () => {
    api.clock.set(jst(7, '11:00'));
    const withSerial = (tokenSerial: string) =>
      kioskPost(api, sevenEleven, '/v1/kiosk/reservation-check', {
        procedure: 'signature-pin',
        authCertificate: api.pki.healthy.authDer.toString('base64'),
        tokenSerial,
      });
    // The serial of another card on record (a spliced card: this certificate, that chip).
    expect(codeOf(await withSerial(api.pki.other.tokenSerial))).toEqual({
      status: 422,
      code: 'CARD_MISMATCH',
    });
    expect((await auditOf('reservation-check')).at(-1)).toMatchObject({
      kioskId: sevenEleven.kioskId,
      outcome: 'CARD_MISMATCH',
    });
    // Its own serial: the same answer as without one (whatever the card's reservation says).
    expect(codeOf(await withSerial(api.pki.healthy.tokenSerial))).toEqual(
      codeOf(await check(sevenEleven, api.pki.healthy)),
    );
  });

  it('tells a reservation for the other procedure', async () => {
    api.clock.set(jst(8, '10:00'));
    await reserve(api, api.pki.healthy, 'auth-pin');
    expect(codeOf(await check(sevenEleven, api.pki.healthy, 'signature-pin'))).toEqual({
      status: 409,
      code: 'RESERVATION_FOR_OTHER_PROCEDURE',
    });
    expect((await check(sevenEleven, api.pki.healthy, 'auth-pin')).statusCode).toBe(200);
    // At a chain that offers only the signature PIN the words are the same: the kiosk picks the next step.
    expect(codeOf(await check(lawson, api.pki.healthy, 'auth-pin'))).toEqual({
      status: 403,
      code: 'PROCEDURE_NOT_OFFERED',
    });
  });

  it('refuses revoked and expired certificates with their codes, and garbage as not a certificate', async () => {
    api.clock.set(jst(9, '10:00'));
    expect(codeOf(await check(sevenEleven, api.pki.revokedAuth))).toEqual({
      status: 422,
      code: 'CERT_REVOKED',
    });
    expect(codeOf(await check(sevenEleven, api.pki.expiredAuth))).toEqual({
      status: 422,
      code: 'CERT_EXPIRED',
    });
    const garbage = await kioskPost(api, sevenEleven, '/v1/kiosk/reservation-check', {
      procedure: 'signature-pin',
      authCertificate: Buffer.from('not a certificate').toString('base64'),
    });
    expect(garbage.statusCode).toBeGreaterThanOrEqual(400);
    expect(garbage.statusCode).toBeLessThan(500);
  });

  it('is for registered kiosks only', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/v1/kiosk/reservation-check',
      payload: { procedure: 'signature-pin', authCertificate: api.pki.other.authDer.toString('base64') },
    });
    expect(codeOf(response)).toEqual({ status: 401, code: 'KIOSK_UNAUTHENTICATED' });
  });
});

describe('kiosk: a session admitted before closing may claim in the grace (server clock, Japan time)', () => {
  /** Reserve, check at `checkAt`, look up with the card proof at `lookupAt`, claim at `claimAt`. */
  async function session(day: number, checkAt: string | null, lookupAt: string, claimAt: string) {
    api.clock.set(jst(day, '20:00'));
    await reserve(api, api.pki.other);
    if (checkAt !== null) {
      api.clock.set(jst(day, checkAt));
      expect((await check(sevenEleven)).statusCode).toBe(200);
    }
    api.clock.set(jst(day, lookupAt));
    const lookupId = await lookup(sevenEleven);
    api.clock.set(jst(day, claimAt));
    return claim(sevenEleven, lookupId);
  }

  it('22:58: checked, PIN proven at 23:01, claimed at 23:02 → granted', async () => {
    expect((await session(20, '22:58', '23:01', '23:02')).statusCode).toBe(200);
  });

  it('22:59:59: checked in the last second, claimed at 23:04 → granted', async () => {
    expect((await session(21, '22:59:59', '23:03', '23:04')).statusCode).toBe(200);
  });

  it('23:00:00: the check is refused (before any PIN): no session starts', async () => {
    api.clock.set(jst(22, '20:00'));
    await reserve(api, api.pki.other);
    api.clock.set(jst(22, '23:00:00'));
    expect(codeOf(await check(sevenEleven))).toEqual({ status: 403, code: 'OUTSIDE_SERVICE_HOURS' });
  });

  it('23:04: a claim without an admission before closing is refused', async () => {
    const response = await session(23, null, '22:59', '23:04');
    expect(codeOf(response)).toEqual({ status: 403, code: 'OUTSIDE_SERVICE_HOURS' });
  });

  it('the grace ends at 23:05 plus the accepted kiosk clock skew (60 s)', async () => {
    expect((await session(24, '22:59:59', '23:04', '23:05:59.999')).statusCode).toBe(200);
    expect(codeOf(await session(25, '22:59:59', '23:04', '23:06'))).toEqual({
      status: 403,
      code: 'OUTSIDE_SERVICE_HOURS',
    });
  });

  it("another kiosk's admission does not count", async () => {
    api.clock.set(jst(26, '20:00'));
    await reserve(api, api.pki.other);
    api.clock.set(jst(26, '22:59'));
    expect((await check(lawson)).statusCode).toBe(200);
    const lookupId = await lookup(sevenEleven);
    api.clock.set(jst(26, '23:02'));
    expect(codeOf(await claim(sevenEleven, lookupId))).toEqual({
      status: 403,
      code: 'OUTSIDE_SERVICE_HOURS',
    });
  });
});
