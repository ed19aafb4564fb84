/**
 * The engine's chaos run: an operator's worst day, compressed. Two engine processes share
 * PostgreSQL and a Redis of the run's own, each with memory, disk and Redis tiers; writers
 * commit edits to the buildings and roads under a handful of tiles while readers fetch
 * those tiles (vector and raster, XYZ and SWEREF 99 TM) from both engines, some giving up
 * mid-request; and one after another, in a seeded order, faults strike:
 *
 *   kill-listener   the change-log LISTEN connections are terminated in PostgreSQL
 *   kill-engine     an engine is SIGKILLed and restarted over its disk cache
 *   stall-redis     Redis is frozen (SIGSTOP) for a second while readers give up on it
 *   pause-redis     Redis pauses every client (CLIENT PAUSE) for a moment
 *   restart-redis   Redis is killed and started again, empty
 *   corrupt-disk    bytes flip in entries of an engine's disk tier
 *   burst           500 requests for one cold tile at once
 *
 * Then everything stops, both engines catch up with the change log, and every tile that
 * was served is fetched from both (through their caches) and from an engine with no cache:
 * any difference is a stale tile. Crashes (an engine exiting on its own, an error escaping
 * to the process guard), answers ≥ 500, and change-log rows missing for committed
 * statements are counted too. Choices (what to edit, what to read, the order of faults)
 * come from one seed, so a failing run can be replayed; timing is the machine's.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { loadConfig } from '../../src/config/load-config.ts';
import { Random } from '../../tools/demo/random.ts';
import { createDemoDatabase, type DemoDatabase } from '../helpers/demo-database.ts';
import { freePort } from '../helpers/free-port.ts';
import { startEngineGroup, type EngineProcess } from '../helpers/process-group.ts';
import { RedisServer } from '../helpers/redis-server.ts';

export interface ChaosOptions {
  /** Rounds of faults (every fault once per round, in a seeded order); writers and readers run until the last is done. */
  readonly rounds: number;
  readonly seed: number;
  readonly writers: number;
  readonly readers: number;
  /** Progress lines (faults as they strike). */
  readonly log: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  /** Statements the writers committed, and change-log rows there are for them. */
  readonly statements: number;
  readonly logged: number;
  readonly requests: number;
  readonly aborted: number;
  /** Answers by status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Answers a client must never get (≥ 500 but 503, or a 4xx for a valid tile), with the path. */
  readonly failures: readonly string[];
  readonly faults: readonly string[];
  /** Tiles served at the end that differ from what an engine with no cache produces. */
  readonly stale: readonly string[];
  readonly paths: number;
  /** Engines that exited without being killed, and errors that escaped to the process guard. */
  readonly crashes: readonly string[];
  readonly escaped: number;
}

const FAULTS = ['kill-listener', 'kill-engine', 'stall-redis', 'pause-redis', 'restart-redis', 'corrupt-disk', 'burst'] as const;
type Fault = (typeof FAULTS)[number];

/** The tiles the readers fetch: around Huddinge centre, where the writers edit. */
const PATHS = [
  ...[18019, 18020, 18021].flatMap((x) => [9651, 9652, 9653].map((y) => `/tiles/sodertorn/15/${x}/${y}.mvt`)),
  '/tiles/sodertorn/16/36040/19304.mvt',
  '/tiles/sodertorn/16/36041/19305.mvt',
  '/tiles/sodertorn/14/9010/4826.mvt',
  '/tiles/sodertorn/3006/10/1830/1885.mvt',
  '/tiles/sodertorn/3006/10/1831/1885.mvt',
  ...[18019, 18020, 18021].map((x) => `/tiles/grundkarta/15/${x}/9652.png`),
  '/tiles/grundkarta/16/36040/19304.png',
  '/tiles/grundkarta/15/18020/9652@2x.png',
  '/tiles/gra/14/9010/4826.webp',
  '/tiles/grundkarta/3006/9/915/942.png',
];
/** Cold tiles for bursts, one per burst: z16 tiles nobody reads otherwise. */
const BURST_PATHS = Array.from({ length: 40 }, (_, i) => `/tiles/sodertorn/16/${36030 + (i % 8)}/${19296 + Math.floor(i / 8)}.mvt`);
/** Where the writers edit, in XYZ z14 tiles (the readers' tiles lie inside). */
const EDIT_AREA = `(SELECT ST_Transform(ST_SetSRID(ST_Extent(e)::geometry, 3857), 3006) FROM (VALUES (ST_TileEnvelope(14, 9009, 4825)), (ST_TileEnvelope(14, 9010, 4826))) v(e))`;
const ANDAMAL = ['bostad', 'industri', 'samhällsfunktion', 'verksamhet'];

