import { unknownStyle } from '../access/unknown-ids.ts';
import { featuresAt, type FoundFeature } from './feature-info.ts';
import { CachedProducer, type Produced } from '../../cache/cached-producer.ts';
import type { Work } from '../admission/work.ts';
import { ConfigError } from '../config/load-config.ts';
import { EngineError } from '../errors.ts';
import type { TieredCache } from '../../cache/tiered-cache.ts';
import type { TileKey } from '../../cache/tile-key.ts';
import { bboxToTileRange, levelAtCellSize, tileToBbox, zoomAtCellSize, type Bbox, type TileGrid, type TileRange } from '../grids/tile-grid.ts';
import { dataLevel, metatileOf, rasterLevels, metatileView, pieceIndex, styleZoomOf, tilesOf, VECTOR_TILE_PX, type Metatile, type PixelRect } from '../grids/metatile.ts';
import type { RenderPieces } from '../render/render-pool.ts';
import { RASTER_FORMATS, type RasterFormat } from '../core/tile-formats.ts';
import { hashText } from '../core/hash-text.ts';
import { viewCoverage, viewPointAt, type SourceTile } from '../render/renderer.ts';
import { styleDescription, type LoadedStyle } from '../styles/style-store.ts';
import type { TilesetInfo } from '../sources/tile-source.ts';
import { parseTileCoordinates } from './tile-coordinates.ts';
import type { Tileset, TilePipeline, TileResult } from './tile-pipeline.ts';

/** A raster tile request as it arrives: raw path segments. */
export interface RasterRequest {
  /** A style id, or a tileset id (drawn with the first style over it). */
  readonly name: string;
  readonly gridId?: string;
  readonly z: string;
  readonly x: string;
  readonly y: string;
  /** "2" for @2x, undefined for 1×. */
  readonly scale?: string;
  readonly format: string;
  readonly signal?: AbortSignal;
  /** Who asks: its turn in the fair queues of the database and the render threads (see Work). */
  readonly client?: string;
}

/** Vector tiles one view may need: bounds the work of a single GetMap or print render. */
const MAX_VIEW_TILES = 400;
/** CSS pixels around a GetFeatureInfo point within which a feature counts as under it. */
const FEATURE_INFO_TOLERANCE_PX = 4;
/** CSS pixels of data fetched around a view, so lines and symbols crossing its edge are drawn. */
const VIEW_MARGIN_PX = 64;

/** Pixel ratios a raster tile can be asked for (@2x for high-DPI screens). */
const SCALES = new Set(['1', '2']);

/** True for a file extension the raster pipeline encodes. */
export function isRasterFormat(format: string): format is RasterFormat {
  return Object.hasOwn(RASTER_FORMATS, format);
}

/** How raster tiles are drawn (config.render). */
export interface RasterOptions {
  /** The style a tileset's raster tiles are drawn with when a request names the tileset; else the first style over it. */
  readonly defaultStyle?: string | undefined;
  /** Tiles per side of a metatile; 1 draws every tile alone. */
  readonly metatile: number;
  readonly metatileBufferPx: number;
  /** The encoder settings (config.render's): with the style, part of the cache key of the images. */
  readonly pngPalette?: boolean;
  readonly pngPaletteQuality?: number;
  readonly pngCompressionLevel?: number;
  readonly webpQuality?: number;
  readonly jpegQuality?: number;
}

/**
 * Raster tiles: resolve the style → the metatile holding the tile → the vector tiles under
 * it and its buffer, from the tile pipeline → one render in a thread, cut into the tiles
 * (shared by concurrent requests for any of them) → the requested tile; its neighbours are
 * kept briefly for the requests that follow. A grid tile is drawn in that grid's CRS from
 * vector data cut in that CRS.
 */
