import { wgs84ToGridBbox } from '../grids/grid-projection.ts';
import { crsUri } from '../grids/tile-matrix-set-json.ts';
import { bboxToTileRange, type TileGrid } from '../grids/tile-grid.ts';
import type { TilesetInfo } from '../sources/tile-source.ts';
import { OGC_MAP_FORMATS as MAP_FORMATS } from '../core/tile-formats.ts';

/** OGC API – Tiles documents (OGC 20-057), pure: built from tileset metadata and grids. */

const REL = 'http://www.opengis.net/def/rel/ogc/1.0';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
export const MVT = 'application/vnd.mapbox-vector-tile';

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json',
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page',
  'http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/png',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/jpeg',
  'http://www.opengis.net/spec/tms/2.0/conf/tilematrixset',
  'http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset',
];

/** The landing page: where the collections, conformance and tiling schemes are. */
export function landingPage(api: string, title: string, description: string) {
  return {
    title,
    description,
    links: [
      { rel: 'self', type: 'application/json', href: api },
      { rel: 'conformance', type: 'application/json', href: `${api}/conformance` },
      { rel: 'data', type: 'application/json', href: `${api}/collections` },
      { rel: `${REL}/tiling-schemes`, type: 'application/json', href: `${api}/tileMatrixSets` },
    ],
  };
}

/** A collection: what it says of itself (id, title, attribution, extent) and its links, self first. */
function collectionDoc(api: string, info: TilesetInfo, links: (base: string) => { rel: string; type: string; href: string }[]) {
  const base = `${api}/collections/${encodeURIComponent(info.id)}`;
  return {
    id: info.id,
    title: info.name,
    ...(info.description === undefined ? {} : { description: info.description }),
    ...(info.attribution === undefined ? {} : { attribution: info.attribution }),
    extent: { spatial: { bbox: [info.bounds ?? [-180, -90, 180, 90]], crs: CRS84 } },
    links: [{ rel: 'self', type: 'application/json', href: base }, ...links(base)],
  };
}

/** One collection (a tileset) with its extent and a link to its vector tilesets. */
export function collection(api: string, info: TilesetInfo) {
  return collectionDoc(api, info, (base) => [
    { rel: `${REL}/tilesets-vector`, type: 'application/json', href: `${base}/tiles` },
    // The relation of the 2020 drafts, which GDAL 3.6's OGCAPI driver still looks for.
    { rel: 'tiles', type: 'application/json', href: `${base}/tiles` },
  ]);
}

/**
 * A map collection: a style (its id and name in `info`, the extent of the data it draws)
 * with a link to its map tilesets only. GDAL 3.6 fails to open a collection that links
 * both map and vector tilesets, so the maps are collections of their own, as WMS and
 * WMTS name them.
 */
export function mapCollection(api: string, info: TilesetInfo) {
  return collectionDoc(api, info, (base) => [{ rel: `${REL}/tilesets-map`, type: 'application/json', href: `${base}/map/tiles` }]);
}

/** Tile ranges per level of a grid that cover the data, as tileMatrixSetLimits. */
function limits(info: TilesetInfo, grid: TileGrid, [first, last]: readonly [number, number]) {
  const area = info.bounds ? wgs84ToGridBbox(grid, info.bounds) : undefined;
  const result = [];
  for (let z = first; z <= last; z++) {
    const level = grid.levels[z]!;
    const range = area ? bboxToTileRange(grid, area, z) : { minX: 0, minY: 0, maxX: level.matrixWidth - 1, maxY: level.matrixHeight - 1 };
    if (range) result.push({ tileMatrix: String(z), minTileRow: range.minY, maxTileRow: range.maxY, minTileCol: range.minX, maxTileCol: range.maxX });
  }
  return result;
}

/** The URI of a grid's tiling scheme: OGC's registered one, else its document here (GDAL picks a grid by it). */
function tileMatrixSetUri(api: string, grid: TileGrid): string {
  return grid.id === 'WebMercatorQuad' ? 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad' : `${api}/tileMatrixSets/${encodeURIComponent(grid.id)}`;
}

/** What a tileset list entry and a tileset document both say: title, data type, CRS, tiling scheme. */
function tilesetHeader(api: string, info: TilesetInfo, grid: TileGrid, dataType: 'vector' | 'map' = 'vector') {
  return {
    title: `${info.name} (${grid.title})`,
    dataType,
    crs: crsUri(grid.srid),
    tileMatrixSetURI: tileMatrixSetUri(api, grid),
    // Draft-era member that GDAL 3.6's OGCAPI driver reads to find the tiling scheme.
    tileMatrixSetDefinition: `${api}/tileMatrixSets/${encodeURIComponent(grid.id)}`,
  };
}

