import type { EngineConfig } from '../config/schema.ts';
import { OwsException } from '../ows/ows-exception.ts';
import { wmtsCapabilitiesXml, type WmtsLayer } from '../ows/wmts-capabilities.ts';
import { DEFAULT_STYLE, WMTS_EXTENSIONS, WMTS_RASTER_FORMATS } from '../core/tile-formats.ts';
import { checkStyle, parseWmtsKvp, type WmtsGetTile } from '../ows/wmts-request.ts';
import { isRasterFormat, type RasterPipeline } from '../pipeline/raster-pipeline.ts';
import type { TilePipeline, Tileset } from '../pipeline/tile-pipeline.ts';
import type { Exchange, Handler } from './exchange.ts';
import type { Route } from './router.ts';
import type { TileEndpoint } from './tile-endpoint.ts';

/** WMTS 1.0.0, KVP and RESTful, over the tile pipeline: every tileset in every grid. */
export function wmtsRoutes(pipeline: TilePipeline, raster: RasterPipeline, service: EngineConfig['service'], tiles: TileEndpoint): Route<Handler>[] {
  const stylesOf = (tilesetId: string) => [DEFAULT_STYLE, ...raster.stylesOver(tilesetId)];
  // A tileset layer's levels are those of its vector tiles; a map layer's those of its raster tiles (one finer).
  const levelsOf = (tileset: Tileset, of: 'vector' | 'raster' = 'vector') => {
    const levels = new Map<string, readonly [number, number]>();
    for (const grid of pipeline.grids.values()) {
      const range = !tileset.source.supportsGrid(grid) ? undefined : of === 'raster' ? raster.levelsOf(tileset, grid) : pipeline.levelsOf(tileset, grid);
      if (range) levels.set(grid.id, range);
    }
    return levels;
  };
  /** A style as a layer of its own (a map, as WMS names it): the extent and levels of the first tileset it draws. */
  const mapLayer = async (styleId: string): Promise<WmtsLayer | undefined> => {
    const style = raster.styleOf(styleId)!;
    if (style.sources.size === 0 || pipeline.has(styleId)) return undefined;
    const { info, tileset } = await raster.describeMap(style, styleId);
    return { info, styles: [DEFAULT_STYLE], levels: levelsOf(tileset, 'raster'), map: true };
  };
  // A caller sees the layers and styles it may read, nothing of the rest.
  const capabilities = async ({ res, baseUrl, headers, access }: Exchange) => {
    const tilesetLayers = await Promise.all(
      pipeline.all().filter((tileset) => access.mayTileset(tileset.config.id)).map(async (tileset) => ({
        info: await tileset.source.describe(),
        styles: stylesOf(tileset.config.id).filter((s) => s === DEFAULT_STYLE || access.mayStyle(s)),
        levels: levelsOf(tileset),
      })),
    );
    const mapLayers = await Promise.all(raster.styleIds().filter((id) => access.mayStyle(id)).map(mapLayer));
    const layers: WmtsLayer[] = [...tilesetLayers, ...mapLayers.filter((l) => l !== undefined)];
    const xml = Buffer.from(wmtsCapabilitiesXml(service, layers, [...pipeline.grids.values()], baseUrl));
    res.writeHead(200, { ...headers, 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': xml.length, 'Cache-Control': 'private, max-age=60' });
    res.end(res.req.method === 'HEAD' ? undefined : xml);
  };

  // A layer is a tileset; its raster tiles are drawn by the style named (default: the tileset's own).
  const getTile = async (exchange: Exchange, request: WmtsGetTile) => {
    const { access } = exchange;
    // A style named as a layer: its map in the image formats. One the caller may not read is an unknown layer (below).
    if (!pipeline.has(request.layer) && raster.hasStyle(request.layer) && access.maySeeStyle(request.layer)) {
      checkStyle(request.style, [DEFAULT_STYLE]);
      if (!isRasterFormat(request.format)) throw new OwsException('InvalidParameterValue', `layer ${request.layer} is a map: use ${Object.keys(WMTS_RASTER_FORMATS).join(', ')}`, 'FORMAT');
      return tiles.answer(exchange, { name: request.layer, gridId: request.tileMatrixSet, z: request.tileMatrix, x: request.tileCol, y: request.tileRow, format: request.format });
    }
    // Access first: a restricted layer answers as an unknown one, its styles unnamed.
    access.requireTileset(request.layer);
    const style = checkStyle(request.style, stylesOf(pipeline.resolve(request.layer).config.id).filter((s) => s === DEFAULT_STYLE || access.maySeeStyle(s)));
    const image = isRasterFormat(request.format);
    if (image && stylesOf(request.layer).length === 1) throw new OwsException('InvalidParameterValue', `layer ${request.layer} has no style to draw raster tiles with`, 'FORMAT');
    const name = image && style !== DEFAULT_STYLE ? style : request.layer;
    await tiles.answer(exchange, { name, gridId: request.tileMatrixSet, z: request.tileMatrix, x: request.tileCol, y: request.tileRow, format: request.format });
  };

  return [
    {
      name: 'wmts-kvp',
      pattern: /^\/wmts\/?$/,
      // WMTS clients parse OWS exception reports (error-answer.ts): every error of these routes is one.
      errors: 'ows',
      handler: async (exchange) => {
        const request = parseWmtsKvp(exchange.query);
        if (request.request === 'GetCapabilities') await capabilities(exchange);
        else await getTile(exchange, request);
      },
    },
    { name: 'wmts-capabilities', pattern: /^\/wmts\/1\.0\.0\/WMTSCapabilities\.xml$/, handler: capabilities, errors: 'ows' },
    {
      name: 'wmts-rest-tile',
      errors: 'ows',
      pattern: /^\/wmts\/1\.0\.0\/(?<layer>[^/]+)\/(?<style>[^/]+)\/(?<tms>[^/]+)\/(?<z>[^/]+)\/(?<row>[^/]+)\/(?<col>[^/.]+)\.(?<ext>[^/.]+)$/,
      handler: async (exchange) => {
        const { layer, style, tms, z, row, col, ext } = exchange.params as Record<string, string>;
        if (!WMTS_EXTENSIONS[ext!]) {
          throw new OwsException('InvalidParameterValue', `format ".${ext!.slice(0, 16)}" is not served; use ${Object.keys(WMTS_EXTENSIONS).join(', ')}`, 'FORMAT');
        }
        const request: WmtsGetTile = { request: 'GetTile', layer: layer!, style: style!, format: ext!, tileMatrixSet: tms!, tileMatrix: z!, tileRow: row!, tileCol: col! };
        await getTile(exchange, request);
      },
    },
  ];
}
