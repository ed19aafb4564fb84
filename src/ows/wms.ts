/**
 * WMS 1.3.0 for desktop GIS and print services: parsing GetCapabilities / GetMap KVP
 * (parameter names case-insensitive, BBOX in the CRS's own axis order: northing first for
 * EPSG:3006 and 3011), the capabilities document, and the exception report. Pure.
 */
import type { EngineConfig } from '../config/schema.ts';
import type { Bbox, TileGrid } from '../grids/tile-grid.ts';
import { RASTER_FORMATS, type RasterFormat } from '../core/tile-formats.ts';
import { element, escapeXml, textElement } from './xml.ts';

/** Most pixels per side of one GetMap (larger prints come with the print service). */
export const WMS_MAX_SIZE = 4096;
/** DPI a WMS map is drawn at unless the client says otherwise (CSS pixels, as the styles are written). */
const DEFAULT_DPI = 96;

export type WmsExceptionCode = 'InvalidFormat' | 'InvalidCRS' | 'LayerNotDefined' | 'LayerNotQueryable' | 'InvalidPoint' | 'StyleNotDefined' | 'MissingParameterValue' | 'InvalidParameterValue' | 'OperationNotSupported' | 'NoApplicableCode';

export class WmsException extends Error {
  readonly code: WmsExceptionCode;
  readonly status: number;
  /** Seconds to wait before retrying (503 answers). */
  readonly retryAfterS: number | undefined;
  constructor(code: WmsExceptionCode, message: string, status = 400, retryAfterS?: number) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfterS = retryAfterS;
  }
}

/** GetFeatureInfo answers: GeoJSON, plain text, an HTML table. */
export const INFO_FORMATS = ['application/json', 'text/plain', 'text/html'] as const;
export type InfoFormat = (typeof INFO_FORMATS)[number];

/** The features under a pixel of a map: the map's own parameters plus where and how to answer. */
export type WmsFeatureInfo = Omit<WmsGetMap, 'request' | 'format'> & {
  readonly request: 'GetFeatureInfo';
  /** Column and row of the pixel, from the top left. */
  readonly i: number;
  readonly j: number;
  readonly infoFormat: InfoFormat;
  readonly featureCount: number;
};

/** Most features one GetFeatureInfo lists. */
export const WMS_MAX_FEATURE_COUNT = 50;

export type WmsRequest = { readonly request: 'GetCapabilities' } | { readonly request: 'GetLegendGraphic'; readonly layer: string } | WmsGetMap | WmsFeatureInfo;

export type WmsGetMap = {
      readonly request: 'GetMap';
      readonly layer: string;
      readonly grid: TileGrid;
      /** Easting first, in the grid's CRS. */
      readonly bbox: Bbox;
      readonly width: number;
      readonly height: number;
      readonly format: WmsMapFormat;
      readonly pixelRatio: number;
      /** MapLibre's bearing in degrees, from the ANGLE vendor parameter (0 when absent). */
      readonly bearing: number;
    };

/** What GetMap draws: a raster tile format, or a GeoTIFF (the map with its georeference inside). */
export type WmsMapFormat = RasterFormat | 'tiff';

const FORMATS: Record<string, WmsMapFormat> = {
  ...Object.fromEntries(Object.entries(RASTER_FORMATS).map(([ext, mime]) => [mime, ext as RasterFormat])),
  'image/tiff': 'tiff',
  'image/geotiff': 'tiff',
};

/** A CRS a client may name: a grid and the axis order of its BBOX. */
export interface WmsCrs {
  readonly name: string;
  readonly grid: TileGrid;
  readonly order: 'EN' | 'NE';
}

/** The CRSs of the grids: EPSG:n in the EPSG axis order, and CRS:84 (longitude first) for the WGS 84 grid. */
export function wmsCrsList(grids: readonly TileGrid[]): WmsCrs[] {
  return grids.flatMap((grid) => [
    { name: `EPSG:${grid.srid}`, grid, order: grid.axisOrder },
    ...(grid.srid === 4326 ? [{ name: 'CRS:84', grid, order: 'EN' as const }] : []),
  ]);
}

function param(query: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of query) if (k.toUpperCase() === name) return v;
  return undefined;
}

function required(query: URLSearchParams, name: string): string {
  const value = param(query, name);
  if (value === undefined || value === '') throw new WmsException('MissingParameterValue', `${name} is required`);
  return value;
}

