import { randomUUID } from "node:crypto";
import { ingestBatch } from "@tally/cloud";
import { CommitAck, type EdgeBatch, ErrorCode } from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BadEvent, badEvent, badValue, type GoodEvent, goodEvent } from "./arbitraries/edge-events.js";
import { FUZZ_SITE } from "./arbitraries/fuzz-site.js";
import { fuzzIngestLedger } from "./support/fuzz-ledger.js";
import { fuzzAsync, fuzzTimeout, withinBudgetAsync } from "./support/fuzz-runs.js";

const SUITE = "ingest-batch";

const ledger = fuzzIngestLedger();

type Item = { good: GoodEvent } | { bad: BadEvent };

/** One batch: good and bad events interleaved at random (at least one event: the envelope asks for one). */
const batchPlan = fc
  .tuple(fc.array(goodEvent, { maxLength: 6 }), fc.array(badEvent, { maxLength: 4 }))
  .filter(([good, bad]) => good.length + bad.length > 0)
  .chain(([good, bad]) => {
    const items: Item[] = [...good.map((g) => ({ good: g })), ...bad.map((b) => ({ bad: b }))];
    return fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });
  });

/** What the run sent, by event id: the good events' content, and the ids of bad events that carried one. */
interface Sent {
  good: Map<string, Record<string, unknown>>;
  badIds: Set<string>;
}

let runs = 0;

function buildBatch(items: readonly Item[], lot: string, now: number, sent: Sent): EdgeBatch {
  const events = items.map((item) => {
    if ("good" in item) {
      const event = item.good.build(randomUUID(), lot, now);
      sent.good.set(event.id as string, event);
      return event;
    }
    if (item.bad.how === "not-an-event" || item.bad.how === "deep") return badValue(item.bad);
    const id = randomUUID();
    sent.badIds.add(id);
    return item.bad.build(id, lot, now);
  });
  return {
    v: 1,
    edgeId: "edge-fuzz",
    siteId: FUZZ_SITE.siteId,
    batchId: randomUUID(),
    seq: 0,
    sentAt: new Date(now).toISOString(),
    events,
  };
}

const ingest = (batch: EdgeBatch) => withinBudgetAsync("ingestBatch", () => ingestBatch(ledger.deps(), batch));

/** Every good event is in this ack once (committed or duplicate, as told) and every bad one is rejected. */
function expectAck(ack: CommitAck, batch: EdgeBatch, sent: Sent, firstTime: boolean): void {
  expect(CommitAck.safeParse(ack).success).toBe(true);
  const goodIds = batch.events.flatMap((e) => {
    const id = (e as { id?: unknown } | null)?.id;
    return typeof id === "string" && sent.good.has(id) ? [id] : [];
  });
  expect(firstTime ? ack.committed : ack.duplicates).toEqual(goodIds);
  expect(firstTime ? ack.duplicates : ack.committed).toEqual([]);
  const rejectedIndexes = ack.rejected.map((r) => r.index);
  const badIndexes = batch.events.flatMap((e, i) => {
    const id = (e as { id?: unknown } | null)?.id;
    return typeof id === "string" && sent.good.has(id) ? [] : [i];
  });
  expect(rejectedIndexes).toEqual(badIndexes);
  for (const r of ack.rejected) expect([ErrorCode.EventSchema, ErrorCode.SiteMismatch]).toContain(r.code);
}

describe("fuzz: batches of good and bad events through ingestBatch into a SQLite ledger", () => {
  // About 5 commits a case, each an fsync'd SQLite transaction (about 6 ms here).
  it("commits every good event exactly once across resends and reused ids, and nothing of the bad ones", {
    timeout: fuzzTimeout(180_000),
  }, async () => {
    await fuzzAsync(
      SUITE,
      fc.asyncProperty(
        fc.array(batchPlan, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (plans, resends, reuses) => {
          runs += 1;
          const lot = `fz${runs.toString(36)}${randomUUID().slice(0, 8)}`;
          const now = Date.now();
          const sent: Sent = { good: new Map(), badIds: new Set() };
          const batches = plans.map((items) => buildBatch(items, lot, now, sent));

          for (const batch of batches) expectAck(await ingest(batch), batch, sent, true);
          // The edge resends what it has no ack for: the same batches, in any order, any number of times.
          for (const i of resends) {
            const batch = batches[i % batches.length] as EdgeBatch;
            expectAck(await ingest(batch), batch, sent, false);
          }
          // Reusing a committed id for other content is refused and changes nothing.
          const ids = [...sent.good.keys()];
          if (ids.length > 0 && reuses.length > 0) {
            const reused = [...new Set(reuses.map((r) => ids[r % ids.length] as string))];
            const changed = reused.map((id) => {
              const original = sent.good.get(id) as Record<string, unknown>;
              return original.kind === "movement"
                ? { ...original, qty: (original.qty as number) + 1 }
                : { ...original, detail: `${String(original.detail)} (changed)` };
            });
            const ack = await ingest({ ...(batches[0] as EdgeBatch), batchId: randomUUID(), events: changed });
            expect(ack.committed).toEqual([]);
            expect(ack.rejected.map((r) => [r.id, r.code])).toEqual(reused.map((id) => [id, ErrorCode.EventConflict]));
          }

          // The ledger: each good event once, as sent; no bad one; stock of this run's lot applied once per movement.
          const expectedStock = new Map<string, number>();
          for (const [id, event] of sent.good) {
            if (event.kind === "movement") {
              expect(await ledger.store().movement(id)).toMatchObject({
                id,
                qty: event.qty,
                sku: event.sku,
                to: event.to,
              });
              const key = `${String(event.sku)} ${String(event.to)}`;
              expectedStock.set(key, (expectedStock.get(key) ?? 0) + (event.qty as number));
            } else {
              expect(await ledger.store().tasks.get(id)).toMatchObject({ id });
            }
          }
          for (const id of sent.badIds) {
            expect(await ledger.store().movement(id)).toBeUndefined();
            expect(await ledger.store().tasks.get(id)).toBeUndefined();
          }
          const stock = await ledger.store().stock({ lot });
          expect(new Map(stock.map((p) => [`${p.sku} ${p.location}`, p.qty]))).toEqual(expectedStock);
        },
      ),
      300,
    );
  });
});