/** An engine process of the run: its config (with its own disk folder), and whether it is up. */
class ChaosEngine {
  current: EngineProcess | undefined;
  /** Escaped errors counted by processes of this engine that have since been killed. */
  escapedBefore = 0;
  private killing = false;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    /** Its disk tier's folder, kept across restarts. */
    readonly diskDir: string,
    private readonly crashes: string[],
  ) {}

  get url(): string | undefined {
    return this.current?.url;
  }

  async start(): Promise<void> {
    const started = await startEngineGroup(this.env);
    this.current = started;
    void started.process.exited.then(() => {
      if (!this.killing && this.current === started) this.crashes.push(`${this.name} exited on its own with ${started.process.child.exitCode ?? started.process.child.signalCode}`);
    });
  }

  /** SIGKILL, as the kernel's OOM killer or a node failure would; then started again over the same disk folder. */
  async killAndRestart(): Promise<void> {
    const engine = this.current;
    if (!engine) return;
    this.escapedBefore += await escapedOf(engine.url).catch(() => 0);
    this.killing = true;
    this.current = undefined;
    process.kill(-engine.process.pid, 'SIGKILL');
    await engine.process.exited;
    this.killing = false;
    await this.start();
  }

  async stop(): Promise<void> {
    this.killing = true;
    await this.current?.process.stop(5000);
    this.current = undefined;
  }
}

