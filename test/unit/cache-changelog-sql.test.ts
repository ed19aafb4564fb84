import { describe, expect, it } from 'vitest';
import { Backoff } from '../../cache/invalidation/backoff.ts';
import { toTableChange } from '../../cache/invalidation/changelog-query.ts';
import {
  changeLogName,
  checkChannel,
  createChangeLogSql,
  DEFAULT_CHANGELOG,
  installTriggersSql,
  latestSeqSql,
  listenSql,
  pruneSql,
  quoteQualified,
  selectChangesSql,
  TRIGGER_NAMES,
  uninstallTriggersSql,
} from '../../cache/invalidation/changelog-sql.ts';
import { qualifyTable, trackedTables } from '../../cache/invalidation/tracked-tables.ts';
import { Wakeup } from '../../cache/invalidation/wakeup.ts';
import { parseConfig } from '../../src/config/load-config.ts';

const log = changeLogName(DEFAULT_CHANGELOG);

describe('change-log names', () => {
  it('parses and quotes the log table', () => {
    expect(log).toEqual({ name: 'sodertorn_tiles.changelog', schema: 'sodertorn_tiles', table: 'changelog', sql: '"sodertorn_tiles"."changelog"' });
  });

  it('rejects log names that are unqualified or could break out of a function body', () => {
    expect(() => changeLogName('changelog')).toThrow('is not a schema-qualified table name');
    expect(() => changeLogName('Tiles.log')).toThrow('"Tiles" must be 1–63 lower-case letters');
    expect(() => changeLogName('a.$record$')).toThrow('"$record$" must be');
    expect(() => changeLogName('a.b"c')).toThrow('must be');
    expect(() => checkChannel('changes; DROP')).toThrow('channel "changes; DROP" must be');
    expect(checkChannel('sodertorn_tiles_changes')).toBe('sodertorn_tiles_changes');
  });

  it('quotes source tables with any characters config allows', () => {
    expect(quoteQualified('public.byggnad')).toBe('"public"."byggnad"');
    expect(quoteQualified('Kart Data.väg"ar')).toBe('"Kart Data"."väg""ar"');
    expect(qualifyTable('byggnad')).toBe('public.byggnad');
    expect(qualifyTable('gis.byggnad')).toBe('gis.byggnad');
  });
});

