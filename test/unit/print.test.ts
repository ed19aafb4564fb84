import { randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GRIDS } from '../../src/grids/grids.ts';
import { drawnPixels, pieceSideFor, printPieces } from '../../src/print/print-pieces.ts';
import { parsePrintRequest, worldFile } from '../../src/print/print-request.ts';
import { PngStream } from '../../src/print/png-stream.ts';

const LIMITS = { maxPixels: 150_000_000 };
const parse = (params: Record<string, string>) => parsePrintRequest(new URLSearchParams({ style: 'grundkarta', ...params }), GRIDS, LIMITS);

describe('print requests', () => {
  it('turn paper and DPI into pixels, and centre and scale into an extent', () => {
    const a4 = parse({ paper: 'A4', dpi: '300', center: '670000,6570000', scale: '10000' });
    expect([a4.widthPx, a4.heightPx]).toEqual([2480, 3508]);
    // 210 mm at 1:10 000 is 2,100 m of ground.
    expect(a4.bbox[2] - a4.bbox[0]).toBeCloseTo(2100, 0);
    expect(a4.grid.srid).toBe(3006);
    const landscape = parse({ paper: 'A0', orientation: 'landscape', dpi: '300', center: '670000,6570000', scale: '10000' });
    expect([landscape.widthPx, landscape.heightPx]).toEqual([14043, 9933]);
  });

  it('keep the page proportions when a bbox does not have them', () => {
    const r = parse({ width: '1000', height: '500', bbox: '0,0,1000,1000', crs: 'EPSG:3857' });
    expect(r.bbox).toEqual([-500, 0, 1500, 1000]);
  });

  it('refuse what they cannot print, naming the parameter', () => {
    expect(() => parse({ paper: 'A4' })).toThrow(/give bbox, or center and scale/);
    expect(() => parse({ paper: 'A4', width: '10', center: '0,0', scale: '1000' })).toThrow(/either paper or width and height/);
    expect(() => parse({ paper: 'A0', dpi: '1200', center: '0,0', scale: '1000' })).toThrow(expect.objectContaining({ code: 'PRINT_TOO_LARGE', status: 413 }));
    expect(() => parse({ width: '10', height: '10', bbox: '1,1,0,2' })).toThrow(/minimum must be below/);
    expect(() => parse({ width: '10', height: '10', center: '0,0', scale: '1000', dpi: '5' })).toThrow(/dpi must be a number from 24/);
  });

  it('have a world file with the pixel size and the centre of the top-left pixel', () => {
    expect(worldFile({ bbox: [100, 200, 300, 400], widthPx: 100, heightPx: 100 }).split('\n').slice(0, 6)).toEqual(['2', '0', '0', '-2', '101', '399']);
  });
});

describe('print pieces', () => {
  it('cover the page exactly once, each with its margin around it', () => {
    const page = { bbox: [0, 0, 1000, 700] as const, widthPx: 1000, heightPx: 700 };
    const rows = printPieces(page, 256, 10);
    const covered = new Uint8Array(1000 * 700);
    for (const row of rows) {
      for (const p of row) {
        for (let y = p.page.top; y < p.page.top + p.page.height; y++) for (let x = p.page.left; x < p.page.left + p.page.width; x++) covered[y * 1000 + x]!++;
        expect(p.widthPx).toBe(p.page.width + 20);
        // 1 m per pixel: the render extent is the piece grown by 10 m on every side.
        expect(p.bbox[0]).toBeCloseTo(p.page.left - 10, 9);
        expect(p.bbox[3]).toBeCloseTo(700 - p.page.top + 10, 9);
      }
    }
    expect(covered.every((c) => c === 1)).toBe(true);
  });
});

describe('the streamed PNG', () => {
  it('decodes to the rows written, strip by strip', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const png = new PngStream(out, 3, 4);
    const rows = Uint8Array.from({ length: 3 * 4 * 4 }, (_, i) => (i * 37) % 256);
    await png.writeRows(rows.subarray(0, 24));
    await png.writeRows(rows.subarray(24));
    await png.end();
    const { data, info } = await sharp(Buffer.concat(chunks)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([3, 4, 4]);
    expect([...data]).toEqual([...rows]);
    await expect(new PngStream(new PassThrough(), 3, 4).end()).rejects.toThrow(/0 of 4 rows/);
  });

  it('waits for a slow reader: never more than a little is handed to it beyond what it took', async () => {
    // A reader that takes 64 KB and then nothing until told: a client on a slow line.
    let taken = 0;
    let offered = 0;
    let mostAhead = 0;
    const held: (() => void)[] = [];
    let flowing = false;
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        taken += chunk.length;
        if (flowing || taken < 64 * 1024) done();
        else held.push(done);
      },
    });
    const write = out.write.bind(out);
    out.write = ((chunk: Buffer, ...rest: never[]) => {
      offered += chunk.length;
      mostAhead = Math.max(mostAhead, offered - taken);
      return write(chunk, ...rest);
    }) as typeof out.write;
    const width = 512;
    const png = new PngStream(out, width, 2048);
    const writing = png.writeRows(randomBytes(width * 4 * 1024)); // 2 MB that deflate cannot shrink
    // Without backpressure deflate hands the whole strip over within ~100 ms; watch for up to half a second.
    for (let i = 0; i < 50 && mostAhead < 1024 * 1024; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mostAhead).toBeLessThan(256 * 1024);
    flowing = true;
    for (const done of held.splice(0)) done();
    await writing;
    await png.writeRows(randomBytes(width * 4 * 1024));
    await png.end();
    expect(taken).toBeGreaterThan(4 * 1024 * 1024);
    expect(mostAhead).toBeLessThan(256 * 1024);
  });

  it('stops when the reader goes away, instead of waiting for it', async () => {
    const out = new Writable({ highWaterMark: 1024, write: () => {} }); // takes one chunk, never more
    const png = new PngStream(out, 256, 4096);
    const writing = png.writeRows(randomBytes(256 * 4 * 2048));
    out.destroy();
    await expect(writing).rejects.toThrow(/closed/);
  });
});

describe('print pieces at any DPI', () => {
  it('grow with the margin, so margins at most about double the pixels drawn', () => {
    expect(pieceSideFor(1536, 300)).toBe(1536); // 300 dpi: as configured
    expect(pieceSideFor(1536, 1200)).toBe(4800); // 1200 dpi: four margins
    expect(pieceSideFor(1536, 2048)).toBe(8192 - 4096); // never beyond one render's canvas
    const page = { bbox: [0, 0, 9921, 14031] as const, widthPx: 9921, heightPx: 14031 }; // A4 at 1200 dpi
    const alone = drawnPixels(printPieces(page, 1536, 1200));
    const grown = drawnPixels(printPieces(page, pieceSideFor(1536, 1200), 1200));
    expect(alone / (9921 * 14031)).toBeGreaterThan(6);
    expect(grown / (9921 * 14031)).toBeLessThan(2.7);
  });
});
