import { randomInt } from 'node:crypto';
import { type CertificateAuthority, issueCertificate } from './certificate-authority';
import { type CalendarDate, compareDates, jstDate } from './japan-dates';
import { type JpkiPersonalData, jpkiSubjectAltNameExtension } from './jpki-subject-alt-name';
import { x509 } from './x509';

/**
 * The certificate profiles of a My Number Card (jpki-card.md): the user-authentication certificate
 * names nobody (an opaque 23-character ID), the signature certificate carries the holder's basic
 * four facts in its SubjectAltName. Both RSA-2048, sha256WithRSAEncryption.
 */

export type Sex = 'male' | 'female';

/** The person a card belongs to, as the signature certificate records them. */
export interface Holder {
  name: string;
  birthDate: CalendarDate;
  sex: Sex;
  address: string;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** The municipality that issues test cards; real signature certificates name it in subject L. */
export const ISSUING_MUNICIPALITY = { prefecture: 'Tokyo-to', city: 'Chiyoda-ku' } as const;

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const CARD_CERTIFICATE_ID_LENGTH = 23;

/** A 23-character certificate ID: the JST issue date (YYYYMMDD) and 15 random digits/letters. */
export function certificateId(issuedAt: number): string {
  const { year, month, day } = jstDate(issuedAt);
  const date = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
  let random = '';
  while (date.length + random.length < CARD_CERTIFICATE_ID_LENGTH)
    random += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return date + random;
}

/** Japanese era codes (元号コード) as resident-registry data numbers them, with their first days. */
const ERAS: readonly { code: string; from: CalendarDate }[] = [
  { code: '5', from: { year: 2019, month: 5, day: 1 } }, // 令和
  { code: '4', from: { year: 1989, month: 1, day: 8 } }, // 平成
  { code: '3', from: { year: 1926, month: 12, day: 25 } }, // 昭和
  { code: '2', from: { year: 1912, month: 7, day: 30 } }, // 大正
  { code: '1', from: { year: 1868, month: 1, day: 25 } }, // 明治
];

/** Birth date as the certificate encodes it: era code + Gregorian YYYYMMDD (e.g. `419900102`). */
export function jpkiBirthDate(date: CalendarDate): string {
  const era = ERAS.find((candidate) => compareDates(date, candidate.from) >= 0);
  if (!era) throw new RangeError('birth date before the Meiji era');
  return `${era.code}${String(date.year).padStart(4, '0')}${String(date.month).padStart(2, '0')}${String(date.day).padStart(2, '0')}`;
}

/** Sex as resident-registry data codes it: 1 male, 2 female. */
export const SEX_CODES: Record<Sex, string> = { male: '1', female: '2' };

/** The SubjectAltName facts of `holder` (no substitute characters needed for test names). */
export function personalData(holder: Holder): JpkiPersonalData {
  return {
    name: holder.name,
    nameSubstitute: '',
    sex: SEX_CODES[holder.sex],
    birthDate: jpkiBirthDate(holder.birthDate),
    address: holder.address,
    addressSubstitute: '',
  };
}

/** User-authentication certificate: `C=JP, CN=<ID>`, digitalSignature (critical), clientAuth. */
export async function issueAuthCertificate(
  ca: CertificateAuthority,
  publicKey: CryptoKey,
  validity: Validity,
): Promise<x509.X509Certificate> {
  return issueCertificate(ca, {
    subject: `C=JP, CN=${certificateId(validity.notBefore.getTime())}`,
    publicKey,
    ...validity,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
    ],
  });
}

/**
 * Signature certificate: subject `C=JP, L=<prefecture>, L=<city>, CN=<ID>` (the name is not in the
 * subject, as on real cards), digitalSignature + nonRepudiation (critical), holder facts in SAN.
 */
export async function issueSignCertificate(
  ca: CertificateAuthority,
  publicKey: CryptoKey,
  validity: Validity,
  holder: Holder,
): Promise<x509.X509Certificate> {
  const { prefecture, city } = ISSUING_MUNICIPALITY;
  return issueCertificate(ca, {
    subject: `C=JP, L=${prefecture}, L=${city}, CN=${certificateId(validity.notBefore.getTime())}`,
    publicKey,
    ...validity,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
        true,
      ),
      jpkiSubjectAltNameExtension(personalData(holder)),
    ],
  });
}