export class RasterPipeline {
  private readonly tiles: TilePipeline;
  private readonly styles: ReadonlyMap<string, LoadedStyle>;
  private readonly pool: RenderPieces;
  private readonly options: RasterOptions;
  private readonly producer: CachedProducer<readonly Uint8Array[]>;
  private readonly publicStyleIds: () => readonly string[];
  private readonly fingerprints = new Map<string, string>();

  /** publicStyleIds: the style ids an error may name to anyone. */
  constructor(tiles: TilePipeline, styles: readonly LoadedStyle[], pool: RenderPieces, options: RasterOptions, cache?: TieredCache, publicStyleIds: () => readonly string[] = () => styles.map((s) => s.id)) {
    this.producer = new CachedProducer(cache);
    this.publicStyleIds = publicStyleIds;
    this.tiles = tiles;
    this.styles = new Map(styles.map((s) => [s.id, s]));
    this.pool = pool;
    this.options = options;
    if (options.defaultStyle !== undefined && !this.styles.has(options.defaultStyle)) {
      throw new ConfigError(`render.defaultStyle "${options.defaultStyle}" is not a style in the styles folder (styles: ${[...this.styles.keys()].join(', ')})`);
    }
  }

  /** 8 hex digits of a style's drawing rules and the encoder settings, memoized per style. */
  private fingerprintOf(style: LoadedStyle): string {
    let fingerprint = this.fingerprints.get(style.id);
    if (fingerprint === undefined) {
      const { metatile, metatileBufferPx, pngPalette, pngPaletteQuality, pngCompressionLevel, webpQuality, jpegQuality } = this.options;
      const drawing = [style.style, metatile, metatileBufferPx, pngPalette, pngPaletteQuality, pngCompressionLevel, webpQuality, jpegQuality];
      fingerprint = hashText(JSON.stringify(drawing)).slice(0, 8);
      this.fingerprints.set(style.id, fingerprint);
    }
    return fingerprint;
  }

  /** Every style id, in the order they were loaded. */
  styleIds(): string[] {
    return [...this.styles.keys()];
  }

  /** Whether a name is a style's id (not a tileset's). */
  hasStyle(id: string): boolean {
    return this.styles.has(id);
  }

  /** The style of an id, for documents that describe it. */
  styleOf(id: string): LoadedStyle | undefined {
    return this.styles.get(id);
  }

  /** Ids of the styles that draw a tileset, the default style first. */
  stylesOver(tilesetId: string): string[] {
    const over = [...this.styles.values()].filter((s) => [...s.sources.values()].includes(tilesetId)).map((s) => s.id);
    const preferred = this.options.defaultStyle;
    return preferred !== undefined && over.includes(preferred) ? [preferred, ...over.filter((id) => id !== preferred)] : over;
  }

  /** The levels of a grid at which raster tiles over a tileset are served: its data levels and overzoomed ones. */
  levelsOf(tileset: Tileset, grid: TileGrid): [number, number] | undefined {
    const levels = this.tiles.levelsOf(tileset, grid);
    return levels && rasterLevels(grid, levels);
  }

  /**
   * A style as a map of its own (a WMTS layer, an OGC API map collection): the first tileset
   * it draws, and that tileset's description under the name asked, the style's title and
   * description.
   */
  async describeMap(style: LoadedStyle, asked: string): Promise<{ info: TilesetInfo; tileset: Tileset }> {
    const tileset = this.tiles.resolve([...style.sources.values()][0] ?? style.id);
    return { tileset, info: { ...(await tileset.source.describe()), id: asked, name: style.style.name ?? style.id, description: styleDescription(style) } };
  }

  /** The style of a name: a style id, or the default style of a tileset of that id. */
  resolveStyle(name: string): LoadedStyle {
    const byId = this.styles.get(name);
    if (byId) return byId;
    const over = this.stylesOver(name)[0];
    if (over) return this.styles.get(over)!;
    throw unknownStyle(name, this.publicStyleIds());
  }

