import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { EdgeEvent, ErrorCode } from "@tally/protocols";
import Database from "better-sqlite3";
import { eventJson } from "../domain/content-id.js";
import {
  DEFAULT_MAX_DEAD_LETTERS,
  type DeadLetteredEvent,
  type DeadLetterUsage,
  type EventRefusal,
  type Outbox,
  type OutboxUsage,
  type QueuedEvent,
} from "../ports/outbox.js";
import { WalSyncer } from "./wal-syncer.js";

/** Rows per DELETE statement: well under SQLite's bound-parameter limit. */
const DELETE_CHUNK = 500;

/**
 * Batch sequence numbers reserved per write: each write is a transaction of
 * its own, fsync'd, on the event loop's thread, so one per batch would cost
 * the uplink a disk flush per batch. A crash leaves the rest of a block unused
 * (a gap the cloud counts); a clean close writes back the exact last one.
 */
export const BATCH_SEQ_BLOCK = 256;

/** Kinds the outbox may drop when full, in the order it drops them: movements and tasks never. */
const SHEDDABLE = ["telemetry", "condition"] as const;

/**
 * The `kind` column: the event's kind, except for the EDGE_BACKLOG condition, which is never shed —
 * it is raised when the outbox is nearly full, and shedding it for want of room would hide the very
 * alert that says so.
 */
function shedClass(event: EdgeEvent): string {
  return event.kind === "condition" && event.conditionType === "EDGE_BACKLOG" ? "backlog-condition" : event.kind;
}

interface RemoveOutcome {
  removed: number;
  bytes: number;
  dead: DeadLetteredEvent[];
  /** Oldest dead letters dropped to stay under the bound. */
  dropped: number;
}

/** A row of the `dead_letters` table as `deadLetters()` reads it. */
export interface DeadLetterRow {
  code: string;
  reason: string;
  batch_id: string | null;
  dead_lettered_at: number;
  body: string;
}

/** The codes were those of a validated commit acknowledgement when the row was written. */
export function deadLetterFromRow(row: DeadLetterRow): DeadLetteredEvent {
  return {
    event: JSON.parse(row.body) as EdgeEvent,
    code: row.code as ErrorCode,
    reason: row.reason,
    ...(row.batch_id !== null ? { batchId: row.batch_id } : {}),
    deadLetteredAt: new Date(row.dead_lettered_at).toISOString(),
  };
}

export interface SqliteOutboxOptions {
  /** Bound on the events' bytes; past it telemetry, then conditions, are shed (oldest first). */
  maxBytes?: number;
  /**
   * Bound on age, ms: telemetry and conditions queued longer ago than this are
   * shed at the next append (stale readings are worth less than room).
   * Movements and tasks are kept whatever their age.
   */
  maxAgeMs?: number;
  /** Bound on the dead letters kept (default 10,000): past it the oldest are dropped, and counted. */
  maxDeadLetters?: number;
  /** The clock for queue times, ms since the epoch (tests). */
  now?: () => number;
  /**
   * Test hook: `PRAGMA max_page_count`, a cap on the file's pages. A write past it fails with
   * SQLITE_FULL, the error SQLite gives on a full disk; the fault suite uses it to play one.
   */
  maxPageCount?: number;
  /**
   * Something to write in each append's own transaction, given the outbox's
   * database when it opens (tables of its own): it is on disk with the events
   * or not at all. Its failure fails the append.
   */
  alongside?: (db: Database.Database) => { record(events: readonly EdgeEvent[]): void };
  /**
   * When an append is durable. `append` (the default): each append is
   * fsync'd before it resolves. `sync`: appends commit without an fsync
   * (`synchronous=NORMAL`: in the OS, so a kill -9 loses nothing, a power cut
   * may) and are durable once a later `sync()` resolves. Only for a writer
   * that can rebuild what a power cut takes, as the edge does from its device
   * journal (decision 0190).
   */
  durability?: "append" | "sync";
  /**
   * Test hook: called at each point where what the outbox has written so far
   * is durable (the start of a `sync()`'s fsync; a block of batch numbers
   * written). The fault suite copies the files there to play a power cut.
   */
  onDurable?: () => void;
}

/**
 * An outbox on disk (SQLite, WAL): by default (`synchronous=FULL`) an append
 * returns only once its transaction is durable, so events survive a kill -9
 * or a power cut and are sent after the edge restarts. With `durability:
 * "sync"` appends survive a kill -9 at once and a power cut once `sync()` has
 * resolved (decision 0190). Oldest first by insertion order.
 * Bounded by bytes: when full it sheds telemetry before conditions and never
 * drops a movement or a task (those are kept past the bound; the edge applies
 * backpressure to devices instead, see `usage()`).
 *
 * Events the cloud refuses for good move to a `dead_letters` table in the
 * transaction that takes them out of the outbox, with the acknowledgement's
 * code and reason; the table keeps the newest `maxDeadLetters`.
 */
