import type { LayerConfig } from '../../config/schema.ts';
import { gridExtent, type TileGrid } from '../../grids/tile-grid.ts';
import { predicateKeys, type Predicate } from '../../core/feature-predicate.ts';
import type { LayerContent } from '../../core/tile-content.ts';
import { quoteIdent, quoteLiteral, quoteTable } from '../../core/sql-quote.ts';
import { hashText } from '../../core/hash-text.ts';
import { mvtValueType, predicateSql, type PredicateColumn } from './predicate-sql.ts';

/**
 * Builds the one SQL statement that produces every layer of a tile with ST_AsMVT.
 * Pure: the text depends only on configuration, never on a request; the tile bounds
 * are bound parameters $1–$4 (minX, minY, maxX, maxY in the grid's CRS).
 */


export interface MvtQueryOptions {
  readonly extent: number;
  readonly buffer: number;
  /** Layers whose id column is unique in its table (unique-ids.ts): written in id order alone. */
  readonly uniqueIdLayers?: ReadonlySet<string>;
  /** Layer id → attribute → PostgreSQL type, for the conditions of content rules (table-catalogue types). */
  readonly attributeTypes?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/**
 * Above this tile span (metres) a tile envelope cannot be transformed safely into another
 * CRS: at WebMercatorQuad z0–z2 the corners lie outside the domain of e.g. UTM (a z0
 * envelope becomes a line in EPSG:3006), and a 4326 level-0 tile fails to transform at all.
 * Such tiles scan without the prefilter.
 */
const MAX_PREFILTER_SPAN_M = 2_500_000;

/** MAX_PREFILTER_SPAN_M in a grid's units (degrees for 4326). */
function maxPrefilterSpan(grid: TileGrid): number {
  return MAX_PREFILTER_SPAN_M / (grid.metresPerUnit ?? 1);
}

/**
 * The spatial prefilter: the buffered, densified envelope in the layer's SRID. A label point
 * layer also tests the label point, so with its expression index (labelPointIndexSql) only
 * the rows whose point is in the tile have their point found, not every polygon touching it.
 */
function prefilter(layer: LayerConfig, grid: TileGrid, opts: MvtQueryOptions): string {
  const geom = `t.${quoteIdent(layer.geometryColumn)}`;
  const within = (area: string) => [geom, ...(layer.labelPoint ? [labelPointOf(geom)] : [])].map((g) => `${g} && ${area}`).join(' AND ');
  const area = bufferedTile(layer, grid, opts);
  return layer.srid === grid.srid ? within(area) : `(${SPAN} > ${maxPrefilterSpan(grid)} OR (${within(area)}))`;
}

/** The tile's span in grid units, from the bound parameters. */
const SPAN = `($3::float8 - $1::float8)`;

/**
 * The tile and its buffer, in the layer's CRS. Transformed, the buffer stops at the grid's
 * extent: past it (a latitude beyond 90° on the edge of the 4326 grid) there is no place to
 * transform.
 */
function bufferedTile(layer: LayerConfig, grid: TileGrid, opts: MvtQueryOptions): string {
  const margin = `${SPAN} * ${opts.buffer / opts.extent}`;
  if (layer.srid === grid.srid) return `ST_Expand(ST_MakeEnvelope($1, $2, $3, $4, ${grid.srid}), ${margin})`;
  const [x0, y0, x1, y1] = gridExtent(grid);
  const clamped = `ST_MakeEnvelope(greatest($1 - ${margin}, ${x0}), greatest($2 - ${margin}, ${y0}), least($3 + ${margin}, ${x1}), least($4 + ${margin}, ${y1}), ${grid.srid})`;
  // Densify before transforming so curved edges of the reprojected tile stay covered.
  return `ST_Transform(ST_Segmentize(${clamped}, ${SPAN} / 8), ${layer.srid})`;
}

/**
 * The union of the rows of a group (ST_AsMVTGeom clips it to the tile): for a partition such
 * as land cover, one polygon per class where there were thousands of cells (made valid
 * first, so a self-intersecting source polygon cannot fail the tile); for lines, the pieces
 * joined end to end (a street of a hundred segments, one line); points collected.
 */
function mergedShape(layer: LayerConfig, geometryType: string): string {
  const geom = `t.${quoteIdent(layer.geometryColumn)}`;
  if (/linestring/i.test(geometryType)) return `ST_LineMerge(ST_Collect(${geom}))`;
  if (/point/i.test(geometryType)) return `ST_Collect(${geom})`;
  return `ST_Union(ST_MakeValid(${geom}))`;
}

/**
 * A row's label point, in the layer's CRS (so the inscribed circle is found in metres, not
 * degrees): the pole of inaccessibility of a polygon, a point on anything else.
 */
function labelPointOf(geom: string): string {
  return `CASE WHEN ST_Dimension(${geom}) = 2 THEN (ST_MaximumInscribedCircle(${geom})).center ELSE ST_PointOnSurface(${geom}) END`;
}

/**
 * The GiST index on a label point layer's points, the expression its prefilter tests: found
 * once per row when it is written, not per tile (seeding 3006 levels 11–13 took 1.6× as long
 * without it). `load` creates it for the configured layers; operators run it for their own.
 */
export function labelPointIndexSql(layer: LayerConfig): string {
  const name = `${layer.table.slice(layer.table.lastIndexOf('.') + 1)}_${layer.geometryColumn}_label_idx`.slice(0, 63);
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${quoteTable(layer.table)} USING gist ((${labelPointOf(quoteIdent(layer.geometryColumn))}))`;
}

/**
 * The condition of a layer's content rules, or undefined when there is none or it reads a
 * column whose tile type is not known (then every feature is kept, never too few).
 */
function keepCondition(content: LayerContent, opts: MvtQueryOptions): string | undefined {
  return content.keep && predicateCondition(content.layer, content.keep, opts);
}

/** A predicate on a layer's rows as SQL; undefined when it reads a column whose tile type is not known. */
function predicateCondition(layer: LayerConfig, predicate: Predicate, opts: MvtQueryOptions): string | undefined {
  const columns = new Map<string, PredicateColumn>();
  for (const key of predicateKeys(predicate)) {
    if (!layer.attributes.includes(key)) continue; // never in the tile: absent
    const type = mvtValueType(opts.attributeTypes?.get(layer.id)?.get(key) ?? 'jsonb');
    if (!type) return undefined;
    columns.set(key, { sql: `t.${quoteIdent(key)}`, type });
  }
  return predicateSql(predicate, (key) => columns.get(key));
}

/** SQL returning the MVT bytes of one layer (empty bytea when nothing intersects). */
export function layerQuery(content: LayerContent, grid: TileGrid, opts: MvtQueryOptions): string {
  const { layer, attributes } = content;
  const uniqueIds = opts.uniqueIdLayers?.has(layer.id) ?? false;
  const mvtArgs = [quoteLiteral(layer.id), String(opts.extent), `'__geom'`, ...(layer.idColumn ? [`'__id'`] : [])];
  const keep = keepCondition(content, opts);
  const where = [prefilter(layer, grid, opts), ...(layer.filter ? [`(${layer.filter})`] : []), ...(content.where ? [content.where] : []), ...(keep ? [keep] : [])];
  const rows = (shape: string, id: string | undefined, conditions: readonly string[], groupBy = '') =>
    `SELECT ST_AsMVTGeom(${layer.srid === grid.srid ? shape : `ST_Transform(${shape}, ${grid.srid})`}, ST_MakeEnvelope($1, $2, $3, $4, ${grid.srid}), ${opts.extent}, ${opts.buffer}, true) AS "__geom"` +
    `${id ? `, ${id} AS "__id"` : ''}${attributes.map((a) => `, t.${quoteIdent(a)}`).join('')} FROM ${quoteTable(layer.table)} t WHERE ${conditions.join(' AND ')}${groupBy}`;
  const geomColumn = `t.${quoteIdent(layer.geometryColumn)}`;
  const id = layer.idColumn ? `t.${quoteIdent(layer.idColumn)}` : undefined;
  const merge = mergeCondition(content, opts);
  let select: string;
  let order: string;
  if (merge === undefined) {
    select = rows(layer.labelPoint ? labelPointOf(geomColumn) : geomColumn, id, where);
    order = featureOrder(layer, attributes, uniqueIds);
  } else {
    // Merged features (no id of their own) first, one per attribute tuple; then those kept apart.
    const groupBy = attributes.length ? ` GROUP BY ${attributes.map((a) => `t.${quoteIdent(a)}`).join(', ')}` : '';
    const shape = mergedShape(layer, opts.attributeTypes?.get(layer.id)?.get(layer.geometryColumn) ?? 'geometry');
    const merged = rows(shape, id ? 'NULL::bigint' : undefined, merge === 'TRUE' ? where : [...where, merge], groupBy);
    select = merge === 'TRUE' ? merged : `${merged} UNION ALL ${rows(geomColumn, id, [...where, `NOT ${merge}`])}`;
    order = [...(id ? ['q."__id" NULLS FIRST'] : []), ...attributes.map((a) => `q.${quoteIdent(a)}::text`), ...(id && uniqueIds ? [] : ['q."__geom"'])].join(', ');
  }
  return `SELECT COALESCE(ST_AsMVT(q, ${mvtArgs.join(', ')} ORDER BY ${order}), ''::bytea) FROM (${select}) q WHERE q."__geom" IS NOT NULL`;
}

/** The condition of the features merged ('TRUE': all), or undefined when none are (or it reads a column of unknown type). */
function mergeCondition(content: LayerContent, opts: MvtQueryOptions): string | undefined {
  if (!content.merge) return undefined;
  if (content.merge.op === 'true') return 'TRUE';
  const condition = predicateCondition(content.layer, content.merge, opts);
  return condition === undefined ? undefined : `(${condition})`;
}

/**
 * The order features are written in: by id alone when ids are unique, else by id, then
 * geometry and attributes for rows that share one (or a layer without ids). Without it the
 * order is whatever the scan returns, which an UPDATE or a different plan changes: the same
 * data would give other bytes and another ETag, and replicas would disagree. An aggregate's
 * ORDER BY also keeps PostgreSQL from splitting it over parallel workers, whose partial
 * results arrive in any order.
 */
function featureOrder(layer: LayerConfig, attributes: readonly string[], uniqueIds: boolean): string {
  if (layer.idColumn && uniqueIds) return 'q."__id"';
  return [...(layer.idColumn ? ['q."__id"'] : []), 'q."__geom"', ...attributes.map((a) => `q.${quoteIdent(a)}::text`)].join(', ');
}

/**
 * One statement for all given layers: their MVT bytes concatenated (a valid MVT is a
 * concatenation of layer messages), so a tile costs one round trip.
 */
export function tileQuery(layers: readonly LayerContent[], grid: TileGrid, opts: MvtQueryOptions): string {
  if (layers.length === 0) throw new Error('tileQuery needs at least one layer');
  return `SELECT ${layers.map((l) => `(${layerQuery(l, grid, opts)})`).join(' || ')} AS mvt`;
}

/** A named statement; pg prepares it once per connection under its name. */
export interface TileStatement {
  readonly name: string;
  readonly text: string;
}

/** The prepared statement for a tile carrying these layers, or null when it carries none. */
export function tileStatement(layers: readonly LayerContent[], grid: TileGrid, opts: MvtQueryOptions): TileStatement | null {
  if (layers.length === 0) return null;
  const text = tileQuery(layers, grid, opts);
  // Names are per connection and must differ whenever the text does: hash the text.
  return { name: `mvt_${hashText(text)}`, text };
}
