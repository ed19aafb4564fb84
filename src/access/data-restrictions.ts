/**
 * Restrictions declared on the data (access.restrictedData): a table, or some columns of
 * it, readable only with one of the grants listed. Whatever reads restricted data is
 * restricted the same way: the tilesets whose layers read it, the styles drawing those
 * tilesets, and through them raster tiles, WMS maps, GetFeatureInfo, prints and the
 * viewer's place list. Pure: tables are told apart by a catalogue (names alone, or the
 * database's own view of them, views included).
 */
import type { LayerConfig, TilesetConfig } from '../config/schema.ts';

export interface DataRestriction {
  /** `table` or `schema.table`. */
  readonly table: string;
  /** Grants that open it (any one of them; '*' opens everything). */
  readonly grants: readonly string[];
  /** Only these columns are restricted; the rows, geometry and other columns are public. */
  readonly columns?: readonly string[] | undefined;
  /**
   * The opt-out: these columns (geometry and id columns included, by name) are public on
   * purpose; a layer reading only them is public. Every other column stays restricted.
   */
  readonly publicColumns?: readonly string[] | undefined;
}

/** How tables are told apart: the same table under two spellings, or read through a view, is the same data. */
export interface TableCatalogue {
  /** A table's identity, or undefined when no such table exists. */
  identify(table: string): string | undefined;
  /** Identities of the tables a relation reads through views (not itself); none for a table. */
  readsThrough(identity: string): readonly string[];
}

/** Tables by name alone, an unqualified name in schema public (embedded mode, and the check before the database answers). */
export const tablesByName: TableCatalogue = {
  identify: (table) => (table.includes('.') ? table : `public.${table}`),
  readsThrough: () => [],
};

/** What reading a tileset takes: its own grant when it is restricted itself, and one grant of every restriction on data it reads. */
export interface TilesetAccess {
  readonly ownGrant?: string | undefined;
  /** Each entry: the grants of one restriction, any one of which opens it. */
  readonly dataGrants: readonly (readonly string[])[];
}

/** A restriction a layer falls under, and how it reads the data. */
export interface RestrictedRead {
  /** Index in access.restrictedData. */
  readonly index: number;
  readonly restriction: DataRestriction;
  readonly how: string;
}

/** The columns a layer hands out: geometry, id and attributes. */
const columnsRead = (layer: LayerConfig): string[] => [layer.geometryColumn, ...(layer.idColumn ? [layer.idColumn] : []), ...layer.attributes];

/** Whether an SQL expression names a column (as a word, quoted or not); conservative. */
const mentions = (sql: string, column: string): boolean => new RegExp(`(^|[^\\p{L}\\p{N}_$])"?${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?($|[^\\p{L}\\p{N}_$])`, 'iu').test(sql);

/** How a layer reads the restricted part of its own table, or undefined when it reads only the public part. */
function restrictedPartRead(layer: LayerConfig, restriction: DataRestriction): string | undefined {
  const read = columnsRead(layer);
  if (restriction.columns) {
    const named = restriction.columns;
    const hit = [...new Set([...read.filter((c) => named.includes(c)), ...(layer.filter ? named.filter((c) => mentions(layer.filter!, c)) : [])])];
    return hit.length ? `reads restricted column${hit.length > 1 ? 's' : ''} ${hit.join(', ')} of table ${layer.table}` : undefined;
  }
  if (restriction.publicColumns) {
    const open = new Set(restriction.publicColumns);
    const hidden = read.filter((c) => !open.has(c));
    if (hidden.length) return `reads column${hidden.length > 1 ? 's' : ''} ${hidden.join(', ')} of table ${layer.table}, not among its publicColumns`;
    // A filter may test any column: whether a row is in the tile would tell its value.
    return layer.filter ? `filters table ${layer.table} with SQL, which may read columns not among its publicColumns` : undefined;
  }
  return `reads table ${layer.table}`;
}

