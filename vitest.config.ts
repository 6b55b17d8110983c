import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machine has two cores; e2e suites spawn the CLI and servers.
    maxWorkers: 2,
  },
});