  async getTile(request: RasterRequest): Promise<TileResult> {
    const style = this.resolveStyle(request.name);
    if (!isRasterFormat(request.format)) throw new EngineError('UNKNOWN_FORMAT', `format "${request.format.slice(0, 16)}" is not a raster format`);
    const format: RasterFormat = request.format;
    const scale = request.scale ?? '1';
    if (!SCALES.has(scale)) throw new EngineError('UNKNOWN_FORMAT', `scale @${scale.slice(0, 4)}x is not served; use @2x or none`, { detail: { scales: ['1', '2'] } });
    const primary = this.tiles.resolve([...style.sources.values()][0] ?? request.name);
    const grid = this.tiles.resolveGrid(primary, request.gridId);
    const levels = this.levelsOf(primary, grid) ?? [0, -1];
    const { z, x, y } = parseTileCoordinates(grid, { minzoom: levels[0], maxzoom: levels[1], tilesetId: style.id, ...(request.gridId ? { gridId: grid.id } : {}) }, request);
    // The style and the encoder are part of the key: a deploy that changes either never serves the old images from disk or Redis.
    const variant = `${scale}.${format}.${this.fingerprintOf(style)}`;
    const tileKey = (tx: number, ty: number): TileKey => ({ kind: 'raster', name: style.id, grid: grid.id, z, x: tx, y: ty, variant });
    const meta = metatileOf(grid, z, x, y, this.options.metatile);
    const key = tileKey(x, y);
    const { body, dataSeq } = await this.producer.get(
      key,
      {
        flightKey: `${style.id}/${grid.id}/${z}/${meta.x0}/${meta.y0}@${scale}.${format}`,
        // One render for the block; fresh as of the oldest vector tile it was drawn from.
        produce: (signal) => this.renderMetatile(style, grid, meta, Number(scale), format, { signal, client: request.client }),
        // Every tile of the block is stored: its neighbours are usually asked for next.
        tiles: (pieces) => tilesOf(meta).map((tile, i) => [tileKey(tile.x, tile.y), pieces[i]!] as const),
        pick: (pieces) => pieces[pieceIndex(meta, x, y)]!,
      },
      request.signal,
    );
    return { body, contentType: RASTER_FORMATS[format], tilesetId: primary.config.id, key, dataSeq };
  }

  /**
   * The vector tiles of every source of a style under a bbox, from the data level that
   * raster level z is drawn from (at most MAX_VIEW_TILES of them). With `kept`, the part of
   * the bbox whose pixels the render keeps, a tile wholly outside it (under the buffer only)
   * is cut with what labels need: the renderer draws no fill or line from it.
   */
  private async sourceTilesUnder(style: LoadedStyle, grid: TileGrid, bbox: Bbox, z: number, work: Work, cut: 'served' | 'full' = 'served', kept?: Bbox): Promise<Produced<SourceTile[]>> {
    const wanted: { sourceId: string; tileset: Tileset; z: number; x: number; y: number }[] = [];
    const ranges: { sourceId: string; tileset: Tileset; z: number; range: TileRange }[] = [];
    let count = 0;
    for (const [sourceId, tilesetId] of style.sources) {
      const tileset = this.tiles.resolve(tilesetId);
      const levels = this.tiles.levelsOf(tileset, grid);
      // Beneath a secondary tileset's first level it is not drawn, as MapLibre loads no tile of a
      // source below its minzoom (the primary one is: the style's own zooms start with it).
      if (!levels || (sourceId !== [...style.sources.keys()][0] && z - Math.log2(VECTOR_TILE_PX / grid.tileSizePx) < levels[0])) continue;
      const from = dataLevel(grid, z, levels);
      const range = bboxToTileRange(grid, bbox, from);
      if (!range) continue;
      ranges.push({ sourceId, tileset, z: from, range });
      count += (range.maxX - range.minX + 1) * (range.maxY - range.minY + 1);
    }
    // Counted before any is listed: a world-wide view at a deep level would be billions.
    if (count > MAX_VIEW_TILES) {
      throw new EngineError('VIEW_TOO_LARGE', `the view needs ${count} vector tiles; at most ${MAX_VIEW_TILES} are drawn in one render (ask for a smaller extent or fewer pixels)`, { detail: { tiles: count, max: MAX_VIEW_TILES } });
    }
    for (const { sourceId, tileset, z: from, range } of ranges) {
      for (let y = range.minY; y <= range.maxY; y++) for (let x = range.minX; x <= range.maxX; x++) wanted.push({ sourceId, tileset, z: from, x, y });
    }
    const fetched = await Promise.all(
      wanted.map(async ({ sourceId, tileset, z: level, x, y }) => {
        const tileBbox = tileToBbox(grid, level, x, y);
        const tile = await this.tiles.tileAt(tileset, grid, level, x, y, work, cut === 'served' && kept && !overlaps(tileBbox, kept) ? 'labels' : cut);
        return { sourceTile: { sourceId, bbox: tileBbox, mvt: tile.body }, dataSeq: tile.dataSeq };
      }),
    );
    // What is drawn from them is as fresh as the oldest of them.
    const dataSeq = fetched.reduce((oldest, t) => Math.min(oldest, t.dataSeq), Number.MAX_SAFE_INTEGER);
    return { value: fetched.map((t) => t.sourceTile), dataSeq: fetched.length === 0 ? 0 : dataSeq };
  }