describe('change-log SQL', () => {
  const tables = [{ table: "gis.o'neill", geometries: [{ column: 'the geom', srid: 3006 }, { column: 'label_pt', srid: 3011 }], usedBy: ['a/b'] }];

  it('creates the log idempotently with its functions, in the log schema, channel quoted as a literal', () => {
    const sql = createChangeLogSql(log, { channel: 'sodertorn_tiles_changes', postgisSchema: 'public' });
    expect(sql[0]).toBe('CREATE SCHEMA IF NOT EXISTS "sodertorn_tiles"');
    expect(sql[1]).toMatch(/^CREATE TABLE IF NOT EXISTS "sodertorn_tiles"\."changelog" \(\n {2}seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY/);
    expect(sql[1]).not.toMatch(/\bxmin\b/);
    const body = sql.join(';\n');
    expect(body).toContain('CREATE OR REPLACE FUNCTION "sodertorn_tiles"."changelog_record"() RETURNS trigger');
    expect(body).toContain('SET search_path = pg_catalog, "public", pg_temp');
    expect(body).toContain("PERFORM pg_notify('sodertorn_tiles_changes', '')");
    expect(body).toContain('DROP TRIGGER IF EXISTS "changelog_commit" ON "sodertorn_tiles"."changelog"');
    expect(body).toContain('CREATE CONSTRAINT TRIGGER "changelog_commit" AFTER INSERT ON "sodertorn_tiles"."changelog" DEFERRABLE INITIALLY DEFERRED');
    expect(body).not.toMatch(/CREATE (TABLE|INDEX|SCHEMA) (?!IF NOT EXISTS)/);
  });

  it('creates four statement triggers a table, each dropped first, with quoted arguments', () => {
    const sql = installTriggersSql(log, tables);
    expect(sql).toHaveLength(8);
    expect(sql[0]).toBe(`DROP TRIGGER IF EXISTS "${TRIGGER_NAMES.INSERT}" ON "gis"."o'neill"`);
    const args = `"sodertorn_tiles"."changelog_record"('gis.o''neill', 'the geom', '3006', 'label_pt', '3011')`;
    expect(sql[1]).toBe(`CREATE TRIGGER "${TRIGGER_NAMES.INSERT}" AFTER INSERT ON "gis"."o'neill" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${args}`);
    expect(sql[3]).toContain('AFTER UPDATE ON "gis"."o\'neill" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT');
    expect(sql[5]).toContain('AFTER DELETE ON "gis"."o\'neill" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT');
    expect(sql[7]).toBe(`CREATE TRIGGER "${TRIGGER_NAMES.TRUNCATE}" AFTER TRUNCATE ON "gis"."o'neill" FOR EACH STATEMENT EXECUTE FUNCTION ${args}`);
  });

  it('uninstalls exactly the four triggers', () => {
    expect(uninstallTriggersSql(['public.vag'])).toEqual(Object.values(TRIGGER_NAMES).map((n) => `DROP TRIGGER IF EXISTS "${n}" ON "public"."vag"`));
  });

  it('reads, counts, prunes and listens with parameters, never interpolated values', () => {
    expect(selectChangesSql(log)).toBe(
      'SELECT seq, table_name, srid, min_x, min_y, max_x, max_y, rows, committed_at FROM "sodertorn_tiles"."changelog" WHERE seq > $1 ORDER BY seq LIMIT $2',
    );
    expect(latestSeqSql(log)).toBe('SELECT coalesce(max(seq), 0) AS seq FROM "sodertorn_tiles"."changelog"');
    expect(pruneSql(log, { olderThanDays: 30 })).toEqual({ text: 'DELETE FROM "sodertorn_tiles"."changelog" WHERE committed_at < clock_timestamp() - make_interval(days => $1)', values: [30] });
    expect(pruneSql(log, { throughSeq: 42 })).toEqual({ text: 'DELETE FROM "sodertorn_tiles"."changelog" WHERE seq <= $1', values: [42] });
    expect(listenSql('sodertorn_tiles_changes')).toBe('LISTEN "sodertorn_tiles_changes"');
  });
});

describe('tracked tables', () => {
  const layer = (id: string, table: string, extra: object = {}) => ({ id, table, srid: 3006, ...extra });

  it('lists each layer table once, qualified, with every geometry column used', () => {
    const config = parseConfig({
      tilesets: [
        { id: 'a', layers: [layer('byggnad', 'byggnad'), layer('vag', 'gis.vag'), layer('etikett', 'byggnad', { geometryColumn: 'label_pt' })] },
        { id: 'b', layers: [layer('byggnad', 'public.byggnad')] },
      ],
    });
    expect(trackedTables(config.tilesets)).toEqual([
      { table: 'public.byggnad', geometries: [{ column: 'geom', srid: 3006 }, { column: 'label_pt', srid: 3006 }], usedBy: ['a/byggnad', 'a/etikett', 'b/byggnad'] },
      { table: 'gis.vag', geometries: [{ column: 'geom', srid: 3006 }], usedBy: ['a/vag'] },
    ]);
  });

  it('refuses layers that disagree on the SRID of one column', () => {
    const config = parseConfig({ tilesets: [{ id: 'a', layers: [layer('x', 'byggnad'), layer('y', 'byggnad', { srid: 3011 })] }] });
    expect(() => trackedTables(config.tilesets)).toThrow('layers disagree on the SRID of public.byggnad.geom: 3006 and 3011 (a/x, a/y)');
  });
});

describe('log rows', () => {
  it('become TableChanges; a NULL bbox is the whole table', () => {
    const committed = new Date('2025-01-01T00:00:00Z');
    const row = { seq: '9007199254740991', table_name: 'public.vag', srid: 3006, min_x: 1, min_y: 2, max_x: 3, max_y: 4, rows: 5, committed_at: committed };
    expect(toTableChange(row)).toEqual({ seq: 9007199254740991, table: 'public.vag', srid: 3006, bbox: [1, 2, 3, 4], rows: 5, committedAt: committed });
    expect(toTableChange({ ...row, min_x: null, min_y: null, max_x: null, max_y: null, rows: null })).toMatchObject({ bbox: undefined, rows: 0 });
  });
});

describe('Backoff', () => {
  it('doubles from initialMs up to maxMs, drawing from the upper half, and resets', () => {
    const top = new Backoff({ initialMs: 100, maxMs: 5000 }, () => 1);
    expect(Array.from({ length: 8 }, () => top.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(top.failures).toBe(8);
    top.reset();
    expect(top.next()).toBe(100);
    const bottom = new Backoff({ initialMs: 100, maxMs: 5000 }, () => 0);
    expect([bottom.next(), bottom.next()]).toEqual([50, 100]);
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow('0 < initialMs <= maxMs');
  });
});

describe('Wakeup', () => {
  it('folds any number of signals into one wake-up', async () => {
    const wake = new Wakeup();
    expect(wake.take()).toBe(false);
    wake.signal();
    wake.signal();
    await wake.wait(10_000); // resolves at once: the flag is set
    expect(wake.take()).toBe(true);
    expect(wake.take()).toBe(false);
    const waiting = wake.wait(10_000);
    setTimeout(() => wake.signal(), 5);
    await waiting;
    expect(wake.take()).toBe(true);
    // Unsignalled, a wait ends by itself (its timeout), with nothing to take.
    await wake.wait(20);
    expect(wake.take()).toBe(false);
  });
});
