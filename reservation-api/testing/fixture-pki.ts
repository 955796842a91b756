import { createPrivateKey, type KeyObject, sign, webcrypto } from 'node:crypto';
import { issuerRecordLine, parseIssuerRecord } from '../../hardware/pki/issuer-record';
import { CARD_PROOF_PURPOSES, type CardProofPurpose } from '../contract';
import type { TrustMaterial } from '../verification/trust-material';
import { x509 } from '../verification/x509';

/**
 * A small JPKI-like PKI for the API's unit tests: authentication and signature CAs, card
 * certificates (healthy, expired, revoked, signature-revoked), CRLs and an untrusted issuer. The
 * product's own test PKI (hardware/pki) issues whole virtual cards for the integration tests; this
 * one only needs certificates and keys. Keys are generated once per test process (RSA is slow).
 */

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const RSA_GEN = { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface FixtureCard {
  authDer: Buffer;
  signDer: Buffer;
  authKey: KeyObject;
  signKey: KeyObject;
  tokenSerial: string;
}

export interface FixturePki {
  trust: TrustMaterial;
  healthy: FixtureCard;
  /** Another card (other keys): its proofs do not match the healthy card's reservations. */
  other: FixtureCard;
  expiredAuth: FixtureCard;
  notYetValidAuth: FixtureCard;
  revokedAuth: FixtureCard;
  revokedSign: FixtureCard;
  untrusted: FixtureCard;
  /** A healthy-looking card without a CRL for its issuer. */
  noCrl: FixtureCard;
  /** A signature certificate presented where the authentication certificate belongs. */
  wrongKind: FixtureCard;
}

let fixture: Promise<FixturePki> | undefined;

/** The fixture PKI, valid around `now` (built once per process; the first `now` wins). */
export function fixturePki(now: number): Promise<FixturePki> {
  fixture ??= buildFixture(now);
  return fixture;
}

/** What the card returns for a proof: RSA PKCS#1 v1.5 over SHA-256(purpose ‖ nonce). */
export function cardProofSignature(key: KeyObject, purpose: CardProofPurpose, nonce: string): Buffer {
  return sign('sha256', Buffer.from(`${CARD_PROOF_PURPOSES[purpose]}${nonce}`, 'utf8'), key);
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA_GEN, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function toKeyObject(key: CryptoKey): Promise<KeyObject> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

interface Ca {
  name: string;
  keys: CryptoKeyPair;
  certificate: x509.X509Certificate;
}

async function makeCa(name: string, keys: CryptoKeyPair, now: number): Promise<Ca> {
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(now - 365 * DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    signingAlgorithm: RSA,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { name, keys, certificate };
}

let serial = 0x1000;

async function leaf(
  ca: Ca,
  publicKey: CryptoKey,
  usage: x509.KeyUsageFlags,
  validity: { notBefore: number; notAfter: number },
): Promise<{ der: Buffer; serial: string }> {
  serial += 1;
  const serialNumber = serial.toString(16);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: `C=JP, CN=FIXTURE${serialNumber}`,
    issuer: ca.certificate.subject,
    notBefore: new Date(validity.notBefore),
    notAfter: new Date(validity.notAfter),
    signingAlgorithm: RSA,
    publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [new x509.KeyUsagesExtension(usage, true)],
  });
  return { der: Buffer.from(certificate.rawData), serial: serialNumber };
}

async function buildFixture(now: number): Promise<FixturePki> {
  const [authCaKeys, signCaKeys, strangerKeys, authKeys, signKeys, otherAuthKeys, otherSignKeys] =
    await Promise.all(Array.from({ length: 7 }, keyPair));
  const authCa = await makeCa('C=JP, O=JPKI, OU=JPKI for user authentication, OU=Fixture', authCaKeys!, now);
  const signCa = await makeCa('C=JP, O=JPKI, OU=JPKI for digital signature, OU=Fixture', signCaKeys!, now);
  const noCrlCa = await makeCa('C=JP, O=JPKI, OU=JPKI for user authentication, OU=No CRL', authCaKeys!, now);
  const stranger = await makeCa('C=JP, O=Not JPKI', strangerKeys!, now);
  const [authKey, signKey, otherAuthKey, otherSignKey] = await Promise.all(
    [authKeys!, signKeys!, otherAuthKeys!, otherSignKeys!].map((k) => toKeyObject(k.privateKey)),
  );
  const valid = { notBefore: now - 30 * DAY, notAfter: now + 4 * 365 * DAY };
  const authUsage = x509.KeyUsageFlags.digitalSignature;
  const signUsage = x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.digitalSignature;

  const card = async (
    options: { authCa?: Ca; authValidity?: typeof valid; other?: boolean } = {},
  ): Promise<FixtureCard & { authSerial: string; signSerial: string }> => {
    const auth = await leaf(
      options.authCa ?? authCa,
      (options.other ? otherAuthKeys! : authKeys!).publicKey,
      authUsage,
      options.authValidity ?? valid,
    );
    const signature = await leaf(
      signCa,
      (options.other ? otherSignKeys! : signKeys!).publicKey,
      signUsage,
      valid,
    );
    serial += 1;
    return {
      authDer: auth.der,
      signDer: signature.der,
      authKey: options.other ? otherAuthKey! : authKey!,
      signKey: options.other ? otherSignKey! : signKey!,
      tokenSerial: `FIXTURE${serial.toString().padStart(9, '0')}`,
      authSerial: auth.serial,
      signSerial: signature.serial,
    };
  };

  const healthy = await card();
  const other = await card({ other: true });
  const expiredAuth = await card({ authValidity: { notBefore: now - 5 * 365 * DAY, notAfter: now - DAY } });
  const notYetValidAuth = await card({ authValidity: { notBefore: now + DAY, notAfter: now + 365 * DAY } });
  const revokedAuth = await card();
  const revokedSign = await card();
  const untrusted = await card({ authCa: stranger });
  const noCrl = await card({ authCa: noCrlCa });
  const wrongKind: FixtureCard = { ...healthy, authDer: healthy.signDer };

  const crl = (ca: Ca, serials: string[]) =>
    x509.X509CrlGenerator.create({
      issuer: ca.certificate.subject,
      thisUpdate: new Date(now - DAY),
      nextUpdate: new Date(now + 30 * DAY),
      signingAlgorithm: RSA,
      signingKey: ca.keys.privateKey,
      entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date(now - DAY) })),
    });

  // The issuer record: every card's certificates under its token serial (DESIGN §3).
  const recorded = [healthy, other, expiredAuth, notYetValidAuth, revokedAuth, revokedSign, untrusted, noCrl];
  const issuerRecord = parseIssuerRecord(
    recorded
      .map((issued) =>
        issuerRecordLine({
          tokenSerial: issued.tokenSerial,
          certificates: [issued.authDer, issued.signDer].map(
            (der) => new x509.X509Certificate(new Uint8Array(der)),
          ),
        }),
      )
      .join(''),
  );

  return {
    trust: {
      authAnchors: [authCa.certificate, noCrlCa.certificate],
      signAnchors: [signCa.certificate],
      intermediates: [],
      crls: [await crl(authCa, [revokedAuth.authSerial]), await crl(signCa, [revokedSign.signSerial])],
      issuerRecord,
    },
    healthy,
    other,
    expiredAuth,
    notYetValidAuth,
    revokedAuth,
    revokedSign,
    untrusted,
    noCrl,
    wrongKind,
  };
}
