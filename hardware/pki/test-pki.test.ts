import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveCardResetKey } from '../jpki/reset-crypto';
import { JPKI_ATR } from '../jpki/constants';
import { type CardFile, parseCardFile } from '../virtual-card/card-file';
import { DEFAULT_PINS } from './card-issue';
import { CA_SUBJECTS } from './certificate-authority';
import { readJpkiPersonalData } from './jpki-subject-alt-name';
import { PERSONAS } from './personas';
import { TestPkiError } from './pki-errors';
import { loadCrls, loadIssuerMasterKey, loadTrustAnchors, pkiPaths } from './pki-layout';
import { type TestPki, openTestPki } from './test-pki';
import { x509 } from './x509';

// 2025-06-15 12:00 JST; the holder (born 1985-04-02) has the 5th birthday after issue on 2030-04-02.
const NOW = Date.UTC(2025, 5, 15, 3, 0, 0);
const clock = () => NOW;

let dataDir: string;
let pki: TestPki;
const cards = new Map<string, CardFile>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'test-pki-'));
  pki = await openTestPki({ dataDir, now: clock });
  for (const persona of PERSONAS) cards.set(persona.name, await pki.issueCard({ persona: persona.name }));
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function jpkiOf(persona: string) {
  const jpki = cards.get(persona)?.jpki;
  if (!jpki) throw new Error(`no JPKI application on ${persona}`);
  return jpki;
}

function certificate(base64: string): x509.X509Certificate {
  return new x509.X509Certificate(new Uint8Array(Buffer.from(base64, 'base64')));
}

