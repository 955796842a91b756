import { createHash, createPublicKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { type ApiErrorCode, KIOSK_SIGNATURE, sha256FromContentDigest } from '../contract';
import type { KioskRecord, Outcome, ReservationStore } from '../store/reservation-store';
import { verifySignature } from '../verification/verify-signature';

/**
 * Authenticates a kiosk request (RFC 9421, Ed25519): exactly one signature, keyid = a registered
 * kiosk, covering @method, @path and content-digest, with `created`, `keyid`, `nonce` (and `alg`
 * if present, `ed25519`). Then, in this order: the kiosk is not revoked (KIOSK_REVOKED); `created`
 * is within ±clockSkewMs of the server clock (KIOSK_CLOCK_SKEW); the Content-Digest matches the
 * body bytes (CONTENT_DIGEST_MISMATCH); the nonce was not seen within the replay window
 * (REQUEST_REPLAYED). Anything else is KIOSK_UNAUTHENTICATED.
 *
 * The Signature-Input is read strictly (`strictSignatureParameters`): one member, labelled
 * `kiosk`, covering exactly @method, @path and content-digest, whose parameters are each given
 * once, of their RFC 8941 type — `created` an Integer of seconds (not a String, Decimal, Boolean or
 * Token: a general RFC 9421 library turned `"x"` into an Invalid Date, which no clock comparison
 * refuses), `keyid`, `alg` and `nonce` Strings of the expected shape. The Signature header is
 * exactly one `kiosk` byte sequence. Since only that one canonical shape is accepted, the signature
 * base is built here directly (`signatureBase`) instead of by a general RFC 9421 parser: on the
 * kiosk hot path the general parse and re-serialisation cost more than the Ed25519 check.
 */

export interface SignedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The exact body bytes (empty when none). */
  body: Buffer;
}

export interface KioskAuthenticatorOptions {
  clockSkewMs: number;
}

export class KioskAuthenticator {
  /** Public keys parsed once per kiosk (and key). */
  private readonly keyCache = new Map<string, { publicKey: string; key: KeyObject }>();

  constructor(
    private readonly store: ReservationStore,
    private readonly options: KioskAuthenticatorOptions,
  ) {}

  /** Nonces are remembered for the whole span a `created` is accepted in, so no replay slips through. */
  get replayWindowMs(): number {
    return 2 * this.options.clockSkewMs;
  }

  async authenticate(request: SignedRequest, now: number): Promise<Outcome<KioskRecord>> {
    const { headers } = request;
    const strict = strictSignatureParameters(headers['signature-input']);
    const signature = signatureOf(headers['signature']);
    const digestHeader = headers['content-digest'];
    if (!strict || !signature || typeof digestHeader !== 'string') return refused('KIOSK_UNAUTHENTICATED');
    // The store failing (database unreachable) is not the kiosk's fault: it is not caught here, so
    // it is answered as the failure it is (503 when the database is down), never as
    // KIOSK_UNAUTHENTICATED, which would make a kiosk think its key was refused.
    const kiosk = await this.store.getKiosk(strict.keyid);
    if (!kiosk) return refused('KIOSK_UNAUTHENTICATED');
    let verified: boolean;
    try {
      verified = verifySignature(
        null,
        signatureBase(request, digestHeader, strict.signatureParams),
        this.publicKeyOf(kiosk),
        signature,
      );
    } catch {
      return refused('KIOSK_UNAUTHENTICATED');
    }
    if (!verified) return refused('KIOSK_UNAUTHENTICATED');

    if (kiosk.revokedAt !== null) return refused('KIOSK_REVOKED');
    const createdMs = strict.createdSeconds * 1000;
    if (!Number.isSafeInteger(createdMs) || Math.abs(createdMs - now) > this.options.clockSkewMs) {
      return refused('KIOSK_CLOCK_SKEW');
    }
    if (!digestMatches(digestHeader, request.body)) return refused('CONTENT_DIGEST_MISMATCH');
    const fresh = await this.store.rememberKioskNonce({
      kioskId: kiosk.id,
      nonce: strict.nonce,
      now,
      windowMs: this.replayWindowMs,
    });
    if (!fresh) return refused('REQUEST_REPLAYED');
    return { ok: true, value: kiosk };
  }

  /** The kiosk's public key, imported once per kiosk and key (a rotated key is imported anew). */
  private publicKeyOf(kiosk: KioskRecord): KeyObject {
    let cached = this.keyCache.get(kiosk.id);
    if (!cached || cached.publicKey !== kiosk.publicKey) {
      cached = { publicKey: kiosk.publicKey, key: ed25519PublicKey(kiosk.publicKey) };
      this.keyCache.set(kiosk.id, cached);
    }
    return cached.key;
  }
}

