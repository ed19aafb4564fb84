import { defineConfig } from 'vitest/config';

/**
 * Two tiers. unit: pure modules and fakes at the seams, no database, files in parallel
 * (`npm run test:unit`). integration: real PostGIS, Redis, HTTP, clients; they share one
 * test database, so files run one at a time, keeping them from fighting over tables and
 * the 2 cores of this machine. `npm test` runs both.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
