import { parseArgs } from 'node:util';
import { benchApi } from './api-throughput';
import { benchFleet } from './fleet-capacity';
import { benchDashboard } from './dashboard-scale';
import { benchKioskCore } from './kiosk-core';
import { benchPcsc } from './pcsc';
import { loadAtEnd, machineInfo, progress } from './support/report';

/**
 * `npm run bench [-- --only api,fleet,kiosk,pcsc,dashboard]`: the benchmarks of DESIGN §10, one JSON object per
 * line on stdout (the machine first), progress on stderr. Each figure with a baseline has it from
 * this same run.
 */
const SECTIONS: Record<string, () => Promise<void>> = {
  api: () =>
    benchApi({
      concurrency: 8,
      warmup: 100,
      creates: 900,
      pairs: 3,
      baselineRequests: 2000,
      cards: 16,
      rounds: 8,
    }),
  fleet: () =>
    benchFleet({
      kiosks: 1000,
      steps: [250, 500, 1000, 2000, 3000, 4000, 5000],
      stepSeconds: 8,
      creates: 600,
      cards: 16,
      concurrency: 8,
    }),
  kiosk: () => benchKioskCore({ warmup: 20, measured: 100, memoryBatch: 100, memoryBatches: 3 }),
  pcsc: () => benchPcsc(10),
  dashboard: () => benchDashboard({ kiosks: 56_000, paints: 5, rounds: 30 }),
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const wanted = values.only?.split(',') ?? Object.keys(SECTIONS);
  const unknown = wanted.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) {
    console.error(`unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
    process.exit(2);
  }
  const started = Date.now();
  process.stdout.write(`${JSON.stringify(machineInfo())}\n`);
  for (const name of wanted) {
    progress(`section ${name}`);
    await SECTIONS[name]!();
  }
  process.stdout.write(`${JSON.stringify(loadAtEnd())}\n`);
  progress(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
