/**
 * A print: an extent of a grid's CRS (a bbox, or a centre and a map scale), a size (pixels,
 * or a paper size and DPI), a style and a format. The scale is honoured as on screen: at
 * 1:10 000 a 300-dpi page shows the map the screen shows at 1:10 000, with lines and
 * labels sized for paper (the pixel ratio is DPI / 96). Pure.
 */
import type { WorldTerms } from './geotiff.ts';
import { EngineError } from '../errors.ts';
import type { Bbox, TileGrid } from '../grids/tile-grid.ts';
import type { RasterFormat } from '../core/tile-formats.ts';

/** ISO 216 paper sizes, portrait, in millimetres. */
export const PAPER_MM = { A4: [210, 297], A3: [297, 420], A2: [420, 594], A1: [594, 841], A0: [841, 1189] } as const;
export type Paper = keyof typeof PAPER_MM;

/** The size of a CSS pixel: styles are written for 96 pixels per inch. */
export const CSS_DPI = 96;
const MM_PER_INCH = 25.4;
/** The encoders' own bounds on a side: WebP's format stops at 16383 px, libjpeg at 65500. */
const MAX_SIDE_PX: Partial<Record<string, number>> = { webp: 16_383, jpg: 65_500 };

export type PrintFormat = RasterFormat | 'pdf' | 'tiff' | 'wld';

export interface PrintRequest {
  readonly styleId: string;
  readonly grid: TileGrid;
  /** Easting first, in the grid's CRS. */
  readonly bbox: Bbox;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly dpi: number;
  /** Degrees clockwise from north of the direction that is up on the page (0: north up). */
  readonly bearing: number;
  readonly format: PrintFormat;
}

export interface PrintLimits {
  /** Most device pixels of one print (an A0 at 300 dpi is ~139 million). */
  readonly maxPixels: number;
}

function bad(message: string, detail: Record<string, unknown> = {}): EngineError {
  return new EngineError('INVALID_PRINT_REQUEST', message, { detail });
}

function numbers(raw: string, count: number, name: string): number[] {
  const values = raw.split(',').map(Number);
  if (values.length !== count || values.some((v) => !Number.isFinite(v))) throw bad(`${name} must be ${count} numbers separated by commas, got "${raw.slice(0, 64)}"`);
  return values;
}

function positive(raw: string | null, name: string, min: number, max: number): number | undefined {
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw bad(`${name} must be a number from ${min} to ${max}, got "${raw.slice(0, 32)}"`, { parameter: name, min, max });
  return value;
}

/**
 * Parses `/print` parameters: style, crs (EPSG code of a grid, default 3006), bbox
 * (minx,miny,maxx,maxy, easting first) or center (x,y) with scale (the denominator),
 * width/height in pixels or paper (A4–A0) with orientation, dpi (default 96; 300 for print),
 * format (png, jpg, webp, or wld for the world file).
 */
