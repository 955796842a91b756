import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The `forks` pool is required: the PC/SC binding cannot run in worker threads.
//
// Tests over the real PC/SC stack (files under test/pcsc/, or named *.pcsc.test.ts anywhere) run in
// the `pcsc` project, whose global setup starts one pcscd for the run; each test file leases its
// own pair of vpcd readers (test/support/pcsc-stack.ts). Tests that stop or restart pcscd disturb
// every other PC/SC test, so they live in test/pcsc/disruptive/ and run last, one file at a time.
const pcscTests = ['test/pcsc/**/*.test.ts', '**/*.pcsc.test.ts'];
const disruptivePcscTests = ['test/pcsc/disruptive/**/*.test.ts'];
const pcscdSetup = ['test/setup/pcscd.global.ts'];
// One throwaway PostgreSQL for the unit project's run (test/setup/postgres.global.ts).
const postgresSetup = ['test/setup/postgres.global.ts'];
const alwaysExcluded = ['node_modules/**', 'data/**', 'dist/**'];

// Vitest's default is one worker less than the cores: one worker on CI's two. Most suites spend
// their time waiting on child processes (the API, pcscd, PostgreSQL, Chromium), so a worker per core
// keeps both cores busy: the whole suite took 8.5 min instead of 12.5 on two cores.
const workers = Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: workers,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...alwaysExcluded, ...pcscTests],
          globalSetup: postgresSetup,
        },
      },
      {
        extends: true,
        test: {
          name: 'pcsc',
          include: pcscTests,
          exclude: [...alwaysExcluded, ...disruptivePcscTests],
          globalSetup: pcscdSetup,
        },
      },
      {
        extends: true,
        test: {
          name: 'pcsc-disruptive',
          include: disruptivePcscTests,
          exclude: alwaysExcluded,
          globalSetup: pcscdSetup,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
