import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import { type Column, type JsonColumn, placeholders, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { SqlLedgerStore } from "./sql-ledger-store.js";
import { migrateSqlite } from "./sqlite-migrations.js";

const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** `(?, …), (?, …)` for `count` rows, cached: the same shapes come back with every batch. */
const valuesLists = new Map<string, string>();
function valuesList(row: string, count: number): string {
  const key = `${count}${row}`;
  let text = valuesLists.get(key);
  if (text === undefined) {
    text = Array.from({ length: count }, () => row).join(", ");
    if (valuesLists.size < 5000) valuesLists.set(key, text);
  }
  return text;
}

/** An SQL string literal. */
const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The suffix of an insert that must tell which ids it inserted. */
const RETURNING_NEW_IDS = "ON CONFLICT (id) DO NOTHING RETURNING id";

/** Rows per multi-row statement: keeps bound parameters well under SQLite's 32,766. */
const CHUNK_ROWS = 500;

/** Opens (creating if needed) the SQLite ledger at `file` and migrates it. */
export function openSqliteLedgerStore(file: string): SqlLedgerStore {
  mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  // WAL + synchronous=FULL: a commit is on disk before the ack leaves, and
  // survives kill -9 and power loss (DESIGN.md, Defaults).
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  // Index pages of busy SKUs and bins stay cached between batches (default is 2 MB).
  db.pragma("cache_size = -32768");
  migrateSqlite(db);
  // Readers get their own connection: WAL lets them read the last commit while a write transaction runs.
  const reader = new BetterSqlite3(file);
  reader.pragma("busy_timeout = 5000");
  reader.pragma("query_only = ON");
  return new SqlLedgerStore(new SqliteDriver(db, reader));
}

class SqliteDb implements SqlDb {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement<unknown[], unknown>>();

  constructor(db: Database) {
    this.#db = db;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.allSync<T>(sql, params);
  }

  allSync<T>(sql: string, params: readonly unknown[] = []): T[] {
    return this.#statement(sql).all(params) as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const statement = this.#statement(sql);
    if (statement.reader) return statement.all(params).length;
    return statement.run(params).changes;
  }

  async insertRows<T>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    suffix = "",
  ): Promise<T[]> {
    const out: T[] = [];
    const names = columns.map((c) => c.name).join(", ");
    const row = `(${placeholders(columns.length)})`;
    const insertedIds = suffix === RETURNING_NEW_IDS;
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const chunk = rows.length <= CHUNK_ROWS ? rows : rows.slice(i, i + CHUNK_ROWS);
      const values = valuesList(row, chunk.length);
      // One flat array bound as anonymous parameters (no spread of thousands of arguments).
      const params = chunk.flat();
      if (insertedIds) {
        const plain = this.#statement(`INSERT INTO ${table} (${names}) VALUES ${values} ON CONFLICT (id) DO NOTHING`);
        if (this.#allNew(plain, params, chunk.length)) {
          for (const r of chunk) out.push({ id: r[0] } as T);
          continue;
        }
      }
      const statement = this.#statement(`INSERT INTO ${table} (${names}) VALUES ${values} ${suffix}`);
      if (statement.reader) out.push(...(statement.all(params) as T[]));
      else statement.run(params);
    }
    return out;
  }

  async insertJson<T>(
    table: string,
    columns: readonly JsonColumn[],
    elements: readonly object[],
    { where = "true", suffix = "" }: { where?: string; suffix?: string } = {},
  ): Promise<T[]> {
    if (elements.length === 0) return [];
    const names = columns.map((c) => c.name).join(", ");
    const params: unknown[] = [];
    const exprs = columns.map((c) => {
      if ("element" in c) return "value";
      if ("member" in c) {
        // ->> gives the SQL value (text, integer, real) of a member, NULL when absent.
        const read = `value ->> ${sqlString(c.member)}`;
        return c.fallback === undefined ? read : `COALESCE(${read}, ${c.fallback})`;
      }
      params.push(c.value);
      return "?";
    });
    params.push(JSON.stringify(elements));
    // Always a WHERE (`true` at least): without one SQLite reads ON CONFLICT as part of the join (lang_upsert.html).
    const select = `INSERT INTO ${table} (${names}) SELECT ${exprs.join(", ")} FROM json_each(?) WHERE ${where}`;
    if (suffix === RETURNING_NEW_IDS) {
      const plain = this.#statement(`${select} ON CONFLICT (id) DO NOTHING`);
      if (this.#allNew(plain, params, elements.length)) {
        const id = columns.find((c) => c.name === "id");
        const member = id !== undefined && "member" in id ? id.member : "id";
        return elements.map((e) => ({ id: (e as Record<string, unknown>)[member] }) as T);
      }
    }
    const statement = this.#statement(`${select} ${suffix}`);
    if (statement.reader) return statement.all(params) as T[];
    statement.run(params);
    return [];
  }

  /**
   * Runs an `INSERT … ON CONFLICT DO NOTHING` of `count` rows and keeps it
   * when it inserted them all (usually: `changes` tells for free, where
   * RETURNING materialises a row per insert). Otherwise undoes it, so the
   * caller inserts again with RETURNING to learn which ids were new.
   */
  #allNew(plain: Statement<unknown[], unknown>, params: readonly unknown[], count: number): boolean {
    this.#db.exec("SAVEPOINT insert_rows");
    if (plain.run(params).changes === count) {
      this.#db.exec("RELEASE insert_rows");
      return true;
    }
    this.#db.exec("ROLLBACK TO insert_rows");
    this.#db.exec("RELEASE insert_rows");
    return false;
  }

  async lockKeys(): Promise<void> {}

  inList(column: string, values: readonly string[]): { sql: string; params: unknown[] } {
    return { sql: `${column} IN (${placeholders(values.length)})`, params: [...values] };
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /** Prepared statements are cached by text; texts are bounded (≤ CHUNK_ROWS shapes per statement). */
  #statement(sql: string): Statement<unknown[], unknown> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], unknown>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

class SqliteDriver implements SqlDriver {
  readonly kind = "sqlite";
  readonly collate = "";
  readonly forUpdate = "";
  readonly read: SqlDb;
  readonly #db: Database;
  readonly #reader: Database;
  readonly #writer: SqliteDb;
  /** Write transactions one at a time: the flow awaits between statements, and SQLite has one writer. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(db: Database, reader: Database) {
    this.#db = db;
    this.#reader = reader;
    this.#writer = new SqliteDb(db);
    this.read = new SqliteDb(reader);
  }

  write<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T> {
    const run = async () => {
      // IMMEDIATE: take the write lock up front so another process cannot make this transaction fail midway.
      this.#writer.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.#writer);
        this.#writer.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#writer.exec("ROLLBACK");
        throw error;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  timestamp(value: string): string {
    // Most timestamps already are UTC ISO with milliseconds: skip the Date round trip for those.
    return CANONICAL_UTC.test(value) ? value : new Date(value).toISOString();
  }

  async close(): Promise<void> {
    await this.#queue;
    if (this.#reader.open) this.#reader.close();
    if (this.#db.open) this.#db.close();
  }
}
