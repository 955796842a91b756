import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { FaceAttestationVerifier, type FaceProviderKey } from './face-attestation-verifier';

/**
 * The face attestation's signature check (node:crypto over jose's decoded header, issue 13): both
 * accepted algorithms verify; everything outside the one accepted shape is refused, whatever its
 * signature. Statement checks (nonce, age, score) are covered through the API in phone-routes.test.ts.
 */

const NOW = Date.parse('2026-11-23T10:00:00+09:00');
const NONCE = 'N'.repeat(43);
const statement = { nonce: NONCE, iat: Math.floor(NOW / 1000), match: true, liveness: true, score: 0.97 };
const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys: FaceProviderKey[] = [
  { kid: 'ed', alg: 'EdDSA', publicKey: ed.publicKey },
  { kid: 'ec', alg: 'ES256', publicKey: ec.publicKey },
];
const verifier = new FaceAttestationVerifier(keys, {
  threshold: 0.9,
  maxAgeMs: 600_000,
  futureSkewMs: 60_000,
});

function signed(
  header: Record<string, unknown>,
  key: KeyObject,
  payload: unknown = statement,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(key);
}

/** A compact JWS built by hand, for headers jose would not sign. */
function handMade(header: Record<string, unknown>, key: KeyObject): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(statement)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

describe('face attestation signature', () => {
  it('accepts an EdDSA and an ES256 attestation from known keys', async () => {
    expect(
      await verifier.check(await signed({ alg: 'EdDSA', kid: 'ed' }, ed.privateKey), NONCE, NOW),
    ).toBeUndefined();
    expect(
      await verifier.check(await signed({ alg: 'ES256', kid: 'ec' }, ec.privateKey), NONCE, NOW),
    ).toBeUndefined();
  });

  it.each([
    [
      'a header naming another algorithm than its key',
      () => signed({ alg: 'ES256', kid: 'ed' }, ec.privateKey),
    ],
    ['an unknown kid', () => signed({ alg: 'EdDSA', kid: 'who' }, ed.privateKey)],
    ['no kid', () => signed({ alg: 'EdDSA' }, ed.privateKey)],
    [
      'another key signing under a known kid',
      () => signed({ alg: 'EdDSA', kid: 'ed' }, generateKeyPairSync('ed25519').privateKey),
    ],
    [
      'a crit header',
      async () => handMade({ alg: 'EdDSA', kid: 'ed', crit: ['exp'], exp: 1 }, ed.privateKey),
    ],
    [
      'an unencoded payload (b64)',
      async () => handMade({ alg: 'EdDSA', kid: 'ed', b64: false, crit: ['b64'] }, ed.privateKey),
    ],
    ['b64 without crit', async () => handMade({ alg: 'EdDSA', kid: 'ed', b64: true }, ed.privateKey)],
    [
      'a flipped signature byte',
      async () => {
        const [header, payload, signature = ''] = (
          await signed({ alg: 'EdDSA', kid: 'ed' }, ed.privateKey)
        ).split('.');
        const bytes = Buffer.from(signature, 'base64url');
        bytes[10]! ^= 0x01;
        return `${header}.${payload}.${bytes.toString('base64url')}`;
      },
    ],
    ['four parts', async () => `${await signed({ alg: 'EdDSA', kid: 'ed' }, ed.privateKey)}.AAAA`],
    ['padding in a part', async () => `${await signed({ alg: 'EdDSA', kid: 'ed' }, ed.privateKey)}=`],
    [
      'an empty signature',
      async () => (await signed({ alg: 'EdDSA', kid: 'ed' }, ed.privateKey)).replace(/\.[^.]+$/, '.'),
    ],
    ['not a JWS', async () => 'hello'],
  ])('refuses %s', async (_name, make) => {
    expect(await verifier.check(await make(), NONCE, NOW)).toBe('FACE_ATTESTATION_INVALID');
  });
});
