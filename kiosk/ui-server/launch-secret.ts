import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh per-launch secret: 32 random bytes, base64url (URL- and cookie-safe). */
export function newLaunchSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time comparison of a presented secret with the expected one. Both sides are hashed
 * first so that the comparison takes the same time whatever the presented length is.
 */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
