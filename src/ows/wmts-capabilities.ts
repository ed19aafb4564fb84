import type { EngineConfig } from '../config/schema.ts';
import { inAxisOrder, scaleDenominator, type TileGrid } from '../grids/tile-grid.ts';
import type { TilesetInfo } from '../sources/tile-source.ts';
import { DEFAULT_STYLE, WMTS_FORMATS, WMTS_RASTER_FORMATS, WMTS_VECTOR_FORMATS } from '../core/tile-formats.ts';
import { element, textElement } from './xml.ts';

/**
 * A layer as WMTS lists it: a tileset with its styles, or a style as a map of its own
 * (raster formats and the style `default` only, as national and municipal WMTS services
 * name their maps), and the levels it has in each grid.
 */
export interface WmtsLayer {
  readonly info: TilesetInfo;
  /** `default` first, then the ids of styles drawing this tileset; raster formats only when there is one. */
  readonly styles: readonly string[];
  /** Grid id → [first, last] level served. */
  readonly levels: ReadonlyMap<string, readonly [number, number]>;
  /** A style as a layer: images only. */
  readonly map?: boolean;
}

/** The OGC URN of an EPSG CRS, as WMTS 1.0.0 SupportedCRS writes it. */
function crsUrn(srid: number): string {
  return `urn:ogc:def:crs:EPSG::${srid}`;
}

function serviceIdentification(service: EngineConfig['service']): string {
  return element(
    'ows:ServiceIdentification',
    {},
    textElement('ows:Title', service.title),
    textElement('ows:Abstract', service.abstract),
    service.keywords.length ? element('ows:Keywords', {}, ...service.keywords.map((k) => textElement('ows:Keyword', k))) : null,
    textElement('ows:ServiceType', 'OGC WMTS'),
    textElement('ows:ServiceTypeVersion', '1.0.0'),
  );
}

function serviceProvider(service: EngineConfig['service']): string {
  return element(
    'ows:ServiceProvider',
    {},
    textElement('ows:ProviderName', service.providerName),
    service.providerSite ? element('ows:ProviderSite', { 'xlink:href': service.providerSite }) : null,
    element(
      'ows:ServiceContact',
      {},
      service.contactName ? textElement('ows:IndividualName', service.contactName) : null,
      service.contactEmail ? element('ows:ContactInfo', {}, element('ows:Address', {}, textElement('ows:ElectronicMailAddress', service.contactEmail))) : null,
    ),
  );
}

function operation(name: string, kvpUrl: string): string {
  return element(
    'ows:Operation',
    { name },
    element(
      'ows:DCP',
      {},
      element(
        'ows:HTTP',
        {},
        element('ows:Get', { 'xlink:href': kvpUrl }, element('ows:Constraint', { name: 'GetEncoding' }, element('ows:AllowedValues', {}, textElement('ows:Value', 'KVP')))),
      ),
    ),
  );
}

function layerXml(layer: WmtsLayer, grids: readonly TileGrid[], baseUrl: string): string {
  const { info } = layer;
  const bounds = info.bounds ?? [-180, -85.0511287798066, 180, 85.0511287798066];
  const links = grids.filter((g) => layer.levels.has(g.id));
  const formats = layer.map ? WMTS_RASTER_FORMATS : layer.styles.length > 1 ? WMTS_FORMATS : WMTS_VECTOR_FORMATS;
  // No style draws it: say so where desktop clients show it, as they list the layer yet cannot draw vector tiles.
  const vectorOnly = formats === WMTS_VECTOR_FORMATS ? 'Vector tiles (MVT) only: no map images; use a layer drawn by a style for a map.' : undefined;
  const abstract = [info.description, vectorOnly].filter((t) => t !== undefined && t !== '').join(' ');
  return element(
    'Layer',
    {},
    textElement('ows:Title', vectorOnly ? `${info.name} (vector tiles)` : info.name),
    abstract ? textElement('ows:Abstract', abstract) : null,
    element('ows:WGS84BoundingBox', {}, textElement('ows:LowerCorner', `${bounds[0]} ${bounds[1]}`), textElement('ows:UpperCorner', `${bounds[2]} ${bounds[3]}`)),
    textElement('ows:Identifier', info.id),
    ...layer.styles.map((s) =>
      element('Style', s === DEFAULT_STYLE ? { isDefault: 'true' } : {}, textElement('ows:Title', s === DEFAULT_STYLE ? 'Default' : s), textElement('ows:Identifier', s)),
    ),
    ...Object.keys(formats).map((f) => textElement('Format', f)),
    // No TileMatrixSetLimits: the official 1.0.0 schema types their values positiveInteger,
    // so row/column 0 would not validate; out-of-range requests get TileOutOfRange instead.
    ...links.map((g) => element('TileMatrixSetLink', {}, textElement('TileMatrixSet', g.id))),
    ...Object.entries(formats).map(([format, ext]) =>
      element('ResourceURL', {
        format,
        resourceType: 'tile',
        template: `${baseUrl}/wmts/1.0.0/${encodeURIComponent(info.id)}/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.${ext}`,
      }),
    ),
  );
}

