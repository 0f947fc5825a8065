import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import type { DeviceJournal, JournalEntry } from "../ports/device-journal.js";
import { encodeGroup } from "./journal-group.js";

/** Entries read per query while replaying. */
const REPLAY_CHUNK = 1000;
/** How long one connection waits for the other's write lock, ms (the writer's group commit against a checkpoint). */
const BUSY_TIMEOUT_MS = 10_000;
/** How long close waits for the writer thread to finish the group it has, ms. */
const CLOSE_WAIT_MS = 30_000;
const WRITER_FILE = new URL("./sqlite-journal-writer.cjs", import.meta.url);

/** What the writer thread answers for a group: its seqs in order, or why none of it was written. */
type GroupResult = { id: number; seqs: number[] } | { id: number; error: string };
/** What the writer thread answers for a checkpoint: whether it forgot messages, or why it was not written. */
type CheckpointResult =
  | { type: "checkpointed"; id: number; pruned: boolean }
  | { type: "checkpointed"; id: number; error: string };
/** What the writer thread says: that it has its connection open, a checkpoint's result, or a group's. */
type WriterMessage = { type: "ready" } | CheckpointResult | GroupResult;

export interface SqliteJournalOptions {
  /**
   * Told once, when the writer thread cannot start or stops: from then on
   * every append fails, so no device is acknowledged again. The edge stops
   * on it, for a supervisor to restart it.
   */
  onWriterFailure?: (error: Error) => void;
  /** Test hook: the writer thread, as soon as it is made (a test terminates it to play its death). */
  onWriterStarted?: (writer: Worker) => void;
}

