import { VECTOR_FORMATS, type VectorFormat } from '../core/tile-formats.ts';
import { unknownTileset } from '../access/unknown-ids.ts';
import { CachedProducer, type FreshTile } from '../../cache/cached-producer.ts';
import type { Work } from '../admission/work.ts';
import type { TieredCache } from '../../cache/tiered-cache.ts';
import { keyString, type TileKey } from '../../cache/tile-key.ts';
import { EngineError } from '../errors.ts';
import { levelRange, type TileGrid } from '../grids/tile-grid.ts';
import { fullContent, type TileContent } from '../core/tile-content.ts';
import type { TilesetConfig } from '../config/schema.ts';
import type { TilesetInfo, TileSource } from '../sources/tile-source.ts';
import { parseTileCoordinates } from './tile-coordinates.ts';
import { buildTileJson, type TileJson } from '../documents/tilejson.ts';


/** A tile request as it arrives: raw path segments, nothing validated yet. */
export interface TileRequest {
  readonly tilesetId: string;
  /** Tile matrix set id; XYZ paths leave it out and mean WebMercatorQuad. */
  readonly gridId?: string;
  readonly z: string;
  readonly x: string;
  readonly y: string;
  readonly format: string;
  /** Aborted when the client goes away; the production stops only if nobody else waits for it. */
  readonly signal?: AbortSignal;
  /** Who asks: its turn in the database's fair queue (see Work). */
  readonly client?: string;
}

/** A produced tile: raw MVT bytes (empty when the tile has no features). */
export interface TileResult {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly tilesetId: string;
  /** The cache key of the tile (what the HTTP fast path remembers the URL by). */
  readonly key?: TileKey;
  /** The change-log sequence the tile's data is fresh at (0 without a cache). */
  readonly dataSeq?: number;
}

/** Told the size of every vector tile produced (not served from a cache). */
export type TileSizeObserver = (tileset: string, grid: string, z: number, bytes: number) => void;

/** A served tileset: its configuration and the source that produces its tiles. */
export interface Tileset {
  readonly config: TilesetConfig;
  readonly source: TileSource;
  /** What a render's buffer needs of its tiles (see labelContentOf); absent: the served tiles. */
  readonly labels?: TileContent;
}

/**
 * Which cut of a tile: the one served (what the styles draw), every feature and attribute
 * (feature info), or only what labels need (tiles under a render's buffer).
 */
export type TileCut = 'served' | 'full' | 'labels';

/** A tileset as listed at /tiles. */
export interface TilesetSummary {
  readonly id: string;
  readonly name: string;
  readonly tilejson: string;
}

/**
 * The one tile pipeline: parse the request → resolve tileset and grid → the tiered cache
 * → join any production already running (single flight) → produce from the source and
 * store it. HTTP routes only adapt requests to it.
 */
export class TilePipeline {
  private readonly tilesets: ReadonlyMap<string, Tileset>;
  readonly grids: ReadonlyMap<string, TileGrid>;
  private readonly defaultGrid: TileGrid;
  private readonly producer: CachedProducer<Uint8Array>;
  private readonly publicIds: () => readonly string[];
  private readonly levels = new WeakMap<TilesetConfig, Map<string, [number, number] | undefined>>();
  private readonly observeSize: TileSizeObserver | undefined;
  private readonly fullContents = new WeakMap<TilesetConfig, TileContent>();

  /**
   * tilesets may grow after start (discovery); the pipeline reads it on every request.
   * The first grid is the one XYZ paths use. publicIds: the ids an error may name to anyone.
   */
  constructor(tilesets: ReadonlyMap<string, Tileset>, grids: readonly TileGrid[], cache?: TieredCache, publicIds: () => readonly string[] = () => [...tilesets.keys()], observeSize?: TileSizeObserver) {
    this.tilesets = tilesets;
    this.observeSize = observeSize;
    this.publicIds = publicIds;
    this.producer = new CachedProducer(cache);
    this.grids = new Map(grids.map((g) => [g.id, g]));
    this.defaultGrid = grids[0]!;
  }

  /** The grid of an id (the XYZ grid when none is given) in which the tileset is served. */
  resolveGrid(tileset: Tileset, gridId: string | undefined): TileGrid {
    const grid = gridId === undefined ? this.defaultGrid : this.grids.get(gridId);
    if (!grid || !tileset.source.supportsGrid(grid)) {
      const known = [...this.grids.values()].filter((g) => tileset.source.supportsGrid(g)).map((g) => g.id);
      throw new EngineError('UNKNOWN_GRID', `tileset ${tileset.config.id} is not served in grid "${String(gridId).slice(0, 64)}"; grids: ${known.join(', ')}`, {
        detail: { grids: known },
      });
    }
    return grid;
  }

