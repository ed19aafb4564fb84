import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { PixelRect } from '../grids/metatile.ts';
import type { Bbox } from '../grids/tile-grid.ts';

/**
 * What to draw: an extent of a grid's CRS onto a canvas. The renderer knows nothing of
 * tiles or HTTP; the raster pipeline collects the vector tiles that cover the view.
 */
export interface RenderView {
  /**
   * The extent in the grid's CRS units (metres), [minX, minY, maxX, maxY], as the canvas
   * shows it north up; with a bearing the canvas shows it turned about its centre (see
   * viewCoverage for the extent the turned canvas covers).
   */
  readonly bbox: Bbox;
  /** Output size in CSS pixels; the canvas is widthPx × pixelRatio wide. */
  readonly widthPx: number;
  readonly heightPx: number;
  /** Device pixel ratio: 2 for @2x tiles, DPI / 96 for prints. Scales line widths, radii, text. */
  readonly pixelRatio: number;
  /** MapLibre zoom at which style properties are evaluated (512-px world convention). */
  readonly zoom: number;
  /** MapLibre's bearing in degrees: the compass direction at the top of the canvas (0: north). */
  readonly bearing?: number;
  /**
   * The device pixels the caller keeps (a metatile's tiles, a print piece without its
   * margin): only they are drawn and returned; the rest of the canvas is there so labels
   * across its edge are placed as on the neighbouring render. Default: the whole canvas.
   */
  readonly keep?: PixelRect;
}

/**
 * One tile of a style source, placed by its extent in the view's CRS: a vector tile, or
 * for `raster` and `image` sources a picture decoded by the caller (the renderer reads no
 * files).
 */
export interface SourceTile {
  /** Key of the source in the style's `sources`. */
  readonly sourceId: string;
  /** Tile extent in the grid's CRS, [minX, minY, maxX, maxY]. */
  readonly bbox: Bbox;
  /** Uncompressed MVT bytes (may be empty; empty for a raster tile). */
  readonly mvt: Uint8Array;
  /** A raster tile's decoded image, stretched over `bbox` (or over `corners`). */
  readonly image?: RgbaImage;
  /**
   * Where an image source's corners lie in the grid's CRS: top-left, top-right,
   * bottom-right, bottom-left of the picture. Without it the image fills `bbox`.
   */
  readonly corners?: readonly [CrsPoint, CrsPoint, CrsPoint, CrsPoint];
}

/** A point in the grid's CRS, [x, y]. */
export type CrsPoint = readonly [number, number];

/** An RGBA image, premultiplied alpha NOT applied (straight alpha), row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Draws a MapLibre style over vector tiles. The Skia renderer (@napi-rs/canvas) is the
 * default; others (maplibre-native) can sit behind the same seam.
 */
export interface Renderer {
  /** The canvas's pixels, or only those of view.keep when it is given. */
  render(style: StyleSpecification, view: RenderView, tiles: readonly SourceTile[], options?: RenderOptions): Promise<RgbaImage>;
}

/**
 * A glyph range of a font stack as MapLibre fetches it (`{fontstack}/{start}-{start+255}.pbf`):
 * the PBF bytes, or undefined when the range is missing. Called synchronously during a render.
 */
export type GlyphLoader = (fontstack: string, rangeStart: number) => Uint8Array | undefined;

/**
 * Where one image sits in a sprite sheet: an entry of MapLibre's `{sprite}.json`. Stretch
 * zones (`stretchX`, `stretchY`, `content`) are not read: icon-text-fit stretches the
 * whole image.
 */
export interface SpriteEntry {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Image pixels per CSS pixel (2 for a @2x image); 1 when absent. */
  readonly pixelRatio?: number;
  /** True for a signed distance field in the alpha channel, tinted by icon-color. */
  readonly sdf?: boolean;
}

/** A sprite sheet decoded by the caller: the parsed `{sprite}.json` and the `{sprite}.png` pixels. */
export interface SpriteSheet {
  readonly entries: Readonly<Record<string, SpriteEntry>>;
  readonly image: RgbaImage;
}

/**
 * The style's sprite sheet for a pixel ratio: `{sprite}` for 1, `{sprite}@2x` for 2 (MapLibre
 * takes @2x whenever the device pixel ratio is above 1), or undefined when it is missing.
 * Called synchronously during a render: decode the PNG beforehand.
 */
export type SpriteLoader = (pixelRatio: 1 | 2) => SpriteSheet | undefined;

/** What a render may need beyond style, view and tiles. */
export interface RenderOptions {
  /** Glyph PBFs for text; without it, symbol layers draw no text. */
  readonly glyphs?: GlyphLoader;
  /** The style's sprite for icons and patterns; without it, neither is drawn. */
  readonly sprite?: SpriteLoader;
}

/**
 * The extent a view's canvas covers in its CRS: its bbox, or with a bearing the box round
 * the bbox turned about its centre. The tiles a render needs are those over this extent.
 */
export function viewCoverage(view: Pick<RenderView, 'bbox' | 'bearing'>): Bbox {
  const [minX, minY, maxX, maxY] = view.bbox;
  const turn = (((view.bearing ?? 0) % 360) * Math.PI) / 180;
  if (turn === 0) return view.bbox;
  const cos = Math.abs(Math.cos(turn));
  const sin = Math.abs(Math.sin(turn));
  const halfW = (maxX - minX) / 2;
  const halfH = (maxY - minY) / 2;
  const cx = minX + halfW;
  const cy = minY + halfH;
  const spanX = halfW * cos + halfH * sin;
  const spanY = halfW * sin + halfH * cos;
  return [cx - spanX, cy - spanY, cx + spanX, cy + spanY];
}

/**
 * The point of the view's CRS under a canvas position (CSS pixels from the top left), the
 * bearing undone: what a click on a turned map (WMS GetFeatureInfo) points at.
 */
export function viewPointAt(view: Pick<RenderView, 'bbox' | 'bearing' | 'widthPx' | 'heightPx'>, xPx: number, yPx: number): [number, number] {
  const [minX, minY, maxX, maxY] = view.bbox;
  const cellX = (maxX - minX) / view.widthPx;
  const cellY = (maxY - minY) / view.heightPx;
  // From the centre, turned back onto the north-up canvas (the map turns by −bearing on screen).
  const dx = xPx - view.widthPx / 2;
  const dy = yPx - view.heightPx / 2;
  const turn = ((view.bearing ?? 0) * Math.PI) / 180;
  const cos = Math.cos(turn);
  const sin = Math.sin(turn);
  const mx = dx * cos - dy * sin;
  const my = dx * sin + dy * cos;
  return [(minX + maxX) / 2 + mx * cellX, (minY + maxY) / 2 - my * cellY];
}
