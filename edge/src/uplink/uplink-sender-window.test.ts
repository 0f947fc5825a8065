import type { EdgeEvent } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { MemoryOutbox } from "../adapters/memory-outbox.js";
import type { OutgoingBatch } from "../ports/uplink-transport.js";
import { setup, telemetry } from "../testing/fake-uplink.js";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => telemetry(from + i));
/** The numbers of a batch's telemetry events (their values). */
const numberOf = (event: EdgeEvent) => (event.kind === "telemetry" ? event.value : Number.NaN);
const idsOf = (batch: OutgoingBatch | undefined) => batch?.events.map(numberOf) ?? [];
const sentAt = (sent: OutgoingBatch[], i: number): OutgoingBatch => {
  const batch = sent[i];
  if (batch === undefined) throw new Error(`no batch ${i}`);
  return batch;
};

describe("UplinkSender with a window", () => {
  it("sends a backlog several full batches deep, each naming the one before it as after", async () => {
    const { outbox, transport, sender, advance } = await setup(2, {}, 0, { window: 3 });
    await outbox.append(range(1, 7));
    sender.notify();
    await advance(0);
    expect(transport.sent.map(idsOf)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(transport.sent.map((b) => b.after)).toEqual([undefined, 0, 1]);
    expect(sender.batchesInFlight).toBe(3);
    // The window is full; after an ack event 7 alone is no full batch, so it waits while others are in flight…
    transport.ack(sentAt(transport.sent, 0));
    await advance(0);
    expect(transport.sent).toHaveLength(3);
    // …until it makes one, which goes at once, naming the newest batch still in flight.
    await outbox.append([telemetry(8)]);
    sender.notify();
    await advance(0);
    expect(transport.sent.map(idsOf).at(-1)).toEqual([7, 8]);
    expect(transport.sent.at(-1)).toMatchObject({ seq: 3, after: 2 });
  });

  it("sends a part-full batch only when nothing is in flight: a trickle goes one batch at a time", async () => {
    const { outbox, transport, sender, advance } = await setup(10, {}, 0, { window: 4 });
    await outbox.append([telemetry(1)]);
    sender.notify();
    await advance(0);
    await outbox.append([telemetry(2)]);
    sender.notify();
    await outbox.append([telemetry(3)]);
    sender.notify();
    await advance(0);
    expect(transport.sent.map(idsOf)).toEqual([[1]]);
    transport.ack(sentAt(transport.sent, 0));
    await advance(0);
    expect(transport.sent.map(idsOf)).toEqual([[1], [2, 3]]);
    expect(transport.sent[1]?.after).toBeUndefined();
  });

  it("takes acknowledged batches out in whatever order their acks come, and resends nothing acknowledged", async () => {
    const { outbox, transport, sender, advance } = await setup(2, {}, 0, { window: 4 });
    await outbox.append(range(1, 8));
    sender.notify();
    await advance(0);
    const [b0, b1, b2, b3] = [0, 1, 2, 3].map((i) => sentAt(transport.sent, i));
    transport.ack(b2 as OutgoingBatch);
    transport.ack(b0 as OutgoingBatch);
    await advance(0);
    expect(outbox.depth()).toBe(4);
    expect((await outbox.peek(10)).map(numberOf)).toEqual([3, 4, 7, 8]);
    expect(sender.batchesInFlight).toBe(2);
    // No ack for b1 and b3 in time: both are sent again, in order, b1 now naming nothing (b0 was acknowledged).
    await advance(110);
    const resent = transport.sent.slice(4);
    expect(resent.map((b) => b.batchId)).toEqual([b1?.batchId, b3?.batchId]);
    expect(resent.map((b) => b.after)).toEqual([undefined, b1?.seq]);
    transport.ack(b3 as OutgoingBatch);
    transport.ack(b1 as OutgoingBatch);
    await advance(0);
    await sender.drained();
    expect(outbox.depth()).toBe(0);
    expect(sender.counters).toMatchObject({ eventsCommitted: 8, eventsDuplicate: 0, resends: 2 });
    // Each event went in exactly one batch (resends repeat a batch, never re-batch its events).
    const byBatch = new Map(transport.sent.map((b) => [b.batchId, idsOf(b)]));
    expect([...byBatch.values()].flat().sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("resends every batch in flight, in order, as soon as the uplink is back", async () => {
    const { outbox, transport, sender, advance } = await setup(1, {}, 0, { window: 3 });
    await outbox.append(range(1, 3));
    sender.notify();
    await advance(0);
    expect(transport.sent).toHaveLength(3);
    transport.connectedSubject.next(false);
    transport.connectedSubject.next(true);
    await advance(0);
    const again = transport.sent.slice(3);
    expect(again.map((b) => b.seq)).toEqual([0, 1, 2]);
    expect(again.map((b) => b.after)).toEqual([undefined, 0, 1]);
    for (const batch of again) transport.ack(batch);
    await advance(0);
    await sender.drained();
    expect(outbox.depth()).toBe(0);
    expect(sender.counters.eventsCommitted).toBe(3);
  });

  it("forgets the whole window when a batch is refused whole, and later sends the outbox again from the front", async () => {
    const { outbox, transport, sender, advance } = await setup(1, {}, 0, { window: 3 });
    await outbox.append(range(1, 3));
    sender.notify();
    await advance(0);
    const first = sentAt(transport.sent, 0);
    transport.acksSubject.next({
      v: 1,
      edgeId: first.edgeId,
      batchId: first.batchId,
      seq: first.seq,
      status: "rejected",
      committed: [],
      duplicates: [],
      rejected: [{ id: telemetry(1).id, index: 0, code: "TALLY_ERR_SITE_UNKNOWN", reason: "no layout" }],
      committedAt: "2026-11-22T08:00:01.000Z",
    });
    await advance(0);
    expect(sender.batchesInFlight).toBe(0);
    // No timeout resends the forgotten batches; after the longest backoff (400) the front goes in new batches.
    await advance(390);
    expect(transport.sent).toHaveLength(3);
    await advance(20);
    const fresh = transport.sent.slice(3);
    expect(fresh.map(idsOf)).toEqual([[1], [2], [3]]);
    expect(fresh.map((b) => b.seq)).toEqual([3, 4, 5]);
    expect(fresh.map((b) => b.after)).toEqual([undefined, 3, 4]);
    expect(outbox.depth()).toBe(3);
  });

  it("with a window of one never names an after, so an older cloud accepts its batches", async () => {
    const { outbox, transport, sender, advance } = await setup(1, {}, 0, { window: 1 });
    await outbox.append(range(1, 3));
    sender.notify();
    for (let i = 0; i < 3; i++) {
      await advance(0);
      transport.ack(sentAt(transport.sent, i));
    }
    await advance(0);
    await sender.drained();
    expect(transport.sent.map(idsOf)).toEqual([[1], [2], [3]]);
    expect(transport.sent.every((b) => !("after" in b))).toBe(true);
  });

  it("sends events that came while the outbox was being read and found empty", async () => {
    /** Reads the outbox at once but answers only when let go: events can arrive in between. */
    class SlowOutbox extends MemoryOutbox {
      #waiting: (() => void)[] = [];
      get reading(): boolean {
        return this.#waiting.length > 0;
      }
      letGo(): void {
        for (const resolve of this.#waiting.splice(0)) resolve();
      }
      override async peekAfter(position: number, max: number) {
        const read = await super.peekAfter(position, max);
        await new Promise<void>((resolve) => this.#waiting.push(resolve));
        return read;
      }
    }
    const slow = new SlowOutbox();
    const { transport, sender, advance } = await setup(10, {}, 0, { window: 2 }, slow);
    await advance(0);
    expect(slow.reading).toBe(true);
    await slow.append([telemetry(1)]);
    sender.notify();
    slow.letGo();
    await advance(0);
    slow.letGo();
    await advance(0);
    expect(transport.sent.map(idsOf)).toEqual([[1]]);
  });
});