  /**
   * Any extent of a grid's CRS drawn with a style, at the scale its size gives: the data
   * level nearest that resolution, labels and lines sized by the pixel ratio (DPI / 96).
   * For WMS GetMap and prints; one render, not cached.
   */
  async renderView(request: {
    styleId: string;
    gridId: string;
    bbox: Bbox;
    widthPx: number;
    heightPx: number;
    pixelRatio: number;
    /** MapLibre's bearing in degrees: the compass direction at the top of the image. */
    bearing?: number;
    format: RasterFormat | 'raw';
    /** Only this rectangle of the render (device pixels), e.g. a print piece without its overlap. */
    crop?: PixelRect;
    signal?: AbortSignal;
    client?: string;
  }): Promise<TileResult> {
    const { style, primary, grid, cellSize, level, zoom } = this.viewOf(request);
    const margin = VIEW_MARGIN_PX * cellSize;
    const bbox = request.bbox;
    const bearing = request.bearing ?? 0;
    const work = { signal: request.signal, client: request.client };
    const covered = viewCoverage({ bbox, bearing });
    // The pixels kept: the piece without its margin, or the whole map (north up only; a turned view keeps every tile whole).
    const kept = bearing ? undefined : request.crop ? cropBbox(bbox, request.widthPx, request.heightPx, request.crop) : bbox;
    const { value: sourceTiles } = await this.sourceTilesUnder(style, grid, [covered[0] - margin, covered[1] - margin, covered[2] + margin, covered[3] + margin], level, work, 'served', kept);
    const [body] = await this.pool.renderPieces(
      {
        styleId: style.id,
        view: { bbox, widthPx: request.widthPx / request.pixelRatio, heightPx: request.heightPx / request.pixelRatio, pixelRatio: request.pixelRatio, zoom, ...(bearing ? { bearing } : {}) },
        tiles: sourceTiles,
        format: request.format,
        ...(request.crop ? { pieces: [request.crop] } : {}),
      },
      work,
    );
    return { body: body!, contentType: request.format === 'raw' ? 'application/octet-stream' : RASTER_FORMATS[request.format], tilesetId: primary.config.id };
  }

