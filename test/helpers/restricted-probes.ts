/**
 * The probes of restricted data, one list per route of the engine (shared by the direct
 * test and the one through Varnish), and how an answer is read for what it gives away.
 */
import { gunzipSync } from 'node:zlib';
import { sha256Hex } from '../../src/access/access-policy.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { decodeTile } from './mvt.ts';

export const ALL_KEY = 'restricted-data-all-0123456789abcdef';
export const PROPERTY_KEY = 'restricted-data-property-0123456789';
/** Schemas of views over a restricted table: one per test file (files run at once), dropped by the global setup if left over. */
export const VIEW_SCHEMA_PREFIX = 'restricted_probe';

/** Tile over Huddinge, where the demo has property units and addresses, at z. */
function xyz(z: number): [number, number, number] {
  const [lon, lat] = [17.98, 59.235];
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return [z, Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)];
}
export const [Z, X, Y] = xyz(16);
const tile = (name: string, ext: string) => `/tiles/${name}/${Z}/${X}/${Y}.${ext}`;
const BBOX_3006 = '6568600,666200,6569400,667000'; // northing first (WMS 1.3.0, EPSG:3006), around the tile
const wms = (request: string, layer: string, extra = '') =>
  `/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=${request}&LAYERS=${layer}&LAYER=${layer}&STYLES=&CRS=EPSG:3006&BBOX=${BBOX_3006}&WIDTH=256&HEIGHT=256&FORMAT=image/png${extra}`;
const featureInfo = (layer: string) => wms('GetFeatureInfo', layer, `&QUERY_LAYERS=${layer}&I=128&J=128&INFO_FORMAT=application/json&FEATURE_COUNT=50`);
const wmtsKvp = (layer: string, style: string, format: string) =>
  `/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=${style}&FORMAT=${format}&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=${Z}&TILEROW=${Y}&TILECOL=${X}`;
const wmtsRest = (layer: string, style: string, ext: string) => `/wmts/1.0.0/${layer}/${style}/WebMercatorQuad/${Z}/${Y}/${X}.${ext}`;
const print = (style: string) => `/print?style=${style}&crs=EPSG:3006&bbox=666200,6568600,667000,6569400&width=200&height=200`;

/**
 * A probe of one route: `names` is the restricted id in its path, which must answer as an
 * unknown id does (the same path with it replaced); `keyed` whether a key granting
 * everything opens restricted data there (the positive control).
 */
export interface Probe {
  readonly path: string;
  readonly names?: string;
  readonly keyed?: 'restricted data';
}

