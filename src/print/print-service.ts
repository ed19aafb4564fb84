/**
 * Prints: a page rendered piece by piece in the render threads and stitched strip by
 * strip. PNG is streamed to the client as strips complete (memory bounded by a strip, not
 * the page); JPEG and WebP are encoded from the assembled page, so they have a lower
 * pixel limit. At most maxConcurrent prints run at once; tiles keep being served.
 */
import type { Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { Image, PDFDocument, type SKRSContext2D } from '@napi-rs/canvas';
import sharp from 'sharp';
import { EngineError } from '../errors.ts';
import type { RasterPipeline } from '../pipeline/raster-pipeline.ts';
import { printPieces } from './print-pieces.ts';
import { CSS_DPI, type PrintRequest } from './print-request.ts';
import { PngStream } from './png-stream.ts';

export interface PrintOptions {
  readonly maxPixels: number;
  /** JPEG and WebP are encoded whole: their own, lower bound (WebP stops at 16383 px a side anyway). */
  readonly maxPixelsEncodedWhole: number;
  readonly maxConcurrent: number;
  /** Device pixels per side of one render. */
  readonly pieceSizePx: number;
  /** CSS pixels drawn around each piece and cut off. */
  readonly overlapPx: number;
}

export class PrintService {
  private readonly raster: RasterPipeline;
  private readonly options: PrintOptions;
  private running = 0;

  constructor(raster: RasterPipeline, options: PrintOptions) {
    this.raster = raster;
    this.options = options;
  }

  /** Writes the page to `out` in the request's image format. */
  async print(request: PrintRequest, out: Writable, start: (contentType: string) => void, signal?: AbortSignal): Promise<void> {
    if (request.format === 'wld') throw new Error('a world file is not rendered');
    if ((request.format === 'jpg' || request.format === 'webp' || request.format === 'pdf') && request.widthPx * request.heightPx > this.options.maxPixelsEncodedWhole) {
      throw new EngineError('PRINT_TOO_LARGE', `${request.format} prints are encoded whole: at most ${Math.round(this.options.maxPixelsEncodedWhole / 1e6)} million pixels; ask for png`, {
        detail: { maxPixels: this.options.maxPixelsEncodedWhole },
      });
    }
    this.raster.resolveStyle(request.styleId); // an unknown style is a 404 before anything starts
    if (this.running >= this.options.maxConcurrent) {
      throw new EngineError('PRINTS_BUSY', `${this.running} prints are running; at most ${this.options.maxConcurrent} at once`, { retryAfterS: 5 });
    }
    this.running++;
    try {
      const pixelRatio = request.dpi / CSS_DPI;
      const rows = printPieces(request, this.options.pieceSizePx, Math.round(this.options.overlapPx * pixelRatio));
      // A PDF holds the page as one image: the PNG is gathered, then placed on a page of the paper's size.
      const gathered: Buffer[] = [];
      const pngOut = request.format === 'pdf' ? new PassThrough().on('data', (c: Buffer) => gathered.push(c)) : out;
      if (request.format === 'png') start('image/png');
      const png = request.format === 'png' || request.format === 'pdf' ? new PngStream(pngOut, request.widthPx, request.heightPx) : undefined;
      const whole = png ? undefined : Buffer.alloc(request.widthPx * request.heightPx * 4);
      for (const row of rows) {
        const stripHeight = row[0]!.page.height;
        const strip = png ? Buffer.alloc(request.widthPx * stripHeight * 4) : whole!.subarray(row[0]!.page.top * request.widthPx * 4);
        const pieces = await Promise.all(
          row.map((piece) =>
            this.raster.renderView({ styleId: request.styleId, gridId: request.grid.id, bbox: piece.bbox, widthPx: piece.widthPx, heightPx: piece.heightPx, pixelRatio, format: 'raw', crop: piece.crop, ...(signal ? { signal } : {}) }),
          ),
        );
        row.forEach((piece, i) => {
          const rgba = pieces[i]!.body;
          for (let y = 0; y < piece.page.height; y++) {
            strip.set(rgba.subarray(y * piece.page.width * 4, (y + 1) * piece.page.width * 4), (y * request.widthPx + piece.page.left) * 4);
          }
        });
        if (png) await png.writeRows(strip);
      }
      if (png) await png.end();
      if (request.format === 'pdf') {
        start('application/pdf');
        return void out.end(pdfOf(Buffer.concat(gathered), request));
      }
      if (png) return;
      const image = sharp(whole!, { raw: { width: request.widthPx, height: request.heightPx, channels: 4 } });
      const encoded = request.format === 'jpg' ? await image.flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer() : await image.webp({ quality: 90 }).toBuffer();
      start(request.format === 'jpg' ? 'image/jpeg' : 'image/webp');
      out.end(encoded);
    } finally {
      this.running--;
    }
  }
}

/** A one-page PDF of the paper's size (points = inches × 72) holding the page image. */
function pdfOf(png: Buffer, request: PrintRequest): Buffer {
  const image = new Image();
  image.src = png;
  const [width, height] = [(request.widthPx / request.dpi) * 72, (request.heightPx / request.dpi) * 72];
  const pdf = new PDFDocument({ title: `${request.styleId} ${request.widthPx}×${request.heightPx} px at ${request.dpi} dpi`, creator: 'Södertörn tile engine' });
  (pdf.beginPage(width, height) as unknown as SKRSContext2D).drawImage(image, 0, 0, width, height);
  pdf.endPage();
  return pdf.close();
}
