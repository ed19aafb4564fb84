/**
 * The HTTP requests that purge a batch of invalidated level ranges from a cache in front
 * of the engine. Pure: purger.ts sends them.
 *
 *   ban    Varnish: BAN {url} with a header holding one regex over the URLs of several
 *          ranges (VCL: ban("obj.http.x-url ~ " + req.http.X-Ban-Url)). Any range fits.
 *   purge  PURGE {url}{path} per tile URL, with the public Host (Varnish hashes it).
 *   cdn    POST {url} {"files": [absolute URLs]} in batches (Cloudflare's purge by URL).
 *
 * purge and cdn list URLs; above maxUrls for one batch of changes they send the
 * configured purge-everything request instead, or nothing (the purger logs that the
 * front may serve stale tiles until their max-age).
 */
import type { LevelRange } from '../tile-key.ts';
import { tilePathPattern, tilePaths, urlCount, type UrlModel } from './tile-urls.ts';

/** The purge settings (config cache.purge) with the public base URL resolved. */
export interface PurgeSettings {
  readonly mode: 'ban' | 'purge' | 'cdn';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly banHeader: string;
  /** Base URL of the tile URLs, e.g. https://karta.example.se/api. */
  readonly publicUrl: string | undefined;
  readonly maxUrls: number;
  readonly batchSize: number;
  readonly purgeEverything?: { readonly method: string; readonly url?: string | undefined; readonly body?: string | undefined } | undefined;
}

export interface PurgeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface PurgePlan {
  readonly requests: readonly PurgeRequest[];
  /** URLs the ranges have (0 in ban mode, which does not list them). */
  readonly urls: number;
  /** True when the URLs were too many to list: requests is the purge-everything request, or empty. */
  readonly overLimit: boolean;
}

/**
 * Longest ban regex in one request. Varnish refuses request headers over
 * http_req_hdr_len (8 KB by default); half of it leaves room for the others.
 */
export const MAX_BAN_PATTERN_CHARS = 4096;

/** The base URL without its trailing slash, and its path ('' at the root). */
function baseOf(publicUrl: string | undefined): { base: string; path: string; host: string } {
  const url = new URL(publicUrl ?? 'http://localhost/');
  const path = url.pathname.replace(/\/+$/, '');
  return { base: `${url.origin}${path}`, path, host: url.host };
}

/** Ban patterns joined into as few requests as fit under MAX_BAN_PATTERN_CHARS. */
function banRequests(ranges: readonly LevelRange[], model: UrlModel, settings: PurgeSettings): PurgeRequest[] {
  const { path } = baseOf(settings.publicUrl);
  const requests: PurgeRequest[] = [];
  let group: string[] = [];
  let chars = 0;
  const flush = () => {
    if (group.length === 0) return;
    const pattern = group.length === 1 ? group[0]! : `(?:${group.join('|')})`;
    requests.push({ method: 'BAN', url: settings.url, headers: { ...settings.headers, [settings.banHeader]: pattern } });
    group = [];
    chars = 0;
  };
  for (const pattern of new Set(ranges.map((r) => tilePathPattern(r, model, path)))) {
    if (chars + pattern.length + 1 > MAX_BAN_PATTERN_CHARS) flush();
    group.push(pattern);
    chars += pattern.length + 1;
  }
  flush();
  return requests;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The requests purging the tiles of the ranges, per the settings' mode. */
export function purgeRequests(ranges: readonly LevelRange[], model: UrlModel, settings: PurgeSettings): PurgePlan {
  if (ranges.length === 0) return { requests: [], urls: 0, overLimit: false };
  if (settings.mode === 'ban') return { requests: banRequests(ranges, model, settings), urls: 0, overLimit: false };

  const urls = ranges.reduce((n, r) => n + urlCount(r, model), 0);
  if (urls > settings.maxUrls) {
    const all = settings.purgeEverything;
    const everything = all ? [{ method: all.method, url: all.url ?? settings.url, headers: settings.headers, ...(all.body === undefined ? {} : { body: all.body }) }] : [];
    return { requests: everything, urls, overLimit: true };
  }
  const { base, path: basePath, host } = baseOf(settings.publicUrl);
  // Ranges of several changes overlap: each URL once.
  const paths = [...new Set(ranges.flatMap((r) => [...tilePaths(r, model)]))];
  if (settings.mode === 'purge') {
    const cache = settings.url.replace(/\/+$/, '');
    return { requests: paths.map((p) => ({ method: 'PURGE', url: `${cache}${basePath}${p}`, headers: { ...settings.headers, host } })), urls, overLimit: false };
  }
  const requests = chunks(paths, settings.batchSize).map((batch) => ({
    method: 'POST',
    url: settings.url,
    headers: { ...settings.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ files: batch.map((p) => `${base}${p}`) }),
  }));
  return { requests, urls, overLimit: false };
}
