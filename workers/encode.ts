import sharp from 'sharp';
import type { PixelRect } from '../src/grids/metatile.ts';
import type { RasterFormat } from '../src/core/tile-formats.ts';
import type { EncodeOptions } from '../src/render/render-task.ts';
import type { RgbaImage } from '../src/render/renderer.ts';

/**
 * Encodes straight-alpha RGBA, or a rectangle of it, as PNG (a palette for raster tiles when
 * configured), WebP or JPEG (JPEG has no alpha: flattened on white).
 */
export async function encodeImage(image: RgbaImage, format: RasterFormat | 'raw', options: EncodeOptions, rect?: PixelRect, tile = false): Promise<Uint8Array> {
  const whole = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
  const input = rect ? whole.extract(rect) : whole;
  switch (format) {
    case 'raw':
      return rect ? input.raw().toBuffer() : image.data;
    case 'png':
      // A tile as a palette: libimagequant is deterministic, so the same image gives the same bytes.
      // Not dithered: map colours are flat, with no gradient to band, and dithering's noise
      // costs half the encode time and 5–10 % more bytes.
      if (tile && options.pngPalette) return input.png({ compressionLevel: options.pngCompressionLevel, palette: true, quality: options.pngPaletteQuality, effort: 3, dither: 0 }).toBuffer();
      return input.png({ compressionLevel: options.pngCompressionLevel, adaptiveFiltering: false }).toBuffer();
    case 'webp':
      return input.webp({ quality: options.webpQuality }).toBuffer();
    case 'jpg':
      return input.flatten({ background: '#ffffff' }).jpeg({ quality: options.jpegQuality, mozjpeg: false }).toBuffer();
  }
}