export function parsePrintRequest(query: URLSearchParams, grids: readonly TileGrid[], limits: PrintLimits): PrintRequest {
  const styleId = query.get('style');
  if (!styleId) throw bad('style is required');
  const crs = (query.get('crs') ?? 'EPSG:3006').toUpperCase();
  const grid = grids.find((g) => `EPSG:${g.srid}` === crs || String(g.srid) === crs);
  if (!grid) throw bad(`crs ${crs.slice(0, 32)} is not served; use ${grids.map((g) => `EPSG:${g.srid}`).join(', ')}`);
  const format = (query.get('format') ?? 'png') as PrintFormat;
  if (!['png', 'jpg', 'webp', 'pdf', 'tiff', 'wld'].includes(format)) throw bad(`format ${format.slice(0, 16)} is not served; use png, jpg, webp, pdf, tiff (GeoTIFF) or wld`);
  const dpi = positive(query.get('dpi'), 'dpi', 24, 1200) ?? CSS_DPI;

  const paperName = query.get('paper');
  let paperPx: [number, number] | undefined;
  if (paperName !== null) {
    const paper = PAPER_MM[paperName.toUpperCase() as Paper];
    if (!paper) throw bad(`paper ${paperName.slice(0, 8)} is not known; use ${Object.keys(PAPER_MM).join(', ')}`);
    const orientation = query.get('orientation') ?? 'portrait';
    if (orientation !== 'portrait' && orientation !== 'landscape') throw bad('orientation must be portrait or landscape');
    const [w, h] = orientation === 'landscape' ? [paper[1], paper[0]] : [paper[0], paper[1]];
    paperPx = [Math.round((w / MM_PER_INCH) * dpi), Math.round((h / MM_PER_INCH) * dpi)];
  }
  const width = positive(query.get('width'), 'width', 1, 100_000);
  const height = positive(query.get('height'), 'height', 1, 100_000);
  if (paperPx && (width !== undefined || height !== undefined)) throw bad('give either paper or width and height, not both');
  const [widthPx, heightPx] = paperPx ?? [Math.round(width ?? NaN), Math.round(height ?? NaN)];
  if (!paperPx && (width === undefined || height === undefined)) throw bad('give paper (A4–A0) or width and height in pixels');
  const side = MAX_SIDE_PX[format];
  if (side !== undefined && Math.max(widthPx!, heightPx!) > side) {
    throw new EngineError('PRINT_TOO_LARGE', `a ${format} image is at most ${side} px a side; ${widthPx}×${heightPx} px asked (ask for png)`, { detail: { maxSidePx: side } });
  }
  if (widthPx! * heightPx! > limits.maxPixels) {
    throw new EngineError('PRINT_TOO_LARGE', `${widthPx}×${heightPx} px is ${Math.round((widthPx! * heightPx!) / 1e6)} million pixels; at most ${Math.round(limits.maxPixels / 1e6)} million are printed`, {
      detail: { maxPixels: limits.maxPixels },
    });
  }

  const bboxRaw = query.get('bbox');
  const centerRaw = query.get('center');
  let bbox: Bbox;
  if (bboxRaw !== null) {
    if (centerRaw !== null) throw bad('give either bbox or center and scale, not both');
    const [x0, y0, x1, y1] = numbers(bboxRaw, 4, 'bbox') as [number, number, number, number];
    if (!(x0 < x1 && y0 < y1)) throw bad('bbox minimum must be below its maximum on both axes');
    // The page keeps its proportions: the extent grows on one axis to match them.
    const cell = Math.max((x1 - x0) / widthPx!, (y1 - y0) / heightPx!);
    const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
    bbox = [cx - (cell * widthPx!) / 2, cy - (cell * heightPx!) / 2, cx + (cell * widthPx!) / 2, cy + (cell * heightPx!) / 2];
  } else {
    if (centerRaw === null) throw bad('give bbox, or center and scale');
    const [cx, cy] = numbers(centerRaw, 2, 'center') as [number, number];
    const scale = positive(query.get('scale'), 'scale', 100, 50_000_000);
    if (scale === undefined) throw bad('scale (the denominator, e.g. 10000 for 1:10 000) is required with center');
    // One device pixel is 1/dpi inches of paper: scale times that on the ground.
    const cell = (scale * MM_PER_INCH) / 1000 / dpi;
    bbox = [cx - (cell * widthPx!) / 2, cy - (cell * heightPx!) / 2, cx + (cell * widthPx!) / 2, cy + (cell * heightPx!) / 2];
  }
  // Coordinates near the float limits overflow the page's extent to Infinity, or shrink its
  // pixel to nothing (5e-324 wide): neither can be drawn nor described by a world file.
  const pixelSize = (bbox[2] - bbox[0]) / widthPx!;
  if (!bbox.every(Number.isFinite) || !(bbox[0] < bbox[2] && bbox[1] < bbox[3]) || !(pixelSize > 0 && Number.isFinite(pixelSize))) {
    throw bad(`the page's extent is not a finite area (${bboxRaw !== null ? 'bbox' : 'center and scale'} give ${bbox.map((v) => String(v).slice(0, 24)).join(',')}); give coordinates of the grid's CRS`, {
      parameter: bboxRaw !== null ? 'bbox' : 'center',
    });
  }
  const bearing = positive(query.get('bearing'), 'bearing', -360, 360) ?? 0;
  return { styleId, grid, bbox, widthPx: widthPx!, heightPx: heightPx!, dpi, bearing: ((bearing % 360) + 360) % 360, format };
}

/**
 * A world file (ESRI's six lines: x per column, y per column, x per row, y per row, and the
 * centre of the top-left pixel), rotation terms included for a page with a bearing.
 */
export function worldFile(request: Pick<PrintRequest, 'bbox' | 'widthPx' | 'heightPx'> & { bearing?: number }): string {
  return worldTerms(request).map((v) => (Math.abs(v) < 1e-12 ? '0' : v.toFixed(10).replace(/\.?0+$/, ''))).join('\n') + '\n';
}

/** The world file's six terms as numbers (exact zeros where the page is north up). */
export function worldTerms(request: Pick<PrintRequest, 'bbox' | 'widthPx' | 'heightPx'> & { bearing?: number }): WorldTerms {
  const [x0, y0, x1, y1] = request.bbox;
  const cell = (x1 - x0) / request.widthPx;
  const a = ((request.bearing ?? 0) * Math.PI) / 180;
  // Up on the page is the ground direction `bearing`; a column step is that turned 90° clockwise.
  const col: [number, number] = [cell * Math.cos(a), -cell * Math.sin(a)];
  const row: [number, number] = [-cell * Math.sin(a), -cell * Math.cos(a)];
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const [ox, oy] = [0.5 - request.widthPx / 2, 0.5 - request.heightPx / 2];
  const terms = [col[0], col[1], row[0], row[1], cx + ox * col[0] + oy * row[0], cy + ox * col[1] + oy * row[1]] as const;
  return terms.map((v) => (Math.abs(v) < 1e-12 ? 0 : v)) as unknown as WorldTerms;
}
