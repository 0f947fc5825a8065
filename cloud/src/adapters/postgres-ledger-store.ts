import { createHash } from "node:crypto";
import pg from "pg";
import { observeReads, type ReadObserver } from "./observed-reads.js";
import { migratePostgres } from "./postgres-migrations.js";
import type { Column, InsertRowsOptions, SqlDb, SqlDriver } from "./sql-driver.js";
import { SqlLedgerStore } from "./sql-ledger-store.js";

/** Connects a pool to `databaseUrl` and migrates the database; `onRead` is told each read statement. */
export async function openPostgresLedgerStore(databaseUrl: string, onRead?: ReadObserver): Promise<SqlLedgerStore> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on("error", () => undefined);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const driver = new PostgresDriver(pool);
  return new SqlLedgerStore(onRead === undefined ? driver : observeReads(driver, onRead));
}

/**
 * `?` placeholders → `$1, $2, …` (the shared SQL never has a `?` elsewhere),
 * as a named prepared statement: each connection parses and plans a
 * statement once, not on every batch. Texts are bounded (the store's
 * statements and chunk shapes), and so are the names.
 */
const prepared = new Map<string, pg.QueryConfig>();
function toPg(sql: string, values: unknown[]): pg.QueryConfig {
  let config = prepared.get(sql);
  if (config === undefined) {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    config = { name: `tally_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`, text };
    if (prepared.size < 10_000) prepared.set(sql, config);
  }
  return { ...config, values };
}

/**
 * `INSERT … SELECT … FROM jsonb_array_elements(?::jsonb)`: the rows as one JSON array of arrays, parsed by
 * the server and read by position (`r ->> k`, objects as `r -> k`), and each constant as one parameter. One
 * text parameter whatever the row count: node-postgres escaping every value into array literals for
 * `unnest` cost more than the server's JSON parse (decision 0041), and arrays are about half the text of
 * the objects they come from (decision 0042).
 */
function insertStatement(
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
  { suffix = "", skipIdsIn, constants = [] }: Omit<InsertRowsOptions, "before">,
): { text: string; params: unknown[] } {
  const names = [...columns, ...constants].map((c) => c.name).join(", ");
  const exprs = columns.map((c, k) =>
    c.object === true ? `r -> ${k}` : c.type === "text" ? `r ->> ${k}` : `(r ->> ${k})::${c.type}`,
  );
  const params: unknown[] = [];
  for (const c of constants) {
    exprs.push(`?::${c.type}`);
    params.push(c.value);
  }
  params.push(JSON.stringify(rows));
  const where = skipIdsIn === undefined ? "" : ` WHERE NOT EXISTS (SELECT 1 FROM ${skipIdsIn} s WHERE s.id = r ->> 0)`;
  return {
    text: `INSERT INTO ${table} (${names}) SELECT ${exprs.join(", ")} FROM jsonb_array_elements(?::jsonb) AS j(r)${where} ${suffix}`,
    params,
  };
}

class PostgresDb implements SqlDb {
  readonly #db: pg.Pool | pg.PoolClient;

  constructor(db: pg.Pool | pg.PoolClient) {
    this.#db = db;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.#db.query(toPg(sql, [...params]));
    return result.rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.#db.query(toPg(sql, [...params]));
    return result.rowCount ?? 0;
  }

  /**
   * One `INSERT … SELECT … FROM jsonb_array_elements(?::jsonb)`: the rows as one JSON array of arrays,
   * parsed by the server and read by position (`r ->> k`), and each constant as one parameter. One text
   * parameter whatever the row count: node-postgres escaping every value into array literals for
   * `unnest` cost more than the server's JSON parse (decision 0041).
   */
  async insertRows<T>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    options: InsertRowsOptions = {},
  ): Promise<T[]> {
    const result = await this.#insert(table, columns, rows, options);
    return rows.length === 0 ? [] : (result?.rows as T[]);
  }

  async insertRowsCount(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    options: InsertRowsOptions = {},
  ): Promise<number> {
    const result = await this.#insert(table, columns, rows, options);
    return rows.length === 0 ? 0 : (result?.rowCount ?? 0);
  }

  /** Runs the insert (with `before` as a data-modifying WITH); nothing when there are no rows at all. */
  async #insert(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    { before, ...options }: InsertRowsOptions,
  ): Promise<pg.QueryResult | undefined> {
    const first =
      before === undefined || before.rows.length === 0
        ? undefined
        : insertStatement(before.table, before.columns, before.rows, before.options ?? {});
    if (rows.length === 0) return first === undefined ? undefined : this.#db.query(toPg(first.text, first.params));
    const main = insertStatement(table, columns, rows, options);
    if (first === undefined) return this.#db.query(toPg(main.text, main.params));
    // Placeholders are numbered in text order: the WITH's parameters come first.
    return this.#db.query(toPg(`WITH before AS (${first.text}) ${main.text}`, [...first.params, ...main.params]));
  }

  inList(column: string, values: readonly string[]): { sql: string; params: unknown[] } {
    return { sql: `${column} = ANY(?::text[])`, params: [[...values]] };
  }

  async lockKeys(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    // Sorted, so two transactions take shared keys in the same order and never deadlock.
    await this.#db.query("SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) AS k ORDER BY k", [
      [...new Set(keys)].sort(),
    ]);
  }
}

class PostgresDriver implements SqlDriver {
  readonly kind = "postgres";
  readonly collate = ' COLLATE "C"';
  readonly forUpdate = " FOR UPDATE";
  readonly read: SqlDb;
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.read = new PostgresDb(pool);
  }

  async write<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // The pool listens for errors on idle clients only: a server restart during a transaction makes
    // this checked-out client emit 'error', which would crash the process without a listener.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    let failed = false;
    try {
      await client.query("BEGIN");
      const result = await fn(new PostgresDb(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      failed = true;
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.off("error", onError);
      // A client that failed may have lost its connection: destroy it rather than pool it again.
      client.release(broken ?? failed);
    }
  }

  timestamp(value: string): string {
    return value;
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    let stopped = false;
    /** The listening connection, and its release back to the pool (once only: a second release throws). */
    let client: { c: pg.PoolClient; release: (destroy: boolean) => void } | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const c = await this.#pool.connect();
      c.on("notification", (message) => {
        if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
      });
      let released = false;
      // A dropped connection (server restart): listen again on a new one, a second later. An error on it
      // after it went back to the pool (the database dropped, the pool ending) is not ours any more.
      const onError = () => {
        if (released) return;
        release(true);
        if (client?.c === c) client = undefined;
        if (!stopped) schedule();
      };
      const release = (destroy: boolean) => {
        if (released) return;
        released = true;
        c.off("error", onError);
        c.release(destroy);
      };
      c.on("error", onError);
      await c.query(`LISTEN ${channel}`);
      client = { c, release };
    };
    const schedule = () => {
      retry = setTimeout(() => void connect().catch(() => !stopped && schedule()), 1000);
      retry.unref();
    };
    await connect();
    return async () => {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      const current = client;
      client = undefined;
      if (current !== undefined) {
        await current.c.query(`UNLISTEN ${channel}`).catch(() => undefined);
        current.release(false);
      }
    };
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }
}
