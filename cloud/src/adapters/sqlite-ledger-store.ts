import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import { observeReads, type ReadObserver } from "./observed-reads.js";
import { type Column, type InsertRowsOptions, placeholders, type SqlDb, type SqlDriver } from "./sql-driver.js";
import { SqlLedgerStore } from "./sql-ledger-store.js";
import { migrateSqlite } from "./sqlite-migrations.js";
import { inListLength, statementRowCounts } from "./sqlite-statement-sizes.js";

const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** SQLite keeps ISO text in UTC with milliseconds, so text order is time order. */
function sqliteTimestamp(value: string): string {
  // Most timestamps already are in that form: skip the Date round trip for those.
  return CANONICAL_UTC.test(value) ? value : new Date(value).toISOString();
}

/** The suffix of an insert that must tell which ids it inserted. */
const RETURNING_NEW_IDS = "ON CONFLICT (id) DO NOTHING RETURNING id";

/** Opens (creating if needed) the SQLite ledger at `file` and migrates it; `onRead` is told each read statement. */
export function openSqliteLedgerStore(file: string, onRead?: ReadObserver): SqlLedgerStore {
  mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  // WAL + synchronous=FULL: a commit is on disk before the ack leaves, and
  // survives kill -9 and power loss (the embedded ledger's promise, decision 0004).
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
  const driver = new SqliteDriver(db, reader);
  return new SqlLedgerStore(onRead === undefined ? driver : observeReads(driver, onRead));
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

  /**
   * Binds each value (better-sqlite3 binds natively: cheaper here than one
   * JSON parameter taken apart by `json_each`, which was measured ~10 %
   * slower); object columns bind their JSON text, constants follow each row.
   */
  async insertRows<T>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    options: InsertRowsOptions = {},
  ): Promise<T[]> {
    const out: T[] = [];
    this.#insert(table, columns, rows, options, out);
    return out;
  }

  async insertRowsCount(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    options: InsertRowsOptions = {},
  ): Promise<number> {
    return this.#insert(table, columns, rows, options, []);
  }

  /** Inserts in chunks; RETURNING rows go to `out`; returns the number of rows inserted. */
  #insert<T>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    { suffix = "", skipIdsIn, constants = [], before }: InsertRowsOptions,
    out: T[],
  ): number {
    if (before !== undefined) this.#insert(before.table, before.columns, before.rows, before.options ?? {}, []);
    let changes = 0;
    const all = constants.length === 0 ? columns : [...columns, ...constants];
    const objects = columns.map((c) => c.object === true);
    const plain = constants.length === 0 && !objects.includes(true);
    const width = columns.length;
    let start = 0;
    // A handful of statement lengths, not one per batch size: each is prepared once and kept.
    for (const count of statementRowCounts(rows.length)) {
      const chunk = count === rows.length ? rows : rows.slice(start, start + count);
      start += count;
      // One flat array bound as anonymous parameters (no spread of thousands of arguments).
      let params: unknown[];
      if (plain) params = chunk.flat();
      else {
        params = new Array<unknown>(chunk.length * all.length);
        let k = 0;
        for (const row of chunk) {
          for (let c = 0; c < width; c++) params[k++] = objects[c] === true ? JSON.stringify(row[c]) : row[c];
          for (const constant of constants) params[k++] = constant.value;
        }
      }
      changes += this.#insertChunk(table, all, params, chunk.length, suffix, skipIdsIn, (k) => chunk[k]?.[0], out);
    }
    return changes;
  }

  /** One multi-row INSERT of `count` rows (flat `params`); RETURNING rows go to `out`; returns the rows inserted. */
  #insertChunk<T>(
    table: string,
    columns: readonly Column[],
    params: readonly unknown[],
    count: number,
    suffix: string,
    skipIdsIn: string | undefined,
    idAt: (k: number) => unknown,
    out: T[],
  ): number {
    const names = columns.map((c) => c.name).join(", ");
    // Looked up by a short key: the statement's own text (tens of kB for 500 rows) would be built and hashed
    // on every batch.
    const insert = (tail: string) =>
      this.#statement(`${table}(${names})×${count}${skipIdsIn ?? ""} ${tail}`, () => {
        const row = `(${placeholders(columns.length)})`;
        const values = Array.from({ length: count }, () => row).join(", ");
        // Skipping known ids inside the statement (an index probe a row) costs nothing measurable; a SELECT
        // of the ids first cost a statement with 500 parameters.
        return skipIdsIn === undefined
          ? `INSERT INTO ${table} (${names}) VALUES ${values} ${tail}`
          : `INSERT INTO ${table} (${names}) SELECT * FROM (VALUES ${values})
             WHERE NOT EXISTS (SELECT 1 FROM ${skipIdsIn} s WHERE s.id = column1) ${tail}`;
      });
    if (suffix === RETURNING_NEW_IDS) {
      if (this.#allNew(insert("ON CONFLICT (id) DO NOTHING"), params, count)) {
        for (let k = 0; k < count; k++) out.push({ id: idAt(k) } as T);
        return count;
      }
    }
    const statement = insert(suffix);
    if (!statement.reader) return statement.run(params).changes;
    const returned = statement.all(params) as T[];
    out.push(...returned);
    return returned.length;
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
    // Filled to one of a few lengths by repeating the last value, which matches nothing more.
    const length = inListLength(values.length);
    const params: unknown[] = [...values];
    while (params.length < length) params.push(values[values.length - 1]);
    return { sql: `${column} IN (${placeholders(length)})`, params };
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /** Prepared statements are cached by text (or a key for `text()`); texts are bounded (a few lengths a shape). */
  #statement(key: string, text?: () => string): Statement<unknown[], unknown> {
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], unknown>(text === undefined ? key : text());
      this.#statements.set(key, statement);
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
    return sqliteTimestamp(value);
  }

  async close(): Promise<void> {
    await this.#queue;
    if (this.#reader.open) this.#reader.close();
    if (this.#db.open) this.#db.close();
  }
}
