import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { ParkedTag, ParkedTagStore } from "../pipelines/tag-memory.js";

export interface SqliteParkedTagsOptions {
  /** Most tags kept; past it those read longest ago are forgotten (default 20,000). */
  maxTags?: number;
  /**
   * A parked tag not read for this long, measured against the newest read the
   * store has seen (device time, so a replay or an outage does not age
   * them), is forgotten, ms (default 30 min).
   */
  forgetAfterMs?: number;
  /** A write that failed (disk full, I/O error): reported here, never thrown into the pipeline that parked the tag. */
  onError?: (error: Error) => void;
}

export const DEFAULT_MAX_PARKED_TAGS = 20_000;
export const DEFAULT_PARKED_FORGET_AFTER_MS = 30 * 60_000;

/** Writes between two prunes of the table. */
const PRUNE_EVERY = 1000;

interface Row {
  portal_id: string;
  epc: string;
  since_ms: number;
  last_at_ms: number;
  dwell_max_rssi: number;
}

/**
 * Parked tags on disk (SQLite, WAL), so that a pallet standing in a door's
 * field is still known as parked after a restart, kill -9 included. Writes go
 * through at once with `synchronous=NORMAL`: a WAL write is in the operating
 * system's hands when it returns, which a killed process cannot undo (a
 * power cut may lose the last moments, which costs at most a phantom pass
 * that the stationary limit catches again, not stock). Bounded: at most
 * `maxTags` rows, and rows not read for `forgetAfterMs` are dropped.
 */
export class SqliteParkedTags implements ParkedTagStore {
  readonly #db: Database.Database;
  readonly #put: Database.Statement<[string, string, number, number, number]>;
  readonly #remove: Database.Statement<[string, string]>;
  readonly #forget: Database.Statement<[number]>;
  readonly #cap: Database.Statement<[number]>;
  readonly #all: Database.Statement<[], Row>;
  readonly #maxTags: number;
  readonly #forgetAfterMs: number;
  readonly #onError: (error: Error) => void;
  #newestMs: number;
  /** Writes that failed since the store opened. */
  failures = 0;
  #writes = 0;

  constructor(
    readonly file: string,
    options: SqliteParkedTagsOptions = {},
  ) {
    this.#maxTags = Math.max(1, Math.trunc(options.maxTags ?? DEFAULT_MAX_PARKED_TAGS));
    this.#forgetAfterMs = options.forgetAfterMs ?? DEFAULT_PARKED_FORGET_AFTER_MS;
    this.#onError = options.onError ?? (() => undefined);
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = NORMAL");
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS parked_tags (
        portal_id TEXT NOT NULL,
        epc TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        last_at_ms INTEGER NOT NULL,
        dwell_max_rssi REAL NOT NULL,
        PRIMARY KEY (portal_id, epc)
      );
      CREATE INDEX IF NOT EXISTS parked_tags_last_at ON parked_tags (last_at_ms)`);
    this.#put = this.#db.prepare(
      `INSERT INTO parked_tags (portal_id, epc, since_ms, last_at_ms, dwell_max_rssi) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (portal_id, epc) DO UPDATE SET since_ms = excluded.since_ms,
         last_at_ms = excluded.last_at_ms, dwell_max_rssi = excluded.dwell_max_rssi`,
    );
    this.#remove = this.#db.prepare("DELETE FROM parked_tags WHERE portal_id = ? AND epc = ?");
    this.#forget = this.#db.prepare("DELETE FROM parked_tags WHERE last_at_ms < ?");
    this.#cap = this.#db.prepare(
      `DELETE FROM parked_tags WHERE rowid IN (
         SELECT rowid FROM parked_tags ORDER BY last_at_ms DESC LIMIT -1 OFFSET ?)`,
    );
    this.#all = this.#db.prepare(
      "SELECT portal_id, epc, since_ms, last_at_ms, dwell_max_rssi FROM parked_tags ORDER BY last_at_ms",
    );
    const newest = this.#db.prepare("SELECT max(last_at_ms) AS m FROM parked_tags").get() as { m: number | null };
    this.#newestMs = newest.m ?? Number.NEGATIVE_INFINITY;
    this.#prune();
  }

  loadParked(): Iterable<ParkedTag> {
    return this.#all.all().map((row) => ({
      portalId: row.portal_id,
      epc: row.epc,
      sinceMs: row.since_ms,
      lastAtMs: row.last_at_ms,
      dwellMaxRssi: row.dwell_max_rssi,
    }));
  }

  park(tag: ParkedTag): void {
    this.#guard(() => {
      this.#put.run(tag.portalId, tag.epc, Math.trunc(tag.sinceMs), Math.trunc(tag.lastAtMs), tag.dwellMaxRssi);
      if (tag.lastAtMs > this.#newestMs) this.#newestMs = tag.lastAtMs;
      if (++this.#writes % PRUNE_EVERY === 0) this.#prune();
    });
  }

  unpark(portalId: string, epc: string): void {
    this.#guard(() => this.#remove.run(portalId, epc));
  }

  #guard(write: () => void): void {
    if (!this.#db.open) return;
    try {
      write();
    } catch (error) {
      this.failures++;
      this.#onError(error as Error);
    }
  }

  /** Tags kept now. */
  get size(): number {
    return (this.#db.prepare("SELECT count(*) AS n FROM parked_tags").get() as { n: number }).n;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #prune(): void {
    if (Number.isFinite(this.#newestMs)) this.#forget.run(Math.trunc(this.#newestMs - this.#forgetAfterMs));
    this.#cap.run(this.#maxTags);
  }
}