/** A grid as a WMTS TileMatrixSet, listing levels 0–lastLevel (the deepest any layer uses). */
function tileMatrixSetXml(grid: TileGrid, lastLevel: number): string {
  return element(
    'TileMatrixSet',
    {},
    textElement('ows:Title', grid.title),
    // A client that takes the CRS as easting first (OpenLayers with proj4's EPSG:3006 as
    // epsg.io gives it) places the grid elsewhere and silently asks for nothing: say so here.
    grid.axisOrder === 'NE' ? textElement('ows:Abstract', `TopLeftCorner is northing first, as EPSG:${grid.srid} orders its axes. In proj4 (OpenLayers), define EPSG:${grid.srid} with +axis=neu.`) : null,
    textElement('ows:Identifier', grid.id),
    textElement('ows:SupportedCRS', crsUrn(grid.srid)),
    grid.wellKnownScaleSet ? textElement('WellKnownScaleSet', 'urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible') : null,
    ...grid.levels.slice(0, lastLevel + 1).map((level, z) =>
      element(
        'TileMatrix',
        {},
        textElement('ows:Identifier', String(z)),
        textElement('ScaleDenominator', scaleDenominator(grid, level)),
        // Axis order of the CRS: northing first for EPSG:3006 and 3011.
        textElement('TopLeftCorner', inAxisOrder(grid, grid.origin[0], grid.origin[1]).join(' ')),
        textElement('TileWidth', grid.tileSizePx),
        textElement('TileHeight', grid.tileSizePx),
        textElement('MatrixWidth', level.matrixWidth),
        textElement('MatrixHeight', level.matrixHeight),
      ),
    ),
  );
}

/** The WMTS 1.0.0 GetCapabilities document: every tileset × style × grid × format. */
export function wmtsCapabilitiesXml(service: EngineConfig['service'], layers: readonly WmtsLayer[], grids: readonly TileGrid[], baseUrl: string): string {
  const kvpUrl = `${baseUrl}/wmts?`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    element(
      'Capabilities',
      {
        xmlns: 'http://www.opengis.net/wmts/1.0',
        'xmlns:ows': 'http://www.opengis.net/ows/1.1',
        'xmlns:xlink': 'http://www.w3.org/1999/xlink',
        'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
        'xsi:schemaLocation': 'http://www.opengis.net/wmts/1.0 http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd',
        version: '1.0.0',
      },
      serviceIdentification(service),
      serviceProvider(service),
      element('ows:OperationsMetadata', {}, operation('GetCapabilities', kvpUrl), operation('GetTile', kvpUrl)),
      element(
        'Contents',
        {},
        ...layers.map((l) => layerXml(l, grids, baseUrl)),
        ...grids.map((g) => tileMatrixSetXml(g, Math.max(0, ...layers.map((l) => l.levels.get(g.id)?.[1] ?? 0)))),
      ),
      element('ServiceMetadataURL', { 'xlink:href': `${baseUrl}/wmts/1.0.0/WMTSCapabilities.xml` }),
    )
  );
}
