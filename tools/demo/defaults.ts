/**
 * Defaults and limits of the demo generator, in a module without imports so the CLI can show
 * them in --help without loading the generator.
 */

/** Seed of the shipped demo files. */
export const DEFAULT_SEED = 1;
/** Buildings in the shipped demo files (keeps data/demo at a few MB). */
export const DEFAULT_BUILDINGS = 5000;
/**
 * Upper bound on the building count. The region's dry land holds about 2.5 million lots at the
 * generator's density (measured: 2.48 M for seed 1 before towns run out of land); 2 million
 * leaves room for other seeds.
 */
export const MAX_BUILDINGS = 2_000_000;
