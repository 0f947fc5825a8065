import { createHash } from "node:crypto";
import pg from "pg";
import { migratePostgres } from "./postgres-migrations.js";
import type { Column, InsertObjectsOptions, ObjectColumn, SqlDb, SqlDriver } from "./sql-driver.js";
import { SqlLedgerStore } from "./sql-ledger-store.js";

/** Connects a pool to `databaseUrl` and migrates the database. */
export async function openPostgresLedgerStore(databaseUrl: string): Promise<SqlLedgerStore> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on("error", () => undefined);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new SqlLedgerStore(new PostgresDriver(pool));
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

  /** One `INSERT … SELECT * FROM unnest($1::type[], …)`: a handful of parameters whatever the row count. */
  async insertRows<T>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    suffix = "",
  ): Promise<T[]> {
    if (rows.length === 0) return [];
    const names = columns.map((c) => c.name).join(", ");
    const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
    const unnest = columns.map((c) => `?::${c.type}[]`).join(", ");
    const result = await this.#db.query(
      toPg(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${suffix}`, arrays),
    );
    return result.rows as T[];
  }

  /**
   * One `INSERT … SELECT … FROM jsonb_array_elements(?::jsonb)`: one text parameter, parsed by the server.
   * With a `derived` column each element is sent as a pair `[object, derived object]`.
   */
  async insertObjects<T>(
    table: string,
    columns: readonly ObjectColumn[],
    elements: readonly object[],
    { skipIdsIn, suffix = "" }: InsertObjectsOptions = {},
  ): Promise<T[]> {
    if (elements.length === 0) return [];
    const names = columns.map((c) => c.name).join(", ");
    const params: unknown[] = [];
    const derivedColumns = columns.filter((c) => "derived" in c);
    if (derivedColumns.length > 1) throw new Error("insertObjects takes at most one derived column");
    const derive =
      derivedColumns[0] !== undefined && "derived" in derivedColumns[0] ? derivedColumns[0].derived : undefined;
    const exprs = columns.map((c) => {
      if ("derived" in c) return c.type === "jsonb" ? "derived" : "derived::text";
      if ("member" in c) {
        const read = `value ->> '${c.member.replaceAll("'", "''")}'`;
        const typed = c.type === "text" ? read : `(${read})::${c.type}`;
        if (c.fallback === undefined) return typed;
        params.push(c.fallback);
        return `COALESCE(${typed}, ?::${c.type})`;
      }
      params.push(c.value);
      return `?::${c.type}`;
    });
    params.push(JSON.stringify(derive === undefined ? elements : elements.map((e) => [e, derive(e)])));
    const where =
      skipIdsIn === undefined ? "" : ` WHERE NOT EXISTS (SELECT 1 FROM ${skipIdsIn} s WHERE s.id = value ->> 'id')`;
    const from =
      derive === undefined
        ? "jsonb_array_elements(?::jsonb) AS j(value)"
        : "(SELECT p -> 0 AS value, p -> 1 AS derived FROM jsonb_array_elements(?::jsonb) AS j(p)) AS j";
    const result = await this.#db.query(
      toPg(`INSERT INTO ${table} (${names}) SELECT ${exprs.join(", ")} FROM ${from}${where} ${suffix}`, params),
    );
    return result.rows as T[];
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

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }
}
