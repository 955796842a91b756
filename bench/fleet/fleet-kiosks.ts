import { createPrivateKey, type KeyObject } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  API_PATHS,
  type ChainId,
  MAX_KIOSKS_PER_BATCH,
  type RegisterKiosksRequest,
  type RegisterKiosksResponse,
} from '../../reservation-api/contract';
import { newKioskKeyPair } from '../../reservation-api/services/kiosk-registry';
import type { FleetHttp } from './fleet-http';

/**
 * The fleet's kiosks: Ed25519 key pairs registered through the operator API's batch endpoint
 * (admin token), in the national mix of chains. With a data directory they are kept in
 * kiosks.jsonl (owner-only: private keys), so the next run reuses them instead of registering anew.
 */

export interface FleetKiosk {
  kioskId: string;
  chain: ChainId;
  storeId: string;
  privateKey: KeyObject;
}

interface SavedKiosk {
  kioskId: string;
  chain: ChainId;
  storeId: string;
  privateKeyPem: string;
}

/** Stores per chain in Japan, in thousands (Seven-Eleven ≈ 21,000, FamilyMart ≈ 16,000, …). */
const CHAIN_MIX: ReadonlyArray<[ChainId, number]> = [
  ['seven-eleven', 21],
  ['familymart', 16],
  ['lawson', 14],
  ['aeon', 3],
  ['ministop', 2],
];
const MIX_TOTAL = CHAIN_MIX.reduce((sum, [, weight]) => sum + weight, 0);

/** The chain of the fleet's `index`-th kiosk: the national mix over every 56 kiosks. */
export function chainOf(index: number): ChainId {
  let slot = index % MIX_TOTAL;
  for (const [chain, weight] of CHAIN_MIX) {
    if (slot < weight) return chain;
    slot -= weight;
  }
  return CHAIN_MIX[0]![0];
}

const KIOSKS_FILE = 'kiosks.jsonl';

function loadSaved(dataDir: string | undefined): FleetKiosk[] {
  if (!dataDir || !existsSync(join(dataDir, KIOSKS_FILE))) return [];
  return readFileSync(join(dataDir, KIOSKS_FILE), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const saved = JSON.parse(line) as SavedKiosk;
      return {
        kioskId: saved.kioskId,
        chain: saved.chain,
        storeId: saved.storeId,
        privateKey: createPrivateKey(saved.privateKeyPem),
      };
    });
}

export interface RegisterOptions {
  http: FleetHttp;
  /** An admin operator's token. */
  token: string | undefined;
  /** Batches in flight at once. */
  parallel: number;
  onProgress?: (registered: number, wanted: number) => void;
}

/**
 * `count` kiosks: those saved in `dataDir` first, then new ones registered in batches (and saved as
 * each batch is acknowledged).
 */
export async function fleetKiosks(
  count: number,
  dataDir: string | undefined,
  options: RegisterOptions,
): Promise<{ kiosks: FleetKiosk[]; reused: number; registered: number }> {
  const saved = loadSaved(dataDir).slice(0, count);
  const missing = count - saved.length;
  if (missing === 0) return { kiosks: saved, reused: saved.length, registered: 0 };
  if (!options.token) {
    throw new Error(
      `${missing} kiosk(s) to register: give an admin operator's token in FLEET_OPERATOR_TOKEN (or --token)`,
    );
  }
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const registered: FleetKiosk[] = [];
  const batches: number[][] = [];
  for (let start = saved.length; start < count; start += MAX_KIOSKS_PER_BATCH) {
    batches.push(Array.from({ length: Math.min(MAX_KIOSKS_PER_BATCH, count - start) }, (_, k) => start + k));
  }
  const registerBatch = async (indexes: number[]) => {
    const keys = indexes.map(() => newKioskKeyPair());
    const request: RegisterKiosksRequest = {
      kiosks: indexes.map((index, k) => ({
        chain: chainOf(index),
        storeId: `S${String(index).padStart(6, '0')}`,
        publicKey: keys[k]!.publicKey,
      })),
    };
    const answer = await options.http.post(API_PATHS.opsKiosksBatch, Buffer.from(JSON.stringify(request)), {
      authorization: `Bearer ${options.token}`,
    });
    if (answer.status !== 201) {
      throw new Error(
        `registering kiosks failed: ${answer.failure ?? answer.status} ${answer.text.slice(0, 300)}`,
      );
    }
    const { kiosks } = JSON.parse(answer.text) as RegisterKiosksResponse;
    const batch = kiosks.map((view, k) => ({
      kioskId: view.kioskId,
      chain: view.chain as ChainId,
      storeId: view.storeId,
      privateKeyPem: keys[k]!.privateKeyPem,
    }));
    if (dataDir) {
      appendFileSync(
        join(dataDir, KIOSKS_FILE),
        batch.map((kiosk) => `${JSON.stringify(kiosk)}\n`).join(''),
        {
          mode: 0o600,
        },
      );
    }
    for (const kiosk of batch) {
      registered.push({ ...kiosk, privateKey: createPrivateKey(kiosk.privateKeyPem) });
    }
    options.onProgress?.(saved.length + registered.length, count);
  };
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await registerBatch(batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, batches.length) }, worker));
  return { kiosks: [...saved, ...registered], reused: saved.length, registered: registered.length };
}
