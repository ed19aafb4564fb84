/**
 * Prints at /print: any extent and scale of a style at any size and DPI (paper sizes A4–A0),
 * as PNG (streamed), JPEG or WebP, and the matching world file (format=wld).
 */
import type { TileGrid } from '../grids/tile-grid.ts';
import type { RasterPipeline } from '../pipeline/raster-pipeline.ts';
import { parsePrintRequest, worldFile } from '../print/print-request.ts';
import type { PrintService } from '../print/print-service.ts';
import type { Handler } from './exchange.ts';
import type { Route } from './router.ts';

/** maxPixelsOf: the largest print of a style, which a tileset it draws may lower. */
export function printRoutes(prints: PrintService, raster: RasterPipeline, grids: readonly TileGrid[], maxPixelsOf: (styleId: string) => number): Route<Handler>[] {
  return [
    {
      name: 'print',
      pattern: /^\/print\/?$/,
      handler: async ({ res, query, headers, signal, client, access }) => {
        const name = query.get('style');
        const style = name ? raster.resolveStyle(name).id : undefined;
        if (style !== undefined) access.requireStyle(style, name!);
        const request = parsePrintRequest(query, grids, { maxPixels: style === undefined ? Infinity : maxPixelsOf(style) });
        if (request.format === 'wld') {
          const body = Buffer.from(worldFile(request));
          res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
          res.end(body);
          return;
        }
        await prints.print(
          request,
          res,
          (contentType) =>
            res.writeHead(200, {
              ...headers,
              'Content-Type': contentType,
              'Cache-Control': 'no-store',
              'Content-Disposition': `inline; filename="${request.styleId}-${request.widthPx}x${request.heightPx}.${request.format}"`,
            }),
          { signal, client },
        );
      },
    },
  ];
}