interface PendingCheckpoint {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

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
 *
 * The groups are written by a thread of their own (one group at a time; what
 * arrives meanwhile makes the next group), so the event loop decodes, runs
 * the pipelines and talks to the cloud while a group's fsync is under way.
 * Checkpoints go to that thread too, after the groups handed to it before
 * them: their fsync and the delete of the messages they let go stop neither
 * the event loop nor the group commits (decision 0200). Reads and the last
 * group at close stay on this thread.
 */
export class SqliteJournal implements DeviceJournal {
  readonly #db: Database.Database;
  readonly #insertMany: (entries: readonly PendingAppend[]) => number[];
  readonly #readAfter: Database.Statement<
    [number, number],
    { seq: number; topic: string; payload: Buffer; at: number }
  >;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  readonly #writer: Worker;
  readonly #port: MessagePort;
  readonly #writerClosed = new Int32Array(new SharedArrayBuffer(4));
  /** The group the writer thread has, while it has one. */
  #inFlight: { id: number; entries: PendingAppend[] } | undefined;
  #nextGroupId = 0;
  /** Checkpoints the writer thread has, by id, until it answers. */
  readonly #checkpointsInFlight = new Map<number, PendingCheckpoint>();
  #nextCheckpointId = 0;
  /** Why the writer thread stopped, once it has: every append after fails with it. */
  #writerFailure: Error | undefined;
  #checkpoint: number;
  #pruned: boolean;
  #closed = false;
  readonly #onWriterFailure: ((error: Error) => void) | undefined;
  /** Settles when the writer thread has its connection open, or has failed before. */
  readonly #ready: Promise<void>;
  #settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(
    readonly file: string,
    options: SqliteJournalOptions = {},
  ) {
    this.#onWriterFailure = options.onWriterFailure;
    this.#ready = new Promise((resolve, reject) => {
      this.#settleReady = { resolve, reject };
    });
    // Seen through ready(), or not at all: a journal nobody waits on must not fail the process with it.
    this.#ready.catch(() => undefined);
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
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
    const stored = this.#db.prepare("SELECT value FROM journal_meta WHERE name = 'checkpoint'").get() as
      | { value: number }
      | undefined;
    this.#checkpoint = stored?.value ?? 0;
    this.#pruned = this.#db.prepare("SELECT 1 FROM journal_meta WHERE name = 'pruned'").get() !== undefined;
    const channel = new MessageChannel();
    this.#port = channel.port1;
    this.#writer = new Worker(WRITER_FILE, {
      // The writer is plain JavaScript and needs none of the process's preloads (a loader such as tsx, or a
      // test's .ts preload, which a worker cannot load without that loader): it starts with none.
      execArgv: [],
      workerData: {
        file,
        sqlitePath: createRequire(import.meta.url).resolve("better-sqlite3"),
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        closedFlag: this.#writerClosed.buffer,
        port: channel.port2,
      },
      transferList: [channel.port2],
    });
    this.#writer.unref();
    this.#port.unref();
    this.#port.on("message", (message: WriterMessage) => this.#receive(message));
    this.#writer.on("error", (error) => this.#writerStopped(error));
    this.#writer.on("exit", (code) =>
      this.#writerStopped(new Error(`the device journal's writer thread exited (code ${code})`)),
    );
    options.onWriterStarted?.(this.#writer);
  }

  /** Resolves once the writer thread has its connection open; rejects if it cannot start. */
  ready(): Promise<void> {
    return this.#ready;
  }

  #receive(message: WriterMessage): void {
    if (!("type" in message)) {
      this.#settle(message);
    } else if (message.type === "ready") {
      this.#settleReady?.resolve();
      this.#settleReady = undefined;
    } else {
      this.#checkpointed(message);
    }
  }

  /** Keeps the process alive while the writer thread has a group or a checkpoint it has not answered. */
  #holdProcess(): void {
    if (this.#inFlight !== undefined || this.#checkpointsInFlight.size > 0) this.#port.ref();
    else this.#port.unref();
  }

  append(topic: string, payload: Buffer, receivedAt: number): Promise<number> {
    if (this.#closed) return Promise.reject(new Error("the device journal is closed"));
    if (this.#writerFailure !== undefined) return Promise.reject(this.#writerFailure);
    return new Promise((resolve, reject) => {
      this.#pending.push({ topic, payload, receivedAt, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Hands what is pending to the writer thread as one group, unless it still has one. */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#inFlight !== undefined || this.#pending.length === 0 || this.#closed) return;
    const entries = this.#pending;
    this.#pending = [];
    const id = this.#nextGroupId++;
    this.#inFlight = { id, entries };
    // Kept alive while a group is out: an awaited append must not let the process end.
    this.#holdProcess();
    // One buffer of its own, moved, not copied (a payload posted alone would be cloned with the whole buffer
    // it is a slice of), and no arrays to clone: the topics and times are in it too (decision 0201).
    const bytes = encodeGroup(entries);
    this.#port.postMessage({ type: "append", id, bytes }, [bytes]);
  }

  /** The writer thread's answer for the group in flight; then the next group goes. */
  #settle(result: GroupResult): void {
    const group = this.#inFlight;
    if (group === undefined || group.id !== result.id) return;
    this.#inFlight = undefined;
    this.#holdProcess();
    if ("error" in result) {
      // Disk full, I/O error: nothing of this group is durable, so nothing of it is acknowledged.
      const failure = new Error(`device journal write failed: ${result.error}`);
      for (const entry of group.entries) entry.reject(failure);
    } else {
      for (const [i, entry] of group.entries.entries()) entry.resolve(result.seqs[i] as number);
    }
    this.#flush();
  }

  #writerStopped(error: Error): void {
    if (this.#closed || this.#writerFailure !== undefined) return;
    const failure = new Error(`device journal write failed: ${error.message}`);
    this.#writerFailure = failure;
    const waiting = [...(this.#inFlight?.entries ?? []), ...this.#pending, ...this.#checkpointsInFlight.values()];
    this.#inFlight = undefined;
    this.#pending = [];
    this.#checkpointsInFlight.clear();
    for (const entry of waiting) entry.reject(failure);
    this.#settleReady?.reject(failure);
    this.#settleReady = undefined;
    this.#onWriterFailure?.(failure);
  }

  /** Writes the pending appends on this thread (at close, once the writer thread is done). */
  #writeHere(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    let seqs: number[];
    try {
      seqs = this.#insertMany(batch);
    } catch (error) {
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

  checkpoint(seq: number, keepSince: number): Promise<void> {
    if (seq < this.#checkpoint || this.#closed) return Promise.resolve();
    if (this.#writerFailure !== undefined) return Promise.reject(this.#writerFailure);
    return new Promise((resolve, reject) => {
      const id = this.#nextCheckpointId++;
      this.#checkpointsInFlight.set(id, { seq, resolve, reject });
      this.#holdProcess();
      this.#port.postMessage({ type: "checkpoint", id, seq, keepSince });
    });
  }

  /** The writer thread's answer for a checkpoint: it is durable, or it stays where it was. */
  #checkpointed(result: CheckpointResult): void {
    const pending = this.#checkpointsInFlight.get(result.id);
    if (pending === undefined) return;
    this.#checkpointsInFlight.delete(result.id);
    this.#holdProcess();
    if ("error" in result) {
      pending.reject(new Error(`device journal checkpoint failed: ${result.error}`));
      return;
    }
    if (pending.seq > this.#checkpoint) this.#checkpoint = pending.seq;
    if (result.pruned) this.#pruned = true;
    pending.resolve();
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

  /** Waits for the writer thread's group, writes what is still pending here, and closes. */
  close(): void {
    if (this.#closed) return;
    // Closed first: answers drained below settle their groups without handing the writer another.
    this.#closed = true;
    this.#settleReady?.reject(new Error("the device journal was closed before its writer thread started"));
    this.#settleReady = undefined;
    if (this.#writerFailure === undefined) {
      this.#port.postMessage({ type: "close" });
      Atomics.wait(this.#writerClosed, 0, 0, CLOSE_WAIT_MS);
      for (let m = receiveMessageOnPort(this.#port); m !== undefined; m = receiveMessageOnPort(this.#port)) {
        this.#receive(m.message as WriterMessage);
      }
    }
    // A checkpoint the writer thread never answered stays where it was: a replay only goes back further.
    const unanswered = new Error("the device journal was closed before its checkpoint was written");
    for (const pending of this.#checkpointsInFlight.values()) pending.reject(unanswered);
    this.#checkpointsInFlight.clear();
    // A group the writer thread never answered is written again here: it was not acknowledged.
    if (this.#inFlight !== undefined) this.#pending.unshift(...this.#inFlight.entries);
    this.#inFlight = undefined;
    this.#writeHere();
    this.#port.close();
    void this.#writer.terminate();
    this.#db.close();
  }
}
