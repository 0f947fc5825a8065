import type { EdgeEvent, ErrorCode } from "@tally/protocols";
import { describe, expect, it } from "vitest";

/** The port as the contract sees it (the edge's `Outbox`). */
export interface OutboxUnderTest {
  append(events: readonly EdgeEvent[]): Promise<void>;
  peek(max: number): Promise<EdgeEvent[]>;
  peekAfter(position: number, max: number): Promise<{ position: number; event: EdgeEvent }[]>;
  remove(ids: readonly string[], refused?: readonly Refusal[]): Promise<DeadLetter[]>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  deadLetterUsage(): { count: number; max: number; dropped: number };
  depth(): number;
  usage(): { bytes: number };
  nextBatchSeq(): number;
}

interface Refusal {
  id: string;
  code: ErrorCode;
  reason: string;
  batchId?: string | undefined;
}

interface DeadLetter {
  event: EdgeEvent;
  code: ErrorCode;
  reason: string;
  batchId?: string | undefined;
  deadLetteredAt: string;
}

/** What the suite asks of a new outbox. */
export interface OutboxOptions {
  maxDeadLetters?: number;
  now?: () => number;
}

export function telemetryEvent(n: number): EdgeEvent {
  return {
    kind: "telemetry",
    id: `01900000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    siteId: "S1",
    occurredAt: "2026-11-22T08:00:00.000Z",
    deviceId: "temp-1",
    metric: "temperature",
    value: n,
    unit: "°C",
  };
}

/** What every Outbox must do; run once per implementation. */
export function outboxContract(name: string, create: (options?: OutboxOptions) => Promise<OutboxUnderTest>): void {
  describe(`Outbox contract: ${name}`, () => {
    it("gives events back oldest first without removing them", async () => {
      const outbox = await create();
      await outbox.append([telemetryEvent(1), telemetryEvent(2)]);
      await outbox.append([telemetryEvent(3)]);
      expect((await outbox.peek(2)).map((e) => e.id)).toEqual([telemetryEvent(1).id, telemetryEvent(2).id]);
      expect((await outbox.peek(10)).length).toBe(3);
      expect(outbox.depth()).toBe(3);
    });

    it("reads past a place: the events after it, oldest first, each with a place that grows", async () => {
      const outbox = await create();
      await outbox.append([telemetryEvent(1), telemetryEvent(2), telemetryEvent(3), telemetryEvent(4)]);
      const first = await outbox.peekAfter(0, 2);
      expect(first.map((q) => q.event.id)).toEqual([telemetryEvent(1).id, telemetryEvent(2).id]);
      const last = first.at(-1)?.position ?? 0;
      const rest = await outbox.peekAfter(last, 10);
      expect(rest.map((q) => q.event.id)).toEqual([telemetryEvent(3).id, telemetryEvent(4).id]);
      expect(rest.map((q) => q.position > last)).toEqual([true, true]);
      // Removing the events before a place leaves the ones after it where they were; new ones come after them.
      await outbox.remove([telemetryEvent(1).id, telemetryEvent(2).id, telemetryEvent(4).id]);
      await outbox.append([telemetryEvent(5), telemetryEvent(3)]);
      expect((await outbox.peekAfter(last, 10)).map((q) => q.event.id)).toEqual([
        telemetryEvent(3).id,
        telemetryEvent(5).id,
      ]);
      expect(await outbox.peekAfter(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    });

    it("keeps events exactly as appended", async () => {
      const outbox = await create();
      const event = telemetryEvent(7);
      await outbox.append([event]);
      expect(await outbox.peek(1)).toEqual([event]);
    });

    it("removes by id, ignoring unknown ids, and counts what is left", async () => {
      const outbox = await create();
      await outbox.append([telemetryEvent(1), telemetryEvent(2), telemetryEvent(3)]);
      await outbox.remove([telemetryEvent(2).id, "not-there"]);
      expect((await outbox.peek(10)).map((e) => e.id)).toEqual([telemetryEvent(1).id, telemetryEvent(3).id]);
      expect(outbox.depth()).toBe(2);
      await outbox.remove([]);
      expect(outbox.depth()).toBe(2);
      expect(outbox.usage().bytes).toBeGreaterThan(0);
    });

    it("holds one copy of an event appended twice", async () => {
      const outbox = await create();
      await outbox.append([telemetryEvent(1)]);
      await outbox.append([telemetryEvent(1), telemetryEvent(2)]);
      expect(outbox.depth()).toBe(2);
      expect((await outbox.peek(10)).map((e) => e.id)).toEqual([telemetryEvent(1).id, telemetryEvent(2).id]);
    });

    it("hands out batch sequence numbers one by one, never twice", async () => {
      const outbox = await create();
      const first = outbox.nextBatchSeq();
      expect([outbox.nextBatchSeq(), outbox.nextBatchSeq()]).toEqual([first + 1, first + 2]);
    });

    it("removes thousands of ids in one call", async () => {
      const outbox = await create();
      const events = Array.from({ length: 2500 }, (_, i) => telemetryEvent(i));
      await outbox.append(events);
      await outbox.remove(events.slice(0, 2400).map((e) => e.id));
      expect(outbox.depth()).toBe(100);
      expect((await outbox.peek(1))[0]?.id).toBe(telemetryEvent(2400).id);
    });

    it("keeps refused events as dead letters with their code and reason, removed from the outbox in the same call", async () => {
      const at = Date.parse("2026-11-22T09:00:00.000Z");
      const outbox = await create({ now: () => at });
      await outbox.append([telemetryEvent(1), telemetryEvent(2), telemetryEvent(3)]);
      const bytes = outbox.usage().bytes;
      const made = await outbox.remove(
        [telemetryEvent(1).id],
        [{ id: telemetryEvent(2).id, code: "TALLY_ERR_LOCATION_UNKNOWN", reason: "no such bin", batchId: "b-1" }],
      );
      const expected = {
        event: telemetryEvent(2),
        code: "TALLY_ERR_LOCATION_UNKNOWN",
        reason: "no such bin",
        batchId: "b-1",
        deadLetteredAt: "2026-11-22T09:00:00.000Z",
      };
      expect(made).toEqual([expected]);
      expect((await outbox.peek(10)).map((e) => e.id)).toEqual([telemetryEvent(3).id]);
      expect(outbox.depth()).toBe(1);
      expect(outbox.usage().bytes).toBeLessThan(bytes);
      expect(await outbox.deadLetters(10)).toEqual([expected]);
      expect(outbox.deadLetterUsage()).toMatchObject({ count: 1, dropped: 0 });
    });

    it("makes a dead letter once: a refusal of an event no longer waiting makes none", async () => {
      const outbox = await create();
      await outbox.append([telemetryEvent(1)]);
      const refusal = { id: telemetryEvent(1).id, code: "TALLY_ERR_SKU_UNKNOWN" as const, reason: "no such SKU" };
      expect(await outbox.remove([], [refusal])).toHaveLength(1);
      expect(await outbox.remove([], [refusal, { ...refusal, id: "not-there" }])).toEqual([]);
      expect(await outbox.deadLetters(10)).toHaveLength(1);
      expect(outbox.depth()).toBe(0);
    });

    it("keeps the newest dead letters up to its bound, newest first, and counts those dropped", async () => {
      const outbox = await create({ maxDeadLetters: 3 });
      const events = Array.from({ length: 5 }, (_, i) => telemetryEvent(i));
      await outbox.append(events);
      for (const e of events) {
        await outbox.remove([], [{ id: e.id, code: "TALLY_ERR_TIME_OUT_OF_RANGE", reason: `late ${e.id}` }]);
      }
      expect((await outbox.deadLetters(10)).map((d) => d.event.id)).toEqual(
        [events[4], events[3], events[2]].map((e) => e?.id),
      );
      expect((await outbox.deadLetters(2)).map((d) => d.event.id)).toEqual([events[4], events[3]].map((e) => e?.id));
      expect(await outbox.deadLetters(0)).toEqual([]);
      expect(outbox.deadLetterUsage()).toEqual({ count: 3, max: 3, dropped: 2 });
    });
  });
}
