import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites share one PostGIS database; running files one at a time
    // keeps them from fighting over tables and the 2 cores of this machine.
    fileParallelism: false,
  },
});
