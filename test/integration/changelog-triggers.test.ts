import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchChanges, latestSeq, pruneChangeLog } from '../../cache/invalidation/changelog-query.ts';
import { changeLogName } from '../../cache/invalidation/changelog-sql.ts';
import { ChangeLogSetupError, installChangeLog, uninstallChangeLog } from '../../cache/invalidation/install-triggers.ts';
import type { TableChange } from '../../cache/invalidation/change.ts';
import { runCli } from '../../src/cli.ts';
import { createChangeLogFixture, pointSql, type ChangeLogFixture } from '../helpers/changelog-db.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

let f: ChangeLogFixture;

beforeAll(async () => {
  f = await createChangeLogFixture('changelog_it');
});
afterAll(async () => {
  await f?.close();
});

/** Runs statements and returns the log rows they added. */
async function changesOf(...statements: string[]): Promise<TableChange[]> {
  const before = await latestSeq(f.db, f.changelog);
  for (const sql of statements) await f.db.query(sql);
  return fetchChanges(f.db, changeLogName(f.changelog), before, 1000);
}

describe('change-log triggers', () => {
  it('logs an INSERT statement as one row with the extent of the new rows', async () => {
    const [change, ...rest] = await changesOf(`INSERT INTO ${f.points} (namn, geom) VALUES ('a', ${pointSql(650000, 6570000)}), ('b', ${pointSql(651000, 6572000)})`);
    expect(rest).toEqual([]);
    expect(change).toMatchObject({ table: f.points, srid: 3006, rows: 2, bbox: [650000, 6570000, 651000, 6572000] });
    expect(Date.now() - change!.committedAt.getTime()).toBeLessThan(60_000);
  });

  it('covers both the old and the new place when an UPDATE moves a point from A to B', async () => {
    await f.db.query(`INSERT INTO ${f.points} (namn, geom) VALUES ('flyttas', ${pointSql(660000, 6580000)})`);
    const changes = await changesOf(`UPDATE ${f.points} SET geom = ${pointSql(662500, 6578000)} WHERE namn = 'flyttas'`);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ rows: 1, bbox: [660000, 6578000, 662500, 6580000] });
  });

  it('logs a DELETE with the extent of the deleted rows, polygons included', async () => {
    await f.db.query(`INSERT INTO ${f.areas} (klass, geom) VALUES ('skog', ST_MakeEnvelope(670000, 6590000, 670100, 6590200, 3006))`);
    const changes = await changesOf(`DELETE FROM ${f.areas} WHERE klass = 'skog'`);
    expect(changes).toHaveLength(1);
    const [x0, y0, x1, y1] = changes[0]!.bbox!;
    // Polygons keep a float4 bounding box, rounded outwards: at most a metre off, never inside.
    expect([x0 <= 670000 && x0 > 669999, y0 <= 6590000 && y0 > 6589999, x1 >= 670100 && x1 < 670101, y1 >= 6590200 && y1 < 6590201]).toEqual([true, true, true, true]);
    expect(changes[0]!.table).toBe(f.areas);
  });

  it('logs TRUNCATE as the whole table (no bbox)', async () => {
    const changes = await changesOf(`TRUNCATE ${f.areas}`);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ table: f.areas, bbox: undefined, srid: 3006 });
  });

  it('logs nothing for a statement that touched no rows, or only rows without geometry', async () => {
    await f.db.query(`INSERT INTO ${f.points} (namn) VALUES ('utan geometri')`);
    const changes = await changesOf(`UPDATE ${f.points} SET namn = 'x' WHERE false`, `UPDATE ${f.points} SET namn = 'fortfarande utan' WHERE geom IS NULL`);
    expect(changes).toEqual([]);
  });

  it('logs an attribute-only UPDATE with the extent of the rows (their tiles show the attribute)', async () => {
    const changes = await changesOf(`UPDATE ${f.points} SET namn = 'A' WHERE namn = 'a'`);
    expect(changes.map((c) => c.bbox)).toEqual([[650000, 6570000, 650000, 6570000]]);
  });

  it('makes one log row and one notification for a 100,000-row UPDATE in one statement', async () => {
    await f.db.query(`INSERT INTO ${f.points} (namn, geom) SELECT 'massa', ST_SetSRID(ST_MakePoint(600000 + i, 6500000 + i % 1000), 3006) FROM generate_series(0, 99999) AS i`);
    const listener = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await listener.connect();
    const notifications: string[] = [];
    listener.on('notification', (n) => notifications.push(n.payload ?? ''));
    await listener.query(`LISTEN ${f.channel}`);
    try {
      const started = performance.now();
      const changes = await changesOf(`UPDATE ${f.points} SET geom = ST_Translate(geom, 10, 0) WHERE namn = 'massa'`);
      const statementMs = performance.now() - started;
      await new Promise((r) => setTimeout(r, 300)); // more notifications would have arrived by now
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ rows: 100_000, bbox: [600000, 6500000, 600000 + 99_999 + 10, 6500000 + 999] });
      expect(notifications).toEqual(['']);
      console.log(`100,000-row UPDATE with the statement trigger: ${statementMs.toFixed(0)} ms, 1 log row, ${notifications.length} notification`);
    } finally {
      await listener.end();
    }
  });

  it('numbers log rows in commit order, not in statement order', async () => {
    const slow = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await slow.connect();
    try {
      const before = await latestSeq(f.db, f.changelog);
      await slow.query('BEGIN');
      await slow.query(`INSERT INTO ${f.points} (namn, geom) VALUES ('först skriven', ${pointSql(640000, 6560000)})`);
      await f.db.query(`INSERT INTO ${f.points} (namn, geom) VALUES ('först committad', ${pointSql(641000, 6561000)})`);
      // A reader now sees the faster transaction's row; the slower one must come after it.
      const seen = await fetchChanges(f.db, changeLogName(f.changelog), before, 10);
      await slow.query('COMMIT');
      const all = await fetchChanges(f.db, changeLogName(f.changelog), before, 10);
      expect(seen.map((c) => c.bbox![0])).toEqual([641000]);
      expect(all.map((c) => c.bbox![0])).toEqual([641000, 640000]);
      expect(all[1]!.seq).toBeGreaterThan(seen[0]!.seq);
    } finally {
      await slow.end();
    }
  });

  it('logs nothing for a rolled-back transaction', async () => {
    const client = await f.db.connect();
    try {
      const before = await latestSeq(client, f.changelog);
      await client.query('BEGIN');
      await client.query(`DELETE FROM ${f.points}`);
      await client.query('ROLLBACK');
      expect(await latestSeq(client, f.changelog)).toBe(before);
    } finally {
      client.release();
    }
  });

  it('installs idempotently, keeping the logged rows, and uninstalls', async () => {
    const client = await f.db.connect();
    try {
      const before = await latestSeq(client, f.changelog);
      await installChangeLog(client, f);
      await installChangeLog(client, f);
      expect(await latestSeq(client, f.changelog)).toBe(before);
      const triggers = async () =>
        (await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = ANY($1::regclass[]) AND NOT tgisinternal`, [f.tables.map((t) => t.table)])).rows[0]!.n;
      expect(await triggers()).toBe('8');
      await uninstallChangeLog(client, f.tables.map((t) => t.table));
      expect(await triggers()).toBe('0');
      expect(await changesOf(`INSERT INTO ${f.points} (namn, geom) VALUES ('otriggad', ${pointSql(1, 1)})`)).toEqual([]);
      await installChangeLog(client, f);
      expect(await triggers()).toBe('8');
    } finally {
      client.release();
    }
  });

  it('refuses to install on a missing table or column, naming it, and changes nothing', async () => {
    const client = await f.db.connect();
    try {
      const tables = [...f.tables, { table: `${f.data}.saknas`, geometries: [{ column: 'geom', srid: 3006 }], usedBy: ['test/saknas'] }, { table: f.points, geometries: [{ column: 'the_geom', srid: 3006 }], usedBy: ['test/punkt2'] }];
      const error = await installChangeLog(client, { ...f, tables }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChangeLogSetupError);
      expect((error as Error).message).toContain(`table ${f.data}.saknas does not exist (used by test/saknas)`);
      expect((error as Error).message).toContain(`table ${f.points} has no column "the_geom"`);
    } finally {
      client.release();
    }
  });

  it('install-triggers covers every layer table of the config once; --uninstall removes the triggers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'changelog-cli-'));
    const config = join(dir, 'config.yaml');
    const layer = (id: string, table: string) => `      - { id: ${id}, table: ${table}, srid: 3006 }`;
    writeFileSync(config, ['tilesets:', '  - id: a', '    layers:', layer('punkt', f.points), layer('yta', f.areas), '  - id: b', '    layers:', layer('punkt', f.points)].join('\n'));
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { DATABASE_URL: TEST_DATABASE_URL } });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const flags = ['--config', config, '--changelog', f.changelog, '--channel', f.channel];
    const installed = await run('install-triggers', ...flags);
    expect(installed).toMatchObject({ code: 0, err: '' });
    expect(installed.out).toMatch(new RegExp(`${f.data}\\.punkt +geom \\(EPSG:3006\\) +a/punkt, b/punkt`));
    expect(installed.out).toContain(`2 tables log their changes to ${f.changelog} and notify "${f.channel}"`);
    expect(await changesOf(`INSERT INTO ${f.points} (namn, geom) VALUES ('cli', ${pointSql(2, 3)})`)).toHaveLength(1);

    const removed = await run('install-triggers', ...flags, '--uninstall');
    expect(removed).toMatchObject({ code: 0 });
    expect(removed.out).toContain('removed the triggers from 2 tables');
    expect(await changesOf(`INSERT INTO ${f.points} (namn, geom) VALUES ('cli', ${pointSql(2, 3)})`)).toEqual([]);
    expect((await run('install-triggers', ...flags)).code).toBe(0);

    expect(await run('install-triggers', '--config', config, '--changelog', 'Bad.Name')).toMatchObject({ code: 2 });
    writeFileSync(config, ['tilesets:', '  - id: a', '    layers:', layer('saknas', `${f.data}.saknas`)].join('\n'));
    const missing = await run('install-triggers', ...flags);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`table ${f.data}.saknas does not exist (used by a/saknas)`);
    expect((await run('prune-changelog', '--config', config, '--changelog', f.changelog, '--older-than-days', '7')).out).toBe(`deleted 0 rows from ${f.changelog}`);
    expect((await run('prune-changelog', '--config', config)).code).toBe(2);
  });

  it('prunes rows through a seq, or older than N days', async () => {
    const latest = await latestSeq(f.db, f.changelog);
    expect(await pruneChangeLog(f.db, { olderThanDays: 1 }, f.changelog)).toBe(0);
    expect(await pruneChangeLog(f.db, { throughSeq: latest - 1 }, f.changelog)).toBeGreaterThan(0);
    const left = await fetchChanges(f.db, changeLogName(f.changelog), 0, 10);
    expect(left.map((c) => c.seq)).toEqual([latest]);
  });
});
