import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/access/credentials.ts';
import { createLogger } from '../../src/logger.ts';

/**
 * Keys never reach the logs: redactUrl blanks a key or token in every spelling the engine
 * accepts (/k/{key}/, ?key=) or nearly accepts (another case, percent-encoded letters,
 * nested prefixes, matrix parameters, other parameter names, fragments), and the logger
 * blanks the Authorization and X-Api-Key headers.
 */

/** Where a key can stand in a logged URL; each takes the key as written in the URL. */
const SPELLINGS: readonly [string, (key: string) => string][] = [
  ['path prefix', (k) => `/k/${k}/tiles/sodertorn.json`],
  ['path prefix, nothing after', (k) => `/k/${k}`],
  ['path prefix in capitals', (k) => `/K/${k}/wms?SERVICE=WMS`],
  ['path prefix %6b', (k) => `/%6b/${k}/wms`],
  ['path prefix %6B', (k) => `/%6B/${k}/wms`],
  ['path prefix double-encoded', (k) => `/%256B/${k}/wms`],
  ['nested prefixes', (k) => `/k/x/k/${k}/wms`],
  ['prefix twice', (k) => `/k/k/${k}/wms`],
  ['prefix with a doubled slash', (k) => `/k//${k}/wms`],
  ['prefix with an encoded slash', (k) => `/k%2F${k}/wms`],
  ['prefix with backslashes', (k) => `\\k\\${k}\\wms`],
  ['prefix after another segment', (k) => `/proxy/k/${k}/wms`],
  ['key with an encoded slash in it', (k) => `/k/ab%2F${k}/wms`],
  ['absolute form', (k) => `http://127.0.0.1:3000/k/${k}/wms`],
  ['user info', (k) => `http://viewer:${k}@127.0.0.1:3000/wms`],
  ['matrix parameter', (k) => `/tiles;key=${k}/sodertorn.json`],
  ['matrix parameter among others', (k) => `/tiles/sodertorn.json;x=1;key=${k};y=2`],
  ['matrix parameter encoded', (k) => `/tiles%3Bkey%3D${k}/sodertorn.json`],
  ['query', (k) => `/tiles/sodertorn.json?key=${k}`],
  ['query in capitals', (k) => `/tiles/sodertorn.json?KEY=${k}`],
  ['query name %6Bey', (k) => `/tiles/sodertorn.json?%6Bey=${k}`],
  ['query name %6bey', (k) => `/tiles/sodertorn.json?%6bey=${k}`],
  ['query name k%65y', (k) => `/tiles/sodertorn.json?k%65y=${k}`],
  ['query name %4B%45%59', (k) => `/tiles/sodertorn.json?%4B%45%59=${k}`],
  ['query name with +', (k) => `/tiles/sodertorn.json?key+=${k}`],
  ['query name key[]', (k) => `/tiles/sodertorn.json?key[]=${k}`],
  ['query after ;', (k) => `/tiles/sodertorn.json?x=1;key=${k}`],
  ['query after a second ?', (k) => `/tiles/sodertorn.json?x=1?key=${k}`],
  ['query, key repeated, secret last', (k) => `/tiles/sodertorn.json?key=first&key=${k}`],
  ['query, key repeated, secret first', (k) => `/tiles/sodertorn.json?key=${k}&key=second`],
  ['query parameter encoded whole', (k) => `/tiles/sodertorn.json?key%3D${k}`],
  ['query parameter inside a value', (k) => `/tiles/sodertorn.json?x=1%26key%3D${k}`],
  ['apikey', (k) => `/wms?SERVICE=WMS&apikey=${k}`],
  ['api_key', (k) => `/wms?SERVICE=WMS&api_key=${k}`],
  ['api-key', (k) => `/wms?SERVICE=WMS&api-key=${k}`],
  ['x-api-key', (k) => `/wms?SERVICE=WMS&x-api-key=${k}`],
  ['X-Api-Key', (k) => `/wms?SERVICE=WMS&X-Api-Key=${k}`],
  ['token', (k) => `/wms?token=${k}&SERVICE=WMS`],
  ['access_token', (k) => `/wms?access_token=${k}`],
  ['authorization', (k) => `/wms?authorization=Bearer%20${k}`],
  ['fragment', (k) => `/tiles/sodertorn.json?x=1#${k}`],
  ['fragment with key=', (k) => `/tiles/sodertorn.json#key=${k}`],
  ['fragment with a path prefix', (k) => `/viewer#/k/${k}/`],
  ['query value ending the URL before a fragment', (k) => `/tiles/sodertorn.json?key=${k}#frag`],
  ['bad percent-encoding before', (k) => `/tiles/%E0%A4%A/x.json?%ZZ=1&key=${k}`],
  ['bad percent-encoding after', (k) => `/k/${k}%/x.json?key=${k}%E0%A4%A`],
  ['everywhere at once', (k) => `/k/${k}/tiles/x.json?key=${k}&token=${k}#${k}`],
];

