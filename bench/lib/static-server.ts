import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file a static server answers with. */
export interface StaticFile {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A tiny loopback node:http server answering fixed paths with fixed bodies (a test page and
 * the maplibre-gl dist files from node_modules: no CDN), 404 for anything else.
 */
export async function serveStatic(files: Readonly<Record<string, StaticFile>>): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.contentType, 'Cache-Control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
