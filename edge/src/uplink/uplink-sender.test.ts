import type { CommitAck } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import type { OutgoingBatch } from "../ports/uplink-transport.js";
import { setup, telemetry } from "../testing/fake-uplink.js";
import { newUplinkCounters } from "./uplink-sender.js";

describe("UplinkSender", () => {
  it("with no flush wait sends a part-full batch at once, and what came while it was in flight right after its ack", async () => {
    const { outbox, transport, sender, advance } = await setup(100, {}, 0);
    await outbox.append([telemetry(1)]);
    sender.notify();
    await advance(0);
    expect(transport.sent.map((b) => b.events.length)).toEqual([1]);
    // Events arrive while the first batch waits for its ack: no batch goes before it is acknowledged.
    await outbox.append([telemetry(2), telemetry(3)]);
    sender.notify();
    await outbox.append([telemetry(4)]);
    sender.notify();
    await advance(0);
    expect(transport.sent).toHaveLength(1);
    transport.ack(transport.sent[0] as OutgoingBatch);
    // No virtual time passes: the next batch, of everything that came meanwhile, goes on the ack.
    await advance(0);
    expect(transport.sent.map((b) => b.events.map((e) => e.id))).toEqual([
      [telemetry(1).id],
      [telemetry(2).id, telemetry(3).id, telemetry(4).id],
    ]);
  });

  it("takes out of the outbox only what the acknowledged batch held: a forged ack removes nothing else", async () => {
    const forged: string[] = [];
    const { outbox, transport, sender, advance } = await setup(1, {
      onForgedAck: (_ack, reason) => forged.push(reason),
    });
    await outbox.append([telemetry(1), telemetry(2), telemetry(3)]);
    await advance();
    const first = transport.sent[0] as OutgoingBatch;
    expect(first.events.map((e) => e.id)).toEqual([telemetry(1).id]);
    // Claims the next events are committed too, under the batch that is in flight.
    transport.ack(first, { committed: [telemetry(1).id, telemetry(2).id, telemetry(3).id] });
    await advance();
    expect(outbox.depth()).toBe(2);
    expect(sender.counters).toMatchObject({ eventsCommitted: 1, ackIdsForged: 2 });
    expect(forged).toEqual([expect.stringMatching(/names 2 event\(s\) the batch did not hold/)]);
    // An ack for a batch this edge never sent, or with another seq, takes nothing out.
    const second = transport.sent[1] as OutgoingBatch;
    transport.ack({ ...second, batchId: "00000000-0000-7000-8000-00000000dead" });
    transport.ack({ ...second, seq: second.seq + 7 });
    await advance();
    expect(outbox.depth()).toBe(2);
    expect(sender.counters.acksUnmatched).toBe(1);
    expect(forged).toHaveLength(2);
    transport.ack(second);
    await advance();
    expect(outbox.depth()).toBe(1);
  });

  it("keeps every event of a batch the cloud refuses whole, and tries again after the longest backoff", async () => {
    const { outbox, transport, advance } = await setup();
    await outbox.append([telemetry(1), telemetry(2)]);
    await advance();
    const batch = transport.sent[0] as OutgoingBatch;
    transport.acksSubject.next({
      v: 1,
      edgeId: batch.edgeId,
      batchId: batch.batchId,
      seq: batch.seq,
      status: "rejected",
      committed: [],
      duplicates: [],
      rejected: batch.events.map((e, index) => ({ id: e.id, index, code: "TALLY_ERR_EDGE_QUARANTINED", reason: "q" })),
      committedAt: "2026-11-22T08:00:01.000Z",
    });
    await new Promise((resolve) => setImmediate(resolve));
    await advance(300);
    expect(outbox.depth()).toBe(2);
    expect(transport.sent).toHaveLength(1);
    await advance(150);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]?.events.map((e) => e.id)).toEqual([telemetry(1).id, telemetry(2).id]);
    expect(transport.sent[1]?.seq).toBe(batch.seq + 1);
  });

  it("keeps the events the cloud refuses for good as dead letters with the ack's code and reason, reported once", async () => {
    const reported: string[] = [];
    const { outbox, transport, sender, advance } = await setup(3, {
      onDeadLettered: (letters) => reported.push(...letters.map((l) => `${l.event.id} ${l.code} ${l.reason}`)),
    });
    await outbox.append([telemetry(1), telemetry(2), telemetry(3)]);
    await advance();
    const batch = transport.sent[0] as OutgoingBatch;
    const ack: CommitAck = {
      v: 1,
      edgeId: batch.edgeId,
      batchId: batch.batchId,
      seq: batch.seq,
      status: "committed",
      committed: [telemetry(1).id],
      duplicates: [],
      rejected: [
        { id: telemetry(2).id, index: 1, code: "TALLY_ERR_TIME_OUT_OF_RANGE", reason: "dated 3 days ahead" },
        { id: telemetry(3).id, index: 2, code: "TALLY_ERR_SKU_UNKNOWN", reason: "no SKU X" },
      ],
      committedAt: "2026-11-22T08:00:01.000Z",
    };
    transport.acksSubject.next(ack);
    await advance();
    expect(outbox.depth()).toBe(0);
    const kept = await outbox.deadLetters(10);
    expect(kept.map((d) => [d.event, d.code, d.reason, d.batchId])).toEqual([
      [telemetry(3), "TALLY_ERR_SKU_UNKNOWN", "no SKU X", batch.batchId],
      [telemetry(2), "TALLY_ERR_TIME_OUT_OF_RANGE", "dated 3 days ahead", batch.batchId],
    ]);
    expect(reported).toEqual([
      `${telemetry(2).id} TALLY_ERR_TIME_OUT_OF_RANGE dated 3 days ahead`,
      `${telemetry(3).id} TALLY_ERR_SKU_UNKNOWN no SKU X`,
    ]);
    expect(sender.counters.eventsDeadLettered).toEqual({ TALLY_ERR_TIME_OUT_OF_RANGE: 1, TALLY_ERR_SKU_UNKNOWN: 1 });
    // The same ack again (a resend acknowledged twice) makes no second dead letter and no second report.
    transport.acksSubject.next(ack);
    await advance();
    expect(outbox.deadLetterUsage().count).toBe(2);
    expect(reported).toHaveLength(2);
  });

  it("makes no dead letter of a batch refused whole", async () => {
    const { outbox, transport, sender, advance } = await setup();
    await outbox.append([telemetry(1)]);
    await advance();
    const batch = transport.sent[0] as OutgoingBatch;
    transport.acksSubject.next({
      v: 1,
      edgeId: batch.edgeId,
      batchId: batch.batchId,
      seq: batch.seq,
      status: "rejected",
      committed: [],
      duplicates: [],
      rejected: [{ id: telemetry(1).id, index: 0, code: "TALLY_ERR_EDGE_QUARANTINED", reason: "two processes" }],
      committedAt: "2026-11-22T08:00:01.000Z",
    });
    await advance();
    expect(outbox.depth()).toBe(1);
    expect(outbox.deadLetterUsage().count).toBe(0);
    expect(sender.counters.eventsDeadLettered).toEqual({});
    sender.stop();
  });

  it("sends oldest first in batches and removes only what is acknowledged", async () => {
    const { outbox, transport, sender, advance } = await setup();
    await outbox.append([telemetry(1), telemetry(2), telemetry(3)]);
    sender.notify();
    await advance();
    expect(transport.sent).toHaveLength(1);
    const first = transport.sent[0];
    if (!first) throw new Error("no batch");
    expect(first.events.map((e) => e.id)).toEqual([telemetry(1).id, telemetry(2).id]);
    expect(first).toMatchObject({ v: 1, edgeId: "edge-1", siteId: "DEMO", seq: 0 });
    transport.ack(first, { committed: [telemetry(1).id], duplicates: [telemetry(2).id] });
    await advance();
    expect(transport.sent[1]).toMatchObject({ seq: 1, events: [{ id: telemetry(3).id }] });
    expect(outbox.depth()).toBe(1);
    const second = transport.sent[1];
    if (!second) throw new Error("no second batch");
    transport.ack(second);
    await advance();
    await sender.drained();
    expect(outbox.depth()).toBe(0);
    expect(sender.counters).toMatchObject({ eventsCommitted: 2, eventsDuplicate: 1 });
  });

  it("resends the same batch when no acknowledgement comes, with growing waits", async () => {
    const { outbox, transport, sender, advance } = await setup();
    await outbox.append([telemetry(1)]);
    sender.notify();
    await advance(1200);
    // flushMs 10, then waits of 100, 200, 400, 400 (jitter 1.0 with random 0.5): all sent by virtual time 1110.
    expect(transport.sent.length).toBe(5);
    const ids = new Set(transport.sent.map((b) => b.batchId));
    expect(ids.size).toBe(1);
    expect(outbox.depth()).toBe(1);
    sender.stop();
  });

  it("resends what is in flight as soon as the uplink is back, without waiting out the backoff", async () => {
    const { outbox, transport, sender, advance } = await setup();
    await outbox.append([telemetry(1)]);
    sender.notify();
    await advance(20);
    expect(transport.sent).toHaveLength(1);
    transport.connectedSubject.next(false);
    transport.connectedSubject.next(true);
    await advance(1);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]?.batchId).toBe(transport.sent[0]?.batchId);
    sender.stop();
  });

  it("keeps unacknowledged events when an ack names other ids", async () => {
    const { outbox, transport, sender, advance } = await setup();
    await outbox.append([telemetry(1), telemetry(2)]);
    sender.notify();
    await advance();
    const batch = transport.sent[0];
    if (!batch) throw new Error("no batch");
    transport.ack(batch, { committed: [telemetry(1).id] });
    await advance();
    expect(outbox.depth()).toBe(1);
    sender.stop();
  });
});

describe("newUplinkCounters", () => {
  it("zeroes every counter, with a dead letters' record of its own per call", () => {
    const counters = newUplinkCounters();
    for (const [name, value] of Object.entries(counters)) {
      expect([0, {}], name).toContainEqual(value);
    }
    const other = newUplinkCounters();
    counters.eventsDeadLettered.TALLY_ERR_SKU_UNKNOWN = 1;
    expect(other.eventsDeadLettered).toEqual({});
  });

  it("is what a new sender counts from", async () => {
    const { sender } = await setup(1);
    expect(sender.counters).toEqual(newUplinkCounters());
    sender.stop();
  });
});
