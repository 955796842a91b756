import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_RUNTIME_DIR,
  isAlive,
  readStackState,
  type PcscStackState,
  type VpcdReader,
} from '../../scripts/pcsc/pcscd-stack';

/**
 * The real PC/SC stack, as test files see it. The `pcsc` vitest projects start one pcscd for the
 * run (test/setup/pcscd.global.ts); a test file leases a pair of vpcd readers so files running in
 * parallel never share a reader. Leases are files holding the leaser's PID, so a crashed worker's
 * lease is taken over. Tests that restart pcscd lease every pair, which waits for everyone else.
 */

export {
  attachPcscStack,
  startPcscStack,
  stopPcscStack,
  type PcscStack,
  type VpcdReader,
} from '../../scripts/pcsc/pcscd-stack';

export interface ReaderLease {
  /** The leased readers: both slots of one vpcd entry, or every reader for an exclusive lease. */
  readonly readers: readonly VpcdReader[];
  /** The leased reader pairs (vpcd entries). */
  readonly pairs: readonly number[];
  release(): void;
}

const LEASE_TIMEOUT_MS = 50_000;

/** Leases one pair of readers for this test file; call `release()` in `afterAll`. */
export async function leaseReaderPair(timeoutMs = LEASE_TIMEOUT_MS): Promise<ReaderLease> {
  const state = currentStack();
  if (state.pairs < 1) throw new Error('the running pcscd has no vpcd readers');
  const poolId = Number(process.env.VITEST_POOL_ID ?? '1');
  const order = Array.from({ length: state.pairs }, (_, i) => (i + poolId - 1) % state.pairs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const pair of order) {
      if (tryLease(pair)) return lease(state, [pair]);
    }
    if (Date.now() > deadline) throw new Error(`no vpcd reader pair came free within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Leases every reader, waiting for other test files to finish: for tests that restart pcscd. */
export async function leaseAllReaders(timeoutMs = LEASE_TIMEOUT_MS): Promise<ReaderLease> {
  const state = currentStack();
  const deadline = Date.now() + timeoutMs;
  const held: number[] = [];
  // Always in pair order, so two exclusive leasers cannot each hold half.
  for (let pair = 0; pair < state.pairs; pair += 1) {
    while (!tryLease(pair)) {
      if (Date.now() > deadline) {
        for (const taken of held) releasePair(taken);
        throw new Error(`could not lease every vpcd reader within ${timeoutMs} ms`);
      }
      await sleep(100);
    }
    held.push(pair);
  }
  return lease(state, held);
}

/** The project's pcscd, as its state file describes it now. */
export function currentStack(): PcscStackState {
  const state = readStackState();
  if (!state) {
    throw new Error('pcscd is not running: run PC/SC tests through vitest (the pcsc project starts it)');
  }
  return state;
}

function lease(state: PcscStackState, pairs: number[]): ReaderLease {
  const release = () => {
    for (const pair of pairs) releasePair(pair);
    process.off('exit', release);
  };
  process.on('exit', release);
  return { readers: state.readers.filter((reader) => pairs.includes(reader.pair)), pairs, release };
}

function leaseFile(pair: number): string {
  const dir = join(DEFAULT_RUNTIME_DIR, 'leases');
  mkdirSync(dir, { recursive: true });
  return join(dir, `pair-${pair}`);
}

function tryLease(pair: number): boolean {
  const file = leaseFile(pair);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const holder = leaseHolder(file);
    // An empty lease is one being written right now, unless it has been empty for a while.
    if (holder === undefined ? !isOldFile(file) : isAlive(holder)) return false;
    // The holder is gone without releasing (a crashed worker): take the lease over.
    rmSync(file, { force: true });
    return tryLease(pair);
  }
}

function releasePair(pair: number): void {
  const file = leaseFile(pair);
  if (leaseHolder(file) === process.pid) rmSync(file, { force: true });
}

function isOldFile(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > 2_000;
  } catch {
    return true;
  }
}

function leaseHolder(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}
