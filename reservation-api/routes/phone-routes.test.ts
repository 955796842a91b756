import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  reservationBody,
  phoneChallenge,
  reserve,
  T0,
  type TestApi,
  testApi,
  faceAttestation,
} from '../testing/test-api';
import { cardProofSignature } from '../testing/fixture-pki';

let api: TestApi;

beforeAll(async () => {
  api = await testApi({ policy: { phoneRequestsPerMinute: 10_000, cardAttemptsPerWindow: 10_000 } });
});
afterAll(async () => api.close());

const DAY = 24 * 60 * 60 * 1000;

function codeOf(response: { statusCode: number; json(): unknown }) {
  return { status: response.statusCode, code: (response.json() as { code?: string }).code };
}

describe('phone: challenge and reservation', () => {
  it('issues a 5-minute single-use nonce', async () => {
    const response = await api.app.inject({ method: 'POST', url: '/v1/phone/challenge', payload: {} });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { nonce: string; expiresAt: number };
    expect(body.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.expiresAt).toBe(api.clock.now() + 5 * 60 * 1000);
  });

  it.each(['signature-pin', 'auth-pin'] as const)(
    'reserves %s with a proof of the other PIN',
    async (procedure) => {
      api.clock.set(T0);
      const response = await reserve(api, api.pki.healthy, procedure);
      expect(response.statusCode).toBe(201);
      const body = response.json() as Record<string, unknown>;
      expect(body).toMatchObject({ procedure, status: 'active', createdAt: T0, expiresAt: T0 + DAY });
      expect(body['reservationToken']).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body['reservationId']).toMatch(/^rsv_/);
    },
  );

  it('supersedes the active reservation of the same card and procedure', async () => {
    const first = (await reserve(api, api.pki.healthy)).json() as {
      reservationId: string;
      reservationToken: string;
    };
    const second = await reserve(api, api.pki.healthy);
    expect(second.statusCode).toBe(201);
    const status = await api.app.inject({
      method: 'GET',
      url: `/v1/reservations/${first.reservationId}`,
      headers: { authorization: `Bearer ${first.reservationToken}` },
    });
    expect(status.json()).toMatchObject({ status: 'superseded' });
  });

  it('reads and cancels with the token only; cancel twice is harmless', async () => {
    const created = (await reserve(api, api.pki.other)).json() as {
      reservationId: string;
      reservationToken: string;
    };
    const url = `/v1/reservations/${created.reservationId}`;
    const auth = { authorization: `Bearer ${created.reservationToken}` };
    expect(codeOf(await api.app.inject({ method: 'GET', url }))).toEqual({
      status: 401,
      code: 'RESERVATION_TOKEN_REQUIRED',
    });
    expect(
      codeOf(
        await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${'x'.repeat(43)}` } }),
      ),
    ).toEqual({ status: 404, code: 'RESERVATION_NOT_FOUND' });
    expect((await api.app.inject({ method: 'GET', url, headers: auth })).json()).toMatchObject({
      status: 'active',
    });
    expect((await api.app.inject({ method: 'DELETE', url, headers: auth })).json()).toMatchObject({
      status: 'cancelled',
    });
    expect((await api.app.inject({ method: 'DELETE', url, headers: auth })).json()).toMatchObject({
      status: 'cancelled',
    });
  });

  it('shows a reservation expired at exactly created + 24 h', async () => {
    api.clock.set(T0 + 1000);
    const created = (await reserve(api, api.pki.other, 'auth-pin')).json() as {
      reservationId: string;
      reservationToken: string;
    };
    const read = async () =>
      (
        await api.app.inject({
          method: 'GET',
          url: `/v1/reservations/${created.reservationId}`,
          headers: { authorization: `Bearer ${created.reservationToken}` },
        })
      ).json() as { status: string };
    api.clock.set(T0 + 1000 + DAY - 1);
    expect((await read()).status).toBe('active');
    api.clock.set(T0 + 1000 + DAY);
    expect((await read()).status).toBe('expired');
    api.clock.set(T0);
  });
});

describe('phone: every refusal, in order, with its code', () => {
  it('refuses an unknown, a used and an expired challenge', async () => {
    api.clock.set(T0);
    const unknown = await api.app.inject({
      method: 'POST',
      url: '/v1/reservations',
      payload: await reservationBody(api, api.pki.healthy, 'A'.repeat(43)),
    });
    expect(codeOf(unknown)).toEqual({ status: 400, code: 'CHALLENGE_UNKNOWN' });

    const nonce = await phoneChallenge(api);
    const body = await reservationBody(api, api.pki.healthy, nonce);
    expect(
      (await api.app.inject({ method: 'POST', url: '/v1/reservations', payload: body })).statusCode,
    ).toBe(201);
    expect(codeOf(await api.app.inject({ method: 'POST', url: '/v1/reservations', payload: body }))).toEqual({
      status: 400,
      code: 'CHALLENGE_USED',
    });

    const late = await phoneChallenge(api);
    const lateBody = await reservationBody(api, api.pki.healthy, late);
    api.clock.advance(5 * 60 * 1000);
    expect(
      codeOf(await api.app.inject({ method: 'POST', url: '/v1/reservations', payload: lateBody })),
    ).toEqual({
      status: 400,
      code: 'CHALLENGE_EXPIRED',
    });
    api.clock.set(T0);
  });

  it.each([
    ['untrusted', 'CERT_UNTRUSTED', 422],
    ['wrongKind', 'CERT_UNTRUSTED', 422],
    ['expiredAuth', 'CERT_EXPIRED', 422],
    ['notYetValidAuth', 'CERT_NOT_YET_VALID', 422],
    ['revokedAuth', 'CERT_REVOKED', 422],
    ['noCrl', 'REVOCATION_UNAVAILABLE', 503],
  ] as const)('refuses the %s card with %s', async (card, code, status) => {
    expect(codeOf(await reserve(api, api.pki[card]))).toEqual({ status, code });
  });

  it('refuses a revoked signature certificate on the auth-pin route as SIGN_CERT_REVOKED', async () => {
    expect(codeOf(await reserve(api, api.pki.revokedSign, 'auth-pin'))).toEqual({
      status: 422,
      code: 'SIGN_CERT_REVOKED',
    });
    // The signature certificate plays no part in a signature-pin reservation.
    expect((await reserve(api, api.pki.revokedSign, 'signature-pin')).statusCode).toBe(201);
  });

  it('refuses a certificate that is not DER', async () => {
    const response = await reserve(api, api.pki.healthy, 'signature-pin', (b) => ({
      ...b,
      authCertificate: Buffer.from('not a certificate').toString('base64'),
    }));
    expect(codeOf(response)).toEqual({ status: 400, code: 'CERT_MALFORMED' });
  });

  it('refuses a proof over another nonce, by another key, or for another purpose', async () => {
    const otherNonce = await reserve(api, api.pki.healthy, 'signature-pin', (b) => ({
      ...b,
      proof: {
        ...b.proof,
        signature: cardProofSignature(api.pki.healthy.authKey, 'reserve', 'B'.repeat(43)).toString('base64'),
      },
    }));
    expect(codeOf(otherNonce)).toEqual({ status: 422, code: 'PROOF_INVALID' });
    const kioskPurpose = await reserve(api, api.pki.healthy, 'signature-pin', (b) => ({
      ...b,
      proof: {
        ...b.proof,
        signature: cardProofSignature(api.pki.healthy.authKey, 'kiosk', b.nonce).toString('base64'),
      },
    }));
    expect(codeOf(kioskPurpose)).toEqual({ status: 422, code: 'PROOF_INVALID' });
    // signature-pin must be proven with the authentication key, not the signature key.
    const wrongKey = await reserve(api, api.pki.healthy, 'signature-pin', (b) => ({
      ...b,
      proof: {
        certificate: api.pki.healthy.signDer.toString('base64'),
        signature: cardProofSignature(api.pki.healthy.signKey, 'reserve', b.nonce).toString('base64'),
      },
    }));
    expect(codeOf(wrongKey)).toEqual({ status: 422, code: 'PROOF_INVALID' });
  });

  it.each([
    [
      'a forged signature',
      async (nonce: string) => (await faceAttestation(api, nonce)).slice(0, -4) + 'AAAA',
      'FACE_ATTESTATION_INVALID',
    ],
    ['another nonce', (_nonce: string) => faceAttestation(api, 'C'.repeat(43)), 'FACE_ATTESTATION_INVALID'],
    [
      'an unknown kid',
      (nonce: string) => faceAttestationWithKid(nonce, 'someone-else'),
      'FACE_ATTESTATION_INVALID',
    ],
    [
      'iat 10 min + 1 s ago',
      (nonce: string) => faceAttestation(api, nonce, { iat: Math.floor(T0 / 1000) - 601 }),
      'FACE_ATTESTATION_STALE',
    ],
    [
      'iat in the future',
      (nonce: string) => faceAttestation(api, nonce, { iat: Math.floor(T0 / 1000) + 120 }),
      'FACE_ATTESTATION_STALE',
    ],
    ['no match', (nonce: string) => faceAttestation(api, nonce, { match: false }), 'FACE_NOT_MATCHED'],
    ['no liveness', (nonce: string) => faceAttestation(api, nonce, { liveness: false }), 'LIVENESS_FAILED'],
    ['a score of 0.89', (nonce: string) => faceAttestation(api, nonce, { score: 0.89 }), 'FACE_SCORE_LOW'],
  ] as const)('refuses a face attestation with %s', async (_name, make, code) => {
    api.clock.set(T0);
    const response = await reserve(api, api.pki.healthy, 'signature-pin', async (b) => ({
      ...b,
      faceAttestation: await make(b.nonce),
    }));
    expect(codeOf(response)).toEqual({ status: 422, code });
  });

  it('accepts a score of exactly the threshold and an attestation exactly 10 minutes old', async () => {
    api.clock.set(T0);
    const response = await reserve(api, api.pki.healthy, 'signature-pin', async (b) => ({
      ...b,
      faceAttestation: await faceAttestation(api, b.nonce, { score: 0.9, iat: Math.floor(T0 / 1000) - 600 }),
    }));
    expect(response.statusCode).toBe(201);
  });
});

async function faceAttestationWithKid(nonce: string, kid: string) {
  const { signFaceAttestation } = await import('../phone/face-attestation-signer');
  return signFaceAttestation(
    { ...api.face, kid },
    { nonce, match: true, score: 0.99, liveness: true, iat: Math.floor(api.clock.now() / 1000) },
  );
}

describe('phone: rate limits', () => {
  it('limits reservation attempts per card (RATE_LIMITED after the limit, whatever the outcome)', async () => {
    const limited = await testApi({ policy: { cardAttemptsPerWindow: 2, phoneRequestsPerMinute: 10_000 } });
    try {
      const card = limited.pki.other;
      expect((await reserve(limited, card)).statusCode).toBe(201);
      expect(
        codeOf(
          await reserve(limited, card, 'signature-pin', async (b) => ({
            ...b,
            faceAttestation: await faceAttestation(limited, b.nonce, { match: false }),
          })),
        ),
      ).toEqual({
        status: 422,
        code: 'FACE_NOT_MATCHED',
      });
      expect(codeOf(await reserve(limited, card))).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect((await reserve(limited, limited.pki.healthy)).statusCode).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it('limits requests per client IP', async () => {
    const limited = await testApi({ policy: { phoneRequestsPerMinute: 3 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        codes.push(
          (await limited.app.inject({ method: 'POST', url: '/v1/phone/challenge', payload: {} })).statusCode,
        );
      }
      expect(codes).toEqual([200, 200, 200, 429]);
      const refused = await limited.app.inject({ method: 'POST', url: '/v1/phone/challenge', payload: {} });
      expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
      const otherClient = await limited.app.inject({
        method: 'POST',
        url: '/v1/phone/challenge',
        payload: {},
        remoteAddress: '10.0.0.2',
      });
      expect(otherClient.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
