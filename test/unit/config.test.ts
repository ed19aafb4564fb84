import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config.ts';

const layer = { id: 'byggnad', table: 'byggnad', srid: 3006 };

describe('configuration', () => {
  it('fills documented defaults', () => {
    const config = parseConfig({ tilesets: [{ id: 't', layers: [layer] }] });
    expect(config.server.port).toBe(3000);
    expect(config.database.poolSize).toBe(8);
    expect(config.tilesets[0]!.layers[0]!.geometryColumn).toBe('geom');
    expect(config.tilesets[0]!.maxzoom).toBe(16);
  });

  it('names the option path of every error', () => {
    const bad = { server: { port: 'x' }, tilesets: [{ id: 't', layers: [layer, { id: 'v', table: 'vag', srid: 'x' }] }] };
    expect(() => parseConfig(bad, 'test.yaml')).toThrow(ConfigError);
    try {
      parseConfig(bad, 'test.yaml');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('test.yaml');
      expect(message).toContain('server.port');
      expect(message).toContain('tilesets[0].layers[1].srid');
    }
  });

  it('rejects unknown options, bad ids and duplicate ids', () => {
    expect(() => parseConfig({ tilesets: [], colour: 'red' })).toThrow(/colour|Unrecognized/);
    expect(() => parseConfig({ tilesets: [{ id: 'a/b', layers: [layer] }] })).toThrow(/tilesets\[0\]\.id/);
    expect(() => parseConfig({ tilesets: [{ id: 'a', layers: [layer] }, { id: 'a', layers: [layer] }] })).toThrow(/unique/);
    expect(() => parseConfig({ tilesets: [{ id: 'a', layers: [{ ...layer, geometryColumn: 'g"eom' }] }] })).toThrow(/geometryColumn/);
  });

  it('loads the shipped file and applies environment overrides', () => {
    const config = loadConfig({ PORT: '4321', HOST: '0.0.0.0', DATABASE_URL: 'postgres://x@127.0.0.1/y' });
    expect(config.server.port).toBe(4321);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.database.url).toBe('postgres://x@127.0.0.1/y');
    expect(config.tilesets.map((t) => t.id)).toContain('sodertorn');
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ CONFIG: 'no/such/file.yaml' })).toThrow(/cannot read/);
  });

  it('takes the proxy trust and the token secret from the environment, and checks them', () => {
    const config = loadConfig({ TRUST_PROXY: 'true', ACCESS_TOKEN_SECRET: 's'.repeat(32) });
    expect(config.limits.trustProxy).toBe(true);
    expect(config.access.tokens.secret).toBe('s'.repeat(32));
    expect(loadConfig({}).limits.trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY must be true or false/);
    // A short secret is refused without being echoed.
    expect(() => loadConfig({ ACCESS_TOKEN_SECRET: 'short-secret' })).toThrow(/access\.tokens\.secret: must be at least 32/);
    try {
      loadConfig({ ACCESS_TOKEN_SECRET: 'short-secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
  });
});
