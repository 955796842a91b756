import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer secrets (reservation and operator tokens) and server ids. Tokens are 32 random bytes, so a
 * plain SHA-256 is a safe way to store them (no dictionary to guess from); only the hash is kept.
 */

/**
 * A new secret token: base64url of 32 random bytes (43 characters), never starting with `-`, so a
 * person can pass it on a command line (`--token TOKEN`) without it being taken for an option —
 * one token in 64 used to be. Drawing again costs far less than a bit of the 256.
 */
export function newToken(): string {
  for (;;) {
    const token = randomBytes(32).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new opaque id with a readable prefix, e.g. `rsv_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([A-Za-z0-9_-]{20,128})$/.exec(header.trim());
  return match?.[1];
}
