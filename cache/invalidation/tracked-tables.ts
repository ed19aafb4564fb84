/**
 * The source tables whose changes invalidate tiles: every layer table of every tileset,
 * once each, with every geometry column the layers read from it. Pure.
 */
import type { TilesetConfig } from '../../src/config/schema.ts';

/** A geometry column of a tracked table and the SRID the layers declare for it. */
export interface TrackedGeometry {
  readonly column: string;
  readonly srid: number;
}

export interface TrackedTable {
  /** `schema.table`; an unqualified configured name means `public` (as TableChange names it). */
  readonly table: string;
  /** Usually one; two layers may draw different geometry columns of one table. */
  readonly geometries: readonly TrackedGeometry[];
  /** `tileset/layer` of every layer reading the table, for error messages. */
  readonly usedBy: readonly string[];
}

/** `byggnad` → `public.byggnad`; `gis.byggnad` stays. */
export function qualifyTable(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

/** Splits `schema.table` (as qualifyTable returns it) into its two names. */
export function splitTable(qualified: string): { schema: string; name: string } {
  const dot = qualified.indexOf('.');
  if (dot <= 0 || dot === qualified.length - 1) throw new Error(`"${qualified}" is not a schema-qualified table name (schema.table)`);
  return { schema: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

/**
 * The tables of the tilesets' layers, deduplicated, in configuration order. Throws when two
 * layers declare different SRIDs for one geometry column: the log could only be right for one.
 */
export function trackedTables(tilesets: readonly TilesetConfig[]): TrackedTable[] {
  const byTable = new Map<string, { geometries: TrackedGeometry[]; usedBy: string[] }>();
  for (const tileset of tilesets) {
    for (const layer of tileset.layers) {
      const table = qualifyTable(layer.table);
      const entry = byTable.get(table) ?? { geometries: [], usedBy: [] };
      byTable.set(table, entry);
      entry.usedBy.push(`${tileset.id}/${layer.id}`);
      const known = entry.geometries.find((g) => g.column === layer.geometryColumn);
      if (!known) entry.geometries.push({ column: layer.geometryColumn, srid: layer.srid });
      else if (known.srid !== layer.srid) {
        throw new Error(
          `layers disagree on the SRID of ${table}.${layer.geometryColumn}: ${known.srid} and ${layer.srid} (${entry.usedBy.join(', ')}); make them equal`,
        );
      }
    }
  }
  return [...byTable].map(([table, e]) => ({ table, geometries: e.geometries, usedBy: e.usedBy }));
}
