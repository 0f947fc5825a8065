/**
 * Ledger invariants as fast-check properties, run against every LedgerStore
 * adapter. Each property reuses one or two stores for all its runs (fresh
 * ids and a SKU prefix per run keep runs apart), so a thousand runs stay
 * fast on PostgreSQL too.
 */
import { randomUUID } from "node:crypto";
import type { LedgerStore, Position } from "@tally/cloud";
import type { HistoryEntry, Movement } from "@tally/protocols";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meta, movement } from "./event-fixtures.js";

const LOCATIONS = ["S1/A/01", "S1/A/02", "S1/B/01"] as const;
const T0 = Date.parse("2026-11-22T08:00:00.000Z");

/** A movement's shape without its ids: what the properties generate. */
interface Spec {
  sku: "X" | "Y";
  qty: number;
  from?: string;
  to?: string;
  lot?: string;
  minute: number;
}

const location = fc.constantFrom(...LOCATIONS);
const spec: fc.Arbitrary<Spec> = fc
  .record({
    sku: fc.constantFrom("X" as const, "Y" as const),
    qty: fc.integer({ min: 1, max: 20 }),
    from: fc.option(location, { nil: undefined }),
    to: fc.option(location, { nil: undefined }),
    lot: fc.option(fc.constantFrom("L1", "L2"), { nil: undefined }),
    minute: fc.integer({ min: 0, max: 600 }),
  })
  .filter((s) => (s.from !== undefined || s.to !== undefined) && s.from !== s.to)
  .map(({ from, to, lot, ...rest }) => ({
    ...rest,
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    ...(lot !== undefined && { lot }),
  }));

function toMovement(s: Spec, prefix: string): Movement {
  return movement({
    ...s,
    sku: `${prefix}${s.sku}`,
    occurredAt: new Date(T0 + s.minute * 60_000).toISOString(),
  });
}

