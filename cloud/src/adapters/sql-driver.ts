import type { StoreKind } from "../ledger/ledger-store.js";

/** A column of a multi-row insert, with its PostgreSQL type. */
export interface Column {
  name: string;
  type: "text" | "integer" | "bigint" | "float8" | "timestamptz" | "jsonb";
  /** A jsonb column whose values are objects (stored as their JSON), not JSON text. */
  object?: true;
}

/** A column that takes one value for every row of an insert (sent once, not once a row). */
export type ConstantColumn = Column & { value: string | number | null };

export interface InsertRowsOptions {
  /** ON CONFLICT / RETURNING. */
  suffix?: string;
  /** Leave out the rows whose id (the first column) is already in this table (ids are unique across the ledger's tables). */
  skipIdsIn?: string;
  /** Columns after the rows' own, with one value for every row. */
  constants?: readonly ConstantColumn[];
  /**
   * Another insert of the transaction to run first, into another table and
   * independent of this one (its RETURNING rows are dropped): PostgreSQL
   * makes both one statement (`WITH before AS (INSERT …) INSERT …`), one
   * round trip instead of two; SQLite runs it on its own.
   */
  before?: InsertSpec;
}

/** One multi-row insert, as `insertRows` takes it. */
export interface InsertSpec {
  table: string;
  columns: readonly Column[];
  rows: readonly (readonly unknown[])[];
  options?: Omit<InsertRowsOptions, "before">;
}

/**
 * What the shared SQL store needs of a database connection. Statements are
 * written once with `?` placeholders in the SQL both dialects accept; the
 * PostgreSQL driver numbers them (`$1`, …). Rows come back as the driver
 * gives them: PostgreSQL may return bigints as strings, timestamps as Dates
 * and jsonb as objects, so readers normalise with `num`, `iso` and `json`.
 */
export interface SqlDb {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * One multi-row `INSERT INTO table (columns) … suffix`, rows in array
   * order: SQLite binds each value (chunks of VALUES), PostgreSQL sends the
   * rows as one JSON array of arrays taken apart by the server
   * (`jsonb_array_elements`), whatever the row count. Returns RETURNING rows.
   */
  insertRows<T = unknown>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    options?: InsertRowsOptions,
  ): Promise<T[]>;
  /** `insertRows` without RETURNING: the number of rows it inserted (no row a row sent back). */
  insertRowsCount(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    options?: InsertRowsOptions,
  ): Promise<number>;
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
  /**
   * PostgreSQL only: calls `onPayload` with each `NOTIFY channel` payload, from
   * any process on the database, after the notifying transaction committed
   * (one dedicated connection, re-made after it drops). Returns the stop.
   */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
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
