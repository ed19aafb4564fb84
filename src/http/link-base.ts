/**
 * The base URL of links in answers (TileJSON, styles, capabilities, OGC API documents):
 * server.publicUrl when set; else the request's Host header when server.allowedHosts lets
 * it in; else the address the request came in on. Forwarded headers (X-Forwarded-Host,
 * X-Forwarded-Proto, Forwarded) are never read: a client could send them past a proxy
 * that does not strip them. Pure: the HTTP layer hands in the header and the socket's address.
 */
import { ALLOWED_HOST_ENTRY } from '../config/schema.ts';

/** One server.allowedHosts entry, parsed. */
interface AllowedHost {
  readonly scheme: 'http' | 'https';
  /** Lower case; for a wildcard, the domain any subdomain of which matches. */
  readonly host: string;
  readonly wildcard: boolean;
  /** Undefined: only a Host header without a port matches. */
  readonly port: number | undefined;
}

/** A well-formed Host header: a name or IPv4 address, or a bracketed IPv6 one, and an optional port. */
const HOST_HEADER = /^(?<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?<port>\d{1,5}))?$/;
/** What may stand before a wildcard's domain: one or more non-empty DNS labels. */
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

/** Parses entries the config schema has validated already. */
function parseAllowedHost(entry: string): AllowedHost {
  const groups = ALLOWED_HOST_ENTRY.exec(entry)?.groups;
  if (!groups) throw new Error(`server.allowedHosts entry "${entry.slice(0, 64)}" is not [http(s)://][*.]host[:port]`);
  return {
    scheme: groups.scheme?.toLowerCase() === 'https' ? 'https' : 'http',
    host: groups.host!.toLowerCase(),
    wildcard: groups.wildcard !== undefined,
    port: groups.port === undefined ? undefined : Number(groups.port),
  };
}

/** The base URL a Host header's allowed entry gives, or undefined when no entry allows it. */
function allowedHostBase(allowed: readonly AllowedHost[], hostHeader: string | undefined): string | undefined {
  if (!hostHeader || allowed.length === 0) return undefined;
  const groups = HOST_HEADER.exec(hostHeader)?.groups;
  if (!groups) return undefined;
  const host = groups.host!.toLowerCase();
  const port = groups.port === undefined ? undefined : Number(groups.port);
  const entry = allowed.find(
    (a) =>
      a.port === port &&
      (a.wildcard ? host.endsWith(`.${a.host}`) && SUBDOMAIN.test(host.slice(0, -a.host.length - 1)) : host === a.host),
  );
  // Built from the parsed parts, never the header's own spelling.
  return entry && `${entry.scheme}://${host}${port === undefined ? '' : `:${port}`}`;
}

/** The base URL of the address a request came in on (the socket's local end). */
function localBase(address: string | undefined, port: number | undefined): string {
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
  const ip = (address ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port ?? 80}`;
}

/** Where the links of one request point. */
export interface LinkBase {
  /** The base URL for a request with this Host header that came in on this local address. */
  of(hostHeader: string | undefined, localAddress: string | undefined, localPort: number | undefined): string;
  /** True when the base depends on the Host header: answers with links must say `Vary: Host`. */
  readonly variesByHost: boolean;
}

/** The link base of server.publicUrl and server.allowedHosts. */
export function createLinkBase(publicUrl: string | undefined, allowedHosts: readonly string[]): LinkBase {
  if (publicUrl) {
    const base = publicUrl.replace(/\/+$/, '');
    return { of: () => base, variesByHost: false };
  }
  const allowed = allowedHosts.map(parseAllowedHost);
  return {
    of: (hostHeader, localAddress, localPort) => allowedHostBase(allowed, hostHeader) ?? localBase(localAddress, localPort),
    // With entries, even the fallback depends on the Host: an allowed one would have given other links.
    variesByHost: allowed.length > 0,
  };
}
