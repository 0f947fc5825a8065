import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { EdgeEvent } from "@tally/protocols";
import Database from "better-sqlite3";
import type { Outbox } from "../ports/outbox.js";

/** Rows per DELETE statement: well under SQLite's bound-parameter limit. */
const DELETE_CHUNK = 500;

/**
 * An outbox on disk (SQLite, WAL, `synchronous=FULL`): an append returns only
 * once its transaction is durable, so events survive a kill -9 or a power
 * cut and are sent after the edge restarts. Oldest first by insertion order.
 */
export class SqliteOutbox implements Outbox {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, string, string, number]>;
  readonly #peek: Database.Statement<[number], { body: string }>;
  readonly #appendMany: (events: readonly EdgeEvent[]) => number;
  readonly #removeMany: (ids: readonly string[]) => number;
  #depth: number;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        bytes INTEGER NOT NULL
      )`);
    this.#insert = this.#db.prepare("INSERT OR IGNORE INTO outbox (id, kind, body, bytes) VALUES (?, ?, ?, ?)");
    this.#peek = this.#db.prepare("SELECT body FROM outbox ORDER BY seq LIMIT ?");
    this.#appendMany = this.#db.transaction((events: readonly EdgeEvent[]) => {
      let added = 0;
      for (const event of events) {
        const body = JSON.stringify(event);
        added += this.#insert.run(event.id, event.kind, body, Buffer.byteLength(body)).changes;
      }
      return added;
    });
    this.#removeMany = this.#db.transaction((ids: readonly string[]) => {
      let removed = 0;
      for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
        const chunk = ids.slice(i, i + DELETE_CHUNK);
        removed += this.#db
          .prepare(`DELETE FROM outbox WHERE id IN (${chunk.map(() => "?").join(",")})`)
          .run(...chunk).changes;
      }
      return removed;
    });
    this.#depth = (this.#db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number }).n;
  }

  async append(events: readonly EdgeEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.#depth += this.#appendMany(events);
  }

  async peek(max: number): Promise<EdgeEvent[]> {
    return this.#peek.all(max).map((row) => JSON.parse(row.body) as EdgeEvent);
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.#depth -= this.#removeMany(ids);
  }

  depth(): number {
    return this.#depth;
  }

  close(): void {
    this.#db.close();
  }
}
