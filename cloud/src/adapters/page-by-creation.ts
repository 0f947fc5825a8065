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
