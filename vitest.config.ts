import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Hang guards only, never a speed check: a test must pass however loaded the machine is.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // The machine has two cores; e2e suites spawn the CLI and servers.
    maxWorkers: 2,
  },
});