/**
 * The RFC 9421 signature base of a kiosk request: the covered components in the order the
 * Signature-Input lists them (always @method, @path and content-digest: strictSignatureParameters
 * accepts no other list), then `@signature-params`, the member's inner list and parameters exactly
 * as received (the strict reading accepts only their canonical serialisation, so this is the text
 * the kiosk signed). `@path` is the target's path as a URL parser reads it, without the query.
 */
function signatureBase(request: SignedRequest, contentDigestValue: string, signatureParams: string): Buffer {
  const path = new URL(request.url, 'http://kiosk.invalid').pathname;
  const values: Record<string, string> = {
    '@method': request.method.toUpperCase(),
    '@path': path,
    'content-digest': contentDigestValue.trim(),
  };
  let base = '';
  for (const component of componentsOf(signatureParams)) base += `"${component}": ${values[component]}\n`;
  return Buffer.from(`${base}"@signature-params": ${signatureParams}`, 'utf8');
}

function componentsOf(signatureParams: string): string[] {
  const list = signatureParams.slice(1, signatureParams.indexOf(')'));
  return list.split(' ').map((quoted) => quoted.slice(1, -1));
}

const SIGNATURE_MEMBER = /^kiosk=:([A-Za-z0-9+/]+={0,2}):$/;

/** The signature bytes of a Signature header that is exactly one `kiosk` member; else undefined. */
function signatureOf(header: string | string[] | undefined): Buffer | undefined {
  if (typeof header !== 'string') return undefined;
  const encoded = SIGNATURE_MEMBER.exec(header.trim())?.[1];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
}

export interface StrictSignatureParameters {
  createdSeconds: number;
  keyid: string;
  nonce: string;
  /** The member's value after `kiosk=` as received: the `@signature-params` of the signature base. */
  signatureParams: string;
}

const MEMBER = /^kiosk=\(((?:"[a-z@-]+"(?: "[a-z@-]+")*)?)\)((?:;[a-z]+=[^;]*)*)$/;
const PARAMETER_SHAPES: Record<string, RegExp> = {
  // RFC 8941 Integer (at most 15 digits), non-negative, no leading sign: seconds since the epoch.
  created: /^[0-9]{1,15}$/,
  keyid: /^"[A-Za-z0-9._-]{1,128}"$/,
  alg: /^"ed25519"$/,
  nonce: /^"[A-Za-z0-9_-]{16,128}"$/,
};

const COVERED = [...KIOSK_SIGNATURE.components].sort().join(' ');

/**
 * The parameters of a kiosk Signature-Input, read strictly; undefined when the header is not
 * exactly one `kiosk` member covering exactly the kiosk components (each once, in any order), with
 * each allowed parameter at most once, the required ones present, each of its own type and shape.
 */
export function strictSignatureParameters(
  header: string | string[] | undefined,
): StrictSignatureParameters | undefined {
  if (typeof header !== 'string') return undefined;
  const trimmed = header.trim();
  const member = MEMBER.exec(trimmed);
  if (!member) return undefined;
  const components = (member[1] ?? '').split(' ').map((quoted) => quoted.slice(1, -1));
  if (components.sort().join(' ') !== COVERED) return undefined;
  const values = new Map<string, string>();
  for (const parameter of (member[2] ?? '').split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    const name = parameter.slice(0, equals);
    const value = parameter.slice(equals + 1);
    const shape = PARAMETER_SHAPES[name];
    if (!shape || values.has(name) || !shape.test(value)) return undefined;
    values.set(name, value);
  }
  const created = values.get('created');
  const keyid = values.get('keyid');
  const nonce = values.get('nonce');
  if (created === undefined || keyid === undefined || nonce === undefined) return undefined;
  const createdSeconds = Number(created);
  if (!Number.isSafeInteger(createdSeconds)) return undefined;
  return {
    createdSeconds,
    keyid: keyid.slice(1, -1),
    nonce: nonce.slice(1, -1),
    signatureParams: trimmed.slice('kiosk='.length),
  };
}

/** An Ed25519 public key from its 32 raw bytes (base64). */
export function ed25519PublicKey(rawBase64: string) {
  const raw = Buffer.from(rawBase64, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

function digestMatches(header: string | string[] | undefined, body: Buffer): boolean {
  if (typeof header !== 'string') return false;
  const claimed = sha256FromContentDigest(header);
  if (!claimed) return false;
  return timingSafeEqual(claimed, createHash('sha256').update(body).digest());
}

function refused(code: ApiErrorCode): Outcome<never> {
  return { ok: false, code };
}
