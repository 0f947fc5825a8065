import type { EdgeEvent } from "@tally/protocols";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { MemoryOutbox } from "./adapters/memory-outbox.js";
import { OutboxWriter, type OutboxWriterDeps } from "./outbox-writer.js";
import type { OutboxUsage } from "./ports/outbox.js";
import { deviceSilentCondition, pickMovement } from "./testing/edge-events.js";
import { BacklogWatch } from "./uplink/backlog-watch.js";

const silent = deviceSilentCondition();

/** A memory outbox that refuses its next `failures` appends, counts syncs and reports the fill it is told. */
class TestOutbox extends MemoryOutbox {
  failures = 0;
  syncs = 0;
  syncError: Error | undefined;
  fill: OutboxUsage = { bytes: 0, shed: {} };
  readonly appended: string[][] = [];

  override async append(events: readonly EdgeEvent[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("SQLITE_FULL: database or disk is full");
    }
    this.appended.push(events.map((e) => e.id));
    await super.append(events);
  }
  override async sync(): Promise<void> {
    this.syncs++;
    if (this.syncError !== undefined) throw this.syncError;
  }
  override usage(): OutboxUsage {
    return this.fill;
  }
}

function writerOver(outbox: TestOutbox, extra: Partial<OutboxWriterDeps> = {}) {
  const saved = vi.fn();
  const syncFailures: Error[] = [];
  const metrics = { outboxWriteFailures: 0 };
  const writer = new OutboxWriter({
    outbox,
    journalled: true,
    opcuaShelves: new Set(),
    backlog: new BacklogWatch("edge-1", "WH1", () => "0190c7e4-0000-7000-8000-200000000000"),
    metrics,
    logger: pino({ level: "silent" }),
    onSaved: saved,
    onSyncFailure: (error) => syncFailures.push(error),
    retryMs: 5,
    ...extra,
  });
  return { writer, saved, syncFailures, metrics };
}

describe("OutboxWriter", () => {
  it("appends batches in the order pushed and tells the uplink once they are in", async () => {
    const outbox = new TestOutbox();
    const { writer, saved } = writerOver(outbox);
    writer.push([pickMovement(1), pickMovement(2)]);
    writer.push([pickMovement(3)]);
    expect(writer.waiting).toBe(true);
    await vi.waitFor(() => expect(writer.waiting).toBe(false));
    expect(outbox.appended).toEqual([[pickMovement(1).id, pickMovement(2).id], [pickMovement(3).id]]);
    expect(outbox.depth()).toBe(3);
    expect(saved).toHaveBeenCalled();
  });

  it("keeps a refused batch first in line, counts each refusal and retries until the outbox takes it", async () => {
    const outbox = new TestOutbox();
    outbox.failures = 3;
    vi.useFakeTimers();
    try {
      const { writer, metrics, saved } = writerOver(outbox, { retryMs: 1000 });
      writer.push([pickMovement(1)]);
      writer.push([pickMovement(2)]);
      await vi.advanceTimersByTimeAsync(0);
      // Refused: nothing in, both still waiting (so the checkpoint holds and devices are held).
      expect(metrics.outboxWriteFailures).toBe(1);
      expect(writer.waiting).toBe(true);
      expect(saved).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(999);
      expect(metrics.outboxWriteFailures).toBe(1);
      await vi.advanceTimersByTimeAsync(2001);
      expect(metrics.outboxWriteFailures).toBe(3);
      expect(outbox.appended).toEqual([[pickMovement(1).id], [pickMovement(2).id]]);
      expect(writer.waiting).toBe(false);
      expect(saved).toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it("close stops a retry that is due: the batch stays waiting", async () => {
    const outbox = new TestOutbox();
    outbox.failures = 1;
    vi.useFakeTimers();
    try {
      const { writer, metrics } = writerOver(outbox, { retryMs: 20 });
      writer.push([pickMovement(1)]);
      await vi.advanceTimersByTimeAsync(0);
      expect(metrics.outboxWriteFailures).toBe(1);
      writer.close();
      await vi.advanceTimersByTimeAsync(1000);
      expect(outbox.appended).toEqual([]);
      expect(writer.waiting).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("syncs at once a batch the journal cannot rebuild (a condition), and only with a journal", async () => {
    const journalled = new TestOutbox();
    const { writer } = writerOver(journalled);
    writer.push([pickMovement(1)]);
    await vi.waitFor(() => expect(writer.waiting).toBe(false));
    expect(journalled.syncs).toBe(0);
    writer.push([silent]);
    await vi.waitFor(() => expect(journalled.syncs).toBe(1));

    const withoutJournal = new TestOutbox();
    const other = writerOver(withoutJournal, { journalled: false });
    other.writer.push([silent]);
    await vi.waitFor(() => expect(other.writer.waiting).toBe(false));
    expect(withoutJournal.syncs).toBe(0);
  });

  it("reports a failed sync: the edge can no longer keep what it is given", async () => {
    const outbox = new TestOutbox();
    outbox.syncError = new Error("EIO: i/o error, fdatasync");
    const { writer, syncFailures } = writerOver(outbox);
    writer.push([silent]);
    await vi.waitFor(() => expect(syncFailures.map((e) => e.message)).toEqual(["EIO: i/o error, fdatasync"]));
  });

  it("queues EDGE_BACKLOG behind the batch that filled the outbox past 90 %, with a content id when journalled", async () => {
    const outbox = new TestOutbox();
    outbox.fill = { bytes: 950, maxBytes: 1000, shed: {} };
    const { writer } = writerOver(outbox);
    writer.push([pickMovement(1)]);
    await vi.waitFor(() => expect(outbox.appended).toHaveLength(2));
    const [, [backlogId]] = outbox.appended as [string[], string[]];
    const backlog = (await outbox.peek(10)).find((e) => e.id === backlogId);
    expect(backlog).toMatchObject({ kind: "condition", conditionType: "EDGE_BACKLOG", state: "raised", value: 95 });
    // Not the id the watch made: the content id a replay would make again.
    expect(backlogId).not.toBe("0190c7e4-0000-7000-8000-200000000000");
  });
});
