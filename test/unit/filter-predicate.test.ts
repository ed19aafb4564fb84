import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePredicate } from '../../src/core/feature-predicate.ts';
import { compileFilter } from '../../src/styles/filter-predicate.ts';
import { filterArbitrary, isValidFilter, propertiesArbitrary, styleSays } from '../helpers/filter-arbitrary.ts';

const filter = filterArbitrary(['klass', 'namn', 'hojd', 'flag', 'mixed', 'saknas']);
const properties = propertiesArbitrary;

describe('style filters compiled to predicates', () => {
  it('keep every feature the style draws, and exactly those where they say they are exact (property test against the style spec)', () => {
    let exactCases = 0;
    fc.assert(
        fc.property(filter, fc.array(properties, { minLength: 1, maxLength: 12 }), (spec, features) => {
          fc.pre(isValidFilter(spec)); // a filter the style spec rejects is in no style
          const { predicate, exact } = compileFilter(spec);
          if (exact) exactCases++;
          for (const props of features) {
            const drawn = styleSays(spec, props);
            const kept = evaluatePredicate(predicate, props);
            if (drawn) expect(kept, `${JSON.stringify(spec)} draws ${JSON.stringify(props)}`).toBe(true);
            if (exact) expect(kept, `${JSON.stringify(spec)} on ${JSON.stringify(props)}`).toBe(drawn);
          }
        }),
        { numRuns: 3000, seed: 17 },
      );
    expect(exactCases).toBeGreaterThan(1000);
  });

  it('compiles the shipped styles\' forms exactly and the ones it cannot to a superset', () => {
    expect(compileFilter(['==', ['get', 'klass'], 'motorväg'])).toEqual({ exact: true, predicate: { op: 'in', key: 'klass', values: ['motorväg'] } });
    expect(compileFilter(['!=', ['get', 'klass'], 'vatten'])).toEqual({ exact: true, predicate: { op: 'not', arg: { op: 'in', key: 'klass', values: ['vatten'] } } });
    expect(compileFilter(['match', ['get', 'typ'], ['småort', 'by'], true, false])).toEqual({ exact: true, predicate: { op: 'in', key: 'typ', values: ['småort', 'by'] } });
    // vagnummer: the class is compiled, the route-number prefix (slice) is not.
    const vagnummer = compileFilter(['all', ['==', ['get', 'klass'], 'motorväg'], ['any', ['==', ['slice', ['get', 'namn'], 0, 1], 'E'], ['==', ['slice', ['get', 'namn'], 0, 4], 'Väg ']]]);
    expect(vagnummer).toEqual({ exact: false, predicate: { op: 'in', key: 'klass', values: ['motorväg'] } });
    // A negated superset would be a subset: it is not negated, everything is kept.
    expect(compileFilter(['!', ['==', ['slice', ['get', 'namn'], 0, 1], 'E']])).toEqual({ exact: false, predicate: { op: 'true' } });
    expect(compileFilter(undefined)).toEqual({ exact: true, predicate: { op: 'true' } });
  });
});
