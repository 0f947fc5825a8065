import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { DeviceJournal, JournalEntry } from "../ports/device-journal.js";

/** Entries read per query while replaying. */
const REPLAY_CHUNK = 1000;

interface PendingAppend {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

/**
 * The device journal on disk (SQLite, WAL, `synchronous=FULL`). Appends are
 * group-committed: every append made in one turn of the event loop goes into
 * one transaction, and each promise resolves, in order, only once that
 * transaction is durable. So the fsync is paid once per burst, not once per
 * message, and a device's PUBACK can wait for it without throttling the site.
 */
export class SqliteJournal implements DeviceJournal {
  readonly #db: Database.Database;
  readonly #insertMany: (entries: readonly PendingAppend[]) => number[];
  readonly #readAfter: Database.Statement<
    [number, number],
    { seq: number; topic: string; payload: Buffer; at: number }
  >;
  readonly #setCheckpoint: (seq: number, keepSince: number) => void;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  #checkpoint: number;
  #pruned: boolean;
  #closed = false;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS journal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        payload BLOB NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS journal_meta (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      )`);
    const insert = this.#db.prepare<[string, Buffer, number]>(
      "INSERT INTO journal (topic, payload, at) VALUES (?, ?, ?)",
    );
    this.#insertMany = this.#db.transaction((entries: readonly PendingAppend[]) =>
      entries.map((e) => Number(insert.run(e.topic, e.payload, e.receivedAt).lastInsertRowid)),
    );
    this.#readAfter = this.#db.prepare(
      "SELECT seq, topic, payload, at FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
    );
    const upsert = this.#db.prepare<[number]>(
      "INSERT INTO journal_meta (name, value) VALUES ('checkpoint', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    );
    const prune = this.#db.prepare<[number, number]>("DELETE FROM journal WHERE seq <= ? AND at < ?");
    const markPruned = this.#db.prepare(
      "INSERT INTO journal_meta (name, value) VALUES ('pruned', 1) ON CONFLICT (name) DO NOTHING",
    );
    this.#setCheckpoint = this.#db.transaction((seq: number, keepSince: number) => {
      upsert.run(seq);
      if (prune.run(seq, keepSince).changes > 0 && !this.#pruned) {
        markPruned.run();
        this.#pruned = true;
      }
    });
    const stored = this.#db.prepare("SELECT value FROM journal_meta WHERE name = 'checkpoint'").get() as
      | { value: number }
      | undefined;
    this.#checkpoint = stored?.value ?? 0;
    this.#pruned = this.#db.prepare("SELECT 1 FROM journal_meta WHERE name = 'pruned'").get() !== undefined;
  }

  append(topic: string, payload: Buffer, receivedAt: number): Promise<number> {
    if (this.#closed) return Promise.reject(new Error("the device journal is closed"));
    return new Promise((resolve, reject) => {
      this.#pending.push({ topic, payload, receivedAt, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    let seqs: number[];
    try {
      seqs = this.#insertMany(batch);
    } catch (error) {
      // Disk full, I/O error: nothing of this group is durable, so nothing of it is acknowledged.
      const failure = new Error(`device journal write failed: ${(error as Error).message}`);
      for (const entry of batch) entry.reject(failure);
      return;
    }
    for (const [i, entry] of batch.entries()) entry.resolve(seqs[i] as number);
  }

  *unprocessed(): Iterable<JournalEntry> {
    let after = 0;
    for (;;) {
      const rows = this.#readAfter.all(after, REPLAY_CHUNK);
      for (const row of rows) yield { seq: row.seq, topic: row.topic, payload: row.payload, receivedAt: row.at };
      const last = rows.at(-1);
      if (last === undefined || rows.length < REPLAY_CHUNK) return;
      after = last.seq;
    }
  }

  checkpoint(seq: number, keepSince: number): void {
    if (seq < this.#checkpoint || this.#closed) return;
    this.#setCheckpoint(seq, keepSince);
    this.#checkpoint = seq;
  }

  startsMidStream(): boolean {
    return this.#pruned;
  }

  checkpointed(): number {
    return this.#checkpoint;
  }

  depth(): number {
    return (this.#db.prepare("SELECT count(*) AS n FROM journal").get() as { n: number }).n;
  }

  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#db.close();
  }
}
