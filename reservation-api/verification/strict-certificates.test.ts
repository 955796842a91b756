import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addKiosk,
  kioskPost,
  lookupBody,
  reserve,
  type TestApi,
  testApi,
  type TestKiosk,
} from '../testing/test-api';
import { cardRefOf } from './card-proof-verifier';
import { isCanonicalCertificateDer } from './strict-der';
import { x509 } from './x509';

/**
 * One card, one identity (issue 12, part 3): a certificate is accepted only as exactly one
 * canonical DER encoding, and the card is named by its certificate's issuer and serial number —
 * so padding or re-encoding the bytes neither passes nor escapes the per-card attempt limit.
 */

let api: TestApi;
let kiosk: TestKiosk;
const LIMIT = 3;

beforeAll(async () => {
  api = await testApi({ policy: { cardAttemptsPerWindow: LIMIT, phoneRequestsPerMinute: 10_000 } });
  kiosk = await addKiosk(api);
});
afterAll(async () => api.close());

function codeOf(response: { statusCode: number; json(): unknown }) {
  return { status: response.statusCode, code: (response.json() as { code?: string }).code };
}

/** The certificate with one byte after its DER. */
const trailing = (der: Buffer) => Buffer.concat([der, Buffer.from([0x00])]);

/** The certificate with its outer length in a non-minimal form (30 82 LL LL → 30 83 00 LL LL). */
function longLength(der: Buffer): Buffer {
  expect(der[1]).toBe(0x82);
  return Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]);
}

describe('strict certificate parsing', () => {
  it('knows canonical DER from padded or re-encoded DER', () => {
    const der = api.pki.healthy.authDer;
    expect(isCanonicalCertificateDer(der)).toBe(true);
    expect(isCanonicalCertificateDer(api.pki.healthy.signDer)).toBe(true);
    expect(isCanonicalCertificateDer(trailing(der))).toBe(false);
    expect(isCanonicalCertificateDer(Buffer.concat([der, der]))).toBe(false);
    expect(isCanonicalCertificateDer(longLength(der))).toBe(false);
    expect(isCanonicalCertificateDer(der.subarray(0, der.length - 1))).toBe(false);
  });

  it.each([
    ['trailing bytes', trailing],
    ['a non-minimal length', longLength],
  ])(
    'refuses an authentication certificate with %s: phone and kiosk (CERT_MALFORMED)',
    async (_name, mangle) => {
      const card = api.pki.other;
      const phone = await reserve(api, card, 'signature-pin', (body) => ({
        ...body,
        authCertificate: mangle(card.authDer).toString('base64'),
        proof: { ...body.proof, certificate: mangle(card.authDer).toString('base64') },
      }));
      expect(codeOf(phone)).toEqual({ status: 400, code: 'CERT_MALFORMED' });

      const challenge = await kioskPost(api, kiosk, '/v1/kiosk/challenge', {});
      const nonce = (challenge.json() as { nonce: string }).nonce;
      const body = lookupBody(card, nonce, 'auth-pin');
      const lookup = await kioskPost(api, kiosk, '/v1/kiosk/lookup', {
        ...body,
        proof: { ...body.proof, certificate: mangle(card.signDer).toString('base64') },
      });
      expect(codeOf(lookup)).toEqual({ status: 400, code: 'CERT_MALFORMED' });
    },
  );

  it('counts attempts per card by issuer and serial: padded copies are no new card', async () => {
    const card = api.pki.healthy;
    for (let i = 0; i < LIMIT; i += 1) expect((await reserve(api, card)).statusCode).toBe(201);
    for (let padding = 1; padding <= 3; padding += 1) {
      const padded = Buffer.concat([card.authDer, Buffer.alloc(padding)]);
      const response = await reserve(api, card, 'signature-pin', (body) => ({
        ...body,
        authCertificate: padded.toString('base64'),
        proof: { ...body.proof, certificate: padded.toString('base64') },
      }));
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
    }
    expect(codeOf(await reserve(api, card))).toEqual({ status: 429, code: 'RATE_LIMITED' });
  });

  it('names the card by issuer and serial number', () => {
    const der = api.pki.healthy.authDer;
    const a = new x509.X509Certificate(new Uint8Array(der));
    const b = new x509.X509Certificate(new Uint8Array(Buffer.from(der)));
    expect(cardRefOf(a)).toBe(cardRefOf(b));
    expect(cardRefOf(a)).not.toBe(cardRefOf(new x509.X509Certificate(new Uint8Array(api.pki.other.authDer))));
  });
});
