import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  type ChainId,
  type KioskCredentials,
  type KioskView,
  proceduresOfChain,
  resolveChain,
} from '../contract';
import { ed25519PublicKey } from '../auth/kiosk-authenticator';
import { ApiError } from '../server/api-error';
import type { KioskRecord, KioskStatus, ReservationStore } from '../store/reservation-store';

/**
 * Kiosk registration and revocation, shared by the ops endpoints and the ops CLI. The chain decides
 * the procedures a kiosk offers; the kiosk id is also its RFC 9421 keyid.
 */

/** A new kiosk id: chain, store and a random suffix, e.g. `lawson-0042-k7f3a9`. */
export function newKioskId(chain: ChainId, storeId: string): string {
  const store = storeId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24);
  return `${chain}-${store || 'store'}-k${randomBytes(3).toString('hex')}`;
}

/** A fresh Ed25519 key pair: the private key as PKCS#8 PEM, the public key as 32 raw bytes (base64). */
export function newKioskKeyPair(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: Buffer.from(jwk.x ?? '', 'base64url').toString('base64'),
  };
}

interface KioskToRegister {
  chain: string;
  storeId: string;
  prefecture?: string | undefined;
  storeName?: string | undefined;
  publicKey: string;
}

/** The record of a new kiosk; UNKNOWN_CHAIN or VALIDATION_FAILED (not an Ed25519 key) when it cannot be. */
function newKioskRecord(input: KioskToRegister, now: number): KioskRecord {
  const chain = resolveChain(input.chain);
  if (!chain) throw new ApiError('UNKNOWN_CHAIN');
  try {
    ed25519PublicKey(input.publicKey);
  } catch {
    throw new ApiError('VALIDATION_FAILED');
  }
  return {
    id: newKioskId(chain, input.storeId),
    chain,
    storeId: input.storeId,
    prefecture: input.prefecture ?? null,
    storeName: input.storeName ?? null,
    procedures: proceduresOfChain(chain),
    publicKey: input.publicKey,
    registeredAt: now,
    revokedAt: null,
  };
}

export async function registerKiosk(
  store: ReservationStore,
  input: KioskToRegister & { actor: string; now: number },
): Promise<KioskRecord> {
  const kiosk = newKioskRecord(input, input.now);
  await store.registerKiosk(kiosk, input.actor);
  return kiosk;
}

/**
 * Registers a batch of kiosks all or none: every entry is checked before anything is written, and
 * the store writes them in one transaction (a fleet rollout, or the fleet simulator).
 */
export async function registerKiosks(
  store: ReservationStore,
  input: { kiosks: readonly KioskToRegister[]; actor: string; now: number },
): Promise<KioskRecord[]> {
  const records = input.kiosks.map((kiosk) => newKioskRecord(kiosk, input.now));
  await store.registerKiosks(records, input.actor);
  return records;
}

/**
 * Registers a new kiosk with a fresh key pair and returns its credentials (the only place the
 * private key exists: the caller writes them to an owner-only file or hands them to a test client).
 */
export async function enrolKiosk(
  store: ReservationStore,
  input: {
    chain: string;
    storeId: string;
    prefecture?: string | undefined;
    storeName?: string | undefined;
    actor: string;
    now: number;
    apiUrl?: string;
  },
): Promise<KioskCredentials> {
  const keys = newKioskKeyPair();
  const kiosk = await registerKiosk(store, { ...input, publicKey: keys.publicKey });
  return {
    format: 'kiosk-credentials/v1',
    kioskId: kiosk.id,
    chain: kiosk.chain,
    storeId: kiosk.storeId,
    procedures: kiosk.procedures,
    privateKeyPem: keys.privateKeyPem,
    ...(input.apiUrl ? { apiUrl: input.apiUrl } : {}),
  };
}

/** The operator view of a kiosk (no key material). */
export function kioskView(kiosk: KioskRecord | KioskStatus): KioskView {
  return {
    kioskId: kiosk.id,
    chain: kiosk.chain,
    storeId: kiosk.storeId,
    procedures: kiosk.procedures,
    registeredAt: kiosk.registeredAt,
    revokedAt: kiosk.revokedAt,
    lastHeartbeat: 'lastHeartbeat' in kiosk ? kiosk.lastHeartbeat : null,
  };
}
