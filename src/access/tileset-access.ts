/**
 * What each served tileset takes to read, kept current: worked out from access.restrictedData
 * and the tables its layers read, first by name, then as the database sees them (once it
 * has answered), and again when discovery adds tilesets.
 */
import type { TilesetConfig } from '../config/schema.ts';
import { ConfigError } from '../config/load-config.ts';
import { restrictedDataLeaks, tablesByName, tilesetAccess, unknownRestrictedTables, type DataRestriction, type TableCatalogue, type TilesetAccess } from './data-restrictions.ts';

/** Access of a tileset nobody may read: no grant opens a restriction with no grants. */
const NOBODY: TilesetAccess = { dataGrants: [[]] };

const refusal = (problems: readonly string[]) => new ConfigError(`the configuration would publish restricted data:\n  ${problems.join('\n  ')}`);

export class TilesetAccessTable {
  private readonly restrictions: readonly DataRestriction[];
  private readonly configured: readonly TilesetConfig[];
  /** Every served tileset's config, configured and discovered; read on each recomputation. */
  private readonly served: () => Iterable<TilesetConfig>;
  private catalogue: TableCatalogue = tablesByName;
  private readonly byId = new Map<string, TilesetAccess>();

  /** Throws ConfigError, naming the option paths, when a configured tileset would publish restricted data (by table names). */
  constructor(restrictions: readonly DataRestriction[], configured: readonly TilesetConfig[], served: () => Iterable<TilesetConfig>) {
    this.restrictions = restrictions;
    this.configured = configured;
    this.served = served;
    const leaks = restrictedDataLeaks(configured, restrictions, tablesByName);
    if (leaks.length) throw refusal(leaks);
  }

  /** What reading a tileset takes; undefined for an unknown id. A served tileset not yet worked out is closed to everyone, never public. */
  accessOf(id: string, served: boolean): TilesetAccess | undefined {
    return served ? (this.byId.get(id) ?? NOBODY) : undefined;
  }

  /** Every table name the restrictions and the served tilesets read (for the database to resolve). */
  tableNames(extra: readonly TilesetConfig[] = []): string[] {
    return [...this.restrictions.map((r) => r.table), ...[...this.served(), ...extra].flatMap((t) => t.layers.map((l) => l.table))];
  }

  /** Takes the database's view of the tables; throws ConfigError (and keeps the old view) when it shows a leak or a restriction on a table that does not exist. */
  adopt(catalogue: TableCatalogue): void {
    const problems = [...unknownRestrictedTables(this.restrictions, catalogue), ...restrictedDataLeaks(this.configured, this.restrictions, catalogue)];
    if (problems.length) throw refusal(problems);
    this.catalogue = catalogue;
    this.recompute();
  }

  /** Works out every served tileset again (after discovery added some). */
  recompute(): void {
    for (const config of this.served()) this.byId.set(config.id, tilesetAccess(config, this.restrictions, this.catalogue));
  }
}
