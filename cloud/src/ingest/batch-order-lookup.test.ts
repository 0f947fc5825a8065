import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BatchOrder, type CommittedLookup, type OrderedBatch, PredecessorNotCommitted } from "./batch-order.js";

const HOLD_MS = 5000;
const BACKOFF = { first: 5, max: 100 };
const instanceId = "0193a5e0-0000-7000-8000-00000000000a";

/**
 * BatchOrder asking a ledger (a fake one here) about predecessors another cloud instance commits, on virtual
 * time: `elsewhere` holds the seqs "committed there", and every lookup is recorded.
 */
describe("BatchOrder with a ledger lookup", () => {
  let elsewhere: Set<number>;
  let lookups: { seq: number; at: number }[];
  let held: number[];
  let expired: number[];
  let found: number[];
  let committed: number[];
  let failures: unknown[];
  let order: BatchOrder;
  const lookup: CommittedLookup = async (batch) => {
    lookups.push({ seq: batch.seq, at: Date.now() });
    return elsewhere.has(batch.seq);
  };
  const orderWith = (options: { lookup?: CommittedLookup | undefined } = {}) =>
    new BatchOrder({
      holdMs: HOLD_MS,
      lookupBackoffMs: BACKOFF,
      now: () => Date.now(),
      onHeld: (b) => held.push(b.seq),
      onExpired: (b) => expired.push(b.seq),
      onFound: (b) => found.push(b.seq),
      onLookupFailed: (error) => failures.push(error),
      ...options,
    });
  /** Commits `batch` in its turn: the commit takes `ms` of virtual time. */
  const ingest = (batch: Partial<OrderedBatch> & { seq: number }, ms = 0) =>
    order.inTurn(
      { edgeId: "edge-1", instanceId, ...batch },
      async () => {
        if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
        committed.push(batch.seq);
        return batch.seq;
      },
      () => true,
    );
  /** Whether a promise has settled, without waiting for it. */
  const settledYet = async (promise: Promise<unknown>) => {
    let done = false;
    void promise.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    await vi.advanceTimersByTimeAsync(0);
    return done;
  };

  let start0: number;
  beforeEach(() => {
    vi.useFakeTimers();
    start0 = Date.now();
    elsewhere = new Set();
    lookups = [];
    held = [];
    expired = [];
    found = [];
    committed = [];
    failures = [];
    order = orderWith({ lookup });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("commits at once a batch whose predecessor another instance committed: one lookup, not held", async () => {
    elsewhere.add(7);
    const start = Date.now();
    await ingest({ seq: 8, after: 7 });
    expect(committed).toEqual([8]);
    expect(lookups).toEqual([{ seq: 7, at: start }]);
    expect(held).toEqual([]);
    expect(found).toEqual([8]);
    // Now known here: the next batch naming it asks nothing.
    await ingest({ seq: 9, after: 7 });
    expect(lookups).toHaveLength(1);
  });

  it("holds a batch whose predecessor is in flight elsewhere only until it commits there, on a bounded backoff", async () => {
    const start = Date.now();
    const second = ingest({ seq: 8, after: 7 });
    await vi.advanceTimersByTimeAsync(300);
    expect(committed).toEqual([]);
    elsewhere.add(7);
    await vi.advanceTimersByTimeAsync(BACKOFF.max);
    await second;
    expect(committed).toEqual([8]);
    expect(held).toEqual([8]);
    expect(found).toEqual([8]);
    expect(expired).toEqual([]);
    // Found by the first lookup after it committed: at most one backoff late.
    const foundAt = lookups.at(-1)?.at ?? Number.NaN;
    expect(foundAt - start).toBeGreaterThanOrEqual(300);
    expect(foundAt - start).toBeLessThanOrEqual(300 + BACKOFF.max);
    // Spaced by the backoff: never two lookups at one instant, each wait at most the longest.
    const gaps = lookups.slice(1).map((l, i) => l.at - (lookups[i]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(BACKOFF.first);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(BACKOFF.max);
  });

  it("gives a predecessor that never commits the whole hold, with a bounded number of lookups", async () => {
    const second = ingest({ seq: 8, after: 7 });
    const outcome = expect(second).rejects.toBeInstanceOf(PredecessorNotCommitted);
    await vi.advanceTimersByTimeAsync(HOLD_MS - 1);
    expect(await settledYet(second)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
    expect(expired).toEqual([8]);
    expect(committed).toEqual([]);
    // 5 + 10 + … + 80 ms, then one every 100 ms: about 50 in 5 s, not a busy loop.
    expect(lookups.length).toBeGreaterThan(10);
    expect(lookups.length).toBeLessThanOrEqual(2 + Math.ceil(HOLD_MS / BACKOFF.max) + 5);
  });

  it("asks nothing when the predecessor settled here, or while it is being committed here", async () => {
    await ingest({ seq: 1 });
    await ingest({ seq: 2, after: 1 });
    // Batch 3 commits for a second of virtual time; batch 4, naming it, waits on this process alone.
    const third = ingest({ seq: 3, after: 2 }, 1000);
    const fourth = ingest({ seq: 4, after: 3 });
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all([third, fourth]);
    expect(committed).toEqual([1, 2, 3, 4]);
    expect(lookups).toEqual([]);
    expect(held).toEqual([]);
  });

  it("asks the ledger once the predecessor's copy here gives up, and goes when another instance committed it", async () => {
    // Batch 5 here waits for 4, which nobody commits within its hold.
    const fifth = ingest({ seq: 5, after: 4 });
    const fifthOutcome = expect(fifth).rejects.toBeInstanceOf(PredecessorNotCommitted);
    await vi.advanceTimersByTimeAsync(1000);
    // Batch 6 names 5, which is being handled here: it waits on this process, asking nothing of 5.
    const sixth = ingest({ seq: 6, after: 5 });
    await vi.advanceTimersByTimeAsync(HOLD_MS - 1000);
    await fifthOutcome;
    expect(lookups.filter((l) => l.seq === 5).map((l) => l.at)).toEqual([HOLD_MS + start0]);
    // A resend of 4 and 5 reached the other instance, which committed both.
    elsewhere.add(4);
    elsewhere.add(5);
    await vi.advanceTimersByTimeAsync(BACKOFF.max);
    await sixth;
    expect(committed).toEqual([6]);
    expect(expired).toEqual([5]);
  });

  it("keeps a batch held through a failing lookup, reports it, and goes once a lookup answers", async () => {
    let failing = true;
    order = orderWith({
      lookup: async (batch) => {
        lookups.push({ seq: batch.seq, at: Date.now() });
        if (failing) throw new Error("connection refused");
        return true;
      },
    });
    const second = ingest({ seq: 8, after: 7 });
    await vi.advanceTimersByTimeAsync(50);
    expect(committed).toEqual([]);
    expect(failures.length).toBeGreaterThan(0);
    failing = false;
    await vi.advanceTimersByTimeAsync(BACKOFF.max);
    await second;
    expect(committed).toEqual([8]);
  });

  it("never asks for a batch of an edge that does not say its process", async () => {
    const second = ingest({ seq: 8, after: 7, instanceId: undefined });
    const outcome = expect(second).rejects.toBeInstanceOf(PredecessorNotCommitted);
    elsewhere.add(7);
    await vi.advanceTimersByTimeAsync(HOLD_MS);
    await outcome;
    expect(lookups).toEqual([]);
  });

  it("without a lookup, a batch whose predecessor another instance committed waits out the hold", async () => {
    // What several cloud instances did before the ledger was asked: the reason for the lookup.
    order = orderWith({ lookup: undefined });
    elsewhere.add(7);
    const second = ingest({ seq: 8, after: 7 });
    const outcome = expect(second).rejects.toBeInstanceOf(PredecessorNotCommitted);
    await vi.advanceTimersByTimeAsync(HOLD_MS);
    await outcome;
    expect(expired).toEqual([8]);
    expect(committed).toEqual([]);
  });
});
