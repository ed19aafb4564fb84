/**
 * The baseline of the cached-tile benchmark, as its own process: a bare node:http server
 * answering every request with the same bytes and headers a cached tile gets. Started by
 * bench/cache.ts with the body's file and content type as arguments; prints its URL.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const [file, contentType] = process.argv.slice(2);
const body = readFileSync(file!);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': contentType!, 'Content-Length': body.length, 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=60', ETag: '"x"' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
