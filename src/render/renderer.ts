import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { Bbox } from '../grids/tile-grid.ts';

/**
 * What to draw: an extent of a grid's CRS onto a canvas. The renderer knows nothing of
 * tiles or HTTP; the raster pipeline collects the vector tiles that cover the view.
 */
export interface RenderView {
  /** The extent in the grid's CRS units (metres), [minX, minY, maxX, maxY]; north up. */
  readonly bbox: Bbox;
  /** Output size in CSS pixels; the canvas is widthPx × pixelRatio wide. */
  readonly widthPx: number;
  readonly heightPx: number;
  /** Device pixel ratio: 2 for @2x tiles, DPI / 96 for prints. Scales line widths, radii, text. */
  readonly pixelRatio: number;
  /** MapLibre zoom at which style properties are evaluated (512-px world convention). */
  readonly zoom: number;
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
