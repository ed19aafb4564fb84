/**
 * GeoTIFF: an RGBA image with its georeference inside the file (GeoTIFF 1.1 tags: the
 * EPSG code of its CRS and the pixel-to-map transform), so QGIS, ArcGIS and GDAL place a
 * print or a WMS map without a world file beside it. Deflate-compressed strips, little
 * endian, one image. Pure: pixels and terms in, bytes out.
 */
import { deflateSync } from 'node:zlib';

/** World-file terms: x per column, y per column, x per row, y per row, centre of the top-left pixel. */
export type WorldTerms = readonly [a: number, d: number, b: number, e: number, c: number, f: number];

export interface GeoReference {
  /** EPSG code of the CRS the terms are in. */
  readonly epsg: number;
  /** Geographic (degrees, x = longitude) rather than projected. */
  readonly geographic: boolean;
  readonly terms: WorldTerms;
}

const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const DOUBLE = 12;
const TYPE_SIZE: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8 };

interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly values: readonly number[] | string;
}

/** Uncompressed bytes per strip: small enough to stream through zlib, large enough to compress well. */
const STRIP_BYTES = 256 * 1024;

export function geoTiff(rgba: Uint8Array, width: number, height: number, geo: GeoReference): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`expected ${width}×${height} RGBA pixels, got ${rgba.length} bytes`);
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor(STRIP_BYTES / (width * 4))));
  const strips: Buffer[] = [];
  for (let y = 0; y < height; y += rowsPerStrip) {
    strips.push(deflateSync(rgba.subarray(y * width * 4, Math.min(height, y + rowsPerStrip) * width * 4), { level: 6 }));
  }
  const stripOffsets: number[] = [];
  let offset = 8;
  for (const strip of strips) {
    stripOffsets.push(offset);
    offset += strip.length;
  }
  const ifdOffset = offset + (offset % 2); // word-aligned
  const entries = [
    { tag: 256, type: LONG, values: [width] },
    { tag: 257, type: LONG, values: [height] },
    { tag: 258, type: SHORT, values: [8, 8, 8, 8] },
    { tag: 259, type: SHORT, values: [8] }, // Adobe Deflate
    { tag: 262, type: SHORT, values: [2] }, // RGB
    { tag: 273, type: LONG, values: stripOffsets },
    { tag: 277, type: SHORT, values: [4] },
    { tag: 278, type: LONG, values: [rowsPerStrip] },
    { tag: 279, type: LONG, values: strips.map((s) => s.length) },
    { tag: 284, type: SHORT, values: [1] }, // chunky
    { tag: 305, type: ASCII, values: 'Sodertorn tile engine\0' },
    { tag: 338, type: SHORT, values: [2] }, // unassociated alpha
    ...geoEntries(geo),
  ].sort((x, y) => x.tag - y.tag);

  const ifdSize = 2 + entries.length * 12 + 4;
  let extraOffset = ifdOffset + ifdSize;
  const ifd = Buffer.alloc(ifdSize);
  const extras: Buffer[] = [];
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach((entry, i) => {
    const at = 2 + i * 12;
    const bytes = encodeValues(entry);
    ifd.writeUInt16LE(entry.tag, at);
    ifd.writeUInt16LE(entry.type, at + 2);
    ifd.writeUInt32LE(typeof entry.values === 'string' ? entry.values.length : entry.values.length, at + 4);
    if (bytes.length <= 4) {
      bytes.copy(ifd, at + 8);
    } else {
      ifd.writeUInt32LE(extraOffset, at + 8);
      const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
      extras.push(padded);
      extraOffset += padded.length;
    }
  });
  ifd.writeUInt32LE(0, ifdSize - 4); // no next IFD

  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(ifdOffset, 4);
  return Buffer.concat([header, ...strips, Buffer.alloc(ifdOffset - offset), ifd, ...extras]);
}

/** The GeoTIFF tags: scale and tie point for a north-up image, the full transform for a turned one. */
function geoEntries({ epsg, geographic, terms }: GeoReference): Entry[] {
  const [a, d, b, e, c, f] = terms;
  // Pixel-is-area: raster (0, 0) is the top-left corner, half a pixel off the world file's centre.
  const [x0, y0] = [c - a / 2 - b / 2, f - d / 2 - e / 2];
  const placement: Entry[] =
    b === 0 && d === 0
      ? [
          { tag: 33550, type: DOUBLE, values: [a, -e, 0] },
          { tag: 33922, type: DOUBLE, values: [0, 0, 0, x0, y0, 0] },
        ]
      : [{ tag: 34264, type: DOUBLE, values: [a, b, 0, x0, d, e, 0, y0, 0, 0, 0, 0, 0, 0, 0, 1] }];
  const keys = [
    [1024, geographic ? 2 : 1], // GTModelTypeGeoKey: projected or geographic
    [1025, 1], // GTRasterTypeGeoKey: pixel is area
    [geographic ? 2048 : 3072, epsg], // GeographicTypeGeoKey or ProjectedCSTypeGeoKey
  ];
  return [...placement, { tag: 34735, type: SHORT, values: [1, 1, 0, keys.length, ...keys.flatMap(([key, value]) => [key!, 0, 1, value!])] }];
}

function encodeValues(entry: Entry): Buffer {
  if (typeof entry.values === 'string') return Buffer.from(entry.values, 'latin1');
  const size = TYPE_SIZE[entry.type]!;
  const bytes = Buffer.alloc(entry.values.length * size);
  entry.values.forEach((v, i) => {
    if (entry.type === SHORT) bytes.writeUInt16LE(v, i * size);
    else if (entry.type === LONG) bytes.writeUInt32LE(v, i * size);
    else bytes.writeDoubleLE(v, i * size);
  });
  return bytes;
}
