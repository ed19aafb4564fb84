/**
 * Prints at /print: any extent and scale of a style at any size and DPI (paper sizes A4–A0),
 * as PNG (streamed), JPEG or WebP, and the matching world file (format=wld).
 */
import type { TileGrid } from '../grids/tile-grid.ts';
import { parsePrintRequest, worldFile, type PrintLimits } from '../print/print-request.ts';
import type { PrintService } from '../print/print-service.ts';
import type { Handler } from './exchange.ts';
import type { Route } from './router.ts';

export function printRoutes(prints: PrintService, grids: readonly TileGrid[], limits: PrintLimits): Route<Handler>[] {
  return [
    {
      name: 'print',
      pattern: /^\/print\/?$/,
      handler: async ({ res, query, headers, signal }) => {
        const request = parsePrintRequest(query, grids, limits);
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
          signal,
        );
      },
    },
  ];
}
