import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteJournal } from "./sqlite-journal.js";

const dirs: string[] = [];
const journalFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "tally-journal-"));
  dirs.push(dir);
  return join(dir, "journal.db");
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const texts = (journal: SqliteJournal) => [...journal.unprocessed()].map((e) => e.payload.toString());

describe("SqliteJournal", () => {
  it("group-commits a burst and resolves each append with its seq, in order", async () => {
    const journal = new SqliteJournal(journalFile());
    const seqs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => journal.append("t/a", Buffer.from(`m${i}`), 1000 + i)),
    );
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const entries = [...journal.unprocessed()];
    expect(entries).toHaveLength(100);
    expect(entries[7]).toEqual({ seq: 8, topic: "t/a", payload: Buffer.from("m7"), receivedAt: 1007 });
    journal.close();
  });

  it("keeps each message's topic, payload and receive time as given, in a group of many", async () => {
    const journal = new SqliteJournal(journalFile());
    const socketChunk = Buffer.alloc(64 * 1024, 0x61);
    socketChunk.write('{"sku":"é"}', 100);
    const given = [
      {
        topic: "tally/v1/dépôt/scanner-1/scan",
        payload: socketChunk.subarray(100, 113),
        receivedAt: 1_796_424_052_145,
      },
      { topic: "t/empty", payload: Buffer.alloc(0), receivedAt: 0 },
      { topic: "", payload: Buffer.from([0, 255, 1]), receivedAt: 2 ** 52 + 1 },
    ];
    await Promise.all(given.map((g) => journal.append(g.topic, g.payload, g.receivedAt)));
    expect([...journal.unprocessed()]).toEqual(
      given.map((g, i) => ({ seq: i + 1, ...g, payload: Buffer.from(g.payload) })),
    );
    journal.close();
  });

  it("keeps entries and the checkpoint across a reopen", async () => {
    const file = journalFile();
    const first = new SqliteJournal(file);
    for (let i = 0; i < 5; i++) await first.append("t", Buffer.from(`m${i}`), 1000 * i);
    await first.checkpoint(3, 0);
    first.close();
    const second = new SqliteJournal(file);
    expect(second.checkpointed()).toBe(3);
    expect(texts(second)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(await second.append("t", Buffer.from("m5"), 9000)).toBe(6);
    second.close();
  });

  it("forgets checkpointed entries older than the context, keeps the rest, and says it starts mid-stream", async () => {
    const journal = new SqliteJournal(journalFile());
    for (let i = 0; i < 6; i++) await journal.append("t", Buffer.from(`m${i}`), 1000 * i);
    expect(journal.startsMidStream()).toBe(false);
    // Checkpoint at seq 5 (m4), context from t = 2000: m0 and m1 go; m2..m4 stay as context; m5 is unprocessed.
    await journal.checkpoint(5, 2000);
    expect(texts(journal)).toEqual(["m2", "m3", "m4", "m5"]);
    expect(journal.startsMidStream()).toBe(true);
    expect(journal.depth()).toBe(4);
  });

  it("never moves the checkpoint back", async () => {
    const journal = new SqliteJournal(journalFile());
    for (let i = 0; i < 4; i++) await journal.append("t", Buffer.from(`m${i}`), i);
    await journal.checkpoint(3, 3);
    await journal.checkpoint(1, 10);
    expect(journal.checkpointed()).toBe(3);
    expect(texts(journal)).toEqual(["m3"]);
  });

  it("writes a checkpoint on the writer thread after the group it has, and keeps the highest of two in flight", async () => {
    const file = journalFile();
    const journal = new SqliteJournal(file);
    for (let i = 0; i < 4; i++) await journal.append("t", Buffer.from(`m${i}`), i);
    const inFlight = journal.append("t", Buffer.from("m4"), 4);
    await new Promise((resolve) => setImmediate(resolve));
    // Asked for while the group of m4 is with the writer thread, out of order: the later, lower one loses.
    await Promise.all([journal.checkpoint(5, 2), journal.checkpoint(3, 0)]);
    await expect(inFlight).resolves.toBe(5);
    expect(journal.checkpointed()).toBe(5);
    expect(texts(journal)).toEqual(["m2", "m3", "m4"]);
    expect(journal.startsMidStream()).toBe(true);
    journal.close();
    const reopened = new SqliteJournal(file);
    expect(reopened.checkpointed()).toBe(5);
    expect(reopened.startsMidStream()).toBe(true);
    reopened.close();
  });

  it("leaves the checkpoint where it was when the writer thread cannot write it, and says why", async () => {
    const file = journalFile();
    const journal = new SqliteJournal(file);
    for (let i = 0; i < 3; i++) await journal.append("t", Buffer.from(`m${i}`), i);
    await journal.checkpoint(1, 0);
    const other = new Database(file);
    other.exec("DROP TABLE journal_meta");
    other.close();
    await expect(journal.checkpoint(3, 0)).rejects.toThrow(/device journal checkpoint failed: .*journal_meta/);
    expect(journal.checkpointed()).toBe(1);
    // Appends go on: a checkpoint that fails costs a longer replay, not the journal.
    expect(await journal.append("t", Buffer.from("m3"), 3)).toBe(4);
    journal.close();
  });

  it("refuses appends once closed, after writing what was pending", async () => {
    const file = journalFile();
    const journal = new SqliteJournal(file);
    const pending = journal.append("t", Buffer.from("last"), 1);
    journal.close();
    await expect(pending).resolves.toBe(1);
    await expect(journal.append("t", Buffer.from("late"), 2)).rejects.toThrow(/closed/);
    const reopened = new SqliteJournal(file);
    expect(texts(reopened)).toEqual(["last"]);
    reopened.close();
  });

  it("groups what arrives while a group is being written into the next one, and resolves all in order", async () => {
    const journal = new SqliteJournal(journalFile());
    const order: number[] = [];
    const append = (i: number) => journal.append("t", Buffer.from(`m${i}`), i).then((seq) => order.push(seq));
    const first = Array.from({ length: 10 }, (_, i) => append(i));
    // The first group is with the writer thread by the next turn; these wait for it to finish.
    await new Promise((resolve) => setImmediate(resolve));
    const second = Array.from({ length: 10 }, (_, i) => append(10 + i));
    await Promise.all([...first, ...second]);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(texts(journal)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    journal.close();
  });

  it("acknowledges nothing of a group the disk refused, and says why", async () => {
    const file = journalFile();
    const journal = new SqliteJournal(file);
    await journal.append("t", Buffer.from("kept"), 1);
    const other = new Database(file);
    other.exec("DROP TABLE journal");
    other.close();
    const refused = [journal.append("t", Buffer.from("a"), 2), journal.append("t", Buffer.from("b"), 3)];
    for (const append of refused) await expect(append).rejects.toThrow(/device journal write failed: .*journal/);
    journal.close();
  });

  it("at close, waits for the group the writer thread has and writes the rest", async () => {
    const file = journalFile();
    const journal = new SqliteJournal(file);
    const inFlight = journal.append("t", Buffer.from("in flight"), 1);
    await new Promise((resolve) => setImmediate(resolve));
    const pending = journal.append("t", Buffer.from("pending"), 2);
    journal.close();
    await expect(inFlight).resolves.toBe(1);
    await expect(pending).resolves.toBe(2);
    const reopened = new SqliteJournal(file);
    expect(texts(reopened)).toEqual(["in flight", "pending"]);
    reopened.close();
  });
});