function size(query: URLSearchParams, name: string): number {
  const raw = required(query, name);
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) throw new WmsException('InvalidParameterValue', `${name} must be a positive integer, got "${raw.slice(0, 16)}"`);
  const value = Number(raw);
  if (value > WMS_MAX_SIZE) throw new WmsException('InvalidParameterValue', `${name} ${value} exceeds the maximum of ${WMS_MAX_SIZE} pixels`, 413);
  return value;
}

/**
 * The map's bearing from ANGLE, the vendor parameter GeoServer and MapServer read: degrees
 * the map turns clockwise about the BBOX centre, which is MapLibre's bearing negated.
 */
function bearingOf(query: URLSearchParams): number {
  const raw = param(query, 'ANGLE');
  if (raw === undefined || raw.trim() === '') return 0;
  const angle = Number(raw);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(raw.trim()) || !Number.isFinite(angle) || Math.abs(angle) > 360) {
    throw new WmsException('InvalidParameterValue', `ANGLE must be degrees from -360 to 360, got "${raw.slice(0, 16)}"`);
  }
  // + 0 turns −0 into 0.
  return ((-angle % 360) + 360) % 360 + 0;
}

/** DPI from the vendor parameters QGIS, GeoServer and MapServer clients send. */
function dpiOf(query: URLSearchParams): number {
  const options = param(query, 'FORMAT_OPTIONS');
  const raw = param(query, 'DPI') ?? param(query, 'MAP_RESOLUTION') ?? (options ? /dpi:(\d+)/i.exec(options)?.[1] : undefined);
  if (raw === undefined) return DEFAULT_DPI;
  const dpi = Number(raw);
  if (!Number.isFinite(dpi) || dpi < 24 || dpi > 1200) throw new WmsException('InvalidParameterValue', `DPI must be between 24 and 1200, got "${raw.slice(0, 16)}"`);
  return dpi;
}

/** Parses a WMS request; `grids` are the CRSs served, `layers` the style ids. */
export function parseWmsKvp(query: URLSearchParams, grids: readonly TileGrid[], layers: readonly string[]): WmsRequest {
  const service = param(query, 'SERVICE');
  const request = required(query, 'REQUEST');
  if (request === 'GetCapabilities') {
    if (service !== undefined && service.toUpperCase() !== 'WMS') throw new WmsException('InvalidParameterValue', `SERVICE must be WMS, got "${service.slice(0, 16)}"`);
    return { request: 'GetCapabilities' };
  }
  if (request === 'GetLegendGraphic') {
    const layer = required(query, 'LAYER');
    if (!layers.includes(layer)) throw new WmsException('LayerNotDefined', `layer "${layer.slice(0, 64)}" does not exist; layers: ${layers.join(', ')}`, 404);
    const format = param(query, 'FORMAT') ?? 'image/png';
    if (format !== 'image/png') throw new WmsException('InvalidFormat', `legends are image/png, not ${format.slice(0, 32)}`);
    return { request: 'GetLegendGraphic', layer };
  }
  if (request === 'GetFeatureInfo') return parseFeatureInfo(query, grids, layers);
  if (request !== 'GetMap') throw new WmsException('OperationNotSupported', `REQUEST ${request.slice(0, 32)} is not supported; use GetCapabilities, GetMap, GetFeatureInfo or GetLegendGraphic`, 501);
  return parseGetMap(query, grids, layers, true);
}

