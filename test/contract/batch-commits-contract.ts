/**
 * `batchCommitted`: whether an edge process's batch committed, as a cloud
 * instance other than the one that committed it asks (BatchOrder). Run from
 * `ledgerStoreContract`; `create` returns a store over an empty ledger.
 */
import { randomUUID } from "node:crypto";
import type { LedgerStore } from "@tally/cloud";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { meta, movement, task, telemetry } from "./event-fixtures.js";

export function batchCommitsContract(name: string, create: () => Promise<LedgerStore>): void {
  describe(`LedgerStore batchCommitted: ${name}`, () => {
    let store: LedgerStore;
    let instanceId: string;
    beforeEach(async () => {
      store = await create();
      instanceId = randomUUID();
    });
    afterEach(async () => {
      await store.close();
    });
    const sent = (seq: number) => ({ ...meta(seq), instanceId });

    it("answers yes for a committed batch of that edge process only: not its other seqs, processes or edges", async () => {
      await store.commit(sent(7), [movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" })]);
      expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 7 })).toBe(true);
      expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 8 })).toBe(false);
      expect(await store.batchCommitted({ edgeId: "edge-1", instanceId: randomUUID(), seq: 7 })).toBe(false);
      expect(await store.batchCommitted({ edgeId: "edge-2", instanceId, seq: 7 })).toBe(false);
    });

    it("answers yes for batches that inserted no movement: telemetry, tasks, nothing at all", async () => {
      await store.commit(sent(1), [telemetry()]);
      await store.commit(sent(2), [task()]);
      await store.commit(sent(3), []);
      for (const seq of [1, 2, 3]) expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq })).toBe(true);
    });

    it("answers yes for a resend and for a new batch of events the ledger already has", async () => {
      const events = [movement({ sku: "SKU-1", qty: 5, to: "S1/A/01" })];
      await store.commit(sent(0), events);
      expect((await store.commit(sent(0), events)).duplicates).toHaveLength(1);
      // After a whole refusal the edge sends what it holds again under new seqs: duplicates, still committed.
      expect((await store.commit(sent(1), events)).duplicates).toHaveLength(1);
      expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 0 })).toBe(true);
      expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 1 })).toBe(true);
      expect(await store.movements()).toHaveLength(1);
    });

    it("never counts a batch of an edge that does not say its process", async () => {
      // Such an edge's seqs may start again at each start: no process may take its row as its own.
      await store.commit(meta(4), [movement({ sku: "SKU-1", qty: 1, to: "S1/A/01" })]);
      await store.commit(meta(5), [telemetry()]);
      expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 4 })).toBe(false);
      expect(await store.batchCommitted({ edgeId: "edge-1", instanceId, seq: 5 })).toBe(false);
    });
  });
}
