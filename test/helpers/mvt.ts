import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

/** A decoded feature: id and properties, enough to compare with database rows. */
export interface DecodedFeature {
  readonly id: number | undefined;
  readonly type: number;
  readonly properties: Record<string, string | number | boolean>;
}

/** Decodes MVT bytes into features per layer with @mapbox/vector-tile. */
export function decodeTile(bytes: Uint8Array): Record<string, DecodedFeature[]> {
  const tile = new VectorTile(new PbfReader(bytes));
  const result: Record<string, DecodedFeature[]> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    result[name] = Array.from({ length: layer.length }, (_, i) => {
      const f = layer.feature(i);
      return { id: f.id, type: f.type, properties: { ...f.properties } };
    });
  }
  return result;
}

/** Fetches a tile and returns status, headers and raw bytes. */
export async function fetchTile(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** GET with node:http, which (unlike fetch) neither asks for nor undoes compression: the wire bytes. */
export async function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}
