/**
 * Prints: a page rendered piece by piece in the render threads and stitched strip by
 * strip. PNG is streamed to the client as strips complete (memory bounded by a strip, not
 * the page); JPEG and WebP are encoded from the assembled page, so they have a lower
 * pixel limit. At most maxConcurrent prints run at once; tiles keep being served.
 */
import type { Writable } from 'node:stream';
import { Image, PDFDocument, type SKRSContext2D } from '@napi-rs/canvas';
import sharp from 'sharp';
import type { Work } from '../admission/work.ts';
import { EngineError } from '../errors.ts';
import type { RasterPipeline } from '../pipeline/raster-pipeline.ts';
import { drawnPixels, MAX_MARGIN_PX, pieceSideFor, printPieces, type PrintPiece } from './print-pieces.ts';
import { geoTiff } from './geotiff.ts';
import { CSS_DPI, worldTerms, type PrintRequest } from './print-request.ts';
import { PngStream } from './png-stream.ts';

export interface PrintOptions {
  readonly maxPixels: number;
  /** Device pixels rendered for one print, margins included (see print-pieces.ts). */
  readonly maxDrawnPixels: number;
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
  async print(request: PrintRequest, out: Writable, start: (contentType: string) => void, work: Work = {}): Promise<void> {
    if (request.format === 'wld') throw new Error('a world file is not rendered');
    // Streamed: PNG, at any bearing (the renderer draws the page turned). Everything else is assembled whole first, within its own bound.
    const streamed = request.format === 'png';
    if (!streamed && request.widthPx * request.heightPx > this.options.maxPixelsEncodedWhole) {
      throw new EngineError('PRINT_TOO_LARGE', `${request.format} prints are assembled whole: at most ${Math.round(this.options.maxPixelsEncodedWhole / 1e6)} million pixels; ask for png`, {
        detail: { maxPixels: this.options.maxPixelsEncodedWhole },
      });
    }
    this.raster.resolveStyle(request.styleId); // an unknown style is a 404 before anything starts
    const pieces = this.piecesOf(request);
    if (this.running >= this.options.maxConcurrent) {
      throw new EngineError('PRINTS_BUSY', `${this.running} prints are running; at most ${this.options.maxConcurrent} at once`, { retryAfterS: 5 });
    }
    this.running++;
    try {
      if (streamed) {
        start('image/png');
        const png = new PngStream(out, request.widthPx, request.heightPx);
        await this.renderStrips(request, pieces, (strip) => png.writeRows(strip), work);
        return await png.end();
      }
      const whole = Buffer.alloc(request.widthPx * request.heightPx * 4);
      let offset = 0;
      await this.renderStrips(request, pieces, async (strip) => {
        whole.set(strip, offset);
        offset += strip.length;
      }, work);
      const image = sharp(whole, { raw: { width: request.widthPx, height: request.heightPx, channels: 4 } });
      if (request.format === 'tiff') {
        const rgba = await image.raw().toBuffer();
        const tiff = geoTiff(rgba, request.widthPx, request.heightPx, { epsg: request.grid.srid, geographic: request.grid.srid === 4326, terms: worldTerms(request) });
        start('image/tiff');
        out.end(tiff);
        return;
      }
      const encoded =
        request.format === 'jpg'
          ? await image.flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer()
          : request.format === 'webp'
            ? await image.webp({ quality: 90 }).toBuffer()
            : await image.png().toBuffer();
      start(request.format === 'jpg' ? 'image/jpeg' : request.format === 'webp' ? 'image/webp' : request.format === 'pdf' ? 'application/pdf' : 'image/png');
      out.end(request.format === 'pdf' ? pdfOf(encoded, request) : encoded);
    } finally {
      this.running--;
    }
  }

  /** The pieces a page is drawn in; a page whose pieces with their margins are too much work is refused. */
  private piecesOf(request: PrintRequest): PrintPiece[][] {
    const margin = Math.min(MAX_MARGIN_PX, Math.round(this.options.overlapPx * (request.dpi / CSS_DPI)));
    const rows = printPieces(request, pieceSideFor(this.options.pieceSizePx, margin), margin);
    const drawn = drawnPixels(rows);
    if (drawn > this.options.maxDrawnPixels) {
      throw new EngineError('PRINT_TOO_LARGE', `drawing this page takes ${Math.round(drawn / 1e6)} million pixels with the margins its pieces need at ${request.dpi} dpi; at most ${Math.round(this.options.maxDrawnPixels / 1e6)} million are drawn for one print (ask for fewer pixels or a lower dpi)`, {
        detail: { drawnPixels: drawn, maxDrawnPixels: this.options.maxDrawnPixels },
      });
    }
    return rows;
  }

  /** Renders a page piece by piece and hands it over strip by strip, top to bottom (straight RGBA rows). */
  private async renderStrips(request: PrintRequest, rows: readonly PrintPiece[][], onStrip: (strip: Buffer) => Promise<void>, work: Work): Promise<void> {
    const page = request;
    const pixelRatio = request.dpi / CSS_DPI;
    for (const row of rows) {
      const strip = Buffer.alloc(page.widthPx * row[0]!.page.height * 4);
      const pieces = await Promise.all(
        row.map((piece) =>
          this.raster.renderView({ styleId: request.styleId, gridId: request.grid.id, bbox: piece.bbox, widthPx: piece.widthPx, heightPx: piece.heightPx, pixelRatio, bearing: request.bearing, format: 'raw', crop: piece.crop, ...work }),
        ),
      );
      row.forEach((piece, i) => {
        const rgba = pieces[i]!.body;
        for (let y = 0; y < piece.page.height; y++) strip.set(rgba.subarray(y * piece.page.width * 4, (y + 1) * piece.page.width * 4), (y * page.widthPx + piece.page.left) * 4);
      });
      await onStrip(strip);
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
