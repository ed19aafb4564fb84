/**
 * The engine as its own process with every tileset over a null source (the same bytes for
 * every tile, at once) and no cache: what bench/null-source.ts loads. Takes the body's file
 * as argument; prints its URL as JSON, as the engine's log line does.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { createEngine } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { TileSource, TilesetInfo } from '../../src/sources/tile-source.ts';

const body = new Uint8Array(readFileSync(process.argv[2]!));

/** A tile source with nothing behind it. */
class NullSource implements TileSource {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  supportsGrid(): boolean {
    return true;
  }
  async describe(): Promise<TilesetInfo> {
    return { id: this.id, name: this.id, minzoom: 0, maxzoom: 18, bounds: undefined, layers: [] };
  }
  async extentsBy(): Promise<never[]> {
    return [];
  }
  async getTile(): Promise<Uint8Array> {
    return body;
  }
}

const shipped = loadConfig({});
const config = { ...shipped, database: { ...shipped.database, url: undefined }, cache: { ...shipped.cache, memory: { ...shipped.cache.memory, enabled: false } } };
const engine = await createEngine(config, pino({ level: 'silent' }), { sourceOf: (tileset) => new NullSource(tileset.id) });
console.log(JSON.stringify({ url: await engine.listen(0, '127.0.0.1') }));
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
