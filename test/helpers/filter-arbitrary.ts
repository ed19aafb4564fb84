import { featureFilter, type FilterSpecification } from '@maplibre/maplibre-gl-style-spec';
import fc from 'fast-check';

/** Values filters compare with, and feature properties hold: some strings, numbers and booleans that look alike. */
export const KLASS = ['skog', 'åker', 'motorväg', 'huvudgata', '5'];
const scalar = fc.oneof(fc.constantFrom(...KLASS, 'E4', 'x', '7.5'), fc.constantFrom(0, 3, 5, 7.5, 12), fc.boolean());

/** Properties as a vector tile gives them: typed values, or absent. */
export const propertiesArbitrary = fc.record(
  {
    klass: fc.constantFrom(...KLASS),
    namn: fc.constantFrom('E4', 'Väg 73', 'Storgatan', ''),
    hojd: fc.constantFrom(0, 3, 5, 7.5, 12, -1),
    flag: fc.boolean(),
    mixed: fc.constantFrom('5', 5, true, 'x'),
  },
  { requiredKeys: [] },
);

/** Filters over these property names in the forms styles write them, and some a compiler cannot express. */
export function filterArbitrary(keys: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.constantFrom(...keys);
  const get = key.map((k) => ['get', k]);
  return fc.letrec<{ f: unknown }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.tuple(fc.constantFrom('==', '!='), get, fc.oneof(scalar, fc.constant(null))).map(([op, g, v]) => [op, g, v]),
      fc.tuple(fc.constantFrom('==', '!='), scalar, get).map(([op, v, g]) => [op, v, g]),
      fc.tuple(fc.constantFrom('<', '<=', '>', '>='), get, fc.oneof(fc.constantFrom(0, 3, 5, 7.5), fc.constantFrom('m', 'E'))).map(([op, g, v]) => [op, g, v]),
      fc.tuple(fc.constantFrom('<', '>='), fc.constantFrom(3, 5), get).map(([op, v, g]) => [op, v, g]),
      key.map((k) => ['has', k]),
      key.map((k) => ['!', ['has', k]]),
      fc.tuple(get, fc.uniqueArray(fc.constantFrom(...KLASS, 'E4', '7.5'), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([g, labels, out]) => ['match', g, labels, out, !out]),
      fc.tuple(get, fc.uniqueArray(fc.constantFrom(0, 3, 5, 12), { minLength: 1, maxLength: 2 }), tie('f'), tie('f')).map(([g, labels, out, fallback]) => ['match', g, labels, out, fallback]),
      fc.tuple(get, fc.array(scalar, { minLength: 1, maxLength: 3 })).map(([g, list]) => ['in', g, ['literal', list]]),
      key.map((k) => ['get', k]),
      // Legacy syntax, as older styles have it.
      fc.tuple(fc.constantFrom('==', '!='), key, scalar).map(([op, k, v]) => [op, k, v]),
      fc.tuple(fc.constantFrom('in', '!in'), key, fc.array(scalar, { minLength: 1, maxLength: 3 })).map(([op, k, list]) => [op, k, ...list]),
      // Not compiled: a superset is kept.
      fc.tuple(fc.constantFrom('==', '!='), fc.constantFrom('E', 'Väg ')).map(([op, prefix]) => [op, ['slice', ['to-string', ['get', 'namn']], 0, prefix.length], prefix]),
      fc.constant(['<', ['zoom'], 12]),
      fc.constant(['==', ['geometry-type'], 'Polygon']),
      fc.boolean(),
      fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((args) => ['all', ...args]),
      fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((args) => ['any', ...args]),
      tie('f').map((f) => ['!', f]),
      fc.tuple(tie('f'), tie('f'), tie('f')).map(([c, a, b]) => ['case', c, a, b]),
    ),
  })).f;
}

/** Whether the style spec accepts a filter at all (no style could hold one it rejects). */
export function isValidFilter(spec: unknown): boolean {
  try {
    featureFilter(spec as FilterSpecification, 'filter');
    return true;
  } catch {
    return false;
  }
}

/** The style spec's own verdict on a feature: what MapLibre and the engine's renderer draw. */
export function styleSays(spec: unknown, props: Record<string, unknown>): boolean {
  const warn = console.warn;
  console.warn = () => {}; // it reports the type errors it evaluates to false
  try {
    return featureFilter(spec as FilterSpecification, 'filter').filter({ zoom: 10 }, { type: 3, properties: props } as never);
  } finally {
    console.warn = warn;
  }
}