  /** The levels of a grid at which a tileset is served, from its XYZ zoom range. */
  levelsOf(tileset: Tileset, grid: TileGrid): [number, number] | undefined {
    // Asked on every request: computed once per tileset and grid.
    let byGrid = this.levels.get(tileset.config);
    if (!byGrid) this.levels.set(tileset.config, (byGrid = new Map()));
    if (!byGrid.has(grid.id)) byGrid.set(grid.id, levelRange(grid, tileset.config.minzoom, tileset.config.maxzoom));
    return byGrid.get(grid.id);
  }

  resolve(tilesetId: string): Tileset {
    const tileset = this.tilesets.get(tilesetId);
    // Restricted tilesets are not advertised to whoever mistypes a name.
    if (!tileset) throw unknownTileset(tilesetId, this.publicIds());
    return tileset;
  }

  async getTile(request: TileRequest): Promise<TileResult> {
    const tileset = this.resolve(request.tilesetId);
    const { source } = tileset;
    const grid = this.resolveGrid(tileset, request.gridId);
    // Own keys only: `in` would take "constructor" or "toString" for a format.
    if (!Object.hasOwn(VECTOR_FORMATS, request.format)) {
      const formats = Object.keys(VECTOR_FORMATS);
      throw new EngineError('UNKNOWN_FORMAT', `format "${request.format.slice(0, 16)}" is not served; use one of ${formats.join(', ')}`, {
        detail: { formats },
      });
    }
    const levels = this.levelsOf(tileset, grid) ?? [0, -1];
    const { z, x, y } = parseTileCoordinates(grid, { minzoom: levels[0], maxzoom: levels[1], tilesetId: source.id, ...(request.gridId ? { gridId: grid.id } : {}) }, request);
    const { body, dataSeq, key } = await this.tileAt(tileset, grid, z, x, y, { signal: request.signal, client: request.client });
    return { body, contentType: VECTOR_FORMATS[request.format as VectorFormat], tilesetId: source.id, key, dataSeq };
  }

  /**
   * The MVT of a tile already resolved and checked (the raster pipeline's way in): from the
   * cache, else produced from the source once for all concurrent callers and stored. Cuts
   * other than the served one (see TileCut) are cached as variants of their own; where the
   * tileset's tiles carry everything anyway, every cut is the served tile.
   */
  async tileAt(tileset: Tileset, grid: TileGrid, z: number, x: number, y: number, work: Work = {}, cut: TileCut = 'served'): Promise<FreshTile & { key: TileKey }> {
    const { source } = tileset;
    const styled = source.content?.mode === 'styles';
    const own = cut === 'full' && styled ? this.fullContentOf(tileset.config) : cut === 'labels' && styled ? tileset.labels : undefined;
    // The content rules are part of the key: tiles cut for other styles are never read back.
    const rules = own ?? source.content;
    const prefix = own === undefined ? 'mvt' : cut === 'full' ? 'full' : 'lbl';
    const variant = `${prefix}${rules ? `.${rules.fingerprint(grid, z)}` : ''}`;
    const key: TileKey = { kind: 'vector', name: source.id, grid: grid.id, z, x, y, variant };
    const tile = await this.producer.get(
      key,
      {
        flightKey: keyString(key),
        // The query runs in the turn of whoever started it, stopped when every waiter has left.
        produce: async (flightSignal, startSeq) => {
          const value = await source.getTile({ grid, z, x, y, ...(own ? { content: own } : {}) }, { signal: flightSignal, client: work.client });
          if (!own) this.observeSize?.(source.id, grid.id, z, value.byteLength);
          return { value, dataSeq: startSeq };
        },
        tiles: (body) => [[key, body]],
        pick: (body) => body,
      },
      work.signal,
    );
    return { ...tile, key };
  }

  /** Every feature and attribute of a tileset, the content feature info reads. */
  private fullContentOf(config: TilesetConfig): TileContent {
    let content = this.fullContents.get(config);
    if (!content) this.fullContents.set(config, (content = fullContent(config)));
    return content;
  }

  /** Whether a tileset of this id is served. */
  has(tilesetId: string): boolean {
    return this.tilesets.has(tilesetId);
  }

  /** Every served tileset, in configuration order. */
  all(): Tileset[] {
    return [...this.tilesets.values()];
  }

  /** Every tileset with the URL of its TileJSON. */
  listTilesets(baseUrl: string): TilesetSummary[] {
    return [...this.tilesets].map(([id, t]) => ({ id, name: t.config.name ?? id, tilejson: `${baseUrl}/tiles/${encodeURIComponent(id)}.json` }));
  }

  async getTileJson(tilesetId: string, baseUrl: string): Promise<TileJson> {
    const { source } = this.resolve(tilesetId);
    const info: TilesetInfo = await source.describe();
    return buildTileJson(info, baseUrl);
  }
}
