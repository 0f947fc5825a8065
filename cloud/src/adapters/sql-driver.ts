import type { StoreKind } from "../ledger/ledger-store.js";

/** A column of a multi-row insert, with its PostgreSQL type (the array element type for `unnest`). */
export interface Column {
  name: string;
  type: "text" | "integer" | "bigint" | "float8" | "timestamptz" | "jsonb";
}

/**
 * What the shared SQL store needs of a database connection. Statements are
 * written once with `?` placeholders in the SQL both dialects accept; the
 * PostgreSQL driver numbers them (`$1`, …). Rows come back as the driver
 * gives them: PostgreSQL may return bigints as strings, timestamps as Dates
 * and jsonb as objects, so readers normalise with `num`, `iso` and `json`.
 */
/**
 * A column of `insertObjects`: a member of each object (`fallback` when it
 * is absent), the JSON of an object made from each one (`derived`, at most
 * one such column), or one value for every row (`value`).
 */
export type ObjectColumn = Column &
  (
    | { member: string; fallback?: string | number }
    | { derived: (element: object) => object }
    | { value: string | number | null }
  );

export interface InsertObjectsOptions {
  /** Leave out the objects whose `id` is already in this table (ids are unique across the ledger's tables). */
  skipIdsIn?: string;
  /** ON CONFLICT / RETURNING. */
  suffix?: string;
}

export interface SqlDb {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * One multi-row `INSERT INTO table (columns) … suffix` (suffix: ON
   * CONFLICT / RETURNING): SQLite in chunks of VALUES, PostgreSQL as one
   * `SELECT FROM unnest(…)` whatever the row count. Returns RETURNING rows.
   */
  insertRows<T = unknown>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    suffix?: string,
  ): Promise<T[]>;
  /**
   * One multi-row insert of objects, a row each, in array order: SQLite
   * binds each value, PostgreSQL sends the objects (with their `derived`
   * object, as a pair) as one JSON array parameter taken apart by the
   * server (`jsonb_array_elements`), cheaper than node-postgres escaping
   * every value into array literals. Returns RETURNING rows.
   */
  insertObjects<T = unknown>(
    table: string,
    columns: readonly ObjectColumn[],
    elements: readonly object[],
    options?: InsertObjectsOptions,
  ): Promise<T[]>;
  /** Serialises transactions on these keys until this one ends (PostgreSQL advisory locks; SQLite has one writer). */
  lockKeys(keys: readonly string[]): Promise<void>;
  /**
   * `column` is one of `values` (text): SQLite `column IN (?, …)` with one
   * parameter each, PostgreSQL `column = ANY(?::text[])` with one array (a
   * statement with 500 parameters costs PostgreSQL a parse and plan each time).
   */
  inList(column: string, values: readonly string[]): { sql: string; params: unknown[] };
}

export interface SqlDriver {
  readonly kind: StoreKind;
  /** Reads outside write transactions (SQLite: a second connection, so readers only see committed data). */
  readonly read: SqlDb;
  /** Runs `fn` in one write transaction: committed if it resolves, rolled back if it throws. */
  write<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T>;
  /** Appended to ORDER BY text columns for byte order (`COLLATE "C"` on PostgreSQL). */
  readonly collate: string;
  /** Appended to a SELECT that the transaction is about to change (`FOR UPDATE` on PostgreSQL). */
  readonly forUpdate: string;
  /** How a timestamp is kept in a column: SQLite keeps ISO text in UTC so text order is time order. */
  timestamp(value: string): string;
  close(): Promise<void>;
}

export const num = (value: unknown): number => (typeof value === "number" ? value : Number(value));

export const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

export function json<T = unknown>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}
