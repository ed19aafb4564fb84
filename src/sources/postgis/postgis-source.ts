import type { Work } from '../../admission/work.ts';
import type { EngineConfig, LayerConfig, TilesetConfig } from '../../config/schema.ts';
import type { Bbox } from '../../grids/tile-grid.ts';
import { tileToBbox, type TileGrid } from '../../grids/tile-grid.ts';
import { fullContent, type TileContent } from '../../core/tile-content.ts';
import { MAX_GROUP_EXTENTS, type FieldType, type GroupExtent, type TileAddress, type TileSource, type TilesetInfo } from '../tile-source.ts';
import { tilesetInfo } from '../tileset-info.ts';
import type { Queryable } from './database.ts';
import { quoteIdent, quoteTable } from '../../core/sql-quote.ts';
import { tileStatement, type MvtQueryOptions, type TileStatement } from './mvt-query.ts';
import { mvtValueType } from './predicate-sql.ts';
import { columnTypesOf, readQueryOptions } from './query-options.ts';

/** Maps a PostgreSQL type name to a TileJSON field type: the type ST_AsMVT writes it as (numeric as its text). */
export function fieldTypeOf(pgType: string): FieldType {
  return mvtValueType(pgType) ?? 'String';
}

/** Told the time of every tile query: tileset, the layers the statement reads, seconds. */
export type QueryObserver = (tileset: string, layers: string, seconds: number) => void;

/** A tileset over PostGIS tables: one prepared ST_AsMVT statement per grid level's content. */
export class PostgisSource implements TileSource {
  readonly id: string;
  private readonly tileset: TilesetConfig;
  private readonly db: Queryable;
  private readonly queryOptions: MvtQueryOptions;
  /** What a tile carries at each level: what the styles draw, or everything. */
  readonly content: TileContent;
  /** Statement per grid level and content, built once. */
  private readonly statements = new Map<string, TileStatement | null>();
  /** The layer ids a statement reads, for the query-time metric. */
  private readonly layersOf = new WeakMap<TileStatement, string>();
  private readonly observeQuery: QueryObserver | undefined;
  private described: Promise<TilesetInfo> | undefined;
  /** Options with the layers whose ids are unique, read from the catalogue once. */
  private withUniqueIds: Promise<MvtQueryOptions> | undefined;

  constructor(tileset: TilesetConfig, db: Queryable, tiles: EngineConfig['tiles'], observeQuery?: QueryObserver, content?: TileContent) {
    this.id = tileset.id;
    this.content = content ?? fullContent(tileset);
    this.observeQuery = observeQuery;
    this.tileset = tileset;
    this.db = db;
    this.queryOptions = { extent: tiles.extent, buffer: tiles.buffer };
  }

  supportsGrid(_grid: TileGrid): boolean {
    return true;
  }

  /** The statement for a tile, or null when it carries no layer. */
  async statementFor(tile: TileAddress): Promise<TileStatement | null> {
    const content = tile.content ?? this.content;
    const key = `${content.mode}/${tile.grid.id}/${tile.z}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      const layers = content.layersAt(tile.grid, tile.z);
      statement = tileStatement(layers, tile.grid, await this.options());
      this.statements.set(key, statement);
      if (statement) this.layersOf.set(statement, layers.map((l) => l.layer.id).join(','));
    }
    return statement;
  }

  /** The query options, once the catalogue has said which id columns are unique and what type each attribute has. */
  private options(): Promise<MvtQueryOptions> {
    this.withUniqueIds ??= readQueryOptions((text, values) => this.db.query({ text, values }, `catalogue of ${this.id}`), this.tileset.layers, this.queryOptions).catch((error: unknown) => {
      this.withUniqueIds = undefined; // asked again on the next tile
      throw error;
    });
    return this.withUniqueIds;
  }

  async getTile(tile: TileAddress, work?: Work): Promise<Uint8Array> {
    const statement = await this.statementFor(tile);
    if (statement === null) return new Uint8Array(0);
    const bbox = tileToBbox(tile.grid, tile.z, tile.x, tile.y);
    const started = performance.now();
    const result = await this.db.query<{ mvt: Buffer | null }>(
      { ...statement, values: [bbox[0], bbox[1], bbox[2], bbox[3]] },
      `tile ${this.id}/${tile.z}/${tile.x}/${tile.y}`,
      work,
    );
    this.observeQuery?.(this.id, this.layersOf.get(statement) ?? '', (performance.now() - started) / 1000);
    return result.rows[0]?.mvt ?? new Uint8Array(0);
  }

  describe(): Promise<TilesetInfo> {
    this.described ??= this.readInfo().catch((error: unknown) => {
      this.described = undefined; // try again on the next request
      throw error;
    });
    return this.described;
  }

  async extentsBy(layerId: string, keyField: string, labelField: string): Promise<GroupExtent[]> {
    const layer = this.tileset.layers.find((l) => l.id === layerId);
    if (!layer || !layer.attributes.includes(keyField) || !layer.attributes.includes(labelField)) return [];
    const [geom, key, label] = [layer.geometryColumn, keyField, labelField].map(quoteIdent);
    const { rows } = await this.db.query<{ key: string; label: string; xmin: number; ymin: number; xmax: number; ymax: number }>(
      {
        text: `WITH g AS (
                 SELECT ${key}::text AS key, min(${label}::text) AS label,
                        ST_Extent(ST_Transform(${geom}, 4326))::geometry AS e
                 FROM ${quoteTable(layer.table)} WHERE ${key} IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT ${MAX_GROUP_EXTENTS})
               SELECT key, label, ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax FROM g`,
      },
      `extents of ${layer.table} by ${keyField}`,
    );
    return rows.map((r) => ({ key: r.key, label: r.label ?? r.key, bounds: [r.xmin, r.ymin, r.xmax, r.ymax] }));
  }

  private async readInfo(): Promise<TilesetInfo> {
    const layers = await Promise.all(
      this.tileset.layers.map(async (config) => ({ config, fields: await this.readFields(config), bounds: await this.readBounds(config) })),
    );
    return tilesetInfo(this.tileset, layers);
  }

  private async readFields(layer: LayerConfig): Promise<Record<string, FieldType>> {
    const types = await columnTypesOf((text, values) => this.db.query({ text, values }, `describing ${layer.table}`), layer);
    return Object.fromEntries(layer.attributes.map((a) => [a, fieldTypeOf(types.get(a) ?? 'text')]));
  }

  private async readBounds(layer: LayerConfig): Promise<Bbox | undefined> {
    const geom = quoteIdent(layer.geometryColumn);
    const table = quoteTable(layer.table);
    const { rows } = await this.db.query<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>(
      {
        text: `WITH e AS (SELECT ST_Transform(ST_SetSRID(ST_Extent(${geom})::geometry, ${Number(layer.srid)}), 4326) AS g FROM ${table})
               SELECT ST_XMin(g) AS xmin, ST_YMin(g) AS ymin, ST_XMax(g) AS xmax, ST_YMax(g) AS ymax FROM e`,
      },
      `bounds of ${layer.table}`,
    );
    const r = rows[0];
    return r && r.xmin !== null ? [r.xmin, r.ymin, r.xmax, r.ymax] : undefined;
  }
}
