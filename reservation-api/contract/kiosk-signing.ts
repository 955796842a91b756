import { createHash } from 'node:crypto';

/**
 * How kiosk requests are signed (RFC 9421 HTTP Message Signatures, Ed25519), so the client and the
 * server agree from one place. One signature labelled `kiosk`, keyid = kiosk id, covering the
 * method, the path and the RFC 9530 Content-Digest of the body, with `created` and a random `nonce`.
 */
export const KIOSK_SIGNATURE = {
  label: 'kiosk',
  algorithm: 'ed25519',
  components: ['@method', '@path', 'content-digest'],
  /** Parameters every kiosk signature carries (and the only ones accepted). */
  parameters: ['created', 'keyid', 'alg', 'nonce'],
} as const;

/** RFC 9530 Content-Digest of a body: `sha-256=:<base64>:`. */
export function contentDigest(body: Uint8Array | string): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/**
 * The sha-256 value of a Content-Digest header (a structured-field dictionary of byte sequences),
 * or undefined when it has none or is malformed.
 */
export function sha256FromContentDigest(header: string): Buffer | undefined {
  for (const member of header.split(',')) {
    const match = /^\s*sha-256\s*=\s*:([A-Za-z0-9+/]*={0,2}):\s*$/.exec(member);
    if (match?.[1] !== undefined) {
      const bytes = Buffer.from(match[1], 'base64');
      return bytes.length === 32 ? bytes : undefined;
    }
  }
  return undefined;
}
