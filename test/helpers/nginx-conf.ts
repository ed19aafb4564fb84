/**
 * Turns the shipped proxy config (deploy/nginx.conf, written for compose's network) into one
 * that runs on loopback: the upstream servers become the given addresses (keeping the shipped
 * server parameters), the proxy listens on the given address, and the pid file and temp folders
 * go under nginx's prefix (`-p`). Everything else is the shipped file, so a test through it
 * tests what production runs. Throws when the file no longer has the expected shape.
 */
export interface LoopbackProxy {
  /** `host:port` of each engine, in order. */
  readonly servers: readonly string[];
  /** `host:port` the proxy listens on. */
  readonly listen: string;
}

const SERVER_LINE = /^([ \t]*)server[ \t]+engine-\d+:\d+((?:[ \t]+[^;\s]+)*)[ \t]*;[ \t]*\n/gm;
const LISTEN_LINE = /^([ \t]*)listen[ \t]+[^;]+;/gm;
const PID_LINE = /^([ \t]*)pid[ \t]+[^;]+;/gm;
const HTTP_OPEN = /^http[ \t]*\{[ \t]*\n/gm;
/** nginx creates its temp folders at start; under the prefix they need no root-owned /var/lib/nginx. */
const TEMP_PATHS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

function exactlyOne(conf: string, pattern: RegExp, what: string): RegExpMatchArray {
  const found = [...conf.matchAll(pattern)];
  if (found.length !== 1) throw new Error(`deploy/nginx.conf should have exactly one ${what}, found ${found.length}`);
  return found[0]!;
}

export function loopbackNginxConf(shipped: string, proxy: LoopbackProxy): string {
  if (proxy.servers.length === 0) throw new Error('loopbackNginxConf needs at least one engine address');
  const servers = [...shipped.matchAll(SERVER_LINE)];
  if (servers.length === 0) throw new Error('deploy/nginx.conf has no "server engine-N:PORT …;" line in its upstream');
  const [, indent, params] = servers[0]!;
  // The first engine line becomes the loopback servers, with its parameters; the others go.
  let seen = 0;
  let conf = shipped.replace(SERVER_LINE, () => (seen++ === 0 ? proxy.servers.map((s) => `${indent}server ${s}${params};\n`).join('') : ''));
  exactlyOne(conf, LISTEN_LINE, '"listen" directive');
  conf = conf.replace(LISTEN_LINE, (_, pad: string) => `${pad}listen ${proxy.listen};`);
  exactlyOne(conf, PID_LINE, '"pid" directive');
  conf = conf.replace(PID_LINE, (_, pad: string) => `${pad}pid nginx.pid;`);
  exactlyOne(conf, HTTP_OPEN, '"http {" block');
  conf = conf.replace(HTTP_OPEN, (open) => `${open}${TEMP_PATHS.map((t) => `  ${t}_temp_path ${t}_temp;\n`).join('')}`);
  return conf;
}
