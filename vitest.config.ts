import { defineConfig } from 'vitest/config';

// One config for every suite. The `forks` pool is required: the PC/SC binding cannot run in worker threads.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
