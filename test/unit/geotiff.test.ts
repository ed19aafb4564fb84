import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { geoTiff } from '../../src/print/geotiff.ts';

const run = promisify(execFile);

/** gdalinfo -json of bytes written to a file: GDAL is the reference reader of GeoTIFF. */
async function gdalinfo(bytes: Buffer): Promise<Record<string, any>> {
  const file = join(mkdtempSync(join(tmpdir(), 'geotiff-')), 'map.tif');
  writeFileSync(file, bytes);
  return JSON.parse((await run('gdalinfo', ['-json', file])).stdout) as Record<string, any>;
}

/** A width × height RGBA image whose every pixel encodes its position. */
function gradient(width: number, height: number): Buffer {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.set([x % 256, y % 256, (x + y) % 256, 255 - (x % 2)], (y * width + x) * 4);
  return rgba;
}

describe('GeoTIFF', () => {
  it('holds the pixels, in strips, with their alpha', async () => {
    const [width, height] = [300, 700]; // several strips
    const rgba = gradient(width, height);
    const tiff = geoTiff(rgba, width, height, { epsg: 3006, geographic: false, terms: [2, 0, 0, -2, 670001, 6570001] });
    const { data, info } = await sharp(tiff).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([width, height, 4]);
    expect(data.equals(rgba)).toBe(true);
  });

  it('places a north-up image by scale and tie point, in its EPSG CRS, pixel is area', async () => {
    const tiff = geoTiff(gradient(4, 3), 4, 3, { epsg: 3006, geographic: false, terms: [2, 0, 0, -2, 670001, 6570001] });
    const info = await gdalinfo(tiff);
    expect(info.coordinateSystem.wkt).toContain('ID["EPSG",3006]');
    // The world file names the top-left pixel's centre; the corner is half a pixel up and left.
    expect(info.geoTransform).toEqual([670000, 2, 0, 6570002, 0, -2]);
    expect(info.metadata[''].AREA_OR_POINT).toBe('Area');
  });

  it('places a turned image by its full transform, and a geographic one in degrees', async () => {
    const turned = await gdalinfo(geoTiff(gradient(4, 3), 4, 3, { epsg: 3011, geographic: false, terms: [0, -2, -2, 0, 100, 200] }));
    expect(turned.coordinateSystem.wkt).toContain('ID["EPSG",3011]');
    expect(turned.geoTransform).toEqual([101, 0, -2, 201, -2, 0]);
    const degrees = await gdalinfo(geoTiff(gradient(4, 3), 4, 3, { epsg: 4326, geographic: true, terms: [0.5, 0, 0, -0.5, 17.25, 59.75] }));
    expect(degrees.coordinateSystem.wkt).toContain('ID["EPSG",4326]');
    expect(degrees.geoTransform).toEqual([17, 0.5, 0, 60, 0, -0.5]);
  });

  it('refuses pixels that do not match the size', () => {
    expect(() => geoTiff(Buffer.alloc(10), 2, 2, { epsg: 3006, geographic: false, terms: [1, 0, 0, -1, 0, 0] })).toThrow(/expected 2×2 RGBA/);
  });
});
