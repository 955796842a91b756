import { randomInt } from 'node:crypto';
import { JPKI_ATR, PIN_FILES, type PinKind } from '../jpki/constants';
import { isValidPinFormat } from '../jpki/pin-format';
import { deriveCardResetKey } from '../jpki/reset-crypto';
import type { CardFile } from '../virtual-card/card-file';
import {
  type Holder,
  type Sex,
  type Validity,
  issueAuthCertificate,
  issueSignCertificate,
} from './card-certificates';
import type { CertificateAuthority } from './certificate-authority';
import {
  type CalendarDate,
  addDays,
  birthdayIn,
  compareDates,
  fifthBirthdayNotAfter,
  jstDate,
  parseCalendarDate,
} from './japan-dates';
import { type CertificateTiming, type JpkiPersona, findPersona } from './personas';
import { TestPkiError } from './pki-errors';
import type { CaKind } from './pki-layout';
import { generateRsaKeyPair, privateKeyToPem } from './rsa-keys';
import type { RevocationRequest } from './test-pki';
import type { x509 } from './x509';

/** Issues the card file of one persona: keys, certificates, PINs and counters, reset key. */

/** Default PINs of an issued card (documented in docs/test-pki.md). */
export const DEFAULT_PINS: Record<PinKind, string> = { auth: '1234', sign: 'ABC123' };
export const TOKEN_LABEL = 'JPKIAPICCTOKEN2';
/** What a PC/SC reader reports for a MIFARE Classic 1K: a card that is not a My Number Card. */
export const NON_JPKI_ATR = '3b8f8001804f0ca000000306030001000000006a';

export const DEFAULT_HOLDER: Holder = {
  name: '山田\u3000太郎',
  birthDate: { year: 1985, month: 4, day: 2 },
  sex: 'male',
  address: '東京都千代田区霞が関二丁目1番2号',
};

export interface IssueCardOptions {
  persona: string;
  authPin?: string;
  signPin?: string;
  /** `YYYY-MM-DD` or a calendar date; `cert-expiring-soon` derives its own from the clock. */
  birthDate?: string | CalendarDate;
  name?: string;
  sex?: Sex;
  address?: string;
}