const SECRET = 'Sekret-0123456789_abc~XYZ.9';

/** Every character percent-encoded: how a cautious client may send a key. */
const encodeAll = (text: string): string => [...Buffer.from(text)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

describe('redactUrl', () => {
  it.each(SPELLINGS)('blanks the key: %s', (_, spell) => {
    for (const written of [SECRET, encodeURIComponent(SECRET), encodeAll(SECRET)]) {
      const logged = redactUrl(spell(written));
      expect(logged).not.toContain(written);
      expect(logged).not.toContain(SECRET);
      expect(logged).toContain('[redacted]');
    }
  });

  it('keeps what is not a key, so the log still says what was asked', () => {
    expect(redactUrl('/k/secret/wms?SERVICE=WMS')).toBe('/k/[redacted]/wms?SERVICE=WMS');
    expect(redactUrl('/tiles/a.json?x=1&key=secret&token=t2')).toBe('/tiles/a.json?x=1&key=[redacted]&token=[redacted]');
    expect(redactUrl('/%6B/secret/tiles/a.json?%6Bey=s2')).toBe('/%6B/[redacted]/tiles/a.json?%6Bey=[redacted]');
    expect(redactUrl('/k/x/k/secret/wms')).toBe('/k/[redacted]/k/[redacted]/wms');
    expect(redactUrl('/tiles;key=secret/a.json')).toBe('/tiles;key=[redacted]/a.json');
    expect(redactUrl('/a.json?x=1#secret')).toBe('/a.json?x=1#[redacted]');
    for (const plain of [
      '/',
      '/tiles/sodertorn/10/550/300.mvt',
      '/tiles/sodertorn/sweref99tm/4/10/7@2x.png',
      '/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=sodertorn&TILEMATRIX=10',
      '/tiles/a.json?keys=1&monkey=2&keyword=3&tokens=4',
      '/viewer/config.json',
      '/tiles/bad%zz/x.json?%=%&=',
    ]) {
      expect(redactUrl(plain)).toBe(plain);
    }
  });

  it('never throws, and blanking twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (junk) => {
        const once = redactUrl(junk);
        expect(redactUrl(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a random key in any spelling never appears in the result', () => {
    const urlSafe = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~');
    fc.assert(
      fc.property(fc.string({ unit: urlSafe, minLength: 8, maxLength: 64 }), fc.constantFrom(...SPELLINGS), fc.boolean(), (key, [, spell], encode) => {
        const written = encode ? encodeAll(key) : key;
        // A key that the rest of the URL or the mark spells by chance proves nothing.
        fc.pre(!spell('').includes(key) && !'[redacted]'.includes(key));
        const logged = redactUrl(spell(written));
        return !logged.includes(key) && !logged.includes(written);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the logger', () => {
  it('blanks Authorization (Bearer) and X-Api-Key headers and keys in logged URLs', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    const secrets = Array.from({ length: 8 }, (_, i) => `${SECRET}${i}`);
    logger.info({ req: { method: 'GET', url: `/k/${secrets[0]}/wms?key=${secrets[1]}`, headers: { authorization: `Bearer ${secrets[2]}`, 'x-api-key': secrets[3] }, rawHeaders: ['Authorization', `Bearer ${secrets[4]}`] } }, 'request');
    logger.info({ headers: { Authorization: `Bearer ${secrets[5]}`, 'X-Api-Key': secrets[6] }, 'x-api-key': secrets[7] }, 'headers');
    logger.warn({ url: `/tiles/a.json?%6Bey=${SECRET}` }, 'url');
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Bearer');
    // The rest of the line is still there: a blanked log is still a useful log.
    expect(JSON.parse(lines[0]!)).toMatchObject({ req: { method: 'GET', url: '/k/[redacted]/wms?key=[redacted]', headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } } });
  });
});