/** The restrictions a layer falls under: its own table's (the part it reads) and those of every table it reads through a view. */
export function restrictionsReadBy(layer: LayerConfig, restrictions: readonly DataRestriction[], catalogue: TableCatalogue): RestrictedRead[] {
  const own = catalogue.identify(layer.table);
  const through = own === undefined ? [] : catalogue.readsThrough(own);
  const reads: RestrictedRead[] = [];
  restrictions.forEach((restriction, index) => {
    const target = catalogue.identify(restriction.table);
    if (target === undefined) return;
    // Through a view every column may be read: the whole restriction applies.
    const how = target === own ? restrictedPartRead(layer, restriction) : through.includes(target) ? `reads table ${restriction.table} through ${layer.table}` : undefined;
    if (how !== undefined) reads.push({ index, restriction, how });
  });
  return reads;
}

/** What reading a tileset takes, from its own access and the data its layers read. */
export function tilesetAccess(tileset: TilesetConfig, restrictions: readonly DataRestriction[], catalogue: TableCatalogue): TilesetAccess {
  const byIndex = new Map<number, readonly string[]>();
  for (const layer of tileset.layers) for (const read of restrictionsReadBy(layer, restrictions, catalogue)) byIndex.set(read.index, read.restriction.grants);
  return { ...(tileset.access === 'restricted' ? { ownGrant: tileset.id } : {}), dataGrants: [...byIndex.values()] };
}

export const isPublicAccess = (access: TilesetAccess): boolean => access.ownGrant === undefined && access.dataGrants.length === 0;

/** Whether a set of grants opens what a tileset takes. */
export function grantsOpen(grants: ReadonlySet<string>, access: TilesetAccess): boolean {
  const has = (grant: string) => grants.has('*') || grants.has(grant);
  return (access.ownGrant === undefined || has(access.ownGrant)) && access.dataGrants.every((any) => any.some(has));
}

/**
 * Configured tilesets that would hand restricted data to callers without a grant: a layer
 * over restricted data in a tileset not itself declared restricted. One line per layer,
 * naming the option paths; empty when the configuration is sound.
 */
export function restrictedDataLeaks(tilesets: readonly TilesetConfig[], restrictions: readonly DataRestriction[], catalogue: TableCatalogue): string[] {
  const problems: string[] = [];
  tilesets.forEach((tileset, t) => {
    if (tileset.access === 'restricted') return;
    tileset.layers.forEach((layer, l) => {
      for (const { index, restriction, how } of restrictionsReadBy(layer, restrictions, catalogue)) {
        const opt = restriction.columns || restriction.publicColumns ? `, or leave those columns out of the layer` : `, or name the columns that are public on purpose in access.restrictedData[${index}].publicColumns`;
        problems.push(
          `tilesets[${t}].layers[${l}] (${tileset.id}/${layer.id}) ${how}, restricted by access.restrictedData[${index}] (grants ${restriction.grants.join(', ')}); ` +
            `declare tilesets[${t}].access: restricted, leave the layer out${opt}`,
        );
      }
    });
  });
  return problems;
}

/** Restrictions naming tables the catalogue does not know: a typo there would leave the real table unprotected. */
export function unknownRestrictedTables(restrictions: readonly DataRestriction[], catalogue: TableCatalogue): string[] {
  return restrictions.flatMap((r, i) => (catalogue.identify(r.table) === undefined ? [`access.restrictedData[${i}].table: table ${r.table} does not exist`] : []));
}

/**
 * A discovered layer with the restricted columns of its table left out, so the public part
 * of a partly restricted table is published; a layer that still reads restricted data
 * (the whole table, its geometry, a view over it) makes its tileset restricted.
 */
export function publicPartOf(layer: LayerConfig, restrictions: readonly DataRestriction[], catalogue: TableCatalogue): LayerConfig {
  const own = catalogue.identify(layer.table);
  let attributes = layer.attributes;
  let idColumn = layer.idColumn;
  for (const r of restrictions) {
    if (own === undefined || catalogue.identify(r.table) !== own) continue;
    const hidden = r.columns ? (c: string) => r.columns!.includes(c) : r.publicColumns ? (c: string) => !r.publicColumns!.includes(c) : undefined;
    if (!hidden) continue;
    attributes = attributes.filter((c) => !hidden(c));
    if (idColumn !== undefined && hidden(idColumn)) idColumn = undefined;
  }
  const { idColumn: _dropped, ...rest } = layer;
  return { ...rest, attributes, ...(idColumn === undefined ? {} : { idColumn }) };
}
