import { prefixRange } from "../ledger/prefix-range.js";

/**
 * `column` is the location `prefix` or a code below it, as a byte-order
 * range an index walks (a LIKE pattern is no index range on SQLite, whose
 * LIKE ignores case, nor on PostgreSQL outside the C collation). `collate`
 * is the driver's byte-order suffix, so the range matches a `COLLATE "C"`
 * index on PostgreSQL.
 */
export function locationWithin(column: string, prefix: string, collate: string): { sql: string; params: string[] } {
  const { low, high, below } = prefixRange(prefix);
  const col = `${column}${collate}`;
  return { sql: `(${col} >= ? AND ${col} < ? AND (${column} = ? OR ${col} >= ?))`, params: [low, high, low, below] };
}
