import { benchApi } from './api-throughput';
import { benchKioskCore } from './kiosk-core';
import { machineInfo, progress } from './support/report';

/**
 * `npm run bench`: every benchmark of DESIGN §10, one JSON object per line on stdout (the machine
 * first), progress on stderr. Each figure with a baseline has it from this same run.
 */
async function main(): Promise<void> {
  const started = Date.now();
  process.stdout.write(`${JSON.stringify(machineInfo())}\n`);
  await benchApi({ concurrency: 8, warmup: 100, creates: 600, cards: 16, rounds: 8 });
  await benchKioskCore({ warmup: 20, measured: 100, memoryBatch: 100, memoryBatches: 3 });
  progress(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
