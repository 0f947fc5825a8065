import type { EdgeEvent } from "@tally/protocols";
import { describe, expect, it } from "vitest";

/** The port as the contract sees it (the edge's `Outbox`). */
export interface OutboxUnderTest {
  append(events: readonly EdgeEvent[]): Promise<void>;
  peek(max: number): Promise<EdgeEvent[]>;
  remove(ids: readonly string[]): Promise<void>;
  depth(): number;
  usage(): { bytes: number };
  nextBatchSeq(): number;
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
export function outboxContract(name: string, create: () => Promise<OutboxUnderTest>): void {
  describe(`Outbox contract: ${name}`, () => {
    it("gives events back oldest first without removing them", async () => {
      const outbox = await create();
      await outbox.append([telemetryEvent(1), telemetryEvent(2)]);
      await outbox.append([telemetryEvent(3)]);
      expect((await outbox.peek(2)).map((e) => e.id)).toEqual([telemetryEvent(1).id, telemetryEvent(2).id]);
      expect((await outbox.peek(10)).length).toBe(3);
      expect(outbox.depth()).toBe(3);
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
  });
}
