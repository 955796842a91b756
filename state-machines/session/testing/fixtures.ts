import type { CertificateValidity } from '../certificate-validity';
import type { PinKind } from '../pin-rules';
import type { ReadCardOutput } from '../session-actors';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Epoch ms of a Japan wall-clock time, e.g. `japanTime('2025-06-02T10:00')`. */
export function japanTime(isoLocal: string): number {
  const ms = Date.parse(`${isoLocal}+09:00`);
  if (Number.isNaN(ms)) throw new Error(`not a Japan local time: ${isoLocal}`);
  return ms;
}

/** A Monday morning, well inside the service window. */
export const MORNING = japanTime('2025-06-02T10:00');

/** A validity period that ends `daysLeft` days after `now`. */
export function validityEnding(now: number, daysLeft: number): CertificateValidity {
  return { notBefore: now - 4 * 365 * DAY_MS, notAfter: now + daysLeft * DAY_MS };
}

export interface CardOptions {
  now?: number;
  /** Tries left per PIN (default: full counters). */
  tries?: Partial<Record<PinKind, number>>;
  /** Days until the authentication certificate ends (negative: expired). Default 2 years. */
  certificateDaysLeft?: number;
}

/** readCard's answer for a My Number Card (the healthy persona unless told otherwise). */
export function myNumberCard(options: CardOptions = {}): ReadCardOutput {
  const now = options.now ?? MORNING;
  return {
    result: 'my-number-card',
    pins: { auth: { triesLeft: options.tries?.auth ?? 3 }, sign: { triesLeft: options.tries?.sign ?? 5 } },
    authCertificate: validityEnding(now, options.certificateDaysLeft ?? 730),
  };
}

export const NOT_A_MY_NUMBER_CARD: ReadCardOutput = { result: 'not-my-number-card' };