export interface CardIssueContext {
  authorities: Record<CaKind, CertificateAuthority>;
  masterKey: Uint8Array;
  now: number;
  revoke(request: RevocationRequest): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The kiosk's renewal hint shows when a certificate expires within about three months. */
const EXPIRING_SOON_DAYS = 61;
const SERIAL_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A card for `options.persona`, issued at `context.now`. */
export async function issueCardFile(context: CardIssueContext, options: IssueCardOptions): Promise<CardFile> {
  const persona = findPersona(options.persona);
  if (!persona) throw new TestPkiError('UNKNOWN_PERSONA', `unknown persona "${options.persona}"`);
  const pins = { auth: options.authPin ?? DEFAULT_PINS.auth, sign: options.signPin ?? DEFAULT_PINS.sign };
  for (const kind of ['auth', 'sign'] as const) {
    // Never echo the PIN itself: say only which one is malformed and what is expected.
    if (!isValidPinFormat(kind, pins[kind])) throw new TestPkiError('BAD_PIN_FORMAT', PIN_FORMAT_HELP[kind]);
  }
  if (persona.kind === 'non-jpki')
    return { format: 'virtual-mynumber-card/v1', persona: persona.name, atr: NON_JPKI_ATR };

  const holder = resolveHolder(persona, options, context.now);
  const validity = certificateValidity(persona.timing, holder.birthDate, context.now);
  const [authKeys, signKeys] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
  const authCertificate = await issueAuthCertificate(context.authorities.auth, authKeys.publicKey, validity);
  const signCertificate = await issueSignCertificate(
    context.authorities.sign,
    signKeys.publicKey,
    validity,
    holder,
  );
  const tokenSerial = randomTokenSerial();

  const issued = { auth: authCertificate, sign: signCertificate };
  for (const [kind, reason] of Object.entries(persona.revoked) as [CaKind, x509.X509CrlReason][]) {
    await context.revoke({
      kind,
      serialNumber: issued[kind].serialNumber,
      reason,
      persona: persona.name,
      tokenSerial,
    });
  }

  return {
    format: 'virtual-mynumber-card/v1',
    persona: persona.name,
    atr: Buffer.from(JPKI_ATR).toString('hex'),
    jpki: {
      tokenSerial,
      label: TOKEN_LABEL,
      authPin: { value: pins.auth, triesLeft: persona.authTriesLeft, maxTries: PIN_FILES.auth.maxTries },
      signPin: { value: pins.sign, triesLeft: persona.signTriesLeft, maxTries: PIN_FILES.sign.maxTries },
      authKeyPem: await privateKeyToPem(authKeys.privateKey),
      signKeyPem: await privateKeyToPem(signKeys.privateKey),
      authCertificate: base64(authCertificate),
      authCaCertificate: base64(context.authorities.auth.certificate),
      signCertificate: base64(signCertificate),
      signCaCertificate: base64(context.authorities.sign.certificate),
      resetKey: deriveCardResetKey(context.masterKey, tokenSerial).toString('hex'),
      resetFailures: 0,
    },
  };
}

const PIN_FORMAT_HELP: Record<PinKind, string> = {
  auth: 'the user-authentication PIN must be exactly 4 digits',
  sign: 'the signature PIN must be 6–16 characters of A–Z and 0–9',
};

function resolveHolder(persona: JpkiPersona, options: IssueCardOptions, now: number): Holder {
  let birthDate = DEFAULT_HOLDER.birthDate;
  if (options.birthDate !== undefined) {
    if (persona.timing === 'expiring-soon') {
      throw new TestPkiError(
        'BAD_HOLDER_DATA',
        `persona ${persona.name} derives the birth date from the clock`,
      );
    }
    const parsed =
      typeof options.birthDate === 'string' ? parseCalendarDate(options.birthDate) : options.birthDate;
    if (!parsed || compareDates(parsed, jstDate(now)) > 0) {
      throw new TestPkiError('BAD_HOLDER_DATA', 'the birth date must be a past date written YYYY-MM-DD');
    }
    birthDate = parsed;
  } else if (persona.timing === 'expiring-soon') {
    // Born on the day two months ahead, so the 5th birthday after issue falls then.
    const target = addDays(jstDate(now), EXPIRING_SOON_DAYS);
    birthDate = { year: DEFAULT_HOLDER.birthDate.year, month: target.month, day: target.day };
  }
  return {
    name: options.name ?? DEFAULT_HOLDER.name,
    birthDate,
    sex: options.sex ?? DEFAULT_HOLDER.sex,
    address: options.address ?? DEFAULT_HOLDER.address,
  };
}

/** NotBefore is the issue moment; NotAfter 23:59:59 JST on the 5th birthday after it. */
function certificateValidity(timing: CertificateTiming, birth: CalendarDate, now: number): Validity {
  const issuedAt = issueMoment(timing, birth, now);
  return { notBefore: new Date(issuedAt), notAfter: fifthBirthdayNotAfter(birth, issuedAt) };
}

function issueMoment(timing: CertificateTiming, birth: CalendarDate, now: number): number {
  const nowSeconds = Math.floor(now / 1000) * 1000;
  switch (timing) {
    case 'current':
      return nowSeconds;
    case 'expired':
      // Over five years ago (5 × 366 + 90 days): the 5th birthday after it is at least 90 days past.
      return nowSeconds - (5 * 366 + 90) * DAY_MS;
    case 'expiring-soon': {
      // The day after the birthday five years before the coming one: that coming one is the 5th.
      const coming = nextBirthdayOnOrAfter(birth, addDays(jstDate(now), EXPIRING_SOON_DAYS));
      const issueDay = addDays(birthdayIn(birth, coming.year - 5), 1);
      return Date.UTC(issueDay.year, issueDay.month - 1, issueDay.day, 1, 0, 0); // 10:00 JST
    }
  }
}

function nextBirthdayOnOrAfter(birth: CalendarDate, day: CalendarDate): CalendarDate {
  const thisYear = birthdayIn(birth, day.year);
  return compareDates(thisYear, day) >= 0 ? thisYear : birthdayIn(birth, day.year + 1);
}

/** 16 characters of digits and capitals for token-info bytes 80–95; unique per card. */
function randomTokenSerial(): string {
  let serial = '';
  while (serial.length < 16) serial += SERIAL_ALPHABET[randomInt(SERIAL_ALPHABET.length)];
  return serial;
}

function base64(certificate: x509.X509Certificate): string {
  return Buffer.from(certificate.rawData).toString('base64');
}
