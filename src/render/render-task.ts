import type { RasterFormat } from '../core/tile-formats.ts';
import type { EngineConfig } from '../config/schema.ts';
import type { SpriteSet } from '../styles/sprite-builder.ts';
import type { PixelRect } from '../grids/metatile.ts';
import type { RenderView, SourceTile } from './renderer.ts';


/** A glyph range a render needs: a font stack as text-font joins it, and the range start. */
export interface GlyphRangeKey {
  readonly fontstack: string;
  readonly start: number;
}

/** A glyph range with its PBF bytes. */
export interface GlyphRangeBytes extends GlyphRangeKey {
  readonly bytes: Uint8Array;
}

/** Encoder settings, from config.render. */
export interface EncodeOptions {
  readonly webpQuality: number;
  readonly jpegQuality: number;
  readonly pngCompressionLevel: number;
  /** Raster tiles' PNG as an 8-bit palette (render.pngPalette), at this least quality. */
  readonly pngPalette: boolean;
  readonly pngPaletteQuality: number;
}

/** What a render thread is given once, at start. */
export interface RenderWorkerData {
  readonly stylesDir: string;
  readonly tilesetIds: readonly string[];
  readonly encode: EncodeOptions;
  /** The styles' sprites by icon folder, decoded once in each thread. */
  readonly sprites: Readonly<Record<string, SpriteSet>>;
  /**
   * Glyph ranges every thread holds from its start (the first range of each font stack the
   * styles name: Latin with å, ä, ö), so no thread draws a label twice to learn them.
   */
  readonly glyphs: readonly GlyphRangeBytes[];
}

/** The thread data of an engine configuration. */
export function renderWorkerData(
  config: Pick<EngineConfig, 'render' | 'tilesets'>,
  sprites: ReadonlyMap<string, SpriteSet> = new Map(),
  glyphs: readonly GlyphRangeBytes[] = [],
): RenderWorkerData {
  return {
    stylesDir: config.render.stylesDir,
    tilesetIds: config.tilesets.map((t) => t.id),
    encode: config.render,
    sprites: Object.fromEntries(sprites),
    glyphs,
  };
}

/** One render: a style over the vector tiles of a view, encoded. The thread answers with the image bytes. */
export interface RenderTask {
  readonly styleId: string;
  readonly view: RenderView;
  readonly tiles: readonly SourceTile[];
  /** An image format, or `raw`: straight RGBA bytes, for a caller that stitches pieces. */
  readonly format: RasterFormat | 'raw';
  /** Cut the image into these rectangles (device pixels), each encoded apart: the tiles of a metatile. Default: the whole image. */
  readonly pieces?: readonly PixelRect[];
  /** Glyph ranges the thread asked for on an earlier attempt of this task. */
  readonly glyphs?: readonly GlyphRangeBytes[];
  /** Raster tiles (not a WMS map or a print): PNG is written as a palette when render.pngPalette is on. */
  readonly tile?: boolean;
  /** Draw even if glyphs are missing (a pool with no glyph source), rather than answer with what is missing. */
  readonly final?: boolean;
}

/** A thread's answer: the encoded images (one per piece), or the glyph ranges it needs first. */
export type RenderAnswer = { readonly images: readonly Uint8Array[] } | { readonly missingGlyphs: readonly GlyphRangeKey[] };
