import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../alerts/alert-hub.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { batch, everyLocationKnown, movement, tempStore } from "../testing/fixtures.js";
import { BatchOrder, PredecessorNotCommitted } from "./batch-order.js";
import { ingestBatch } from "./ingest-batch.js";
import type { SiteFactsSource } from "./site-checks.js";

const now = () => new Date("2026-11-22T10:00:00.000Z");

describe("ingestBatch with a BatchOrder", () => {
  let store: LedgerStore;
  let dispose: () => Promise<void>;
  /** Batch seqs in the order the store was asked to commit them. */
  let commits: number[];
  let held: number[];
  let expired: number[];
  let order: BatchOrder;
  beforeEach(async () => {
    ({ store, dispose } = await tempStore());
    commits = [];
    const commit = store.commit.bind(store);
    store.commit = (meta, events) => {
      commits.push(meta.seq);
      return commit(meta, events);
    };
    held = [];
    expired = [];
    order = new BatchOrder({
      holdMs: 200,
      onHeld: (b) => held.push(b.seq),
      onExpired: (b) => expired.push(b.seq),
    });
  });
  afterEach(async () => {
    await dispose();
  });
  const ingest = (b: ReturnType<typeof batch>) =>
    ingestBatch({ store, alerts: new AlertHub(), now, siteFacts: everyLocationKnown, order }, b);

  it("commits a batch that arrives before the one it names as after once that one has committed", async () => {
    const instanceId = randomUUID();
    const receipt = movement({ movementType: "RECEIPT", qty: 5, to: "S1/A/01" });
    const pick = movement({ movementType: "PICK", qty: 3, from: "S1/A/01", to: undefined });
    const second = ingest(batch([pick], { seq: 8, after: 7, instanceId }));
    const first = ingest(batch([receipt], { seq: 7, instanceId }));
    const [acks2, acks1] = await Promise.all([second, first]);
    expect([acks1.status, acks2.status]).toEqual(["committed", "committed"]);
    expect(acks2.committed).toEqual([pick.id]);
    expect(commits).toEqual([7, 8]);
    expect(held).toEqual([8]);
    expect((await store.movements()).map((m) => m.movementType)).toEqual(["RECEIPT", "PICK"]);
    expect(order.isSettled({ edgeId: "edge-1", instanceId }, 8)).toBe(true);
  });

  it("leaves a batch unacknowledged when what it names as after does not commit within the hold", async () => {
    const instanceId = randomUUID();
    const receipt = movement();
    const pick = movement({ movementType: "PICK", qty: 1, from: "S1/A/01", to: undefined });
    await expect(ingest(batch([pick], { seq: 2, after: 1, instanceId }))).rejects.toBeInstanceOf(
      PredecessorNotCommitted,
    );
    expect(commits).toEqual([]);
    expect(expired).toEqual([2]);
    // The edge sends both again, in order: both commit.
    await ingest(batch([receipt], { seq: 1, instanceId }));
    const ack = await ingest(batch([pick], { seq: 2, after: 1, instanceId }));
    expect(ack.committed).toEqual([pick.id]);
    expect(commits).toEqual([1, 2]);
  });

  it("counts a predecessor as committed only for the edge process that sent it", async () => {
    await ingest(batch([movement()], { seq: 0, instanceId: randomUUID() }));
    // A new process of the same edge (an outbox in memory starts again at 0) names its own batch 0.
    const restarted = randomUUID();
    const later = ingest(batch([movement()], { seq: 1, after: 0, instanceId: restarted }));
    await ingest(batch([movement()], { seq: 0, instanceId: restarted }));
    await later;
    expect(commits).toEqual([0, 0, 1]);
    expect(held).toEqual([1]);
  });

  it("does not count a batch refused whole as committed", async () => {
    const instanceId = randomUUID();
    const unknownSite: SiteFactsSource = {
      facts: async () => ({ known: false, locations: new Set(), skus: new Set() }),
    };
    const refused = await ingestBatch(
      { store, alerts: new AlertHub(), now, siteFacts: unknownSite, order },
      batch([movement()], { seq: 4, instanceId }),
    );
    expect(refused.status).toBe("rejected");
    await expect(ingest(batch([movement()], { seq: 5, after: 4, instanceId }))).rejects.toBeInstanceOf(
      PredecessorNotCommitted,
    );
    expect(commits).toEqual([]);
  });
});
