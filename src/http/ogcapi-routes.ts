import type { EngineConfig } from '../config/schema.ts';
import { EngineError } from '../errors.ts';
import { tileMatrixSetJson } from '../grids/tile-matrix-set-json.ts';
import { collection, CONFORMANCE, landingPage, tilesetList, tilesetMetadata } from '../documents/ogc-api-tiles.ts';
import type { TilePipeline } from '../pipeline/tile-pipeline.ts';
import type { Handler } from './exchange.ts';
import { sendJson } from './respond.ts';
import type { Route } from './router.ts';
import type { TileEndpoint } from './tile-endpoint.ts';

/** Where OGC API – Tiles lives; the root stays free for the viewer. */
export const OGC_API_PATH = '/ogcapi';

/** OGC API – Tiles over the pipeline: collections are tilesets, vector tiles in every grid. */
export function ogcApiRoutes(pipeline: TilePipeline, service: EngineConfig['service'], tiles: TileEndpoint): Route<Handler>[] {
  const gridsOf = (id: string) => {
    const tileset = pipeline.resolve(id);
    return [...pipeline.grids.values()].filter((g) => tileset.source.supportsGrid(g) && pipeline.levelsOf(tileset, g));
  };
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
      handler: async ({ res, baseUrl, headers, access }) => {
        const infos = await Promise.all(pipeline.all().filter((t) => access.mayTileset(t.config.id)).map((t) => t.source.describe()));
        sendJson(res, 200, { links: [{ rel: 'self', type: 'application/json', href: `${api(baseUrl)}/collections` }], collections: infos.map((i) => collection(api(baseUrl), i)) }, headers);
      },
    },
    {
      name: 'ogcapi-collection',
      pattern: /^\/ogcapi\/collections\/(?<tileset>[^/]+)$/,
      handler: async ({ res, params, baseUrl, headers, access }) => {
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