/** Splits a list into consecutive batches of the given sizes (cycled). */
function batches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, k = 0; i < items.length; k++) {
    const size = sizes[k % sizes.length] ?? 1;
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

/** Positions by the sum of movements (the model). */
function expectedStock(movements: readonly Movement[]): Position[] {
  const map = new Map<string, Position>();
  const add = (sku: string, location: string, lot: string, qty: number) => {
    const key = `${sku}|${location}|${lot}`;
    const p = map.get(key) ?? { sku, location, lot, qty: 0 };
    p.qty += qty;
    map.set(key, p);
  };
  for (const m of movements) {
    if (m.from !== undefined) add(m.sku, m.from, m.lot ?? "", -m.qty);
    if (m.to !== undefined) add(m.sku, m.to, m.lot ?? "", m.qty);
  }
  return [...map.values()]
    .filter((p) => p.qty !== 0)
    .sort((a, b) => cmp(a.sku, b.sku) || cmp(a.location, b.location) || cmp(a.lot, b.lot));
}

/** History by the model: legs ordered by (occurredAt, id, delta) with prefix sums. */
function expectedHistory(movements: readonly Movement[]): Pick<HistoryEntry, "movementId" | "delta" | "balance">[] {
  const legs = movements.flatMap((m) => [
    ...(m.to !== undefined ? [{ at: Date.parse(m.occurredAt), id: m.id, delta: m.qty }] : []),
    ...(m.from !== undefined ? [{ at: Date.parse(m.occurredAt), id: m.id, delta: -m.qty }] : []),
  ]);
  legs.sort((a, b) => a.at - b.at || cmp(a.id, b.id) || a.delta - b.delta);
  let balance = 0;
  return legs.map((l) => {
    balance += l.delta;
    return { movementId: l.id, delta: l.delta, balance };
  });
}

async function stockOf(store: LedgerStore, prefix: string): Promise<Position[]> {
  return [...(await store.stock({ sku: `${prefix}X` })), ...(await store.stock({ sku: `${prefix}Y` }))];
}

async function historyOf(store: LedgerStore, sku: string) {
  return (await store.history({ sku, limit: 1000 })).map(({ movementId, delta, balance }) => ({
    movementId,
    delta,
    balance,
  }));
}

/** Each property's time limit: a thousand runs on a shared, noisy machine. */
const PROPERTY_TIMEOUT_MS = 240_000;

export function ledgerInvariants(name: string, create: () => Promise<LedgerStore>, numRuns = 1000): void {
  describe(`ledger invariants (${numRuns} runs each): ${name}`, () => {
    let a: LedgerStore;
    let b: LedgerStore;
    /** Its own store: other properties leave negative positions (and their open alerts) behind in `a`. */
    let c: LedgerStore;
    let run = 0;
    const nextPrefix = () => {
      run += 1;
      return `P${run}${randomUUID().slice(0, 4)}-`;
    };
    beforeAll(async () => {
      a = await create();
      b = await create();
      c = await create();
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      await c.close();
    });

    it(
      "a transfer moves stock and never creates or destroys it",
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ to: location, qty: fc.integer({ min: 1, max: 50 }) }), { minLength: 1, maxLength: 3 }),
            fc.array(fc.record({ from: location, to: location, qty: fc.integer({ min: 1, max: 50 }) }), {
              minLength: 1,
              maxLength: 4,
            }),
            async (receipts, transfers) => {
              const prefix = nextPrefix();
              const sku = `${prefix}X`;
              const received = receipts.map((r) => movement({ sku, ...r }));
              await a.commit(meta(0), received);
              const before = expectedStock(received);
              const moves = transfers.filter((t) => t.from !== t.to).map((t) => movement({ sku, ...t }));
              await a.commit(meta(1), moves);
              const after = await a.stock({ sku });
              const total = (ps: readonly Position[]) => ps.reduce((s, p) => s + p.qty, 0);
              expect(total(after)).toBe(total(before));
              expect(after).toEqual(expectedStock([...received, ...moves]));
            },
          ),
          { numRuns },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      "any permutation of a batch, with duplicates, in any batches, gives the same state",
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(spec, { minLength: 1, maxLength: 8 }),
            fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
            fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
            async (specs, keys, sizes) => {
              const prefix = nextPrefix();
              const original = specs.map((s) => toMovement(s, prefix));
              await a.commit(meta(0), original);
              // Shuffle by random keys and repeat some movements: a resend of part of the batch.
              const shuffled = original
                .map((m, i) => ({ m, k: keys[i] ?? 0 }))
                .sort((x, y) => x.k - y.k)
                .map((x) => x.m);
              const replay = [...shuffled, ...shuffled.filter((_, i) => (keys[i + 8] ?? 0) % 2 === 0)];
              for (const [i, batch] of batches(replay, sizes).entries()) await b.commit(meta(i), batch);
              expect(await stockOf(b, prefix)).toEqual(await stockOf(a, prefix));
              expect(await stockOf(a, prefix)).toEqual(expectedStock(original));
              for (const sku of [`${prefix}X`, `${prefix}Y`]) {
                expect(await historyOf(b, sku)).toEqual(await historyOf(a, sku));
              }
            },
          ),
          { numRuns },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      "the same id with other content is refused, recorded as a conflict and never applied",
      async () => {
        await fc.assert(
          fc.asyncProperty(spec, spec, async (first, second) => {
            const prefix = nextPrefix();
            const original = toMovement(first, prefix);
            await a.commit(meta(0), [original]);
            // Other content under the same id (the qty always differs).
            const other = { ...toMovement(second, prefix), id: original.id, qty: original.qty + second.qty };
            const result = await a.commit(meta(1), [other]);
            expect(result.conflicts).toEqual([original.id]);
            expect(result.committed).toEqual([]);
            expect(await a.movement(original.id)).toEqual(original);
            expect(await stockOf(a, prefix)).toEqual(expectedStock([original]));
            expect((await a.conflicts(1))[0]).toMatchObject({ eventId: original.id, event: other });
          }),
          { numRuns },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      "a correction is a new reversing movement; the original stays",
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 5 }), fc.nat(), async (specs, pick) => {
            const prefix = nextPrefix();
            const ms = specs.map((s) => toMovement(s, prefix));
            await a.commit(meta(0), ms);
            const target = ms[pick % ms.length];
            if (target === undefined) return;
            const result = await a.reverseMovement(target.id, "test");
            expect(result?.created).toBe(true);
            expect(result?.reversal).toMatchObject({ movementType: "ADJUSTMENT", sku: target.sku, qty: target.qty });
            expect(result?.reversal.from).toBe(target.to);
            expect(result?.reversal.to).toBe(target.from);
            expect(await a.movement(target.id)).toEqual(target);
            expect(await stockOf(a, prefix)).toEqual(expectedStock(ms.filter((m) => m !== target)));
          }),
          { numRuns },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      "negative stock: refused items never go below zero and every held movement has a task; allowed ones alert, with a task for the movement that took them below",
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom("refuse" as const, "allow" as const),
            fc.array(fc.record({ out: fc.boolean(), qty: fc.integer({ min: 1, max: 10 }) }), {
              minLength: 1,
              maxLength: 6,
            }),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
            async (policy, steps, sizes) => {
              const prefix = nextPrefix();
              const sku = `${prefix}X`;
              await c.putItem({ sku, gtins: [], temperatureClass: "ambient", negativeStock: policy });
              const ms = steps.map((s) =>
                s.out ? movement({ sku, qty: s.qty, from: "S1/A/01" }) : movement({ sku, qty: s.qty, to: "S1/A/01" }),
              );
              const held: string[] = [];
              const committed = batches(ms, sizes);
              for (const [i, batch] of committed.entries()) {
                held.push(...((await c.commit(meta(i), batch)).held ?? []));
              }
              // The model: walk in order, holding what would go below zero; where it may, a batch that takes
              // the stock below zero (the alert not yet raised) opens a task for its last movement out.
              let qty = 0;
              let negative = false;
              const modelHeld: string[] = [];
              const modelCounted: string[] = [];
              for (const batch of committed) {
                for (const m of batch) {
                  const delta = m.from !== undefined ? -m.qty : m.qty;
                  if (policy === "refuse" && qty + delta < 0) modelHeld.push(m.id);
                  else qty += delta;
                }
                if (policy === "allow" && qty < 0 && !negative) {
                  const culprit = batch.findLast((m) => m.from !== undefined);
                  if (culprit !== undefined) modelCounted.push(culprit.id);
                }
                negative = qty < 0;
              }
              expect(held).toEqual(modelHeld);
              const stock = await c.stock({ sku });
              expect(stock.reduce((s, p) => s + p.qty, 0)).toBe(qty);
              const tasks = (await c.tasks.list({ status: "open" })).filter((t) => t.sku === sku);
              expect(tasks.flatMap((t) => t.evidence.observationIds).sort()).toEqual(
                [...modelHeld, ...modelCounted].sort(),
              );
              // Negative stock waits out its grace as a pending alert (the sweep opens it later).
              const alerts = (await c.alerting.list({ status: "pending" })).filter((al) => al.sku === sku);
              expect(alerts.map((al) => al.kind)).toEqual(qty < 0 ? ["NEGATIVE_STOCK"] : []);
              // Leave nothing open, so the open lists later runs read stay short.
              for (const t of tasks) await c.tasks.dismiss(t.id, "test", "checked");
              if (qty < 0) await c.commit(meta(99), [movement({ sku, qty: -qty, to: "S1/A/01" })]);
            },
          ),
          { numRuns },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      "late events land in their place of the history and the running balances",
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(spec, { minLength: 1, maxLength: 8 }),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
            async (specs, sizes) => {
              const prefix = nextPrefix();
              // Arrival order is the generated order, occurredAt is random: many events arrive late.
              const ms = specs.map((s) => toMovement(s, prefix));
              for (const [i, batch] of batches(ms, sizes).entries()) await a.commit(meta(i), batch);
              for (const sku of [`${prefix}X`, `${prefix}Y`]) {
                const got = await historyOf(a, sku);
                expect(got).toEqual(expectedHistory(ms.filter((m) => m.sku === sku)));
                const times = (await a.history({ sku, limit: 1000 })).map((e) => Date.parse(e.occurredAt));
                expect(times).toEqual([...times].sort((x, y) => x - y));
              }
            },
          ),
          { numRuns },
        );
      },
      PROPERTY_TIMEOUT_MS,
    );
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
