/** Where the integration tests find PostGIS: a dedicated database that scripts/test-setup.mjs creates. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sodertorn_test';

/** The demo scale loaded for tests: the same seed and count as the committed demo files. */
export const TEST_DATA = { seed: 1, buildings: 5000 } as const;