/** The vector tileset of a collection in one grid: tile URL template, limits and layers. */
export function tilesetMetadata(api: string, info: TilesetInfo, grid: TileGrid, levels: readonly [number, number]) {
  const base = `${api}/collections/${encodeURIComponent(info.id)}/tiles/${encodeURIComponent(grid.id)}`;
  return {
    ...tilesetHeader(api, info, grid),
    links: [
      { rel: 'self', type: 'application/json', href: base },
      { rel: `${REL}/tiling-scheme`, type: 'application/json', href: `${api}/tileMatrixSets/${encodeURIComponent(grid.id)}` },
      { rel: 'item', type: MVT, href: `${base}/{tileMatrix}/{tileRow}/{tileCol}`, templated: true },
    ],
    tileMatrixSetLimits: limits(info, grid, levels),
    layers: info.layers.map((l) => ({
      id: l.id,
      dataType: 'vector',
      propertiesSchema: {
        type: 'object',
        properties: Object.fromEntries(Object.entries(l.fields).map(([k, t]) => [k, { type: t === 'Number' ? 'number' : t === 'Boolean' ? 'boolean' : 'string' }])),
      },
    })),
    ...(info.bounds ? { boundingBox: { lowerLeft: [info.bounds[0], info.bounds[1]], upperRight: [info.bounds[2], info.bounds[3]], crs: CRS84 } } : {}),
  };
}

/** The list of a collection's tilesets, one per grid it is served in. */
export function tilesetList(api: string, info: TilesetInfo, grids: readonly TileGrid[]) {
  const base = `${api}/collections/${encodeURIComponent(info.id)}/tiles`;
  return {
    tilesets: grids.map((g) => ({
      ...tilesetHeader(api, info, g),
      links: [
        { rel: 'self', type: 'application/json', href: `${base}/${encodeURIComponent(g.id)}` },
        { rel: `${REL}/tileset`, type: 'application/json', href: `${base}/${encodeURIComponent(g.id)}` },
        { rel: `${REL}/tiling-scheme`, type: 'application/json', href: `${api}/tileMatrixSets/${encodeURIComponent(g.id)}` },
      ],
    })),
  };
}


/**
 * Every tile of every level, as tileMatrixSetLimits of a map tileset: GDAL 3.6 places a
 * level's tiles only when its limits are the whole matrix. (A map is drawn wherever it is
 * asked for; the data's extent is the collection's.)
 */
function wholeMatrices(grid: TileGrid, [first, last]: readonly [number, number]) {
  return grid.levels.slice(first, last + 1).map((level, i) => ({ tileMatrix: String(first + i), minTileRow: 0, maxTileRow: level.matrixHeight - 1, minTileCol: 0, maxTileCol: level.matrixWidth - 1 }));
}

/** The map tileset of a style in one grid: image tile URL templates (PNG first) and limits. */
export function mapTilesetMetadata(api: string, info: TilesetInfo, grid: TileGrid, levels: readonly [number, number]) {
  const base = `${api}/collections/${encodeURIComponent(info.id)}/map/tiles/${encodeURIComponent(grid.id)}`;
  const template = `${base}/{tileMatrix}/{tileRow}/{tileCol}`;
  return {
    ...tilesetHeader(api, info, grid, 'map'),
    links: [
      { rel: 'self', type: 'application/json', href: base },
      { rel: `${REL}/tiling-scheme`, type: 'application/json', href: `${api}/tileMatrixSets/${encodeURIComponent(grid.id)}` },
      ...Object.entries(MAP_FORMATS).map(([f, type], i) => ({ rel: 'item', type, href: i === 0 ? template : `${template}?f=${f}`, templated: true })),
    ],
    tileMatrixSetLimits: wholeMatrices(grid, levels),
    ...(info.bounds ? { boundingBox: { lowerLeft: [info.bounds[0], info.bounds[1]], upperRight: [info.bounds[2], info.bounds[3]], crs: CRS84 } } : {}),
  };
}

/** The list of a style's map tilesets, one per grid. */
export function mapTilesetList(api: string, info: TilesetInfo, grids: readonly TileGrid[]) {
  const base = `${api}/collections/${encodeURIComponent(info.id)}/map/tiles`;
  return {
    tilesets: grids.map((g) => ({
      ...tilesetHeader(api, info, g, 'map'),
      links: [
        { rel: 'self', type: 'application/json', href: `${base}/${encodeURIComponent(g.id)}` },
        { rel: `${REL}/tileset`, type: 'application/json', href: `${base}/${encodeURIComponent(g.id)}` },
        { rel: `${REL}/tiling-scheme`, type: 'application/json', href: `${api}/tileMatrixSets/${encodeURIComponent(g.id)}` },
      ],
    })),
  };
}