  /**
   * What a map of any extent is drawn with: the style, its primary tileset and grid, the
   * ground size of a CSS pixel, the data level nearest it and the MapLibre zoom it shows.
   */
  private viewOf(request: { styleId: string; gridId: string; bbox: Bbox; widthPx: number; pixelRatio: number }) {
    const style = this.resolveStyle(request.styleId);
    const primary = this.tiles.resolve([...style.sources.values()][0] ?? request.styleId);
    const grid = this.tiles.resolveGrid(primary, request.gridId);
    const cellSize = (request.bbox[2] - request.bbox[0]) / (request.widthPx / request.pixelRatio);
    const level = levelAtCellSize(grid, cellSize, this.tiles.levelsOf(primary, grid) ?? [0, 0]);
    return { style, primary, grid, cellSize, level, zoom: zoomAtCellSize(grid, cellSize) + Math.log2(grid.tileSizePx / VECTOR_TILE_PX) };
  }

  /**
   * The features the style draws at a pixel of a map of any extent (WMS GetFeatureInfo):
   * from the same data level renderView draws that map from, within a few pixels.
   */
  async featuresAt(request: { styleId: string; gridId: string; bbox: Bbox; widthPx: number; heightPx: number; pixelRatio: number; bearing?: number; i: number; j: number; count: number; signal?: AbortSignal; client?: string }): Promise<FoundFeature[]> {
    const { style, grid, cellSize, level, zoom } = this.viewOf(request);
    // The pixel's centre, the map's bearing undone.
    const point = viewPointAt(request, request.i + 0.5, request.j + 0.5);
    const tolerance = FEATURE_INFO_TOLERANCE_PX * cellSize;
    const around: Bbox = [point[0] - tolerance, point[1] - tolerance, point[0] + tolerance, point[1] + tolerance];
    // Every attribute of what is found, not only those the style reads.
    const { value: tiles } = await this.sourceTilesUnder(style, grid, around, level, { signal: request.signal, client: request.client }, 'full');
    return featuresAt(style.style.layers, tiles, point, tolerance, zoom, request.count);
  }

  /**
   * One render of a metatile and its buffer, over every vector tile it touches; one image
   * per tile. The data comes from the level MapLibre would load at this scale: its vector
   * tiles are 512 px, so a 256-px raster tile of level z is drawn from level z − 1, and
   * raster and vector maps show the same layers at the same scale.
   */
  private async renderMetatile(style: LoadedStyle, grid: TileGrid, meta: Metatile, pixelRatio: number, format: RasterFormat, work: Work): Promise<Produced<readonly Uint8Array[]>> {
    const { bbox, widthPx, heightPx, pieces } = metatileView(grid, meta, this.options.metatile > 1 ? this.options.metatileBufferPx : 0, pixelRatio);
    // The block's own tiles are kept; the buffer's vector tiles are read for their labels.
    const first = tileToBbox(grid, meta.z, meta.x0, meta.y0);
    const last = tileToBbox(grid, meta.z, meta.x0 + meta.cols - 1, meta.y0 + meta.rows - 1);
    const sources = await this.sourceTilesUnder(style, grid, bbox, meta.z, work, 'served', this.options.metatile > 1 ? [first[0], last[1], last[2], first[3]] : undefined);
    const images = await this.pool.renderPieces(
      {
        styleId: style.id,
        view: { bbox, widthPx, heightPx, pixelRatio, zoom: styleZoomOf(grid, meta.z) },
        tiles: sources.value,
        format,
        pieces,
        tile: true,
      },
      work,
    );
    return { value: images, dataSeq: sources.dataSeq };
  }
}

/** Whether two extents share any area (touching edges do not). */
function overlaps(a: Bbox, b: Bbox): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** The extent of a rectangle of a view's device pixels. */
function cropBbox(bbox: Bbox, widthPx: number, heightPx: number, crop: PixelRect): Bbox {
  const cellX = (bbox[2] - bbox[0]) / widthPx;
  const cellY = (bbox[3] - bbox[1]) / heightPx;
  return [bbox[0] + crop.left * cellX, bbox[3] - (crop.top + crop.height) * cellY, bbox[0] + (crop.left + crop.width) * cellX, bbox[3] - crop.top * cellY];
}
