/**
 * What the tile statements of a tileset need from the catalogue, read once: which layers'
 * ids are unique (features written in id order alone) and each attribute's type (content
 * rules compare values as the tile types them).
 */
import type { LayerConfig } from '../../config/schema.ts';
import { quoteTable } from '../../core/sql-quote.ts';
import type { MvtQueryOptions } from './mvt-query.ts';
import { uniqueIdLayers, type QueryRows as CatalogueQuery } from './unique-ids.ts';

const COLUMN_TYPES = `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`;

/** Column name → PostgreSQL type (as format_type writes it) of a layer's table. */
export async function columnTypesOf(query: CatalogueQuery, layer: LayerConfig): Promise<Map<string, string>> {
  const { rows } = await query(COLUMN_TYPES, [quoteTable(layer.table)]);
  return new Map((rows as { name: string; type: string }[]).map((r) => [r.name, r.type]));
}

/** The statement options of a tileset's layers, read from the catalogue. */
export async function readQueryOptions(query: CatalogueQuery, layers: readonly LayerConfig[], base: Pick<MvtQueryOptions, 'extent' | 'buffer'>): Promise<MvtQueryOptions> {
  const uniqueIds = await uniqueIdLayers(query, layers);
  const attributeTypes = new Map<string, ReadonlyMap<string, string>>();
  for (const layer of layers) attributeTypes.set(layer.id, await columnTypesOf(query, layer));
  return { extent: base.extent, buffer: base.buffer, uniqueIdLayers: uniqueIds, attributeTypes };
}
