import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { pixelAgreement, wmsMap } from '../helpers/map-pixels.ts';

/**
 * QGIS 3.22 (Debian 12's python3-qgis), headless, set up as the README's "Use it from QGIS"
 * says: the XYZ vector tiles with the served style, the WMTS layer grundkarta in SWEREF 99 TM,
 * the WMS layer, and the identify tool. Each map QGIS draws is compared pixel by pixel with
 * the engine's own WMS GetMap of the same extent.
 */
const run = promisify(execFile);
proj4.defs('EPSG:3006', '+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs');

const SIZE: [number, number] = [768, 576];
/** Huddinge centrum: land-cover classes, roads, a railway, a municipal border, lakes and labels. */
const HUDDINGE = [17.982, 59.237] as const;
/** Share of pixels within a colour distance of 24 per channel; the style before #16 drew a few % alike. */
const MIN_AGREEMENT = 0.95;

interface MapAnswer {
  valid: boolean;
  styleLoaded?: boolean;
  warnings?: string;
  error?: string;
  png?: string;
  errors?: string[];
}
interface QgisAnswer {
  maps: Record<string, MapAnswer>;
  identify: { valid: boolean; ok: boolean; features: { attributes: Record<string, unknown>; geometryType: number | null; wkt: string | null; area: number }[] };
}

let running: RunningEngine;
let answer: QgisAnswer;
const extents: Record<string, [number, number, number, number]> = {};

function around([x, y]: number[], metresPerPixel: number): [number, number, number, number] {
  const [hw, hh] = [(SIZE[0] * metresPerPixel) / 2, (SIZE[1] * metresPerPixel) / 2];
  return [x! - hw, y! - hh, x! + hw, y! + hh];
}

beforeAll(async () => {
  running = await startEngine();
  const base = running.url;
  // 19.1 m/px: tile zoom 13 of Web Mercator; 16 m/px: level 8 of the 3006 grid (as a 1:60,000 QGIS view).
  extents.mercator = around(proj4('EPSG:4326', 'EPSG:3857', [...HUDDINGE]), 19.109);
  extents.sweref = around(proj4('EPSG:4326', 'EPSG:3006', [...HUDDINGE]), 16);
  const wmsUri = `contextualWMSLegend=0&crs=EPSG:3006&dpiMode=7&featureCount=10&format=image/png&layers=grundkarta&styles=&url=${base}/wms`;
  const job = {
    fonts: 'fonts',
    out: mkdtempSync(join(tmpdir(), 'qgis-')),
    maps: [
      { name: 'vectortiles', kind: 'vectortiles', uri: `type=xyz&url=${base}/tiles/sodertorn/{z}/{x}/{y}.mvt&zmin=0&zmax=18&styleUrl=${base}/styles/grundkarta/style.json`, crs: 'EPSG:3857', extent: extents.mercator, size: SIZE },
      {
        name: 'wmts',
        kind: 'wmts',
        uri: `contextualWMSLegend=0&crs=EPSG:3006&dpiMode=7&featureCount=10&format=image/png&layers=grundkarta&styles=default&tileMatrixSet=3006&url=${base}/wmts?SERVICE%3DWMTS%26REQUEST%3DGetCapabilities`,
        crs: 'EPSG:3006',
        extent: extents.sweref,
        size: SIZE,
      },
      { name: 'wms', kind: 'wms', uri: wmsUri, crs: 'EPSG:3006', extent: extents.sweref, size: SIZE },
    ],
    identify: { uri: wmsUri, crs: 'EPSG:3006', point: proj4('EPSG:4326', 'EPSG:3006', [...HUDDINGE]) },
  };
  const { stdout } = await run('/usr/bin/python3', ['test/helpers/qgis-client.py', JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' } });
  answer = JSON.parse(stdout.trim().split('\n').at(-1)!) as QgisAnswer;
}, 300_000);
afterAll(() => running?.close());

const engineMap = (crs: string, extent: number[]) => wmsMap(running.url, crs, extent, SIZE);

describe('QGIS 3.22 as its users set it up', () => {
  it('draws the vector tiles with the served style like the engine draws them: classes, borders and widths as the style says', async () => {
    const map = answer.maps.vectortiles!;
    expect(map).toMatchObject({ valid: true, styleLoaded: true, errors: [] });
    const agreement = await pixelAgreement(readFileSync(map.png!), await engineMap('EPSG:3857', extents.mercator!), 24);
    expect(agreement).toBeGreaterThanOrEqual(MIN_AGREEMENT);
  });

  it('draws the WMTS layer grundkarta in SWEREF 99 TM, and the WMS layer, as the engine draws that extent', async () => {
    const expected = await engineMap('EPSG:3006', extents.sweref!);
    for (const name of ['wmts', 'wms']) {
      const map = answer.maps[name]!;
      expect(map, name).toMatchObject({ valid: true, errors: [] });
      expect(await pixelAgreement(readFileSync(map.png!), expected, 24), name).toBeGreaterThanOrEqual(MIN_AGREEMENT);
    }
  });

  it('outlines what the identify tool hits: features with their geometry in the map CRS', () => {
    expect(answer.identify).toMatchObject({ valid: true, ok: true });
    const land = answer.identify.features.filter((f) => f.attributes.layer === 'mark');
    expect(land.length).toBeGreaterThan(0);
    for (const f of land) {
      expect(f.geometryType).toBe(2); // polygon
      expect(f.area).toBeGreaterThan(0);
      // SWEREF 99 TM metres around Huddinge, not degrees or tile units.
      const [x, y] = /\(\(?(\d+(?:\.\d+)?) (\d+(?:\.\d+)?)/.exec(f.wkt!)!.slice(1).map(Number);
      expect(x).toBeGreaterThan(600_000);
      expect(y).toBeGreaterThan(6_500_000);
    }
  });
});
