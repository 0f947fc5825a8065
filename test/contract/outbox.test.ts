import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BATCH_SEQ_BLOCK, MemoryOutbox, outboxPlatter, readDeadLetters, SqliteOutbox } from "@tally/edge";
import type { EdgeEvent } from "@tally/protocols";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { outboxContract, telemetryEvent } from "./outbox-contract.js";

const dirs: string[] = [];
const opened: SqliteOutbox[] = [];
async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tally-outbox-"));
  dirs.push(dir);
  return join(dir, "outbox.db");
}

afterAll(async () => {
  for (const o of opened) o.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

outboxContract("memory", async (options) => new MemoryOutbox(options));
outboxContract("sqlite", async (options) => {
  const outbox = new SqliteOutbox(await tempFile(), options);
  opened.push(outbox);
  return outbox;
});

outboxContract("sqlite, durable on sync", async (options) => {
  const outbox = new SqliteOutbox(await tempFile(), { ...options, durability: "sync" });
  opened.push(outbox);
  return outbox;
});

describe("SqliteOutbox batch sequence numbers", () => {
  it("goes on from the last one handed out after a reopen", async () => {
    const file = await tempFile();
    const first = new SqliteOutbox(file);
    expect([first.nextBatchSeq(), first.nextBatchSeq(), first.nextBatchSeq()]).toEqual([0, 1, 2]);
    first.close();
    const second = new SqliteOutbox(file);
    opened.push(second);
    expect(second.nextBatchSeq()).toBe(3);
  });

  it("never hands out a number twice after a crash, writing to disk once per block of numbers", async () => {
    const file = await tempFile();
    const crashed = new SqliteOutbox(file);
    const handedOut = Array.from({ length: BATCH_SEQ_BLOCK + 3 }, () => crashed.nextBatchSeq());
    expect(handedOut.at(-1)).toBe(BATCH_SEQ_BLOCK + 2);
    // What a kill -9 leaves: the file as the last write made it, without close().
    const reader = new Database(file, { readonly: true });
    const stored = reader.prepare("SELECT value FROM outbox_meta WHERE name = 'batch_seq'").get() as { value: number };
    reader.close();
    expect(stored.value).toBe(2 * BATCH_SEQ_BLOCK - 1);
    const restarted = new SqliteOutbox(file);
    opened.push(restarted, crashed);
    expect(restarted.nextBatchSeq()).toBe(2 * BATCH_SEQ_BLOCK);
  });
});

describe("SqliteOutbox bound", () => {
  const movement = (n: number): EdgeEvent => ({
    kind: "movement",
    id: `01900000-0000-7000-9000-${String(n).padStart(12, "0")}`,
    siteId: "S1",
    occurredAt: "2026-11-22T08:00:00.000Z",
    movementType: "RECEIPT",
    sku: "SKU-1",
    qty: 1,
    to: "S1/DOCK/D1",
    evidence: { deviceId: "portal-1", observationIds: [] },
    confidence: 1,
  });
  const condition = (n: number): EdgeEvent => ({
    kind: "condition",
    id: `01900000-0000-7000-a000-${String(n).padStart(12, "0")}`,
    siteId: "S1",
    occurredAt: "2026-11-22T08:00:00.000Z",
    conditionType: "DEVICE_SILENT",
    state: "raised",
    key: `DEVICE_SILENT:d${n}`,
    deviceId: `d${n}`,
    detail: "quiet",
  });

  it("sheds telemetry and conditions queued longer ago than its age bound, never movements", async () => {
    let now = 1_000_000;
    const outbox = new SqliteOutbox(await tempFile(), { maxAgeMs: 60_000, now: () => now });
    opened.push(outbox);
    await outbox.append([telemetryEvent(1), condition(1), movement(1)]);
    now += 61_000;
    await outbox.append([telemetryEvent(2)]);
    expect((await outbox.peek(10)).map((e) => e.id)).toEqual([movement(1).id, telemetryEvent(2).id]);
    expect(outbox.depth()).toBe(2);
    expect(outbox.usage().shed).toEqual({ telemetry: 1, condition: 1 });
  });

  it("sheds the oldest telemetry, then conditions, and never a movement, to stay under its bound", async () => {
    const size = (e: EdgeEvent) => Buffer.byteLength(JSON.stringify(e));
    // Room for three movements and a little more.
    const outbox = new SqliteOutbox(await tempFile(), { maxBytes: size(movement(0)) * 3 + 50 });
    opened.push(outbox);
    await outbox.append([telemetryEvent(1), condition(1), telemetryEvent(2), movement(1)]);
    await outbox.append([movement(2)]);
    // Over the bound: both telemetry points went first, oldest first.
    expect(outbox.usage().shed).toEqual({ telemetry: 2 });
    await outbox.append([movement(3)]);
    expect(outbox.usage().shed).toEqual({ telemetry: 2, condition: 1 });
    await outbox.append([movement(4), movement(5)]);
    // Nothing left to shed: movements are kept past the bound.
    const kept = await outbox.peek(100);
    expect(kept.map((e) => e.kind)).toEqual(["movement", "movement", "movement", "movement", "movement"]);
    const usage = outbox.usage();
    expect(usage.bytes).toBe(kept.reduce((n, e) => n + size(e), 0));
    expect(usage.bytes).toBeGreaterThan(usage.maxBytes ?? 0);
    await outbox.remove(kept.map((e) => e.id));
    expect(outbox.usage().bytes).toBe(0);
    expect(outbox.depth()).toBe(0);
  });

  it("sheds temperature summaries and excursion-window readings like any telemetry, before conditions", async () => {
    const summary: EdgeEvent = {
      ...(telemetryEvent(1) as Extract<EdgeEvent, { kind: "telemetry" }>),
      value: 4.5,
      summary: { periodS: 60, min: 4, max: 5, count: 6 },
    };
    const reading: EdgeEvent = { ...telemetryEvent(2), excursionWindow: true } as EdgeEvent;
    const size = (e: EdgeEvent) => Buffer.byteLength(JSON.stringify(e));
    const outbox = new SqliteOutbox(await tempFile(), { maxBytes: size(movement(0)) * 2 + size(condition(1)) });
    opened.push(outbox);
    await outbox.append([summary, reading, condition(1), movement(1)]);
    await outbox.append([movement(2)]);
    expect(outbox.usage().shed).toEqual({ telemetry: 2 });
    expect((await outbox.peek(10)).map((e) => e.kind)).toEqual(["condition", "movement", "movement"]);
  });

  it("never sheds the EDGE_BACKLOG condition, which says the outbox is full", async () => {
    const backlog: EdgeEvent = {
      kind: "condition",
      id: "01900000-0000-7000-b000-000000000001",
      siteId: "S1",
      occurredAt: "2026-11-22T08:00:00.000Z",
      conditionType: "EDGE_BACKLOG",
      state: "raised",
      key: "EDGE_BACKLOG:edge-1",
      deviceId: "edge-1",
      detail: "outbox 91 % full",
    };
    const size = (e: EdgeEvent) => Buffer.byteLength(JSON.stringify(e));
    const outbox = new SqliteOutbox(await tempFile(), { maxBytes: size(movement(0)) * 2 });
    opened.push(outbox);
    await outbox.append([condition(1), backlog, movement(1)]);
    await outbox.append([movement(2), movement(3)]);
    expect(outbox.usage().shed).toEqual({ condition: 1 });
    expect((await outbox.peek(10)).map((e) => e.id)).toEqual(
      [backlog, movement(1), movement(2), movement(3)].map((e) => e.id),
    );
  });

  it("fails an append with SQLITE_FULL past its page cap, keeps what it had, and takes more once emptied", async () => {
    const outbox = new SqliteOutbox(await tempFile(), { maxPageCount: 8 });
    opened.push(outbox);
    let appended = 0;
    let failure: unknown;
    // Several events an append, so that one fails part-way through its transaction.
    while (failure === undefined && appended < 10_000) {
      try {
        await outbox.append([movement(appended), movement(appended + 1), movement(appended + 2)]);
        appended += 3;
      } catch (error) {
        failure = error;
      }
    }
    expect((failure as { code?: string } | undefined)?.code).toBe("SQLITE_FULL");
    // The failed transaction left nothing behind; what was appended before is all there.
    expect(outbox.depth()).toBe(appended);
    const kept = await outbox.peek(appended + 1);
    expect(kept.map((e) => e.id)).toEqual(Array.from({ length: appended }, (_, i) => movement(i).id));
    expect(outbox.usage().bytes).toBe(kept.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0));
    await outbox.remove(kept.map((e) => e.id));
    await outbox.append([movement(appended)]);
    expect(outbox.depth()).toBe(1);
  });

  it("counts its bytes again after a reopen", async () => {
    const file = await tempFile();
    const first = new SqliteOutbox(file);
    await first.append([movement(1), telemetryEvent(1)]);
    const bytes = first.usage().bytes;
    first.close();
    const again = new SqliteOutbox(file);
    opened.push(again);
    expect(again.usage().bytes).toBe(bytes);
    expect(bytes).toBeGreaterThan(0);
  });
});

describe("SqliteOutbox durability", () => {
  it("reopens with what was there, in order", async () => {
    const file = await tempFile();
    const first = new SqliteOutbox(file);
    await first.append([telemetryEvent(1), telemetryEvent(2), telemetryEvent(3)]);
    await first.remove([telemetryEvent(1).id]);
    first.close();
    const second = new SqliteOutbox(file);
    opened.push(second);
    expect(second.depth()).toBe(2);
    expect((await second.peek(5)).map((e) => e.id)).toEqual([telemetryEvent(2).id, telemetryEvent(3).id]);
  });

  it("keeps every appended event across a kill -9 of the writing process", async () => {
    const file = await tempFile();
    const writer = fork(fileURLToPath(new URL("../support/outbox-writer.ts", import.meta.url)), [file, "5000"], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    // The writer reports after each durable append; kill it hard in the middle of its work.
    const appended = await new Promise<number>((resolve, reject) => {
      writer.on("message", (count) => {
        if (typeof count === "number" && count >= 2000) resolve(count);
      });
      writer.once("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => writer.once("exit", resolve));
    writer.kill("SIGKILL");
    await exited;
    const reopened = new SqliteOutbox(file);
    opened.push(reopened);
    expect(reopened.depth()).toBeGreaterThanOrEqual(appended);
    const events = await reopened.peek(reopened.depth());
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => telemetryEvent(i).id));
  });
});

/** A power cut as the disk sees it: the outbox's files as they were at its last durable point. */
function powerCutDisk(file: string): { onDurable: () => void; cut: () => void } {
  const platter = outboxPlatter(file, join(dirname(file), "platter"));
  return { onDurable: platter.keep, cut: platter.cut };
}

describe("SqliteOutbox durable on sync", () => {
  it("keeps, through a power cut, what a sync covered; what came after is gone until written again, and once", async () => {
    const file = await tempFile();
    const disk = powerCutDisk(file);
    const outbox = new SqliteOutbox(file, { durability: "sync", onDurable: disk.onDurable });
    await outbox.append([telemetryEvent(1), telemetryEvent(2)]);
    await outbox.sync();
    await outbox.append([telemetryEvent(3)]);
    // The power goes: the process, and what the disk had not been told to keep.
    outbox.close();
    disk.cut();
    const restarted = new SqliteOutbox(file, { durability: "sync" });
    opened.push(restarted);
    expect((await restarted.peek(10)).map((e) => e.id)).toEqual([telemetryEvent(1).id, telemetryEvent(2).id]);
    // The writer rebuilds what was lost with the same ids (the edge, from its journal): each once.
    await restarted.append([telemetryEvent(2), telemetryEvent(3)]);
    expect(restarted.depth()).toBe(3);
    expect((await restarted.peek(10)).map((e) => e.id)).toEqual([1, 2, 3].map((n) => telemetryEvent(n).id));
  });

  it("writes a block of batch numbers durably before handing one out, power cut or not", async () => {
    const file = await tempFile();
    const disk = powerCutDisk(file);
    const crashed = new SqliteOutbox(file, { durability: "sync", onDurable: disk.onDurable });
    const handedOut = Array.from({ length: BATCH_SEQ_BLOCK + 3 }, () => crashed.nextBatchSeq());
    crashed.close();
    disk.cut();
    const restarted = new SqliteOutbox(file, { durability: "sync" });
    opened.push(restarted);
    expect(restarted.nextBatchSeq()).toBeGreaterThan(handedOut.at(-1) as number);
  });
});

describe("SqliteOutbox dead letters", () => {
  const refusal = (n: number) => ({
    id: telemetryEvent(n).id,
    code: "TALLY_ERR_LOCATION_UNKNOWN" as const,
    reason: `bin ${n} is not in the site's layout`,
  });

  it("keeps dead letters and what it dropped across a reopen, and lists them read-only beside a running edge", async () => {
    const file = await tempFile();
    const first = new SqliteOutbox(file, { maxDeadLetters: 2 });
    await first.append([telemetryEvent(1), telemetryEvent(2), telemetryEvent(3)]);
    await first.remove([], [refusal(1), refusal(2), refusal(3)]);
    first.close();
    const second = new SqliteOutbox(file, { maxDeadLetters: 2 });
    opened.push(second);
    expect(second.deadLetterUsage()).toEqual({ count: 2, max: 2, dropped: 1 });
    expect((await second.deadLetters(5)).map((d) => d.reason)).toEqual([refusal(3).reason, refusal(2).reason]);
    // Another process (the CLI) reads while the outbox is open.
    const listed = readDeadLetters(file, 1);
    expect(listed).toEqual({
      ok: true,
      value: {
        letters: [expect.objectContaining({ event: telemetryEvent(3), code: refusal(3).code })],
        count: 2,
        dropped: 1,
      },
    });
  });

  it("refuses to list an outbox that is not there, and makes none", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "tally-outbox-")), "nothing", "outbox.db");
    dirs.push(dirname(dirname(file)));
    expect(readDeadLetters(file, 10)).toEqual({
      ok: false,
      error: { code: "TALLY_ERR_NOT_FOUND", reason: expect.stringContaining(file) },
    });
    expect(existsSync(file)).toBe(false);
  });

  it("leaves a refused event in the outbox when its dead letter cannot be written: one transaction", async () => {
    const file = await tempFile();
    const outbox = new SqliteOutbox(file);
    opened.push(outbox);
    await outbox.append([telemetryEvent(1), telemetryEvent(2)]);
    const bytes = outbox.usage().bytes;
    // A write to the dead letters that fails, as a full or failing disk would make it fail.
    const saboteur = new Database(file);
    saboteur.exec(
      "CREATE TRIGGER fail_dead BEFORE INSERT ON dead_letters BEGIN SELECT RAISE(ABORT, 'disk trouble'); END",
    );
    await expect(outbox.remove([telemetryEvent(1).id], [refusal(2)])).rejects.toThrow(/disk trouble/);
    // Neither the acknowledged removal nor the move happened.
    expect(outbox.depth()).toBe(2);
    expect(outbox.usage().bytes).toBe(bytes);
    expect((await outbox.peek(10)).map((e) => e.id)).toEqual([telemetryEvent(1).id, telemetryEvent(2).id]);
    expect(outbox.deadLetterUsage().count).toBe(0);
    saboteur.exec("DROP TRIGGER fail_dead");
    saboteur.close();
    // Sent again and refused again, it is kept this time.
    expect(await outbox.remove([telemetryEvent(1).id], [refusal(2)])).toHaveLength(1);
    expect(outbox.depth()).toBe(0);
    expect(outbox.usage().bytes).toBe(0);
  });
});
