/**
 * Quoting of SQL identifiers and literals for PostgreSQL, for text built from the
 * configuration (never from a request). Pure; shared by the tile statements and the
 * change-log triggers.
 */

/** Quotes an identifier for PostgreSQL ("a""b"). Config validation already rejects NUL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes `table` or `schema.table`. */
export function quoteTable(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? quoteIdent(name) : `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`;
}

/** Quotes a string literal ('it''s'). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
