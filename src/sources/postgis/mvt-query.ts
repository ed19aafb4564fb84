import type { LayerConfig } from '../../config/schema.ts';
import type { TileGrid } from '../../grids/tile-grid.ts';
import { quoteIdent, quoteLiteral, quoteTable } from '../../core/sql-quote.ts';

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
}

/**
 * Above this tile span (grid units) a tile envelope cannot be transformed safely into
 * another CRS: at WebMercatorQuad z0–z2 the corners lie outside the domain of e.g. UTM
 * (a z0 envelope becomes a line in EPSG:3006). Such tiles scan without the prefilter.
 */
const MAX_PREFILTER_SPAN = 2_500_000;

/**
 * The spatial prefilter: the buffered, densified envelope in the layer's SRID. A label point
 * layer also tests the label point, so with its expression index (labelPointIndexSql) only
 * the rows whose point is in the tile have their point found, not every polygon touching it.
 */
function prefilter(layer: LayerConfig, grid: TileGrid, opts: MvtQueryOptions): string {
  const envelope = `ST_MakeEnvelope($1, $2, $3, $4, ${grid.srid})`;
  const span = `($3::float8 - $1::float8)`;
  const buffered = `ST_Expand(${envelope}, ${span} * ${opts.buffer / opts.extent})`;
  const geom = `t.${quoteIdent(layer.geometryColumn)}`;
  const within = (area: string) => [geom, ...(layer.labelPoint ? [labelPointOf(geom)] : [])].map((g) => `${g} && ${area}`).join(' AND ');
  if (layer.srid === grid.srid) return within(buffered);
  // Densify before transforming so curved edges of the reprojected tile stay covered.
  const inLayerCrs = `ST_Transform(ST_Segmentize(${buffered}, ${span} / 8), ${layer.srid})`;
  return `(${span} > ${MAX_PREFILTER_SPAN} OR (${within(inLayerCrs)}))`;
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

/** SQL returning the MVT bytes of one layer (empty bytea when nothing intersects). */
export function layerQuery(layer: LayerConfig, grid: TileGrid, opts: MvtQueryOptions): string {
  const geomColumn = `t.${quoteIdent(layer.geometryColumn)}`;
  const shape = layer.labelPoint ? labelPointOf(geomColumn) : geomColumn;
  const inGridCrs = layer.srid === grid.srid ? shape : `ST_Transform(${shape}, ${grid.srid})`;
  const columns = [
    `ST_AsMVTGeom(${inGridCrs}, ST_MakeEnvelope($1, $2, $3, $4, ${grid.srid}), ${opts.extent}, ${opts.buffer}, true) AS "__geom"`,
    ...(layer.idColumn ? [`t.${quoteIdent(layer.idColumn)} AS "__id"`] : []),
    ...layer.attributes.map((a) => `t.${quoteIdent(a)}`),
  ];
  const where = [prefilter(layer, grid, opts), ...(layer.filter ? [`(${layer.filter})`] : [])];
  const mvtArgs = [quoteLiteral(layer.id), String(opts.extent), `'__geom'`, ...(layer.idColumn ? [`'__id'`] : [])];
  return (
    `SELECT COALESCE(ST_AsMVT(q, ${mvtArgs.join(', ')} ORDER BY ${featureOrder(layer, opts.uniqueIdLayers?.has(layer.id) ?? false)}), ''::bytea) FROM (` +
    `SELECT ${columns.join(', ')} FROM ${quoteTable(layer.table)} t WHERE ${where.join(' AND ')}` +
    `) q WHERE q."__geom" IS NOT NULL`
  );
}

/**
 * The order features are written in: by id alone when ids are unique, else by id, then
 * geometry and attributes for rows that share one (or a layer without ids). Without it the
 * order is whatever the scan returns, which an UPDATE or a different plan changes: the same
 * data would give other bytes and another ETag, and replicas would disagree. An aggregate's
 * ORDER BY also keeps PostgreSQL from splitting it over parallel workers, whose partial
 * results arrive in any order.
 */
function featureOrder(layer: LayerConfig, uniqueIds: boolean): string {
  if (layer.idColumn && uniqueIds) return 'q."__id"';
  return [...(layer.idColumn ? ['q."__id"'] : []), 'q."__geom"', ...layer.attributes.map((a) => `q.${quoteIdent(a)}::text`)].join(', ');
}

/** The layers of a tileset drawn at zoom z. */
export function layersAtZoom(layers: readonly LayerConfig[], z: number): LayerConfig[] {
  return layers.filter((l) => z >= l.minzoom && z <= l.maxzoom);
}

/**
 * One statement for all given layers: their MVT bytes concatenated (a valid MVT is a
 * concatenation of layer messages), so a tile costs one round trip.
 */
export function tileQuery(layers: readonly LayerConfig[], grid: TileGrid, opts: MvtQueryOptions): string {
  if (layers.length === 0) throw new Error('tileQuery needs at least one layer');
  return `SELECT ${layers.map((l) => `(${layerQuery(l, grid, opts)})`).join(' || ')} AS mvt`;
}

/** A named statement; pg prepares it once per connection under its name. */
export interface TileStatement {
  readonly name: string;
  readonly text: string;
}

/** Two 32-bit FNV-1a hashes (different offsets) of a string, as 16 hex digits: short, stable names. */
function hashText(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The prepared statement for a tile at zoom z, or null when no layer is drawn there. */
export function tileStatement(layers: readonly LayerConfig[], z: number, grid: TileGrid, opts: MvtQueryOptions): TileStatement | null {
  const drawn = layersAtZoom(layers, z);
  if (drawn.length === 0) return null;
  const text = tileQuery(drawn, grid, opts);
  // Names are per connection and must differ whenever the text does: hash the text.
  return { name: `mvt_${hashText(text)}`, text };
}