/** GetFeatureInfo: the map request part (FORMAT optional), QUERY_LAYERS, I, J, INFO_FORMAT, FEATURE_COUNT. */
function parseFeatureInfo(query: URLSearchParams, grids: readonly TileGrid[], layers: readonly string[]): WmsFeatureInfo {
  const { request: _map, format: _format, ...map } = parseGetMap(query, grids, layers, false);
  const queryLayers = required(query, 'QUERY_LAYERS').split(',');
  if (queryLayers.length !== 1 || queryLayers[0] !== map.layer) throw new WmsException('LayerNotQueryable', `QUERY_LAYERS must be the layer of LAYERS (${map.layer.slice(0, 64)})`);
  const pixel = (name: string, max: number): number => {
    const raw = required(query, name);
    if (!/^\d{1,6}$/.test(raw) || Number(raw) >= max) throw new WmsException('InvalidPoint', `${name} must be a pixel of the map: an integer from 0 to ${max - 1}, got "${raw.slice(0, 16)}"`);
    return Number(raw);
  };
  const i = pixel('I', map.width);
  const j = pixel('J', map.height);
  const infoFormatName = required(query, 'INFO_FORMAT');
  const infoFormat = INFO_FORMATS.find((f) => f === infoFormatName.split(';')[0]!.trim().toLowerCase());
  if (!infoFormat) throw new WmsException('InvalidFormat', `INFO_FORMAT ${infoFormatName.slice(0, 32)} is not served; use ${INFO_FORMATS.join(', ')}`);
  const countRaw = param(query, 'FEATURE_COUNT') ?? '1';
  if (!/^\d{1,3}$/.test(countRaw) || Number(countRaw) < 1 || Number(countRaw) > WMS_MAX_FEATURE_COUNT) {
    throw new WmsException('InvalidParameterValue', `FEATURE_COUNT must be an integer from 1 to ${WMS_MAX_FEATURE_COUNT}, got "${countRaw.slice(0, 16)}"`);
  }
  return { request: 'GetFeatureInfo', ...map, i, j, infoFormat, featureCount: Number(countRaw) };
}

/** The map part of GetMap and GetFeatureInfo; FORMAT is required by GetMap only. */
function parseGetMap(query: URLSearchParams, grids: readonly TileGrid[], layers: readonly string[], formatRequired: boolean): WmsGetMap {
  const version = param(query, 'VERSION');
  if (version !== undefined && version !== '1.3.0') throw new WmsException('InvalidParameterValue', `VERSION ${version.slice(0, 16)} is not served; use 1.3.0`);

  const layerNames = required(query, 'LAYERS').split(',');
  if (layerNames.length !== 1) throw new WmsException('InvalidParameterValue', 'LAYERS must name one layer (a style): the styles are complete maps');
  const layer = layerNames[0]!;
  if (!layers.includes(layer)) throw new WmsException('LayerNotDefined', `layer "${layer.slice(0, 64)}" does not exist; layers: ${layers.join(', ')}`, 404);
  const style = param(query, 'STYLES') ?? '';
  if (style !== '' && style !== 'default') throw new WmsException('StyleNotDefined', `STYLES must be empty or "default", got "${style.slice(0, 64)}"`);

  const crsName = required(query, 'CRS');
  const known = wmsCrsList(grids);
  const crs = known.find((c) => c.name === crsName.toUpperCase());
  if (!crs) throw new WmsException('InvalidCRS', `CRS ${crsName.slice(0, 32)} is not served; use ${known.map((c) => c.name).join(', ')}`);
  const grid = crs.grid;

  const numbers = required(query, 'BBOX').split(',').map(Number);
  if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) throw new WmsException('InvalidParameterValue', 'BBOX must be four numbers: minx,miny,maxx,maxy in the axis order of the CRS');
  const [a, b, c, d] = numbers as [number, number, number, number];
  // WMS 1.3.0 gives the BBOX in the CRS's axis order: northing first for SWEREF 99.
  const bbox: Bbox = crs.order === 'NE' ? [b, a, d, c] : [a, b, c, d];
  if (!(bbox[0] < bbox[2] && bbox[1] < bbox[3])) throw new WmsException('InvalidParameterValue', 'BBOX minimum must be below its maximum on both axes');
  // -1e308,…,1e308 are numbers, but the extent between them overflows to Infinity.
  if (!Number.isFinite(bbox[2] - bbox[0]) || !Number.isFinite(bbox[3] - bbox[1])) throw new WmsException('InvalidParameterValue', 'BBOX must span a finite extent');

  const width = size(query, 'WIDTH');
  const height = size(query, 'HEIGHT');
  const formatName = formatRequired ? required(query, 'FORMAT') : (param(query, 'FORMAT') || 'image/png');
  const mediaType = formatName.split(';')[0]!.trim();
  // Own keys only: FORMAT=constructor must not find Object.prototype.constructor.
  const format = Object.hasOwn(FORMATS, mediaType) ? FORMATS[mediaType] : undefined;
  if (!format) throw new WmsException('InvalidFormat', `FORMAT ${formatName.slice(0, 32)} is not served; use ${Object.keys(FORMATS).join(', ')}`);
  return { request: 'GetMap', layer, grid, bbox, width, height, format, pixelRatio: dpiOf(query) / DEFAULT_DPI, bearing: bearingOf(query) };
}

