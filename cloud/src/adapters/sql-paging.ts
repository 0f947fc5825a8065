import { pageLimit } from "../ledger/ledger-store.js";

/** A page of a list kept in creation order: rows ordered by `(created_at, id)`. */
export interface CreationPage {
  /** The condition for rows after the `after` row, if any (add it to the WHERE clause). */
  after?: { sql: string; params: unknown[] };
  /** ` LIMIT ?` or nothing, and its parameter: append after ORDER BY, parameters last. */
  limit: { sql: string; params: unknown[] };
}

/**
 * Keyset paging by creation: the row named by `after` gives the position, so
 * a page stays right while rows are added, and no OFFSET walks the table.
 * `table` is one of ours, never user input.
 */
export function pageByCreation(table: string, query: { limit?: number; after?: string }): CreationPage {
  const page: CreationPage = { limit: { sql: "", params: [] } };
  if (query.after !== undefined) {
    const at = `(SELECT created_at FROM ${table} WHERE id = ?)`;
    page.after = {
      sql: `(created_at > ${at} OR (created_at = ${at} AND id > ?))`,
      params: [query.after, query.after, query.after],
    };
  }
  if (query.limit !== undefined) page.limit = { sql: " LIMIT ?", params: [Math.max(1, Math.trunc(query.limit))] };
  return page;
}

/**
 * Keyset paging by `seq`: adds to `where` (and its parameter to `params`)
 * the condition for rows after the one whose id is `after`, when given
 * (every row when no row has that id). `table` and `column` are ours,
 * never user input.
 */
export function addSeqCursor(
  where: string[],
  params: unknown[],
  table: string,
  after: string | undefined,
  column = "seq",
): void {
  if (after === undefined) return;
  where.push(`${column} > COALESCE((SELECT seq FROM ${table} WHERE id = ?), 0)`);
  params.push(after);
}

/**
 * A page's size: adds its row count (`pageLimit`) to `params` and returns
 * ` LIMIT ?` to append after ORDER BY, when the query has a limit;
 * otherwise nothing. Call it last: its parameter is the query's last.
 */
export function addLimit(params: unknown[], limit: number | undefined): string {
  if (limit === undefined) return "";
  params.push(pageLimit(limit));
  return " LIMIT ?";
}