export class SqliteOutbox implements Outbox {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, string, string, number, number]>;
  readonly #peek: Database.Statement<[number], { body: string }>;
  readonly #peekAfter: Database.Statement<[number, number], { seq: number; body: string }>;
  readonly #appendMany: (events: readonly EdgeEvent[]) => number;
  readonly #removeMany: (ids: readonly string[], refused: readonly EventRefusal[]) => RemoveOutcome;
  readonly #maxDeadLetters: number;
  #deadCount: number;
  #deadDropped: number;
  #depth: number;
  #bytes: number;
  readonly #shed: Record<string, number> = {};
  readonly #maxBytes: number | undefined;
  readonly #maxAgeMs: number | undefined;
  #lastStaleCheck = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;
  #nextSeq: number;
  /** The highest batch seq written to disk: every seq up to it may have been handed out before. */
  #reservedSeq: number;
  readonly #saveSeq: Database.Statement<[number]>;
  readonly #oldestOfKind: Database.Statement<[string, number], { seq: number; bytes: number }>;
  readonly #listDead: Database.Statement<[number], DeadLetterRow>;
  readonly #syncLazily: Database.Statement;
  readonly #syncFully: Database.Statement;
  /** Whether appends wait for their own fsync (`append`) or for `sync()`. */
  readonly #syncEachAppend: boolean;
  readonly #walSyncer: WalSyncer | undefined;
  readonly #onDurable: (() => void) | undefined;

  constructor(
    readonly file: string,
    options: SqliteOutboxOptions = {},
  ) {
    this.#maxBytes = options.maxBytes;
    this.#maxAgeMs = options.maxAgeMs;
    this.#now = options.now ?? Date.now;
    this.#maxDeadLetters = Math.max(1, Math.trunc(options.maxDeadLetters ?? DEFAULT_MAX_DEAD_LETTERS));
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma("journal_mode = WAL");
    this.#syncEachAppend = (options.durability ?? "append") === "append";
    this.#onDurable = options.onDurable;
    this.#walSyncer = this.#syncEachAppend ? undefined : new WalSyncer(file);
    this.#syncLazily = this.#db.prepare("PRAGMA synchronous = NORMAL");
    this.#syncFully = this.#db.prepare("PRAGMA synchronous = FULL");
    (this.#syncEachAppend ? this.#syncFully : this.#syncLazily).run();
    if (options.maxPageCount !== undefined) this.#db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        bytes INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS outbox_meta (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS dead_letters (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        batch_id TEXT,
        dead_lettered_at INTEGER NOT NULL,
        body TEXT NOT NULL
      )`);
    // Outboxes made before the age bound have no queue time: their rows count as queued now.
    const columns = this.#db.prepare("SELECT name FROM pragma_table_info('outbox')").all() as { name: string }[];
    if (!columns.some((c) => c.name === "queued_at")) {
      this.#db.exec(`ALTER TABLE outbox ADD COLUMN queued_at INTEGER NOT NULL DEFAULT ${Math.trunc(this.#now())}`);
    }
    const lastSeq = this.#db.prepare("SELECT value FROM outbox_meta WHERE name = 'batch_seq'").get() as
      | { value: number }
      | undefined;
    this.#nextSeq = lastSeq === undefined ? 0 : lastSeq.value + 1;
    this.#reservedSeq = this.#nextSeq - 1;
    this.#saveSeq = this.#db.prepare(
      "INSERT INTO outbox_meta (name, value) VALUES ('batch_seq', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    );
    this.#insert = this.#db.prepare(
      "INSERT OR IGNORE INTO outbox (id, kind, body, bytes, queued_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.#peek = this.#db.prepare("SELECT body FROM outbox ORDER BY seq LIMIT ?");
    this.#peekAfter = this.#db.prepare("SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?");
    const alongside = options.alongside?.(this.#db);
    this.#appendMany = this.#db.transaction((events: readonly EdgeEvent[]) => {
      const queuedAt = Math.trunc(this.#now());
      let added = 0;
      for (const event of events) {
        const body = eventJson(event);
        const bytes = Buffer.byteLength(body);
        const changes = this.#insert.run(event.id, shedClass(event), body, bytes, queuedAt).changes;
        added += changes;
        this.#bytes += changes * bytes;
      }
      alongside?.record(events);
      this.#shedStale(queuedAt);
      this.#shedOverBound();
      return added;
    });
    const takeOne = this.#db.prepare<[string], { body: string; bytes: number }>(
      "DELETE FROM outbox WHERE id = ? RETURNING body, bytes",
    );
    const keepDead = this.#db.prepare<[string, string, string, string | null, number, string]>(
      "INSERT INTO dead_letters (id, code, reason, batch_id, dead_lettered_at, body) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const dropOldestDead = this.#db.prepare<[number]>(
      "DELETE FROM dead_letters WHERE seq IN (SELECT seq FROM dead_letters ORDER BY seq LIMIT ?)",
    );
    const addDropped = this.#db.prepare<[number]>(
      `INSERT INTO outbox_meta (name, value) VALUES ('dead_letters_dropped', ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
    );
    // Counters are only returned from here, and applied once the transaction has committed: a failed one changes nothing.
    this.#removeMany = this.#db.transaction((ids: readonly string[], refused: readonly EventRefusal[]) => {
      const outcome: RemoveOutcome = { removed: 0, bytes: 0, dead: [], dropped: 0 };
      for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
        const chunk = ids.slice(i, i + DELETE_CHUNK);
        const gone = this.#db
          .prepare(`DELETE FROM outbox WHERE id IN (${chunk.map(() => "?").join(",")}) RETURNING bytes`)
          .all(...chunk) as { bytes: number }[];
        outcome.removed += gone.length;
        for (const row of gone) outcome.bytes += row.bytes;
      }
      const at = Math.trunc(this.#now());
      for (const refusal of refused) {
        const row = takeOne.get(refusal.id);
        // Not waiting (an ack seen twice, or already shed): nothing to keep, and nothing to report again.
        if (row === undefined) continue;
        outcome.removed++;
        outcome.bytes += row.bytes;
        keepDead.run(refusal.id, refusal.code, refusal.reason, refusal.batchId ?? null, at, row.body);
        outcome.dead.push({
          event: JSON.parse(row.body) as EdgeEvent,
          code: refusal.code,
          reason: refusal.reason,
          batchId: refusal.batchId,
          deadLetteredAt: new Date(at).toISOString(),
        });
      }
      const over = this.#deadCount + outcome.dead.length - this.#maxDeadLetters;
      if (over > 0) {
        outcome.dropped = dropOldestDead.run(over).changes;
        addDropped.run(outcome.dropped);
      }
      return outcome;
    });
    this.#listDead = this.#db.prepare(
      "SELECT code, reason, batch_id, dead_lettered_at, body FROM dead_letters ORDER BY seq DESC LIMIT ?",
    );
    this.#oldestOfKind = this.#db.prepare("SELECT seq, bytes FROM outbox WHERE kind = ? ORDER BY seq LIMIT ?");
    const totals = this.#db.prepare("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM outbox").get() as {
      n: number;
      b: number;
    };
    this.#depth = totals.n;
    this.#bytes = totals.b;
    this.#deadCount = (this.#db.prepare("SELECT count(*) AS n FROM dead_letters").get() as { n: number }).n;
    const dropped = this.#db.prepare("SELECT value FROM outbox_meta WHERE name = 'dead_letters_dropped'").get() as
      | { value: number }
      | undefined;
    this.#deadDropped = dropped?.value ?? 0;
  }

  async append(events: readonly EdgeEvent[]): Promise<void> {
    if (events.length === 0) return;
    // The counters move inside the transaction; a failed one (SQLITE_FULL, I/O error) rolls back, so must they.
    const before = { bytes: this.#bytes, depth: this.#depth, shed: { ...this.#shed } };
    let added: number;
    try {
      added = this.#appendMany(events);
    } catch (error) {
      this.#bytes = before.bytes;
      this.#depth = before.depth;
      for (const kind of Object.keys(this.#shed)) delete this.#shed[kind];
      Object.assign(this.#shed, before.shed);
      throw error;
    }
    // Not `+=` with the call inside: shedding changes the depth during the call.
    this.#depth += added;
  }

  async peek(max: number): Promise<EdgeEvent[]> {
    return this.#peek.all(max).map((row) => JSON.parse(row.body) as EdgeEvent);
  }

  /** Places are the rows' AUTOINCREMENT keys: never reused, even after rows are deleted. */
  async peekAfter(position: number, max: number): Promise<QueuedEvent[]> {
    return this.#peekAfter
      .all(position, max)
      .map((row) => ({ position: row.seq, event: JSON.parse(row.body) as EdgeEvent }));
  }

  /**
   * Committed without its own fsync (`synchronous = NORMAL` for this
   * transaction): the next append's, which syncs the same WAL file, makes it
   * durable. A kill -9 loses nothing (the write is in the OS already); a power
   * cut in between can only bring acknowledged events back, to be sent again
   * and absorbed by the cloud as duplicates of their ids.
   */
  async remove(ids: readonly string[], refused: readonly EventRefusal[] = []): Promise<DeadLetteredEvent[]> {
    if (ids.length === 0 && refused.length === 0) return [];
    const outcome = this.#lazily(() => this.#removeMany(ids, refused));
    this.#depth -= outcome.removed;
    this.#bytes -= outcome.bytes;
    this.#deadCount += outcome.dead.length - outcome.dropped;
    this.#deadDropped += outcome.dropped;
    return outcome.dead;
  }

  async deadLetters(limit: number): Promise<DeadLetteredEvent[]> {
    return this.#listDead.all(Math.max(0, Math.trunc(limit))).map(deadLetterFromRow);
  }

  deadLetterUsage(): DeadLetterUsage {
    return { count: this.#deadCount, max: this.#maxDeadLetters, dropped: this.#deadDropped };
  }

  depth(): number {
    return this.#depth;
  }

  /**
   * Durable before it is handed out: a batch number is never reused, even
   * after a crash. Reserved a block at a time (one write per block).
   */
  nextBatchSeq(): number {
    const seq = this.#nextSeq;
    if (seq > this.#reservedSeq) {
      this.#fully(() => this.#saveSeq.run(seq + BATCH_SEQ_BLOCK - 1));
      this.#onDurable?.();
      this.#reservedSeq = seq + BATCH_SEQ_BLOCK - 1;
    }
    this.#nextSeq = seq + 1;
    return seq;
  }

  /**
   * Resolves once every append and removal made before the call is durable.
   * With `durability: "append"` they already are; with `"sync"` the WAL file
   * is fsync'd on libuv's thread pool, so the event loop goes on meanwhile.
   * Rejects when the fsync fails: what was written may then be lost.
   */
  async sync(): Promise<void> {
    if (this.#walSyncer === undefined) return;
    this.#onDurable?.();
    await this.#walSyncer.sync();
  }

  /** Runs a write without its own fsync, whatever the outbox's durability. */
  #lazily<T>(write: () => T): T {
    if (!this.#syncEachAppend) return write();
    this.#syncLazily.run();
    try {
      return write();
    } finally {
      this.#syncFully.run();
    }
  }

  /** Runs a write fsync'd before it returns, whatever the outbox's durability. */
  #fully<T>(write: () => T): T {
    if (this.#syncEachAppend) return write();
    this.#syncFully.run();
    try {
      return write();
    } finally {
      this.#syncLazily.run();
    }
  }

  usage(): OutboxUsage {
    return { bytes: this.#bytes, maxBytes: this.#maxBytes, shed: { ...this.#shed } };
  }

  /** Inside the append's transaction: drop telemetry and conditions queued longer ago than the age bound. */
  #shedStale(now: number): void {
    const maxAge = this.#maxAgeMs;
    // A scan of the table: at most once a second, however often events come.
    if (maxAge === undefined || now - this.#lastStaleCheck < 1000) return;
    this.#lastStaleCheck = now;
    for (const kind of SHEDDABLE) {
      const gone = this.#db
        .prepare("DELETE FROM outbox WHERE kind = ? AND queued_at < ? RETURNING bytes")
        .all(kind, now - maxAge) as { bytes: number }[];
      if (gone.length === 0) continue;
      for (const row of gone) this.#bytes -= row.bytes;
      this.#depth -= gone.length;
      this.#shed[kind] = (this.#shed[kind] ?? 0) + gone.length;
    }
  }

  /** Inside the append's transaction: drop the oldest telemetry, then conditions, until under the bound. */
  #shedOverBound(): void {
    const max = this.#maxBytes;
    if (max === undefined) return;
    for (const kind of SHEDDABLE) {
      while (this.#bytes > max) {
        const victims = this.#oldestOfKind.all(kind, 100);
        if (victims.length === 0) break;
        let freed = 0;
        let count = 0;
        for (const v of victims) {
          if (this.#bytes - freed <= max) break;
          freed += v.bytes;
          count++;
        }
        const last = victims[count - 1];
        if (last === undefined) break;
        this.#db.prepare("DELETE FROM outbox WHERE kind = ? AND seq <= ?").run(kind, last.seq);
        this.#bytes -= freed;
        this.#depth -= count;
        this.#shed[kind] = (this.#shed[kind] ?? 0) + count;
      }
    }
  }

  close(): void {
    if (!this.#db.open) return;
    // Nothing more is handed out: the next process goes on from the last seq used, not from the block's end.
    if (this.#reservedSeq >= this.#nextSeq) this.#saveSeq.run(this.#nextSeq - 1);
    // Closing the last connection checkpoints the WAL into the file and syncs it: nothing is left to sync.
    this.#db.close();
    this.#walSyncer?.close();
  }
}
