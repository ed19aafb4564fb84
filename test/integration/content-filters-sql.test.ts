/**
 * Style filters compiled to SQL, run by PostGIS through the engine's own tile statement,
 * against the style spec's evaluation of the features that statement writes: a property
 * test over generated filters on a table with every kind of column (text, varchar, real,
 * integer, boolean, numeric, which a vector tile holds as text) and NULLs.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { evaluatePredicate } from '../../src/core/feature-predicate.ts';
import type { LayerContent } from '../../src/core/tile-content.ts';
import { sweref99tm } from '../../src/grids/swedish-grids.ts';
import { tileToBbox } from '../../src/grids/tile-grid.ts';
import { layerQuery } from '../../src/sources/postgis/mvt-query.ts';
import { readQueryOptions } from '../../src/sources/postgis/query-options.ts';
import { compileFilter } from '../../src/styles/filter-predicate.ts';
import { filterArbitrary, isValidFilter, KLASS, styleSays } from '../helpers/filter-arbitrary.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

const COLUMNS = ['klass', 'namn', 'hojd', 'antal', 'flag', 'kod'];
const layer = parseConfig({
  tilesets: [{ id: 't', layers: [{ id: 'prov', table: 'filter_prov.prov', srid: 3006, idColumn: 'id', attributes: COLUMNS }] }],
}).tilesets[0]!.layers[0]!;
// One 3006 level-4 tile holds every row.
const TILE = { z: 4, x: 8, y: 9 };
let db: pg.Pool;
let options: Awaited<ReturnType<typeof readQueryOptions>>;
/** Every row as the tile gives it: id → properties. */
let written: Map<number, Record<string, unknown>>;

async function featuresKept(keep: LayerContent['keep']): Promise<Set<number>> {
  const [minX, minY, maxX, maxY] = tileToBbox(sweref99tm, TILE.z, TILE.x, TILE.y);
  const content: LayerContent = { layer, attributes: COLUMNS, ...(keep ? { keep } : {}) };
  const { rows } = await db.query<{ mvt: Buffer }>(`SELECT (${layerQuery(content, sweref99tm, options)}) AS mvt`, [minX, minY, maxX, maxY]);
  return new Set((decodeTile(rows[0]!.mvt).prov ?? []).map((f) => f.id!));
}

beforeAll(async () => {
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const [minX, minY, maxX, maxY] = tileToBbox(sweref99tm, TILE.z, TILE.x, TILE.y);
  const values = fc.sample(
    fc.record({
      klass: fc.option(fc.constantFrom(...KLASS, 'E4', '7.5'), { nil: null }),
      namn: fc.option(fc.constantFrom('E4', 'Väg 73', 'Storgatan', ''), { nil: null }),
      hojd: fc.option(fc.constantFrom(0, 3, 5, 7.5, 12, -1), { nil: null }),
      antal: fc.option(fc.constantFrom(0, 3, 5, 12), { nil: null }),
      flag: fc.option(fc.boolean(), { nil: null }),
      kod: fc.option(fc.constantFrom(5, 7.5, 12), { nil: null }),
    }),
    { numRuns: 120, seed: 4 },
  );
  await db.query('DROP SCHEMA IF EXISTS filter_prov CASCADE; CREATE SCHEMA filter_prov');
  await db.query(`CREATE TABLE filter_prov.prov (id integer PRIMARY KEY, klass text, namn varchar(40), hojd real, antal integer, flag boolean, kod numeric(5,1), geom geometry(Point, 3006))`);
  for (const [i, v] of values.entries()) {
    const x = minX + ((i % 11) + 0.5) * ((maxX - minX) / 11);
    const y = minY + (Math.floor(i / 11) + 0.5) * ((maxY - minY) / 11);
    await db.query('INSERT INTO filter_prov.prov VALUES ($1, $2, $3, $4, $5, $6, $7, ST_SetSRID(ST_MakePoint($8, $9), 3006))', [i + 1, v.klass, v.namn, v.hojd, v.antal, v.flag, v.kod, x, y]);
  }
  options = await readQueryOptions((text, params) => db.query(text, params), [layer], { extent: 4096, buffer: 64 });
  const [minX2, minY2, maxX2, maxY2] = [minX, minY, maxX, maxY];
  const { rows } = await db.query<{ mvt: Buffer }>(`SELECT (${layerQuery({ layer, attributes: COLUMNS }, sweref99tm, options)}) AS mvt`, [minX2, minY2, maxX2, maxY2]);
  written = new Map((decodeTile(rows[0]!.mvt).prov ?? []).map((f) => [f.id!, f.properties]));
});

afterAll(async () => {
  await db?.query('DROP SCHEMA IF EXISTS filter_prov CASCADE');
  await db?.end();
});

describe('style filters as SQL in the tile statement', () => {
  it('writes every row once, numeric as text, NULLs as absent properties', () => {
    expect(written.size).toBe(120);
    const withKod = [...written.values()].find((p) => p.kod !== undefined);
    expect(typeof withKod?.kod).toBe('string');
    expect([...written.values()].some((p) => p.flag === undefined)).toBe(true);
  });

  it('keeps exactly the features the predicate keeps, and every one the style draws (property test, real PostGIS)', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(filterArbitrary([...COLUMNS, 'saknas']), async (spec) => {
        fc.pre(isValidFilter(spec));
        const { predicate, exact } = compileFilter(spec);
        const kept = await featuresKept(predicate);
        for (const [id, props] of written) {
          // The SQL means what the predicate means, on the values as the tile types them.
          expect(kept.has(id), `${JSON.stringify(spec)} on ${JSON.stringify(props)}`).toBe(evaluatePredicate(predicate, props));
          const drawn = styleSays(spec, props);
          if (drawn) expect(kept.has(id), `${JSON.stringify(spec)} draws ${JSON.stringify(props)}`).toBe(true);
          if (exact) expect(kept.has(id), `${JSON.stringify(spec)} exactly on ${JSON.stringify(props)}`).toBe(drawn);
        }
        compared++;
      }),
      { numRuns: 250, seed: 23 },
    );
    expect(compared).toBeGreaterThan(150);
  });

  it('adds the zoom filters of the configuration to what the styles keep', async () => {
    const [minX, minY, maxX, maxY] = tileToBbox(sweref99tm, TILE.z, TILE.x, TILE.y);
    const content: LayerContent = { layer, attributes: COLUMNS, keep: { op: 'has', key: 'klass' }, where: '(t.antal > 3)' };
    const { rows } = await db.query<{ mvt: Buffer }>(`SELECT (${layerQuery(content, sweref99tm, options)}) AS mvt`, [minX, minY, maxX, maxY]);
    const ids = new Set((decodeTile(rows[0]!.mvt).prov ?? []).map((f) => f.id!));
    const expected = [...written].filter(([, p]) => p.klass !== undefined && typeof p.antal === 'number' && p.antal > 3).map(([id]) => id);
    expect(expected.length).toBeGreaterThan(5);
    expect([...ids].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
  });
});

