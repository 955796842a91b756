import { beforeAll, describe, expect, it } from 'vitest';
import { type FixturePki, fixturePki } from '../testing/fixture-pki';
import { T0 } from '../testing/test-api';
import { BoundedCache } from './bounded-cache';
import { CardCertificateVerifier } from './certificate-verifier';
import type { TrustMaterial, TrustSource } from './trust-material';

/**
 * The verifier keeps parsed certificates and checked signatures between calls; these show that
 * nothing that depends on the clock, the CRLs or the trust anchors is carried over.
 */

const DAY = 24 * 60 * 60 * 1000;
let pki: FixturePki;

beforeAll(async () => {
  pki = await fixturePki(T0);
});

/** A trust source whose material the test swaps between calls. */
function switchableTrust(material: TrustMaterial): TrustSource & { material: TrustMaterial } {
  return {
    material,
    current() {
      return this.material;
    },
  };
}

const verifierOver = (trust: TrustSource, cacheCapacity?: number) =>
  new CardCertificateVerifier(trust, { crlGraceMs: 7 * DAY, cacheCapacity });

describe('CardCertificateVerifier caches without carrying decisions over', () => {
  it('hands out the same parsed certificate for the same DER, and verifies it again each time', async () => {
    const verifier = verifierOver(switchableTrust(pki.trust));
    const first = await verifier.verify([{ der: pki.healthy.authDer, kind: 'auth' }], T0);
    const second = await verifier.verify([{ der: Buffer.from(pki.healthy.authDer), kind: 'auth' }], T0);
    if (!first.ok || !second.ok) throw new Error('expected the healthy card to verify');
    expect(second.value[0]?.certificate).toBe(first.value[0]?.certificate);
    expect(second.value[0]?.chain).toHaveLength(2);
  });

  it('refuses a cached certificate once its anchor is gone from the trust material', async () => {
    const trust = switchableTrust(pki.trust);
    const verifier = verifierOver(trust);
    expect((await verifier.verify([{ der: pki.healthy.authDer, kind: 'auth' }], T0)).ok).toBe(true);
    trust.material = { ...pki.trust, authAnchors: [] };
    expect(await verifier.verify([{ der: pki.healthy.authDer, kind: 'auth' }], T0)).toEqual({
      ok: false,
      code: 'CERT_UNTRUSTED',
    });
  });

  it('judges validity at each call’s time', async () => {
    const verifier = verifierOver(switchableTrust(pki.trust));
    expect((await verifier.verify([{ der: pki.healthy.authDer, kind: 'auth' }], T0)).ok).toBe(true);
    expect(await verifier.verify([{ der: pki.healthy.authDer, kind: 'auth' }], T0 + 5 * 365 * DAY)).toEqual({
      ok: false,
      code: 'CERT_EXPIRED',
    });
    expect(await verifier.verify([{ der: pki.healthy.authDer, kind: 'auth' }], T0 - 60 * DAY)).toEqual({
      ok: false,
      code: 'CERT_NOT_YET_VALID',
    });
  });

  it('applies the CRLs current at each call', async () => {
    const trust = switchableTrust({ ...pki.trust, crls: [] });
    const verifier = verifierOver(trust);
    const revoked = [{ der: pki.revokedAuth.authDer, kind: 'auth' as const }];
    expect(await verifier.verify(revoked, T0)).toEqual({ ok: false, code: 'REVOCATION_UNAVAILABLE' });
    trust.material = pki.trust;
    expect(await verifier.verify(revoked, T0)).toEqual({ ok: false, code: 'CERT_REVOKED' });
    // The CRL's nextUpdate (+30 days) plus the grace (7 days) has passed: status unknown again.
    expect(await verifier.verify(revoked, T0 + 40 * DAY)).toEqual({
      ok: false,
      code: 'REVOCATION_UNAVAILABLE',
    });
  });

  it('keeps deciding right when the cache is smaller than the certificates in play', async () => {
    const verifier = verifierOver(switchableTrust(pki.trust), 1);
    for (let round = 0; round < 2; round += 1) {
      expect((await verifier.verify([{ der: pki.healthy.authDer, kind: 'auth' }], T0)).ok).toBe(true);
      expect(await verifier.verify([{ der: pki.untrusted.authDer, kind: 'auth' }], T0)).toEqual({
        ok: false,
        code: 'CERT_UNTRUSTED',
      });
      expect(await verifier.verify([{ der: pki.revokedSign.signDer, kind: 'sign' }], T0)).toEqual({
        ok: false,
        code: 'SIGN_CERT_REVOKED',
      });
      // A signature certificate is not an authentication certificate, cached or not.
      expect(await verifier.verify([{ der: pki.healthy.signDer, kind: 'auth' }], T0)).toEqual({
        ok: false,
        code: 'CERT_UNTRUSTED',
      });
    }
  });

  it('refuses bytes that do not parse, every time', async () => {
    const verifier = verifierOver(switchableTrust(pki.trust));
    const garbage = Buffer.from('30030201', 'hex');
    for (let i = 0; i < 2; i += 1) {
      expect(await verifier.verify([{ der: garbage, kind: 'auth' }], T0)).toEqual({
        ok: false,
        code: 'CERT_MALFORMED',
      });
    }
  });
});

describe('BoundedCache', () => {
  it('drops the least recently used entry past its capacity', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // now b is the oldest
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('refuses a capacity below one', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
  });
});
