// Prepares this machine for the test suite, as a newcomer's `npm test` needs it:
// PostgreSQL running, PostGIS installed (apt, when root) and enabled in a dedicated
// test database, GDAL's ogrinfo for the independent MVT decoder, Redis answering on
// 127.0.0.1:6379 for the cache tier tests, nginx for the multi-process test. Idempotent
// and quiet when everything is already there.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import pg from 'pg';

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEST_DB = process.env.TEST_DATABASE_NAME ?? 'sodertorn_test';
const isRoot = process.getuid?.() === 0;
let aptUpdated = false;

function log(message) {
  console.error(`[test-setup] ${message}`);
}

function run(command) {
  log(command);
  execSync(command, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

// Debian's policy hook: exit 101 tells invoke-rc.d (and deb-systemd-invoke) not to start a
// package's service, so installing nginx or Varnish starts no daemon on port 80 or 6081;
// the tests start their own instances on loopback ports.
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

function aptInstall(packages) {
  if (!isRoot) throw new Error(`missing ${packages.join(', ')}; install them (apt-get install ${packages.join(' ')}) or run as root`);
  if (!aptUpdated) run('apt-get update -qq');
  aptUpdated = true;
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy) writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by sodertorn-tiles scripts/test-setup.mjs while it installs packages\nexit 101\n', { mode: 0o755 });
  try {
    run(`apt-get install -y -qq ${packages.join(' ')}`);
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
}

const hasCommand = (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

async function connect(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  return client;
}

async function connectOrStartServer() {
  try {
    return await connect(ADMIN_URL);
  } catch (error) {
    if (!existsSync('/etc/postgresql') || !hasCommand('pg_ctlcluster')) throw error;
    const version = readdirSync('/etc/postgresql')[0];
    log(`PostgreSQL is not answering (${error.message}); starting cluster ${version}/main`);
    run(`pg_ctlcluster --skip-systemctl-redirect ${version} main start || true`);
    for (let i = 0; i < 30; i++) {
      try {
        return await connect(ADMIN_URL);
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    throw error;
  }
}

const admin = await connectOrStartServer();
const major = Math.floor(Number((await admin.query('SHOW server_version_num')).rows[0].server_version_num) / 10000);
const available = await admin.query("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'");
if (available.rowCount === 0) aptInstall([`postgresql-${major}-postgis-3`]);
const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEST_DB]);
if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${TEST_DB}"`);
await admin.end();

const testUrl = new URL(ADMIN_URL);
testUrl.pathname = `/${TEST_DB}`;
const db = await connect(testUrl.toString());
await db.query('CREATE EXTENSION IF NOT EXISTS postgis');
const version = (await db.query('SELECT postgis_lib_version() AS v')).rows[0].v;
await db.end();

// Real clients and validators the tests run: GDAL, QGIS, OWSLib (Debian's python3, not a
// pyenv one), xmllint and the offline OGC schemas shipped with python3-mapproxy, and
// Debian's chromium for the viewer test (playwright's own browser download cannot reach its host),
// Varnish for the purge test (a real HTTP cache in front of the engine), and nginx for the
// multi-process test (the shipped deploy/nginx.conf in front of three engine processes).
const missing = [
  ['ogrinfo', 'gdal-bin'],
  ['xmllint', 'libxml2-utils'],
].filter(([command]) => !hasCommand(command)).map(([, pkg]) => pkg);
if (!existsSync('/usr/share/python3-mapproxy/test/schemas/wmts/1.0/wmtsGetCapabilities_response.xsd')) missing.push('python3-mapproxy');
if (spawnSync('/usr/bin/python3', ['-c', 'import owslib']).status !== 0) missing.push('python3-owslib');
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
// QGIS, headless, for the desktop client test (qgis-client.test.ts); QGIS's own providers.
if (spawnSync('/usr/bin/python3', ['-c', 'import qgis.core'], { env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' } }).status !== 0) missing.push('python3-qgis', 'qgis-providers');
if (!existsSync('/usr/sbin/varnishd')) missing.push('varnish');
if (!existsSync('/usr/sbin/nginx')) missing.push('nginx');
if (missing.length) aptInstall(missing);

// Redis for the cache tier tests (they use database 15 and a key prefix of their own).
// Started without persistence: a test server keeps nothing between runs.
const redisAnswers = () => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
if (!redisAnswers()) {
  if (!hasCommand('redis-server') || !hasCommand('redis-cli')) aptInstall(['redis-server']);
  run('redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no');
  for (let i = 0; i < 50 && !redisAnswers(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!redisAnswers()) throw new Error('redis-server was started but 127.0.0.1:6379 does not answer PING');
}
const redisInfo = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'info', 'server'], { encoding: 'utf8' }).stdout ?? '';
const redisVersion = /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? 'unknown version';
log(`ready: ${TEST_DB} with PostGIS ${version}; Redis ${redisVersion} on 127.0.0.1:6379; GDAL, QGIS, xmllint, OGC schemas, OWSLib, chromium, Varnish and nginx present`);