/** Every route of the engine, by name, with the probes that try to get restricted data out of it. */
export const PROBES: Record<string, readonly Probe[]> = {
  tile: [
    { path: tile('fastighetsregister', 'mvt'), names: 'fastighetsregister', keyed: 'restricted data' },
    { path: tile('fastighet-kopia', 'pbf'), names: 'fastighet-kopia', keyed: 'restricted data' },
    { path: tile('fastighet', 'mvt'), names: 'fastighet', keyed: 'restricted data' },
    { path: tile('adress', 'mvt'), names: 'adress', keyed: 'restricted data' },
    { path: tile('fastighet_vy', 'mvt'), names: 'fastighet_vy', keyed: 'restricted data' },
    { path: tile('fastighetskarta', 'png'), names: 'fastighetskarta' },
    { path: tile('fastighetsregister', 'webp'), names: 'fastighetsregister' },
    { path: tile('sodertorn', 'mvt') },
    { path: tile('grundkarta', 'png') },
  ],
  'grid-tile': [
    { path: `/tiles/fastighetsregister/WebMercatorQuad/${Z}/${X}/${Y}.mvt`, names: 'fastighetsregister', keyed: 'restricted data' },
    { path: '/tiles/fastighetskarta/3006/10/1000/1000.png', names: 'fastighetskarta' },
    { path: `/tiles/sodertorn/WebMercatorQuad/${Z}/${X}/${Y}.mvt` },
  ],
  tilejson: [{ path: '/tiles/fastighetsregister.json', names: 'fastighetsregister' }, { path: '/tiles/fastighet_vy.json', names: 'fastighet_vy' }, { path: '/tiles/sodertorn.json' }],
  tilesets: [{ path: '/tiles' }],
  'ogcapi-landing': [{ path: '/ogcapi' }],
  'ogcapi-conformance': [{ path: '/ogcapi/conformance' }],
  'ogcapi-collections': [{ path: '/ogcapi/collections' }],
  'ogcapi-collection': [
    { path: '/ogcapi/collections/fastighetsregister', names: 'fastighetsregister' },
    { path: '/ogcapi/collections/adress', names: 'adress' },
    { path: '/ogcapi/collections/fastighetskarta', names: 'fastighetskarta' },
    { path: '/ogcapi/collections/sodertorn' },
    { path: '/ogcapi/collections/grundkarta' },
  ],
  'ogcapi-tilesets': [{ path: '/ogcapi/collections/fastighet/tiles', names: 'fastighet' }],
  'ogcapi-tileset': [{ path: '/ogcapi/collections/fastighetsregister/tiles/WebMercatorQuad', names: 'fastighetsregister' }],
  'ogcapi-tile': [{ path: `/ogcapi/collections/fastighetsregister/tiles/WebMercatorQuad/${Z}/${Y}/${X}`, names: 'fastighetsregister', keyed: 'restricted data' }],
  'ogcapi-map-tilesets': [{ path: '/ogcapi/collections/fastighetskarta/map/tiles', names: 'fastighetskarta' }, { path: '/ogcapi/collections/fastighetsregister/map/tiles', names: 'fastighetsregister' }, { path: '/ogcapi/collections/grundkarta/map/tiles' }],
  'ogcapi-map-tileset': [{ path: '/ogcapi/collections/fastighetskarta/map/tiles/3006', names: 'fastighetskarta' }],
  'ogcapi-map-tile': [{ path: '/ogcapi/collections/fastighetskarta/map/tiles/3006/10/1000/1000', names: 'fastighetskarta' }, { path: '/ogcapi/collections/fastighetskarta/map/tiles/3006/10/1000/1000?f=webp', names: 'fastighetskarta' }],
  'tile-matrix-sets': [{ path: '/tileMatrixSets' }],
  'tile-matrix-set': [{ path: '/tileMatrixSets/3006' }],
  'wmts-kvp': [
    { path: '/wmts?SERVICE=WMTS&REQUEST=GetCapabilities' },
    { path: wmtsKvp('fastighetsregister', 'default', 'application/vnd.mapbox-vector-tile'), names: 'fastighetsregister', keyed: 'restricted data' },
    { path: wmtsKvp('sodertorn', 'fastighetskarta', 'image/png'), names: 'fastighetskarta' },
    // The restricted style as a layer of its own answers as an unknown layer.
    { path: wmtsKvp('fastighetskarta', 'default', 'image/png'), names: 'fastighetskarta' },
  ],
  'wmts-capabilities': [{ path: '/wmts/1.0.0/WMTSCapabilities.xml' }],
  'wmts-rest-tile': [
    { path: wmtsRest('fastighet_vy', 'default', 'mvt'), names: 'fastighet_vy', keyed: 'restricted data' },
    { path: wmtsRest('sodertorn', 'fastighetskarta', 'png'), names: 'fastighetskarta' },
    { path: wmtsRest('fastighetsregister', 'default', 'png'), names: 'fastighetsregister' },
    { path: wmtsRest('fastighetskarta', 'default', 'png'), names: 'fastighetskarta' },
  ],
  wms: [
    { path: '/wms?SERVICE=WMS&REQUEST=GetCapabilities' },
    { path: wms('GetMap', 'fastighetskarta'), names: 'fastighetskarta' },
    { path: wms('GetLegendGraphic', 'fastighetskarta'), names: 'fastighetskarta' },
    { path: featureInfo('fastighetskarta'), names: 'fastighetskarta' },
    { path: featureInfo('grundkarta') },
    { path: wms('GetMap', 'grundkarta') },
  ],
  print: [{ path: print('fastighetskarta'), names: 'fastighetskarta' }, { path: print('fastighetsregister'), names: 'fastighetsregister' }, { path: print('grundkarta') }],
  styles: [{ path: '/styles' }],
  style: [{ path: '/styles/fastighetskarta/style.json', names: 'fastighetskarta' }, { path: '/styles/grundkarta/style.json' }],
  'style-tilejson': [{ path: '/styles/fastighetskarta.json', names: 'fastighetskarta' }, { path: '/styles/grundkarta.json' }],
  sprite: [{ path: '/styles/fastighetskarta/sprite.json', names: 'fastighetskarta' }],
  fonts: [{ path: '/fonts.json' }],
  glyphs: [{ path: '/fonts/Noto%20Sans%20Regular/0-255.pbf' }],
  'viewer-config': [{ path: '/viewer/config.json', keyed: 'restricted data' }],
  'viewer-page': [{ path: '/viewer' }],
  'viewer-file': [{ path: '/viewer/viewer.js' }],
  metrics: [{ path: '/metrics' }],
  ready: [{ path: '/ready' }],
  health: [{ path: '/health' }],
  index: [{ path: '/' }],
};

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
}

