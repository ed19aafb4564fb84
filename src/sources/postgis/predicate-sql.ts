/**
 * A feature predicate (src/core/feature-predicate.ts) as an SQL condition on a layer's
 * columns, meaning in the database what it means to the style: values compared with the
 * type the vector tile gives them, NULL as an absent property, never NULL itself (so NOT
 * stays exact). Pure: text only; literals are quoted.
 */
import type { Predicate, Scalar } from '../../core/feature-predicate.ts';
import { quoteLiteral } from '../../core/sql-quote.ts';

/** How ST_AsMVT writes a column: booleans and integer/float types as such, everything else as its text. */
export type MvtValueType = 'Boolean' | 'Number' | 'String';

/** The value type a column of this PostgreSQL type has in a vector tile; undefined for jsonb, whose keys become properties. */
export function mvtValueType(pgType: string): MvtValueType | undefined {
  if (pgType === 'boolean') return 'Boolean';
  if (/^(smallint|integer|bigint|real|double precision)$/.test(pgType)) return 'Number';
  if (pgType === 'jsonb') return undefined;
  return 'String';
}

/** A column of the layer as a predicate sees it: its SQL and its tile value type. */
export interface PredicateColumn {
  readonly sql: string;
  readonly type: MvtValueType;
}

function literal(value: Scalar, type: MvtValueType): string | undefined {
  if (type === 'String') return typeof value === 'string' ? quoteLiteral(value) : undefined;
  if (type === 'Number') return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
  return typeof value === 'boolean' ? String(value) : undefined;
}

/**
 * The condition, given each property's column (undefined: not an attribute of the layer, so
 * absent from every feature).
 */
export function predicateSql(p: Predicate, columnOf: (key: string) => PredicateColumn | undefined): string {
  switch (p.op) {
    case 'true':
      return 'TRUE';
    case 'false':
      return 'FALSE';
    case 'has': {
      const column = columnOf(p.key);
      return column ? `${column.sql} IS NOT NULL` : 'FALSE';
    }
    case 'in': {
      const column = columnOf(p.key);
      const values = column ? p.values.map((v) => literal(v, column.type)).filter((v) => v !== undefined) : [];
      if (!column || values.length === 0) return 'FALSE';
      const value = column.type === 'String' ? `${column.sql}::text` : column.sql;
      return `COALESCE(${value} IN (${[...new Set(values)].join(', ')}), false)`;
    }
    case 'cmp': {
      const column = columnOf(p.key);
      if (!column || column.type !== 'Number' || !Number.isFinite(p.value)) return 'FALSE';
      return `COALESCE(${column.sql} ${p.cmp} ${String(p.value)}, false)`;
    }
    case 'not':
      return `NOT (${predicateSql(p.arg, columnOf)})`;
    case 'and':
      return `(${p.args.map((a) => predicateSql(a, columnOf)).join(' AND ')})`;
    case 'or':
      return `(${p.args.map((a) => predicateSql(a, columnOf)).join(' OR ')})`;
  }
}
