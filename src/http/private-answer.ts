import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { mergeVary } from './respond.ts';

/** The Cache-Control of an answer no shared cache may keep, from the one its route chose. */
export function privateCacheControl(value: string | undefined): string {
  if (value === undefined || value === '') return 'private, no-cache';
  if (/\b(private|no-store)\b/i.test(value)) return value;
  return /\bpublic\b/i.test(value) ? value.replace(/\bpublic\b/i, 'private') : `private, ${value}`;
}

/**
 * Makes whatever the route sends private: called the moment an answer starts to depend on
 * the caller's key or token (a restricted id checked, a list filtered), so no route can
 * forget it and hand a shared cache an answer made for a key.
 */
export function keepPrivate(res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const at = rest.findIndex((arg) => arg !== null && typeof arg === 'object');
    const given = at < 0 ? {} : (rest[at] as OutgoingHttpHeaders);
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(given)) if (!/^(cache-control|vary)$/i.test(name)) headers[name] = value;
    const cacheControl = Object.entries(given).find(([name]) => /^cache-control$/i.test(name))?.[1] ?? this.getHeader('cache-control');
    const vary = Object.entries(given).find(([name]) => /^vary$/i.test(name))?.[1] ?? this.getHeader('vary');
    headers['Cache-Control'] = privateCacheControl(cacheControl === undefined ? undefined : String(cacheControl));
    headers.Vary = mergeVary(vary === undefined ? undefined : String(vary), 'Authorization, X-Api-Key');
    if (at < 0) rest.push(headers);
    else rest[at] = headers;
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as typeof res.writeHead;
}