/** Everything an answer says, as text: MVT decoded to its layers and properties, gzip undone. */
export function readable(answer: Answer): string {
  const type = answer.headers.get('content-type') ?? '';
  let bytes = answer.bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (type.includes('mapbox-vector-tile') && answer.status === 200) return JSON.stringify(decodeTile(bytes));
  return Buffer.from(bytes).toString('latin1') + Buffer.from(bytes).toString('utf8');
}

/** What in a text gives restricted data away: a restricted id or layer name, or a restricted value. */
export function leaks(text: string, secrets: readonly string[]): string[] {
  const found = [/fastighet/i, /\badress\b/].filter((re) => re.test(text)).map(String);
  return [...found, ...secrets.filter((s) => text.includes(s))];
}


/** Every probe as [route, path, probe], for it.each. */
export const PROBE_CASES = Object.entries(PROBES).flatMap(([route, probes]) => probes.map((probe) => [route, probe.path, probe] as const));

/** The SQL that makes the view over a restricted table, in a schema discovery reads. */
export const createView = (schema: string) => `CREATE SCHEMA IF NOT EXISTS ${schema}; CREATE OR REPLACE VIEW ${schema}.fastighet_vy AS SELECT id, beteckning, geom FROM public.fastighet`;
export const dropView = (schema: string) => `DROP SCHEMA IF EXISTS ${schema} CASCADE`;

/** Values only the restricted tables hold: property designations and full street addresses. */
export const SECRET_VALUES_SQL = `SELECT value FROM (SELECT beteckning AS value FROM fastighet ORDER BY id LIMIT 300) f UNION ALL (SELECT gatuadress FROM adress WHERE gatuadress ~ '\\d' ORDER BY id LIMIT 300)`;

/**
 * The engine the probes run against: the shipped configuration, plus a second tileset over
 * a restricted table, discovery over public and the view's schema, the viewer's places read
 * from the restricted tileset, and keys for everything and for the property register.
 */
export function restrictedDataOverrides(viewSchema: string) {
  const shipped = loadConfig({});
  return {
    tilesets: [
      ...shipped.tilesets,
      // A second tileset over the same table: restricted on its own as well as by its data.
      { id: 'fastighet-kopia', access: 'restricted' as const, minzoom: 13, maxzoom: 18, layers: [{ id: 'fastighet', table: 'fastighet', srid: 3006, geometryColumn: 'geom', idColumn: 'id', attributes: ['beteckning'], minzoom: 13, maxzoom: 18 }] },
    ],
    tiles: { discover: { enabled: true, schemas: ['public', viewSchema] } },
    viewer: { ...shipped.viewer, places: { tileset: 'fastighetsregister', layer: 'fastighet', key: 'beteckning', label: 'beteckning' } },
    access: {
      keys: [
        { name: 'ops', sha256: sha256Hex(ALL_KEY), grants: ['*'] },
        { name: 'planning', sha256: sha256Hex(PROPERTY_KEY), grants: ['fastighetsregister'] },
      ],
    },
  };
}
