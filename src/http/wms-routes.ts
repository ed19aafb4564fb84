/**
 * WMS 1.3.0 at /wms: GetCapabilities lists each style as a layer in every grid's CRS;
 * GetMap draws any extent of those CRSs at the size (and DPI) asked for, through the
 * raster pipeline. Errors are WMS exception reports with an HTTP status that says what
 * went wrong.
 */
import type { EngineConfig } from '../config/schema.ts';
import { wgs84ToGridBbox } from '../grids/grid-projection.ts';
import type { Bbox, TileGrid } from '../grids/tile-grid.ts';
import { featureInfoBody } from '../ows/wms-feature-info.ts';
import { legendEntries, legendPng } from '../ows/wms-legend.ts';
import { geoTiff } from '../print/geotiff.ts';
import { worldTerms } from '../print/print-request.ts';
import { parseWmsKvp, wmsCapabilitiesXml, WmsException, type WmsLayer } from '../ows/wms.ts';
import type { RasterPipeline } from '../pipeline/raster-pipeline.ts';
import type { TilePipeline } from '../pipeline/tile-pipeline.ts';
import { styleDescription, type LoadedStyle } from '../styles/style-store.ts';
import type { Exchange, Handler } from './exchange.ts';
import { sendCacheable } from './respond.ts';
import type { Route } from './router.ts';


/** maxPixelsOf: the largest map of a style (print.maxPixels, or less for a tileset it draws: tilesets[].maxPrintPixels). */
export function wmsRoutes(
  pipeline: TilePipeline,
  raster: RasterPipeline,
  styles: readonly LoadedStyle[],
  service: EngineConfig['service'],
  fontsDir: string,
  maxPixelsOf: (styleId: string) => number,
): Route<Handler>[] {
  const layerIds = styles.map((s) => s.id);
  const gridsOf = (style: LoadedStyle): TileGrid[] => {
    const tileset = pipeline.resolve([...style.sources.values()][0] ?? style.id);
    return [...pipeline.grids.values()].filter((g) => tileset.source.supportsGrid(g) && pipeline.levelsOf(tileset, g));
  };
  const grids = [...new Map(styles.flatMap(gridsOf).map((g) => [g.id, g])).values()];

  // A caller sees the layers it may read, nothing of the rest.
  const capabilities = async ({ req, res, baseUrl, headers, access }: Exchange) => {
    const layers: WmsLayer[] = await Promise.all(
      styles.filter((style) => access.mayStyle(style.id)).map(async (style) => {
        const tilesetId = [...style.sources.values()][0];
        const info = tilesetId ? await pipeline.resolve(tilesetId).source.describe() : undefined;
        const wgs84: Bbox = info?.bounds ?? [-180, -85, 180, 85];
        return {
          name: style.id,
          title: style.style.name ?? style.id,
          abstract: styleDescription(style),
          wgs84,
          extents: new Map(gridsOf(style).map((g) => [g, wgs84ToGridBbox(g, wgs84)])),
        };
      }),
    );
    sendCacheable(req, res, Buffer.from(wmsCapabilitiesXml(service, layers, grids, baseUrl)), 'text/xml; charset=utf-8', { ...headers, 'Cache-Control': 'private, max-age=60' });
  };

  // Errors are answered as WMS service exception reports (the route's dialect, see error-answer.ts).
  const handler: Handler = async (exchange) => {
    const { req, res, headers } = exchange;
    // A layer the caller may not read is one that does not exist: not named, not listed.
    const request = parseWmsKvp(exchange.query, grids, layerIds.filter((id) => exchange.access.maySeeStyle(id)));
    if (request.request === 'GetCapabilities') return await capabilities(exchange);
    const isPublic = exchange.access.requireStyle(request.layer);
    if (request.request === 'GetLegendGraphic') {
      const style = styles.find((s) => s.id === request.layer)!;
      return sendCacheable(req, res, legendPng(legendEntries(style.style), fontsDir), 'image/png', { ...headers, 'Cache-Control': isPublic ? 'public, max-age=300' : 'private, max-age=300' });
    }
    const maxPixels = maxPixelsOf(request.layer);
    if (request.width * request.height > maxPixels) {
      throw new WmsException('InvalidParameterValue', `a ${request.width}×${request.height} map is over the ${maxPixels} pixels allowed for layer ${request.layer}`, 413);
    }
    // The map GetMap draws and GetFeatureInfo looks into.
    const view = { styleId: request.layer, gridId: request.grid.id, bbox: request.bbox, widthPx: request.width, heightPx: request.height, pixelRatio: request.pixelRatio, bearing: request.bearing, signal: exchange.signal, client: exchange.client };
    const send = (contentType: string, body: Uint8Array) => {
      res.writeHead(200, { ...headers, 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (request.request === 'GetFeatureInfo') {
      const features = await raster.featuresAt({ ...view, i: request.i, j: request.j, count: request.featureCount });
      return send(`${request.infoFormat}; charset=utf-8`, Buffer.from(featureInfoBody(features, request.infoFormat, request.layer)));
    }
    if (request.format !== 'tiff') {
      const map = await raster.renderView({ ...view, format: request.format });
      return send(map.contentType, map.body);
    }
    const pixels = await raster.renderView({ ...view, format: 'raw' });
    const georeference = { epsg: request.grid.srid, geographic: request.grid.srid === 4326, terms: worldTerms({ bbox: request.bbox, widthPx: request.width, heightPx: request.height, bearing: request.bearing }) };
    send('image/tiff', geoTiff(pixels.body, request.width, request.height, georeference));
  };

  return [{ name: 'wms', pattern: /^\/wms\/?$/, handler, errors: 'wms' }];
}