describe('data directory', () => {
  it('creates the CAs, CRLs and master key once, with private files readable by the owner only', () => {
    const paths = pkiPaths(dataDir);
    for (const path of [paths.ca.auth.privateKey, paths.ca.sign.privateKey, paths.masterKey]) {
      expect(statSync(path).mode & 0o777, path).toBe(0o600);
    }
    expect(readFileSync(paths.masterKey, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(loadIssuerMasterKey(dataDir)).toHaveLength(32);
  });

  it('reloads the same CAs and master key when opened again', async () => {
    const before = loadTrustAnchors(dataDir);
    const masterKey = loadIssuerMasterKey(dataDir);
    const again = await openTestPki({ dataDir, now: clock });
    expect(Buffer.from(again.authCa.rawData)).toEqual(Buffer.from(before.authCa.rawData));
    expect(Buffer.from(again.signCa.rawData)).toEqual(Buffer.from(before.signCa.rawData));
    expect(loadIssuerMasterKey(dataDir)).toEqual(masterKey);
  });

  it('names the CAs like J-LIS and makes them RSA-2048 sha256WithRSAEncryption CAs valid now', () => {
    const { authCa, signCa } = loadTrustAnchors(dataDir);
    expect(authCa.subject).toBe(CA_SUBJECTS.auth);
    expect(signCa.subject).toBe(CA_SUBJECTS.sign);
    expect(authCa.subject).toContain('OU=JPKI for user authentication');
    expect(signCa.subject).toContain('OU=JPKI for digital signature');
    for (const ca of [authCa, signCa]) {
      expect(ca.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
      expect((ca.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength).toBe(2048);
      expect(ca.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
      expect(ca.notBefore.getTime()).toBeLessThan(NOW);
      expect(ca.notAfter.getTime()).toBeGreaterThan(NOW);
    }
  });

  it('gives two processes opening a fresh directory at once the same CAs and master key', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'test-pki-race-'));
    try {
      const [a, b] = await Promise.all([
        openTestPki({ dataDir: fresh, now: clock }),
        openTestPki({ dataDir: fresh, now: clock }),
      ]);
      expect(Buffer.from(a.authCa.rawData)).toEqual(Buffer.from(b.authCa.rawData));
      expect(Buffer.from(a.signCa.rawData)).toEqual(Buffer.from(loadTrustAnchors(fresh).signCa.rawData));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('issued cards', () => {
  it('every persona gives a card file that passes parseCardFile', () => {
    for (const persona of PERSONAS) {
      const card = cards.get(persona.name);
      expect(parseCardFile(JSON.stringify(card)).persona).toBe(persona.name);
    }
  });

  it('a healthy card has the JPKI ATR, label, default PINs with full counters and a unique serial', () => {
    const card = cards.get('healthy')!;
    expect(card.atr).toBe(Buffer.from(JPKI_ATR).toString('hex'));
    const jpki = jpkiOf('healthy');
    expect(jpki.label).toBe('JPKIAPICCTOKEN2');
    expect(jpki.authPin).toEqual({ value: DEFAULT_PINS.auth, triesLeft: 3, maxTries: 3 });
    expect(jpki.signPin).toEqual({ value: DEFAULT_PINS.sign, triesLeft: 5, maxTries: 5 });
    expect(jpki.tokenSerial).toMatch(/^[0-9A-Z]{16}$/);
    const serials = new Set([...cards.values()].flatMap((c) => (c.jpki ? [c.jpki.tokenSerial] : [])));
    expect(serials.size).toBe(PERSONAS.length - 1);
  });

  it('derives the reset key from the master key and the token serial', () => {
    const jpki = jpkiOf('healthy');
    expect(jpki.resetKey).toBe(
      deriveCardResetKey(loadIssuerMasterKey(dataDir), jpki.tokenSerial).toString('hex'),
    );
  });

  it('puts the PIN counters of each persona on the card', () => {
    const counters = (name: string) => [jpkiOf(name).authPin.triesLeft, jpkiOf(name).signPin.triesLeft];
    expect(counters('sign-pin-blocked')).toEqual([3, 0]);
    expect(counters('sign-pin-1-try')).toEqual([3, 1]);
    expect(counters('auth-pin-blocked')).toEqual([0, 5]);
    expect(counters('auth-pin-1-try')).toEqual([1, 5]);
  });

  it('gives the non-JPKI card another ATR and no JPKI application', () => {
    const card = cards.get('non-jpki')!;
    expect(card.jpki).toBeUndefined();
    expect(card.atr).not.toBe(Buffer.from(JPKI_ATR).toString('hex'));
  });

  it('takes PINs and holder data from the caller', async () => {
    const card = await pki.issueCard({
      persona: 'healthy',
      authPin: '9876',
      signPin: 'Z9Y8X7W6',
      birthDate: '1990-01-02',
      name: '佐藤\u3000花子',
    });
    expect(card.jpki?.authPin.value).toBe('9876');
    expect(card.jpki?.signPin.value).toBe('Z9Y8X7W6');
    const sign = certificate(card.jpki!.signCertificate);
    expect(readJpkiPersonalData(new Uint8Array(sign.rawData))).toMatchObject({
      name: '佐藤\u3000花子',
      birthDate: '419900102',
    });
    // 5th birthday after 2025-06-15 for someone born on 2 January.
    expect(sign.notAfter.toISOString()).toBe('2030-01-02T14:59:59.000Z');
  });

  it('refuses a malformed PIN or an unknown persona with a typed error that does not repeat the PIN', async () => {
    await expect(pki.issueCard({ persona: 'healthy', authPin: '12a4' })).rejects.toMatchObject({
      code: 'BAD_PIN_FORMAT',
    });
    const error: unknown = await pki
      .issueCard({ persona: 'healthy', signPin: 'lower1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestPkiError);
    expect(error).toMatchObject({ code: 'BAD_PIN_FORMAT' });
    expect((error as TestPkiError).message).not.toContain('lower1');
    await expect(pki.issueCard({ persona: 'nobody' })).rejects.toMatchObject({ code: 'UNKNOWN_PERSONA' });
  });
});

describe('certificates', () => {
  it('chain to the right CA with a verifying signature, RSA-2048 and sha256WithRSAEncryption', async () => {
    const { authCa, signCa } = loadTrustAnchors(dataDir);
    for (const persona of PERSONAS.filter((p) => p.kind === 'jpki')) {
      const jpki = jpkiOf(persona.name);
      const auth = certificate(jpki.authCertificate);
      const sign = certificate(jpki.signCertificate);
      expect(auth.issuer).toBe(authCa.subject);
      expect(sign.issuer).toBe(signCa.subject);
      expect(await auth.verify({ publicKey: authCa, signatureOnly: true })).toBe(true);
      expect(await sign.verify({ publicKey: signCa, signatureOnly: true })).toBe(true);
      expect(await auth.verify({ publicKey: signCa, signatureOnly: true })).toBe(false);
      expect(Buffer.from(certificate(jpki.authCaCertificate).rawData)).toEqual(Buffer.from(authCa.rawData));
      expect(Buffer.from(certificate(jpki.signCaCertificate).rawData)).toEqual(Buffer.from(signCa.rawData));
      for (const leaf of [auth, sign]) {
        expect(leaf.signatureAlgorithm).toMatchObject({
          name: 'RSASSA-PKCS1-v1_5',
          hash: { name: 'SHA-256' },
        });
        expect((leaf.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength).toBe(2048);
      }
    }
  });

  it('hold the public key of the card private key', async () => {
    const jpki = jpkiOf('healthy');
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const fromKey = createPublicKey(createPrivateKey(jpki.signKeyPem)).export({
      format: 'der',
      type: 'spki',
    });
    expect(Buffer.from(certificate(jpki.signCertificate).publicKey.rawData)).toEqual(fromKey);
  });

  it('authentication certificate: C=JP, CN of 23 characters, digitalSignature (critical), clientAuth, no SAN', () => {
    const auth = certificate(jpkiOf('healthy').authCertificate);
    expect(auth.subject).toMatch(/^C=JP, CN=[0-9A-Z]{23}$/);
    const usage = auth.getExtension(x509.KeyUsagesExtension)!;
    expect(usage.critical).toBe(true);
    expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(auth.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(auth.getExtension(x509.SubjectAlternativeNameExtension)).toBeNull();
  });

  it('signature certificate: digitalSignature + nonRepudiation (critical), holder facts as JPKI otherNames', () => {
    const sign = certificate(jpkiOf('healthy').signCertificate);
    expect(sign.subject).toMatch(/^C=JP, L=Tokyo-to, L=Chiyoda-ku, CN=[0-9A-Z]{23}$/);
    const usage = sign.getExtension(x509.KeyUsagesExtension)!;
    expect(usage.critical).toBe(true);
    expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
    expect(readJpkiPersonalData(new Uint8Array(sign.rawData))).toEqual({
      name: '山田\u3000太郎',
      nameSubstitute: '',
      sex: '1',
      birthDate: '319850402',
      address: '東京都千代田区霞が関二丁目1番2号',
      addressSubstitute: '',
    });
    // The OIDs as DER bytes (06 0A 2A 83 08 8C 9B 55 08 05 05 0x), as other JPKI readers match them.
    for (const last of ['01', '02', '03', '04', '05', '06']) {
      expect(Buffer.from(sign.rawData).includes(Buffer.from(`060a2a83088c9b55080505${last}`, 'hex'))).toBe(
        true,
      );
    }
  });

  it('are valid from issue to 23:59:59 JST (14:59:59Z) on the 5th birthday after issue', () => {
    for (const name of ['healthy', 'auth-cert-revoked', 'sign-cert-revoked']) {
      for (const base64 of [jpkiOf(name).authCertificate, jpkiOf(name).signCertificate]) {
        const leaf = certificate(base64);
        expect(leaf.notBefore.getTime()).toBe(NOW);
        expect(leaf.notAfter.toISOString()).toBe('2030-04-02T14:59:59.000Z');
      }
    }
  });

  it('of the expired persona have expired at the injected now', () => {
    for (const base64 of [
      jpkiOf('auth-cert-expired').authCertificate,
      jpkiOf('auth-cert-expired').signCertificate,
    ]) {
      const leaf = certificate(base64);
      expect(leaf.notAfter.getTime()).toBeLessThan(NOW);
      expect(leaf.notBefore.getTime()).toBeLessThan(leaf.notAfter.getTime());
      expect(leaf.notAfter.toISOString()).toMatch(/T14:59:59\.000Z$/);
    }
  });

  it('of the expiring-soon persona expire about two months after now, still on a 5th birthday', () => {
    for (const base64 of [
      jpkiOf('cert-expiring-soon').authCertificate,
      jpkiOf('cert-expiring-soon').signCertificate,
    ]) {
      const leaf = certificate(base64);
      const days = (leaf.notAfter.getTime() - NOW) / 86_400_000;
      expect(days).toBeGreaterThan(50);
      expect(days).toBeLessThan(70);
      expect(leaf.notBefore.getTime()).toBeLessThan(NOW);
      expect(leaf.notAfter.toISOString()).toMatch(/T14:59:59\.000Z$/);
    }
  });
});

describe('revocation', () => {
  function revokedSerials(crl: x509.X509Crl): string[] {
    return crl.entries.map((entry) => entry.serialNumber.toLowerCase());
  }

  it('lists the revoked personas on the right CRL, with their reason', () => {
    const { authCrl, signCrl } = loadCrls(dataDir);
    const authRevoked = certificate(jpkiOf('auth-cert-revoked').authCertificate);
    const signRevoked = certificate(jpkiOf('sign-cert-revoked').signCertificate);
    expect(revokedSerials(authCrl)).toContain(authRevoked.serialNumber.toLowerCase());
    expect(revokedSerials(signCrl)).toContain(signRevoked.serialNumber.toLowerCase());
    expect(authCrl.findRevoked(authRevoked)?.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(signCrl.findRevoked(signRevoked)?.reason).toBe(x509.X509CrlReason.affiliationChanged);
    // Each revoked persona keeps its other certificate.
    expect(signCrl.findRevoked(certificate(jpkiOf('auth-cert-revoked').signCertificate))).toBeNull();
    expect(authCrl.findRevoked(certificate(jpkiOf('sign-cert-revoked').authCertificate))).toBeNull();
  });

  it('does not list the certificates of the other personas', () => {
    const { authCrl, signCrl } = loadCrls(dataDir);
    for (const persona of PERSONAS.filter((p) => p.kind === 'jpki' && !p.name.endsWith('-revoked'))) {
      expect(authCrl.findRevoked(certificate(jpkiOf(persona.name).authCertificate)), persona.name).toBeNull();
      expect(signCrl.findRevoked(certificate(jpkiOf(persona.name).signCertificate)), persona.name).toBeNull();
    }
  });

  it('publishes CRLs signed by their CA, dated by the injected clock, with a growing CRL number', async () => {
    const { authCa, signCa } = loadTrustAnchors(dataDir);
    const { authCrl, signCrl } = loadCrls(dataDir);
    expect(await authCrl.verify({ publicKey: authCa })).toBe(true);
    expect(await signCrl.verify({ publicKey: signCa })).toBe(true);
    expect(await authCrl.verify({ publicKey: signCa })).toBe(false);
    for (const crl of [authCrl, signCrl]) {
      expect(crl.thisUpdate.getTime()).toBe(NOW);
      expect(crl.nextUpdate!.getTime()).toBeGreaterThan(NOW);
    }
    const crlNumber = (crl: x509.X509Crl) =>
      Buffer.from(crl.getExtension('2.5.29.20')!.value).readUIntBE(2, 1);
    const before = crlNumber(loadCrls(dataDir).signCrl);
    await pki.issueCard({ persona: 'sign-cert-revoked' });
    expect(crlNumber(loadCrls(dataDir).signCrl)).toBe(before + 1);
  });

  it('keeps every revocation when cards are revoked concurrently', async () => {
    const issued = await Promise.all([1, 2, 3].map(() => pki.issueCard({ persona: 'auth-cert-revoked' })));
    const { authCrl } = loadCrls(dataDir);
    for (const card of issued)
      expect(authCrl.findRevoked(certificate(card.jpki!.authCertificate))).not.toBeNull();
  });

  it('re-signs stale CRLs when the PKI is opened later', async () => {
    const later = NOW + 30 * 86_400_000;
    await openTestPki({ dataDir, now: () => later });
    const { signCrl } = loadCrls(dataDir);
    expect(signCrl.thisUpdate.getTime()).toBe(later);
    expect(signCrl.findRevoked(certificate(jpkiOf('sign-cert-revoked').signCertificate))).not.toBeNull();
  });
});
