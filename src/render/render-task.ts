import type { RenderView, SourceTile } from './renderer.ts';

/** Image formats the engine encodes, by file extension. */
export const RASTER_FORMATS = { png: 'image/png', webp: 'image/webp', jpg: 'image/jpeg' } as const;
export type RasterFormat = keyof typeof RASTER_FORMATS;

/** Encoder settings, from config.render. */
export interface EncodeOptions {
  readonly webpQuality: number;
  readonly jpegQuality: number;
  readonly pngCompressionLevel: number;
}

/** What a render thread is given once, at start. */
export interface RenderWorkerData {
  readonly stylesDir: string;
  readonly tilesetIds: readonly string[];
  readonly encode: EncodeOptions;
}

/** One render: a style over the vector tiles of a view, encoded. The thread answers with the image bytes. */
export interface RenderTask {
  readonly styleId: string;
  readonly view: RenderView;
  readonly tiles: readonly SourceTile[];
  readonly format: RasterFormat;
}