/** A layer of the capabilities: a style, drawn over its extent. */
export interface WmsLayer {
  readonly name: string;
  readonly title: string;
  readonly abstract?: string | undefined;
  /** WGS84 [west, south, east, north]. */
  readonly wgs84: Bbox;
  /** Extent per grid, in the grid's CRS, easting first. */
  readonly extents: ReadonlyMap<TileGrid, Bbox>;
}

function onlineResource(href: string): string {
  return element('OnlineResource', { 'xlink:type': 'simple', 'xlink:href': href });
}

function boundingBox(crs: WmsCrs, [minE, minN, maxE, maxN]: Bbox): string {
  const [minx, miny, maxx, maxy] = crs.order === 'NE' ? [minN, minE, maxN, maxE] : [minE, minN, maxE, maxN];
  return element('BoundingBox', { CRS: crs.name, minx, miny, maxx, maxy });
}

export function wmsCapabilitiesXml(service: EngineConfig['service'], layers: readonly WmsLayer[], grids: readonly TileGrid[], baseUrl: string): string {
  const url = `${baseUrl}/wms?`;
  const http = element('DCPType', {}, element('HTTP', {}, element('Get', {}, onlineResource(url))));
  const all = layers.reduce<Bbox | undefined>((u, l) => (u ? [Math.min(u[0], l.wgs84[0]), Math.min(u[1], l.wgs84[1]), Math.max(u[2], l.wgs84[2]), Math.max(u[3], l.wgs84[3])] : l.wgs84), undefined) ?? [-180, -90, 180, 90];
  const geographic = (b: Bbox) =>
    element('EX_GeographicBoundingBox', {}, textElement('westBoundLongitude', b[0]), textElement('eastBoundLongitude', b[2]), textElement('southBoundLatitude', b[1]), textElement('northBoundLatitude', b[3]));
  const body = element(
    'WMS_Capabilities',
    {
      version: '1.3.0',
      xmlns: 'http://www.opengis.net/wms',
      'xmlns:xlink': 'http://www.w3.org/1999/xlink',
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xsi:schemaLocation': 'http://www.opengis.net/wms http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd',
    },
    element(
      'Service',
      {},
      textElement('Name', 'WMS'),
      textElement('Title', service.title),
      textElement('Abstract', service.abstract),
      element('KeywordList', {}, ...service.keywords.map((k) => textElement('Keyword', k))),
      onlineResource(service.providerSite ?? `${baseUrl}/`),
      textElement('MaxWidth', WMS_MAX_SIZE),
      textElement('MaxHeight', WMS_MAX_SIZE),
    ),
    element(
      'Capability',
      {},
      element(
        'Request',
        {},
        element('GetCapabilities', {}, textElement('Format', 'text/xml'), http),
        element('GetMap', {}, ...Object.keys(FORMATS).map((f) => textElement('Format', f)), http),
        element('GetFeatureInfo', {}, ...INFO_FORMATS.map((f) => textElement('Format', f)), http),
      ),
      element('Exception', {}, textElement('Format', 'XML')),
      element(
        'Layer',
        {},
        textElement('Title', service.title),
        ...wmsCrsList(grids).map((c) => textElement('CRS', c.name)),
        geographic(all),
        ...layers.map((l) =>
          element(
            'Layer',
            { queryable: '1', opaque: '1' },
            textElement('Name', l.name),
            textElement('Title', l.title),
            l.abstract ? textElement('Abstract', l.abstract) : null,
            geographic(l.wgs84),
            ...wmsCrsList([...l.extents.keys()]).map((c) => boundingBox(c, l.extents.get(c.grid)!)),
            element(
              'Style',
              {},
              textElement('Name', 'default'),
              textElement('Title', l.title),
              element('LegendURL', {}, textElement('Format', 'image/png'), onlineResource(`${url}SERVICE=WMS&REQUEST=GetLegendGraphic&FORMAT=image/png&LAYER=${encodeURIComponent(l.name)}`)),
            ),
          ),
        ),
      ),
    ),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

export function wmsExceptionXml(error: WmsException): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/ogc http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd">` +
    `<ServiceException code="${error.code}">${escapeXml(error.message)}</ServiceException></ServiceExceptionReport>`
  );
}