async function escapedOf(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/health`)).json()) as { escapedErrors?: Record<string, number> };
  return Object.values(health.escapedErrors ?? {}).reduce((a, b) => a + b, 0);
}

async function healthOf(url: string): Promise<{ cache: { appliedSeq?: number; invalidation?: string; rewarmPending?: number } }> {
  return (await (await fetch(`${url}/health`)).json()) as never;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until check() holds, asking at most `attempts` times 50 ms apart (something lost or stuck, not slow). */
async function until(what: string, attempts: number, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; !(await check().catch(() => false)); attempt++) {
    if (attempt >= attempts) throw new Error(`chaos: ${what}, asked ${attempts} times`);
    await sleep(50);
  }
}

async function bytesOf(url: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Every file below a folder. */
function filesBelow(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? filesBelow(path) : [path];
  });
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const rng = new Random(options.seed);
  const { log } = options;
  const database: DemoDatabase = await createDemoDatabase(`chaos_${process.pid}`);
  const redis = new RedisServer(await freePort());
  await redis.start();
  const db = new pg.Pool({ connectionString: database.url, max: options.writers + 2 });
  const crashes: string[] = [];
  const engines: ChaosEngine[] = [];
  let reference: EngineProcess | undefined;
  const shipped = loadConfig({});
  const configOf = (cache: object) => {
    const file = join(mkdtempSync(join(tmpdir(), 'chaos-')), 'engine.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...shipped,
        database: { ...shipped.database, poolSize: 4, probeIntervalMs: 500 },
        render: { ...shipped.render, workers: 1 },
        // One client (this test) sends everything; bursts of 500 are the point.
        limits: { ...shipped.limits, perClient: { maxConcurrent: 0, requestsPerS: 0, burst: 1, shared: false } },
        cache,
      }),
    );
    return file;
  };
  const cachedConfig = (diskDir: string) =>
    configOf({
      ...shipped.cache,
      // Small enough that entries are evicted and come back from the tiers below.
      memory: { enabled: true, maxBytes: 4 * 1024 * 1024 },
      disk: { enabled: true, dir: diskDir, maxBytes: 256 * 1024 * 1024 },
      redis: { ...shipped.cache.redis, keyPrefix: `chaos${options.seed}:` },
    });
  try {
    for (const name of ['a', 'b']) {
      const diskDir = mkdtempSync(join(tmpdir(), `chaos-disk-${name}-`));
      engines.push(new ChaosEngine(name, { CONFIG: cachedConfig(diskDir), DATABASE_URL: database.url, REDIS_URL: redis.url }, diskDir, crashes));
    }
    await Promise.all(engines.map((e) => e.start()));
    const startSeq = Number((await db.query('SELECT coalesce(max(seq), 0) AS seq FROM sodertorn_tiles.changelog')).rows[0].seq);
    const buildings: number[] = (await db.query(`SELECT id::int FROM byggnad WHERE geom && ${EDIT_AREA} ORDER BY id`)).rows.map((r) => r.id);
    const roads: number[] = (await db.query(`SELECT id::int FROM vag WHERE geom && ${EDIT_AREA} AND namn IS NOT NULL ORDER BY id`)).rows.map((r) => r.id);
    if (buildings.length < 10 || roads.length < 3) throw new Error(`chaos: too little to edit (${buildings.length} buildings, ${roads.length} roads)`);

    // The run is as long as its rounds of faults: the same work on a fast machine or a busy one.
    let faulting = true;
    const running = () => faulting;
    let statements = 0;
    let requests = 0;
    let aborted = 0;
    const statuses: Record<string, number> = {};
    const failures: string[] = [];
    const faults: string[] = [];
    const served = new Set<string>();
    // Each loop draws from a generator of its own, seeded from the run's: the choices replay whatever the timing.
    const seeds = Array.from({ length: options.writers + options.readers + 1 }, () => rng.int(1, 2 ** 31));

    /** Runs one writer's statements in a transaction; resolves to how many committed (0 when PostgreSQL chose it as a deadlock victim). */
    const commit = async (sql: readonly (readonly [string, readonly unknown[]])[]): Promise<number> => {
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        for (const [text, values] of sql) await client.query(text, values as unknown[]);
        await client.query('COMMIT');
        return sql.length;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if ((error as { code?: string }).code === '40P01') return 0; // writers updating the same rows in other orders
        throw error;
      } finally {
        client.release();
      }
    };
    const writer = async (seed: number) => {
      const r = new Random(seed);
      const building = () => buildings[r.int(0, buildings.length - 1)]!;
      while (running()) {
        const kind = r.int(0, 9);
        let committed: number;
        if (kind < 4) committed = await commit([['UPDATE byggnad SET andamal = $2 WHERE id = $1', [building(), ANDAMAL[r.int(0, ANDAMAL.length - 1)]]]]);
        else if (kind < 6) committed = await commit([['UPDATE byggnad SET geom = ST_Translate(geom, $2, $3) WHERE id = $1', [building(), r.int(-3, 3), r.int(-3, 3)]]]);
        else if (kind < 8) committed = await commit([['UPDATE vag SET namn = $2 WHERE id = $1', [roads[r.int(0, roads.length - 1)], `Kaosgatan ${r.int(1, 99)}`]]]);
        // Several statements in one transaction: one commit, one log row each.
        else committed = await commit(Array.from({ length: 3 }, () => ['UPDATE byggnad SET hojd = $2 WHERE id = $1', [building(), r.int(3, 40)]] as const));
        // Added after the await: `statements += await …` would add to a value read before it, losing other writers' counts.
        statements += committed;
        await sleep(r.int(5, 60));
      }
    };

    const reader = async (seed: number) => {
      const r = new Random(seed);
      while (running()) {
        const path = PATHS[r.int(0, PATHS.length - 1)]!;
        const engine = engines[r.int(0, engines.length - 1)]!;
        const url = engine.url;
        const giveUpAfterMs = r.next() < 0.15 ? r.int(0, 40) : undefined;
        if (!url) {
          await sleep(20);
          continue;
        }
        const controller = new AbortController();
        const timer = giveUpAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), giveUpAfterMs);
        requests++;
        try {
          const res = await fetch(`${url}${path}`, { signal: controller.signal });
          await res.arrayBuffer();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status === 200 || res.status === 204) served.add(path);
          else if (res.status !== 503) failures.push(`${res.status} ${engine.name}${path}`);
        } catch (error) {
          if (controller.signal.aborted) aborted++;
          // Refused or cut while the engine was being killed: what a client of a dead replica sees.
          else if (engine.url === url) failures.push(`${(error as Error).message} ${engine.name}${path}`);
        } finally {
          clearTimeout(timer);
        }
      }
    };

    const order = [...FAULTS];
    let bursts = 0;
    const strike = async (fault: Fault, r: Random): Promise<string> => {
      const engine = engines[r.int(0, engines.length - 1)]!;
      switch (fault) {
        case 'kill-listener': {
          const { rowCount } = await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sodertorn-tiles change listener' AND datname = current_database()`);
          return `${fault} (${rowCount})`;
        }
        case 'kill-engine':
          await engine.killAndRestart();
          return `${fault} ${engine.name}`;
        case 'stall-redis':
          await redis.stall(1000);
          return fault;
        case 'pause-redis': {
          const client = createClient({ url: redis.url });
          client.on('error', () => undefined);
          await client.connect();
          await client.sendCommand(['CLIENT', 'PAUSE', '800', 'ALL']);
          client.destroy();
          await sleep(800);
          return fault;
        }
        case 'restart-redis':
          await redis.restart();
          return fault;
        case 'corrupt-disk': {
          const files = filesBelow(engine.diskDir).filter((f) => /\.(mvt|png|webp)$/.test(f));
          let flipped = 0;
          for (let i = 0; i < Math.min(5, files.length); i++) {
            const file = files[r.int(0, files.length - 1)]!;
            try {
              const bytes = readFileSync(file);
              if (bytes.length === 0) continue;
              bytes[r.int(0, bytes.length - 1)]! ^= 1 << r.int(0, 7);
              writeFileSync(file, bytes);
              flipped++;
            } catch {
              // evicted or invalidated meanwhile
            }
          }
          return `${fault} ${engine.name} (${flipped} of ${files.length} files)`;
        }
        case 'burst': {
          const path = BURST_PATHS[bursts++ % BURST_PATHS.length]!;
          const url = engine.url;
          if (!url) return `${fault} skipped (${engine.name} down)`;
          const answers = await Promise.all(Array.from({ length: 500 }, () => bytesOf(`${url}${path}`).catch((error: Error) => ({ status: -1, body: Buffer.from(error.message) }))));
          const bodies = new Set(answers.map((a) => `${a.status} ${a.body.toString('base64')}`));
          for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
          requests += answers.length;
          if (answers.some((a) => a.status !== 200 && a.status !== 204)) failures.push(`burst ${engine.name}${path}: ${[...new Set(answers.map((a) => a.status))].join(', ')}`);
          else if (bodies.size !== 1) failures.push(`burst ${engine.name}${path}: ${bodies.size} different answers`);
          else served.add(path);
          return `${fault} ${engine.name} ${path}`;
        }
      }
    };
    const faulter = async (seed: number) => {
      const r = new Random(seed);
      // Every fault once per round, in a seeded order each round.
      for (let round = 0; round < options.rounds; round++) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = r.int(0, i);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        for (const fault of order) {
          await sleep(r.int(1000, 2500));
          const done = await strike(fault, r);
          faults.push(done);
          log(`chaos: ${done}`);
        }
      }
      faulting = false;
    };

    await Promise.all([
      ...seeds.slice(0, options.writers).map(writer),
      ...seeds.slice(options.writers, options.writers + options.readers).map(reader),
      faulter(seeds.at(-1)!),
    ]);

    // Quiet now: both engines up, caught up with the change log, done re-warming.
    for (const engine of engines) if (!engine.url) await engine.start();
    const latest = Number((await db.query('SELECT coalesce(max(seq), 0) AS seq FROM sodertorn_tiles.changelog')).rows[0].seq);
    for (const engine of engines) {
      await until(`${engine.name} caught up with the change log`, 1200, async () => {
        const { cache } = await healthOf(engine.url!);
        return cache.invalidation === 'listening' && (cache.appliedSeq ?? 0) >= latest && cache.rewarmPending === 0;
      });
    }
    const logged = Number((await db.query(`SELECT count(*) AS n FROM sodertorn_tiles.changelog WHERE seq > $1`, [startSeq])).rows[0].n);

    // The truth: an engine with no cache, over the same data.
    reference = await startEngineGroup({ CONFIG: configOf({ ...shipped.cache, memory: { enabled: false, maxBytes: 1024 } }), DATABASE_URL: database.url });
    const stale: string[] = [];
    for (const path of [...served].sort()) {
      const truth = await bytesOf(`${reference.url}${path}`);
      for (const engine of engines) {
        // Twice: the first may be produced now, the second is what the cache holds.
        for (const attempt of ['first', 'again']) {
          const got = await bytesOf(`${engine.url}${path}`);
          if (got.status !== truth.status || !got.body.equals(truth.body)) stale.push(`${engine.name}${path} (${attempt}): ${got.status} ${got.body.length} B, fresh ${truth.status} ${truth.body.length} B`);
        }
      }
    }
    let escaped = 0;
    for (const engine of engines) escaped += engine.escapedBefore + (await escapedOf(engine.url!));
    return { seed: options.seed, statements, logged, requests, aborted, statuses, failures, faults, stale, paths: served.size, crashes, escaped };
  } finally {
    await Promise.all([...engines.map((e) => e.stop()), reference?.process.stop()]);
    await db.end();
    await redis.stop();
    await database.drop();
  }
}

/** A seed for a run: CHAOS_SEED to replay one, else a new one (printed with the report). */
export function chaosSeed(): number {
  const given = process.env.CHAOS_SEED;
  return given ? Number(given) : randomBytes(4).readUInt32BE(0) >>> 1;
}
