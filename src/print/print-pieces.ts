/**
 * A page cut into pieces a render can draw: pieceSize device pixels square (the last ones
 * smaller), each drawn with an overlap margin around it and cropped back, so lines and
 * labels that cross a piece edge are drawn whole on both sides. Pure.
 */
import type { Bbox } from '../grids/tile-grid.ts';
import type { PixelRect } from '../grids/metatile.ts';
import { viewPointAt } from '../render/renderer.ts';

/** Device pixels per side of one render: the render threads' canvas bound (skia-renderer.ts). */
export const MAX_RENDER_SIDE_PX = 8192;
/** The margin around a piece is at most this: enough for labels at 1200 dpi (96 CSS px there is 1200 device px). */
export const MAX_MARGIN_PX = 2048;

/**
 * The side of the pieces a page is cut into, for a margin: at least `pieceSizePx`, and at
 * least four margins, so the margins drawn and cut off at most about double the work at
 * any DPI (a 1536-px piece with 1200-px margins, as at 1200 dpi, would draw 6.5 times its
 * area); at most what one render may draw with its margins.
 */
export function pieceSideFor(pieceSizePx: number, marginPx: number): number {
  return Math.max(256, Math.min(Math.max(pieceSizePx, 4 * marginPx), MAX_RENDER_SIDE_PX - 2 * marginPx));
}

/** Device pixels rendered for the pieces, margins included: the print's work. */
export function drawnPixels(rows: readonly (readonly PrintPiece[])[]): number {
  return rows.reduce((sum, row) => sum + row.reduce((s, piece) => s + piece.widthPx * piece.heightPx, 0), 0);
}

export interface PrintPiece {
  /** Where the piece goes on the page, device pixels. */
  readonly page: PixelRect;
  /** What to render: the piece's extent grown by the margin, and its size in device pixels. */
  readonly bbox: Bbox;
  readonly widthPx: number;
  readonly heightPx: number;
  /** The piece inside the render (the margin cut off). */
  readonly crop: PixelRect;
}

/**
 * The pieces of a page, row by row (each row of pieces makes one strip of the image). A
 * page with a bearing is its bbox turned about its centre; each piece is then a view of
 * its own with the same bearing, centred where it lies on the turned page.
 */
export function printPieces(page: { bbox: Bbox; widthPx: number; heightPx: number; bearing?: number }, pieceSizePx: number, marginPx: number): PrintPiece[][] {
  const cell = (page.bbox[2] - page.bbox[0]) / page.widthPx;
  const rows: PrintPiece[][] = [];
  for (let top = 0; top < page.heightPx; top += pieceSizePx) {
    const row: PrintPiece[] = [];
    const height = Math.min(pieceSizePx, page.heightPx - top);
    for (let left = 0; left < page.widthPx; left += pieceSizePx) {
      const width = Math.min(pieceSizePx, page.widthPx - left);
      const x0 = page.bbox[0] + (left - marginPx) * cell;
      const y1 = page.bbox[3] - (top - marginPx) * cell;
      const bbox: Bbox = page.bearing
        ? aroundCentre(viewPointAt(page, left + width / 2, top + height / 2), ((width + 2 * marginPx) * cell) / 2, ((height + 2 * marginPx) * cell) / 2)
        : [x0, y1 - (height + 2 * marginPx) * cell, x0 + (width + 2 * marginPx) * cell, y1];
      row.push({
        page: { left, top, width, height },
        bbox,
        widthPx: width + 2 * marginPx,
        heightPx: height + 2 * marginPx,
        crop: { left: marginPx, top: marginPx, width, height },
      });
    }
    rows.push(row);
  }
  return rows;
}

function aroundCentre([cx, cy]: readonly [number, number], halfWidth: number, halfHeight: number): Bbox {
  return [cx - halfWidth, cy - halfHeight, cx + halfWidth, cy + halfHeight];
}