describe("SqliteJournal's writer thread", () => {
  it("says when its writer thread is ready, and when it dies fails every waiting and later append and says so once", async () => {
    let writer: Worker | undefined;
    const failures: Error[] = [];
    const journal = new SqliteJournal(journalFile(), {
      onWriterStarted: (w) => {
        writer = w;
      },
      onWriterFailure: (error) => failures.push(error),
    });
    await journal.ready();
    expect(await journal.append("t", Buffer.from("before"), 1)).toBe(1);
    const waiting = journal.append("t", Buffer.from("waiting"), 2);
    const checkpoint = journal.checkpoint(1, 0);
    await writer?.terminate();
    await expect(waiting).rejects.toThrow(/device journal write failed: .*writer thread exited/);
    await expect(checkpoint).rejects.toThrow(/writer thread exited/);
    await expect(journal.checkpoint(1, 0)).rejects.toThrow(/writer thread exited/);
    await expect(journal.append("t", Buffer.from("after"), 3)).rejects.toThrow(/device journal write failed/);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/writer thread exited/);
    journal.close();
  });

  it("fails ready() when its writer thread stops before it has started", async () => {
    const failures: Error[] = [];
    const journal = new SqliteJournal(journalFile(), {
      onWriterStarted: (w) => void w.terminate(),
      onWriterFailure: (error) => failures.push(error),
    });
    await expect(journal.ready()).rejects.toThrow(/writer thread exited/);
    expect(failures).toHaveLength(1);
    await expect(journal.append("t", Buffer.from("x"), 1)).rejects.toThrow(/device journal write failed/);
    journal.close();
  });
});
