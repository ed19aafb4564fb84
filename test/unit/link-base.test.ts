import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLinkBase } from '../../src/http/link-base.ts';

const LOCAL = ['127.0.0.1', 3000] as const;
const FALLBACK = 'http://127.0.0.1:3000';

describe('link base', () => {
  const allowed = createLinkBase(undefined, ['karta.example.se', 'Karta.Example.se:8080', 'https://secure.example.se', '*.tiles.example.se', '[::1]:3000', '10.0.0.5']);

  it.each([
    // [Host header, base URL of the links]
    ['karta.example.se', 'http://karta.example.se'],
    ['KARTA.example.SE', 'http://karta.example.se'],
    ['karta.example.se:8080', 'http://karta.example.se:8080'],
    ['secure.example.se', 'https://secure.example.se'],
    ['a.tiles.example.se', 'http://a.tiles.example.se'],
    ['a.b-c.tiles.example.se', 'http://a.b-c.tiles.example.se'],
    ['[::1]:3000', 'http://[::1]:3000'],
    ['10.0.0.5', 'http://10.0.0.5'],
    // Not allowed: the address the request came in on.
    ['evil.example', FALLBACK],
    ['karta.example.se:9999', FALLBACK], // an entry without a port matches only a Host without one
    ['secure.example.se:443', FALLBACK],
    ['karta.example.se.', FALLBACK],
    ['karta.example.se.evil.example', FALLBACK],
    ['evilkarta.example.se', FALLBACK],
    ['tiles.example.se', FALLBACK], // a wildcard covers subdomains, not the domain itself
    ['eviltiles.example.se', FALLBACK],
    ['.tiles.example.se', FALLBACK],
    ['a..tiles.example.se', FALLBACK],
    ['-.tiles.example.se', FALLBACK],
    ['karta.example.se@evil.example', FALLBACK],
    ['evil.example/karta.example.se', FALLBACK],
    ['karta.example.se:80:80', FALLBACK],
    ['', FALLBACK],
    [undefined, FALLBACK],
  ])('Host %j → %s', (host, base) => {
    expect(allowed.of(host, ...LOCAL)).toBe(base);
    expect(allowed.variesByHost).toBe(true);
  });

  it('without allowedHosts never uses the Host header, and does not vary by it', () => {
    const none = createLinkBase(undefined, []);
    expect(none.of('karta.example.se', ...LOCAL)).toBe(FALLBACK);
    expect(none.of('127.0.0.1:3000', '::ffff:127.0.0.1', 3000)).toBe(FALLBACK);
    expect(none.of(undefined, '::1', 3000)).toBe('http://[::1]:3000');
    expect(none.variesByHost).toBe(false);
  });

  it('with a public URL uses it whatever the Host', () => {
    const pub = createLinkBase('https://karta.example.se/api/', ['evil.example']);
    expect(pub.of('evil.example', ...LOCAL)).toBe('https://karta.example.se/api');
    expect(pub.of(undefined, ...LOCAL)).toBe('https://karta.example.se/api');
    expect(pub.variesByHost).toBe(false);
  });

  it.each([
    ['*', /must be/],
    ['*.se', /two labels/],
    ['*.[::1]', /wildcard/],
    ['karta.example.se:0', /port 0/],
    ['karta.example.se:70000', /port 70000/],
    ['ftp://karta.example.se', /must be/],
    ['karta.example.se/path', /must be/],
    ['user@karta.example.se', /must be/],
    ['-karta.example.se', /must be/],
  ])('config refuses allowedHosts entry %j, naming the option', (entry, message) => {
    expect(() => parseConfig({ server: { allowedHosts: [entry] }, tilesets: [] })).toThrow(message);
    expect(() => parseConfig({ server: { allowedHosts: [entry] }, tilesets: [] })).toThrow(/server\.allowedHosts\[0\]/);
  });

  it('config takes well-formed entries and defaults to none', () => {
    expect(parseConfig({ tilesets: [] }).server.allowedHosts).toEqual([]);
    const entries = ['karta.example.se', 'https://*.example.se:8443', '[::1]:3000', '127.0.0.1:3000'];
    expect(parseConfig({ server: { allowedHosts: entries }, tilesets: [] }).server.allowedHosts).toEqual(entries);
  });
});
