import { describe, expect, it } from 'vitest';
import {
  grantsOpen,
  isPublicAccess,
  publicPartOf,
  restrictedDataLeaks,
  tablesByName,
  tilesetAccess,
  unknownRestrictedTables,
  type DataRestriction,
  type TableCatalogue,
} from '../../src/access/data-restrictions.ts';
import { layerSchema, tilesetSchema, type TilesetConfig } from '../../src/config/schema.ts';

const layer = (fields: Record<string, unknown>) => layerSchema.parse({ id: 'l', srid: 3006, ...fields });
const tileset = (id: string, layers: Record<string, unknown>[], access?: 'restricted'): TilesetConfig =>
  tilesetSchema.parse({ id, layers: layers.map((l, i) => ({ id: `l${i}`, srid: 3006, ...l })), ...(access ? { access } : {}) });

const WHOLE: DataRestriction = { table: 'fastighet', grants: ['fastighetsregister'] };
const OWNER: DataRestriction = { table: 'byggnad', columns: ['agare'], grants: ['agare'] };
const FOOTPRINTS: DataRestriction = { table: 'public.byggnad', publicColumns: ['geom', 'id', 'andamal'], grants: ['byggnad'] };

describe('what a layer reads of restricted data', () => {
  it('a whole-table restriction holds under every spelling of the table', () => {
    for (const table of ['fastighet', 'public.fastighet']) {
      const access = tilesetAccess(tileset('t', [{ table }]), [WHOLE], tablesByName);
      expect(access.dataGrants).toEqual([['fastighetsregister']]);
      expect(isPublicAccess(access)).toBe(false);
    }
    expect(isPublicAccess(tilesetAccess(tileset('t', [{ table: 'other.fastighet' }]), [WHOLE], tablesByName))).toBe(true);
  });

  it('restricted columns: only a layer handing them out, or filtering on them, is restricted', () => {
    const reads = (fields: Record<string, unknown>) => tilesetAccess(tileset('t', [{ table: 'byggnad', ...fields }]), [OWNER], tablesByName).dataGrants.length;
    expect(reads({ attributes: ['andamal'] })).toBe(0);
    expect(reads({ attributes: ['andamal', 'agare'] })).toBe(1);
    expect(reads({ idColumn: 'agare' })).toBe(1);
    expect(reads({ geometryColumn: 'agare' })).toBe(1);
    expect(reads({ filter: `"agare" = 'Kalle'` })).toBe(1);
    expect(reads({ filter: "AGARE IS NOT NULL" })).toBe(1);
    expect(reads({ filter: "agare_typ = 'x'" })).toBe(0);
  });

  it('the publicColumns opt-out: only the columns named are public, and any SQL filter counts as reading the rest', () => {
    const reads = (fields: Record<string, unknown>) => tilesetAccess(tileset('t', [{ table: 'byggnad', ...fields }]), [FOOTPRINTS], tablesByName).dataGrants.length;
    expect(reads({ idColumn: 'id', attributes: ['andamal'] })).toBe(0);
    expect(reads({ attributes: ['andamal', 'hojd'] })).toBe(1);
    expect(reads({ geometryColumn: 'geom_private' })).toBe(1);
    expect(reads({ filter: "andamal = 'bostad'" })).toBe(1);
  });

  it('a view over a restricted table is restricted, through views of views', () => {
    const catalogue: TableCatalogue = {
      identify: (t) => ({ fastighet: '1', 'public.fastighet': '1', fastighet_vy: '2', vy_av_vy: '3' })[t],
      readsThrough: (id) => ({ '2': ['1'], '3': ['2', '1'] })[id] ?? [],
    };
    expect(tilesetAccess(tileset('t', [{ table: 'vy_av_vy', attributes: ['x'] }]), [WHOLE], catalogue).dataGrants).toEqual([['fastighetsregister']]);
    // Through a view, even a column restriction covers everything: the view may rename columns.
    expect(tilesetAccess(tileset('t', [{ table: 'fastighet_vy' }]), [{ table: 'fastighet', columns: ['x'], grants: ['g'] }], catalogue).dataGrants).toEqual([['g']]);
    expect(unknownRestrictedTables([{ table: 'fastigheter', grants: ['g'] }], catalogue)).toEqual(['access.restrictedData[0].table: table fastigheter does not exist']);
  });
});

describe('who may read a tileset', () => {
  const both = tilesetAccess(tileset('agare', [{ table: 'fastighet' }], 'restricted'), [WHOLE], tablesByName);

  it('takes the tileset’s own grant and one grant of each restriction; * opens all', () => {
    expect(both).toEqual({ ownGrant: 'agare', dataGrants: [['fastighetsregister']] });
    expect(grantsOpen(new Set(['agare']), both)).toBe(false);
    expect(grantsOpen(new Set(['fastighetsregister']), both)).toBe(false);
    expect(grantsOpen(new Set(['agare', 'fastighetsregister']), both)).toBe(true);
    expect(grantsOpen(new Set(['*']), both)).toBe(true);
    expect(grantsOpen(new Set(['*']), { dataGrants: [[]] })).toBe(false);
  });
});

describe('start-up refuses a configuration that publishes restricted data', () => {
  it('names the option paths of every layer over restricted data in a tileset not declared restricted', () => {
    const problems = restrictedDataLeaks(
      [tileset('sodertorn', [{ table: 'kommun' }, { table: 'fastighet', attributes: ['beteckning'] }]), tileset('register', [{ table: 'fastighet' }], 'restricted')],
      [WHOLE],
      tablesByName,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^tilesets\[0\]\.layers\[1\] \(sodertorn\/l1\) reads table fastighet, restricted by access\.restrictedData\[0\]/);
    expect(problems[0]).toContain('declare tilesets[0].access: restricted');
    expect(problems[0]).toContain('access.restrictedData[0].publicColumns');
  });

  it('the opt-out lets a layer reading only public columns stay public', () => {
    const footprints = tileset('byggnader', [{ table: 'byggnad', idColumn: 'id', attributes: ['andamal'] }]);
    expect(restrictedDataLeaks([footprints], [FOOTPRINTS], tablesByName)).toEqual([]);
    expect(restrictedDataLeaks([footprints], [{ ...FOOTPRINTS, publicColumns: ['geom', 'id'] }], tablesByName)).toHaveLength(1);
  });
});

describe('discovered layers', () => {
  it('leave restricted columns out, and keep a whole-table restriction', () => {
    const found = layer({ table: 'public.byggnad', idColumn: 'id', attributes: ['andamal', 'agare', 'hojd'] });
    expect(publicPartOf(found, [OWNER], tablesByName)).toMatchObject({ idColumn: 'id', attributes: ['andamal', 'hojd'] });
    const open = publicPartOf(found, [FOOTPRINTS], tablesByName);
    expect(open).toMatchObject({ idColumn: 'id', attributes: ['andamal'] });
    expect(tilesetAccess(tileset('b', [open]), [FOOTPRINTS], tablesByName).dataGrants).toEqual([]);
    const whole = publicPartOf(layer({ table: 'public.fastighet', attributes: ['beteckning'] }), [WHOLE], tablesByName);
    expect(tilesetAccess(tileset('f', [whole]), [WHOLE], tablesByName).dataGrants).toEqual([['fastighetsregister']]);
  });
});
