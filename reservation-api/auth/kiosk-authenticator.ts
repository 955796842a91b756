import { createHash, createPublicKey, timingSafeEqual } from 'node:crypto';
import { httpbis, type SignatureParameters, type VerifyingKey } from 'http-message-signatures';
import { type ApiErrorCode, KIOSK_SIGNATURE, sha256FromContentDigest } from '../contract';
import type { KioskRecord, Outcome, ReservationStore } from '../store/reservation-store';
import { verifyInPool } from '../verification/verify-in-pool';

/**
 * Authenticates a kiosk request (RFC 9421, Ed25519): exactly one signature, keyid = a registered
 * kiosk, covering @method, @path and content-digest, with `created`, `keyid`, `nonce` (and `alg`
 * if present, `ed25519`). Then, in this order: the kiosk is not revoked (KIOSK_REVOKED); `created`
 * is within ±clockSkewMs of the server clock (KIOSK_CLOCK_SKEW); the Content-Digest matches the
 * body bytes (CONTENT_DIGEST_MISMATCH); the nonce was not seen within the replay window
 * (REQUEST_REPLAYED). Anything else is KIOSK_UNAUTHENTICATED.
 *
 * The Signature-Input is read strictly first (`strictSignatureParameters`): one member, labelled
 * `kiosk`, whose parameters are each given once, of their RFC 8941 type — `created` an Integer of
 * seconds (not a String, Decimal, Boolean or Token: the library turns `"x"` into an Invalid Date,
 * which no clock comparison refuses), `keyid`, `alg` and `nonce` Strings of the expected shape — so
 * nothing the signature library would coerce reaches the checks.
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

const ALLOWED_PARAMETERS = new Set<string>(KIOSK_SIGNATURE.parameters);
const REQUIRED_PARAMETERS = ['created', 'keyid', 'nonce'];
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

class Refused extends Error {
  constructor(readonly code: ApiErrorCode) {
    super(code);
  }
}

export class KioskAuthenticator {
  /** Public keys parsed once per kiosk (and key). */
  private readonly keyCache = new Map<
    string,
    { publicKey: string; key: ReturnType<typeof createPublicKey> }
  >();

  constructor(
    private readonly store: ReservationStore,
    private readonly options: KioskAuthenticatorOptions,
  ) {}

  /** Nonces are remembered for the whole span a `created` is accepted in, so no replay slips through. */
  get replayWindowMs(): number {
    return 2 * this.options.clockSkewMs;
  }

  async authenticate(request: SignedRequest, now: number): Promise<Outcome<KioskRecord>> {
    const headers = definedHeaders(request.headers);
    if (!headers['signature'] || !headers['signature-input']) return refused('KIOSK_UNAUTHENTICATED');
    const strict = strictSignatureParameters(headers['signature-input']);
    if (!strict) return refused('KIOSK_UNAUTHENTICATED');

    let kiosk: KioskRecord | undefined;
    let params: SignatureParameters | undefined;
    let signatures = 0;
    let verified: boolean | null;
    // The store failing (database unreachable) is not the kiosk's fault: it must not come back as
    // KIOSK_UNAUTHENTICATED, or a kiosk would think its key was refused; it is answered as the
    // failure it is (503 when the database is down).
    let storeFailure: { error: unknown } | undefined;
    try {
      verified = await httpbis.verifyMessage(
        {
          keyLookup: async (candidate) => {
            signatures += 1;
            if (signatures > 1) throw new Refused('KIOSK_UNAUTHENTICATED');
            params = candidate;
            try {
              kiosk = await this.acceptableKiosk(candidate);
            } catch (error) {
              if (!(error instanceof Refused)) storeFailure = { error };
              throw error;
            }
            return this.verifyingKey(kiosk);
          },
          requiredFields: [...KIOSK_SIGNATURE.components],
          requiredParams: REQUIRED_PARAMETERS,
          // Time is judged below against the injected clock, not by the library's Date.now().
          notAfter: Number.MAX_SAFE_INTEGER,
        },
        { method: request.method, url: `http://kiosk.invalid${request.url}`, headers },
      );
    } catch (error) {
      if (storeFailure) throw storeFailure.error;
      return refused(error instanceof Refused ? error.code : 'KIOSK_UNAUTHENTICATED');
    }
    if (verified !== true || !kiosk || !params) return refused('KIOSK_UNAUTHENTICATED');
    // What the library verified must be what the strict reading saw.
    if (params.keyid !== strict.keyid || params.nonce !== strict.nonce)
      return refused('KIOSK_UNAUTHENTICATED');

    if (kiosk.revokedAt !== null) return refused('KIOSK_REVOKED');
    const createdMs = strict.createdSeconds * 1000;
    if (!Number.isSafeInteger(createdMs) || Math.abs(createdMs - now) > this.options.clockSkewMs) {
      return refused('KIOSK_CLOCK_SKEW');
    }
    if (!digestMatches(headers['content-digest'], request.body)) return refused('CONTENT_DIGEST_MISMATCH');
    const fresh = await this.store.rememberKioskNonce({
      kioskId: kiosk.id,
      nonce: String(params.nonce),
      now,
      windowMs: this.replayWindowMs,
    });
    if (!fresh) return refused('REQUEST_REPLAYED');
    return { ok: true, value: kiosk };
  }

  /** The kiosk a signature's parameters name, if the parameters are the ones we accept. */
  private async acceptableKiosk(params: SignatureParameters): Promise<KioskRecord> {
    for (const name of Object.keys(params)) {
      if (!ALLOWED_PARAMETERS.has(name)) throw new Refused('KIOSK_UNAUTHENTICATED');
    }
    if (params.alg !== undefined && params.alg !== KIOSK_SIGNATURE.algorithm) {
      throw new Refused('KIOSK_UNAUTHENTICATED');
    }
    if (typeof params.nonce !== 'string' || !NONCE_PATTERN.test(params.nonce)) {
      throw new Refused('KIOSK_UNAUTHENTICATED');
    }
    const kiosk = typeof params.keyid === 'string' ? await this.store.getKiosk(params.keyid) : undefined;
    if (!kiosk) throw new Refused('KIOSK_UNAUTHENTICATED');
    return kiosk;
  }

  private verifyingKey(kiosk: KioskRecord): VerifyingKey {
    let cached = this.keyCache.get(kiosk.id);
    if (!cached || cached.publicKey !== kiosk.publicKey) {
      cached = { publicKey: kiosk.publicKey, key: ed25519PublicKey(kiosk.publicKey) };
      this.keyCache.set(kiosk.id, cached);
    }
    const key = cached.key;
    return {
      id: kiosk.id,
      algs: [KIOSK_SIGNATURE.algorithm],
      verify: (data, signature) => verifyInPool(null, data, key, signature),
    };
  }
}

