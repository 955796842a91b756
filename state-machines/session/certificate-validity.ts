import { JST_OFFSET_MS } from '../time/service-window';

/**
 * Certificate validity as the done screen shows it. JPKI certificates end at 23:59:59 Japan time
 * (jpki-card.md); renewal opens 3 calendar months before that, so the arithmetic is done on the
 * Japan-time calendar, never in the machine's zone.
 */

/** Validity period of a certificate, epoch milliseconds. */
export interface CertificateValidity {
  notBefore: number;
  notAfter: number;
}

/** How many calendar months before expiry renewal opens. */
export const RENEWAL_OPENS_MONTHS_BEFORE = 3;

/** The same Japan wall-clock time `months` calendar months earlier (day clamped to the month's end). */
export function subtractJapanMonths(epochMs: number, months: number): number {
  const wall = new Date(epochMs + JST_OFFSET_MS);
  const year = wall.getUTCFullYear();
  const month = wall.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const shifted = Date.UTC(
    year,
    month,
    Math.min(wall.getUTCDate(), lastDay),
    wall.getUTCHours(),
    wall.getUTCMinutes(),
    wall.getUTCSeconds(),
    wall.getUTCMilliseconds(),
  );
  return shifted - JST_OFFSET_MS;
}

/** The moment renewal of a certificate ending at `notAfter` opens. */
export function renewalOpensAt(notAfter: number): number {
  return subtractJapanMonths(notAfter, RENEWAL_OPENS_MONTHS_BEFORE);
}

/** True when renewal is open at `now` (the certificate ends within 3 months, or already ended). */
export function isRenewalDue(now: number, validity: CertificateValidity): boolean {
  return now >= renewalOpensAt(validity.notAfter);
}

/** True when the certificate has ended at `now`. */
export function hasExpired(now: number, validity: CertificateValidity): boolean {
  return now > validity.notAfter;
}

/** `YYYY-MM-DD`, the Japan calendar date of `epochMs`. */
export function japanDate(epochMs: number): string {
  return new Date(epochMs + JST_OFFSET_MS).toISOString().slice(0, 10);
}
