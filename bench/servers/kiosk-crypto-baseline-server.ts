import { createHash, timingSafeEqual, verify } from 'node:crypto';
import { join } from 'node:path';
import { ed25519PublicKey } from '../../reservation-api/auth/kiosk-authenticator';
import { sha256FromContentDigest } from '../../reservation-api/contract';
import { type BareRequest, serveBare } from './bare-server';

/**
 * The kiosk requests' crypto baseline: the bare baseline (node:http + better-sqlite3, one durable
 * insert) plus the two checks no kiosk request may skip — the RFC 9421 Ed25519 signature over
 * (@method, @path, content-digest, @signature-params) and the RFC 9530 Content-Digest of the body —
 * done the cheapest way: the one kiosk's key imported once at start, the Signature-Input read by
 * a regular expression, the signature base built by hand, synchronous node:crypto. No framework,
 * validation, key lookup, clock or replay check, lifecycle or audit.
 * Usage: `node --import tsx kiosk-crypto-baseline-server.ts DIR KIOSK_PUBLIC_KEY_BASE64`; prints {"port":N}.
 */
const [dir, publicKeyBase64] = process.argv.slice(2);
if (!dir || !publicKeyBase64) throw new Error('usage: kiosk-crypto-baseline-server.ts DIR KIOSK_PUBLIC_KEY');
const kioskKey = ed25519PublicKey(publicKeyBase64);
const SIGNATURE_INPUT = /^kiosk=(\(.*)$/;
const SIGNATURE = /^kiosk=:([A-Za-z0-9+/]+={0,2}):$/;

function header(request: BareRequest, name: string): string {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
}

function checks(request: BareRequest): boolean {
  const digestHeader = header(request, 'content-digest');
  const params = SIGNATURE_INPUT.exec(header(request, 'signature-input'))?.[1];
  const signature = SIGNATURE.exec(header(request, 'signature'))?.[1];
  const claimed = sha256FromContentDigest(digestHeader);
  if (params === undefined || signature === undefined || !claimed) return false;
  const base =
    `"@method": ${request.method}\n"@path": ${request.url.split('?')[0]}\n` +
    `"content-digest": ${digestHeader}\n"@signature-params": ${params}`;
  return (
    verify(null, Buffer.from(base), kioskKey, Buffer.from(signature, 'base64')) &&
    timingSafeEqual(claimed, createHash('sha256').update(request.raw).digest())
  );
}

serveBare(join(dir, 'kiosk-crypto-baseline.sqlite'), (_body, request) => checks(request));