export interface StrictSignatureParameters {
  createdSeconds: number;
  keyid: string;
  nonce: string;
}

const MEMBER = /^kiosk=\(((?:"[a-z@-]+"(?: "[a-z@-]+")*)?)\)((?:;[a-z]+=[^;]*)*)$/;
const PARAMETER_SHAPES: Record<string, RegExp> = {
  // RFC 8941 Integer (at most 15 digits), non-negative, no leading sign: seconds since the epoch.
  created: /^[0-9]{1,15}$/,
  keyid: /^"[A-Za-z0-9._-]{1,128}"$/,
  alg: /^"ed25519"$/,
  nonce: /^"[A-Za-z0-9_-]{16,128}"$/,
};

/**
 * The parameters of a kiosk Signature-Input, read strictly; undefined when the header is not
 * exactly one `kiosk` member with each allowed parameter at most once, the required ones present,
 * each of its own type and shape.
 */
export function strictSignatureParameters(
  header: string | string[] | undefined,
): StrictSignatureParameters | undefined {
  if (typeof header !== 'string') return undefined;
  const member = MEMBER.exec(header.trim());
  if (!member) return undefined;
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
  return { createdSeconds, keyid: keyid.slice(1, -1), nonce: nonce.slice(1, -1) };
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

function definedHeaders(headers: SignedRequest['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

function refused(code: ApiErrorCode): Outcome<never> {
  return { ok: false, code };
}
