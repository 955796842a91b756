import { availableParallelism } from 'node:os';
import type { TestProject } from 'vitest/node';
import { MAX_READER_PAIRS, startPcscStack, type PcscStack } from '../../scripts/pcsc/pcscd-stack';

/**
 * Vitest global setup of the PC/SC projects: one pcscd for the whole run, with a pair of vpcd
 * readers per worker (test files lease their pair, see test/support/pcsc-stack.ts). Both PC/SC
 * projects load this file; the first starts pcscd and the last to finish stops it. A pcscd this
 * project started by hand (`npm run pcscd`) is reused and left running.
 */

interface SharedStack {
  users: number;
  stack: Promise<PcscStack>;
}

const KEY = Symbol.for('jpki-pin-reset.pcscd-stack');
const shared = globalThis as { [KEY]?: SharedStack };

/** Vitest's worker count: configured, or (its default for a run) one less than the CPUs. */
function workers(project: TestProject): number {
  return project.globalConfig.maxWorkers || Math.max(availableParallelism() - 1, 1);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pairs = Math.min(MAX_READER_PAIRS, Math.max(2, workers(project)));
  shared[KEY] ??= {
    users: 0,
    stack: startPcscStack({ readers: pairs * 2, log: (message) => console.log(`[pcscd] ${message}`) }),
  };
  const entry = shared[KEY];
  entry.users += 1;
  await entry.stack;
  return async () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    delete shared[KEY];
    await (await entry.stack).stop();
  };
}
