import type { EngineConfig } from '../config/schema.ts';
import { EngineError } from '../errors.ts';
import { tileMatrixSetJson } from '../grids/tile-matrix-set-json.ts';
import { OGC_MAP_FORMATS as MAP_FORMATS } from '../core/tile-formats.ts';
import { collection, CONFORMANCE, landingPage, mapCollection, mapTilesetList, mapTilesetMetadata, tilesetList, tilesetMetadata } from '../documents/ogc-api-tiles.ts';
import type { RasterPipeline } from '../pipeline/raster-pipeline.ts';
import type { TilesetInfo } from '../sources/tile-source.ts';
import type { Exchange } from './exchange.ts';
import type { TilePipeline, Tileset } from '../pipeline/tile-pipeline.ts';
import type { Handler } from './exchange.ts';
import { sendJson } from './respond.ts';
import type { Route } from './router.ts';
import type { TileEndpoint } from './tile-endpoint.ts';

/** Where OGC API – Tiles lives; the root stays free for the viewer. */
export const OGC_API_PATH = '/ogcapi';

/**
 * OGC API – Tiles over the pipelines: a tileset is a collection of vector tilesets, a style
 * (a map, as WMS and WMTS name it) a collection of map tilesets; both in every grid.
 */
export function ogcApiRoutes(pipeline: TilePipeline, raster: RasterPipeline, service: EngineConfig['service'], tiles: TileEndpoint): Route<Handler>[] {
  const gridsOf = (id: string) => {
    const tileset = pipeline.resolve(id);
    return [...pipeline.grids.values()].filter((g) => tileset.source.supportsGrid(g) && pipeline.levelsOf(tileset, g));
  };
  /** Styles that are collections of their own: not named like a tileset (that name is the tileset's). */
  const isMap = (id: string) => !pipeline.has(id) && raster.hasStyle(id);
  /**
   * A map by the name asked (a style, or a tileset for its default style), if the caller may
   * read it, as the tile endpoint decides; described as the style's id, name and description
   * over the extent of the first tileset it draws.
   */
  const mapOf = ({ access }: Exchange, name: string): Promise<{ info: TilesetInfo; tileset: Tileset }> => {
    const style = raster.resolveStyle(name);
    access.requireStyle(style.id, name);
    return raster.describeMap(style, name);
  };
  const mapGrids = (tileset: Tileset) => [...pipeline.grids.values()].filter((g) => tileset.source.supportsGrid(g) && raster.levelsOf(tileset, g));
  const tileMatrixSets: Handler = ({ res, baseUrl, headers }) =>
    sendJson(res, 200, {
      tileMatrixSets: [...pipeline.grids.values()].map((g) => ({
        id: g.id,
        title: g.title,
        links: [{ rel: 'self', type: 'application/json', href: `${baseUrl}/tileMatrixSets/${encodeURIComponent(g.id)}` }],
      })),
    }, headers);
  const tileMatrixSet: Handler = ({ res, params, headers }) => {
    const grid = pipeline.grids.get(params.grid!);
    if (!grid) {
      const known = [...pipeline.grids.keys()];
      throw new EngineError('UNKNOWN_GRID', `no tile matrix set "${params.grid!.slice(0, 64)}"; known: ${known.join(', ')}`, { detail: { grids: known } });
    }
    sendJson(res, 200, tileMatrixSetJson(grid), headers);
  };

  const api = (baseUrl: string) => `${baseUrl}${OGC_API_PATH}`;
  return [
    { name: 'tile-matrix-sets', pattern: /^(?:\/ogcapi)?\/tileMatrixSets\/?$/, handler: tileMatrixSets },
    { name: 'tile-matrix-set', pattern: /^(?:\/ogcapi)?\/tileMatrixSets\/(?<grid>[^/]+)$/, handler: tileMatrixSet },
    { name: 'ogcapi-landing', pattern: /^\/ogcapi\/?$/, handler: ({ res, baseUrl, headers }) => sendJson(res, 200, landingPage(api(baseUrl), service.title, service.abstract), headers) },
    { name: 'ogcapi-conformance', pattern: /^\/ogcapi\/conformance$/, handler: ({ res, headers }) => sendJson(res, 200, { conformsTo: CONFORMANCE }, headers) },
    {
      name: 'ogcapi-collections',
      pattern: /^\/ogcapi\/collections\/?$/,
      handler: async (exchange) => {
        const { res, baseUrl, headers, access } = exchange;
        const infos = await Promise.all(pipeline.all().filter((t) => access.mayTileset(t.config.id)).map((t) => t.source.describe()));
        const maps = await Promise.all(raster.styleIds().filter((id) => isMap(id) && access.mayStyle(id)).map(async (id) => (await mapOf(exchange, id)).info));
        const collections = [...infos.map((i) => collection(api(baseUrl), i)), ...maps.map((i) => mapCollection(api(baseUrl), i))];
        sendJson(res, 200, { links: [{ rel: 'self', type: 'application/json', href: `${api(baseUrl)}/collections` }], collections }, headers);
      },
    },
    {
      name: 'ogcapi-collection',
      pattern: /^\/ogcapi\/collections\/(?<tileset>[^/]+)$/,
      handler: async (exchange) => {
        const { res, params, baseUrl, headers, access } = exchange;
        if (isMap(params.tileset!) && access.maySeeStyle(params.tileset!)) return sendJson(res, 200, mapCollection(api(baseUrl), (await mapOf(exchange, params.tileset!)).info), headers);
        access.requireTileset(params.tileset!);
        sendJson(res, 200, collection(api(baseUrl), await pipeline.resolve(params.tileset!).source.describe()), headers);
      },
    },
    {
      name: 'ogcapi-tilesets',
      pattern: /^\/ogcapi\/collections\/(?<tileset>[^/]+)\/tiles$/,
      handler: async ({ res, params, baseUrl, headers, access }) => {
        access.requireTileset(params.tileset!);
        const info = await pipeline.resolve(params.tileset!).source.describe();
        sendJson(res, 200, tilesetList(api(baseUrl), info, gridsOf(params.tileset!)), headers);
      },
    },
    {
      name: 'ogcapi-tileset',
      pattern: /^\/ogcapi\/collections\/(?<tileset>[^/]+)\/tiles\/(?<grid>[^/]+)$/,
      handler: async ({ res, params, baseUrl, headers, access }) => {
        access.requireTileset(params.tileset!);
        const tileset = pipeline.resolve(params.tileset!);
        const grid = pipeline.resolveGrid(tileset, params.grid!);
        const levels = pipeline.levelsOf(tileset, grid);
        if (!levels) throw new EngineError('UNKNOWN_GRID', `tileset ${tileset.config.id} has no levels in grid ${grid.id}`);
        sendJson(res, 200, tilesetMetadata(api(baseUrl), await tileset.source.describe(), grid, levels), headers);
      },
    },
    {
      name: 'ogcapi-map-tilesets',
      pattern: /^\/ogcapi\/collections\/(?<name>[^/]+)\/map\/tiles$/,
      handler: async (exchange) => {
        const { info, tileset } = await mapOf(exchange, exchange.params.name!);
        sendJson(exchange.res, 200, mapTilesetList(api(exchange.baseUrl), info, mapGrids(tileset)), exchange.headers);
      },
    },
    {
      name: 'ogcapi-map-tileset',
      pattern: /^\/ogcapi\/collections\/(?<name>[^/]+)\/map\/tiles\/(?<grid>[^/]+)$/,
      handler: async (exchange) => {
        const { info, tileset } = await mapOf(exchange, exchange.params.name!);
        const grid = pipeline.resolveGrid(tileset, exchange.params.grid!);
        const levels = raster.levelsOf(tileset, grid);
        if (!levels) throw new EngineError('UNKNOWN_GRID', `map ${info.id} has no levels in grid ${grid.id}`);
        sendJson(exchange.res, 200, mapTilesetMetadata(api(exchange.baseUrl), info, grid, levels), exchange.headers);
      },
    },
    {
      name: 'ogcapi-map-tile',
      pattern: /^\/ogcapi\/collections\/(?<name>[^/]+)\/map\/tiles\/(?<grid>[^/]+)\/(?<z>[^/]+)\/(?<y>[^/]+)\/(?<x>[^/]+)$/,
      // An image in the format of ?f= (png when absent); row and column are y and x.
      handler: (exchange) => {
        const { name, grid, z, x, y } = exchange.params as Record<string, string>;
        const f = exchange.query.get('f') ?? 'png';
        if (!Object.hasOwn(MAP_FORMATS, f)) {
          throw new EngineError('UNKNOWN_FORMAT', `f=${f.slice(0, 16)} is not a map format; use one of ${Object.keys(MAP_FORMATS).join(', ')}`, { detail: { formats: Object.keys(MAP_FORMATS) } });
        }
        return tiles.answer(exchange, { name: name!, gridId: grid, z: z!, x: x!, y: y!, format: f === 'jpeg' ? 'jpg' : f });
      },
    },
    {
      name: 'ogcapi-tile',
      pattern: /^\/ogcapi\/collections\/(?<tileset>[^/]+)\/tiles\/(?<grid>[^/]+)\/(?<z>[^/]+)\/(?<y>[^/]+)\/(?<x>[^/]+)$/,
      // Vector tiles only: the collection is a tileset; row and column are y and x.
      handler: (exchange) => {
        const { tileset, grid, z, x, y } = exchange.params as Record<string, string>;
        return tiles.answer(exchange, { name: tileset!, gridId: grid, z: z!, x: x!, y: y!, format: 'mvt' });
      },
    },
  ];
}
