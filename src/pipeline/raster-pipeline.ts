import { SingleFlight } from '../../cache/single-flight.ts';
import { EngineError } from '../errors.ts';
import { equivalentZoom, tileToBbox } from '../grids/tile-grid.ts';
import type { RenderPool } from '../render/render-pool.ts';
import { RASTER_FORMATS, type RasterFormat } from '../render/render-task.ts';
import type { SourceTile } from '../render/renderer.ts';
import type { LoadedStyle } from '../render/style-store.ts';
import { parseTileCoordinates } from './tile-coordinates.ts';
import type { TilePipeline, TileResult } from './tile-pipeline.ts';

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
}

/** Pixel ratios a raster tile can be asked for (@2x for high-DPI screens). */
const SCALES = new Set(['1', '2']);

/** True for a file extension the raster pipeline encodes. */
export function isRasterFormat(format: string): format is RasterFormat {
  return Object.hasOwn(RASTER_FORMATS, format);
}

/**
 * Raster tiles: resolve the style → the vector tiles of the same grid tile from the tile
 * pipeline → one render in a thread (shared by concurrent requests) → encoded bytes.
 * A grid tile is drawn in that grid's CRS from vector data cut in that CRS.
 */
export class RasterPipeline {
  private readonly tiles: TilePipeline;
  private readonly styles: ReadonlyMap<string, LoadedStyle>;
  private readonly pool: RenderPool;
  private readonly flights = new SingleFlight<Uint8Array>();

  constructor(tiles: TilePipeline, styles: readonly LoadedStyle[], pool: RenderPool) {
    this.tiles = tiles;
    this.styles = new Map(styles.map((s) => [s.id, s]));
    this.pool = pool;
  }

  /** Ids of the styles that draw a tileset. */
  stylesOver(tilesetId: string): string[] {
    return [...this.styles.values()].filter((s) => [...s.sources.values()].includes(tilesetId)).map((s) => s.id);
  }

  /** The style of a name: a style id, or the first style drawing a tileset of that id. */
  resolveStyle(name: string): LoadedStyle {
    const byId = this.styles.get(name);
    if (byId) return byId;
    const over = [...this.styles.values()].find((s) => [...s.sources.values()].includes(name));
    if (over) return over;
    const known = [...this.styles.keys()];
    throw new EngineError('UNKNOWN_STYLE', `no style or styled tileset "${name.slice(0, 64)}"; styles: ${known.join(', ') || '(none)'}`, { detail: { styles: known } });
  }

  async getTile(request: RasterRequest): Promise<TileResult> {
    const style = this.resolveStyle(request.name);
    if (!isRasterFormat(request.format)) throw new EngineError('UNKNOWN_FORMAT', `format "${request.format.slice(0, 16)}" is not a raster format`);
    const scale = request.scale ?? '1';
    if (!SCALES.has(scale)) throw new EngineError('UNKNOWN_FORMAT', `scale @${scale.slice(0, 4)}x is not served; use @2x or none`, { detail: { scales: ['1', '2'] } });
    const primary = this.tiles.resolve([...style.sources.values()][0] ?? request.name);
    const grid = this.tiles.resolveGrid(primary, request.gridId);
    const levels = this.tiles.levelsOf(primary, grid) ?? [0, -1];
    const { z, x, y } = parseTileCoordinates(grid, { minzoom: levels[0], maxzoom: levels[1], tilesetId: style.id, ...(request.gridId ? { gridId: grid.id } : {}) }, request);
    const key = `${style.id}/${grid.id}/${z}/${x}/${y}@${scale}.${request.format}`;
    const body = await this.flights.run(
      key,
      async (signal) => {
        const bbox = tileToBbox(grid, z, x, y);
        const sourceTiles: SourceTile[] = await Promise.all(
          [...style.sources].map(async ([sourceId, tilesetId]) => ({
            sourceId,
            bbox,
            mvt: (await this.tiles.getTile({ tilesetId, gridId: grid.id, z: String(z), x: String(x), y: String(y), format: 'mvt', signal })).body,
          })),
        );
        return this.pool.render(
          {
            styleId: style.id,
            // MapLibre counts 512-px worlds: a 256-px tile of XYZ zoom z is MapLibre zoom z − 1.
            view: { bbox, widthPx: grid.tileSizePx, heightPx: grid.tileSizePx, pixelRatio: Number(scale), zoom: equivalentZoom(grid, z) + Math.log2(grid.tileSizePx / 512) },
            tiles: sourceTiles,
            format: request.format as RasterFormat,
          },
          signal,
        );
      },
      request.signal,
    );
    return { body, contentType: RASTER_FORMATS[request.format as RasterFormat], tilesetId: primary.config.id };
  }
}
